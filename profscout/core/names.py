"""Person names: folding, parsing, arXiv query forms, matching author strings, ambiguity.

Everything here is pure. A professor is known by one or more CSRankings/DBLP names
("Aaron C. Courville", "Aaron Courville", "Wei Wang 0001"); an arXiv author string is free
text ("A. Courville", "Aaron C Courville", "Jane Doe-Smith"). Matching folds case, accents and
punctuation, accepts initials for given names and tolerates missing middle names.

A name that could belong to several people (namesakes in the store, a very frequent
East Asian name pattern, far more papers than one person writes) is *ambiguous*: a paper
then counts only with first-hand evidence about the person (its title or id on their own
publication list, a co-author of a paper that list names, a colleague, a matching
affiliation); co-authors learned from papers that were themselves admitted through such
evidence, and categories that fit their field, make it a lead, never a count. Given names split
differently ("Guo-Wei" / "Guowei") are different written names, and a name one letter off
matches only when asked (distinctive names): both need the same evidence. Every
attribution carries a confidence and a one-line evidence text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

# ------------------------------------------------------------------------------- folding
_DBLP_NUMBER = re.compile(r"\s+\d{4}\s*$")
_TAG = re.compile(r"\s*\[[^\]]*\]\s*")
_SPECIAL = str.maketrans({
    "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
    "þ": "th", "Þ": "Th", "ß": "ss", "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ı": "i",
})
_WORD = re.compile(r"[^\W_]+")
PARTICLES = frozenset({
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "la",
    "le", "ter", "ten", "bin", "ibn", "al", "el", "st",
})
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def display_name(name: str) -> str:
    """The display form of a CSRankings/DBLP name: DBLP number and ``[TAG]`` removed,
    whitespace collapsed (``Wei Wang 0001`` → ``Wei Wang``). The one name cleaner."""
    name = _TAG.sub(" ", name)
    name = _DBLP_NUMBER.sub("", name)
    return " ".join(name.split())


def fold(text: str) -> str:
    """Lower case, accents and punctuation removed, words separated by one space.

    The one folding of names and free text used for comparisons across profscout."""
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_WORD.findall(text.casefold()))


def has_dblp_number(name: str) -> bool:
    """Whether a DBLP name carries a disambiguation number (``Wei Wang 0001``)."""
    return bool(_DBLP_NUMBER.search(name))


_TOKEN_SUFFIXES = SUFFIXES | {"junior", "senior"}


@lru_cache(maxsize=1 << 16)
def name_tokens(name: str) -> tuple[str, ...]:
    """Folded words of a display name, without suffixes such as ``Jr.``."""
    return tuple(t for t in fold(display_name(name)).split() if t not in _TOKEN_SUFFIXES)


def same_person_names(a: str, b: str) -> bool:
    """Whether two names plausibly belong to one person.

    Same surname (last word) and compatible first names (equal, or one is the initial of
    the other). Used before merging rows that share only a homepage, since department pages
    are shared by many people.
    """
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb or ta[-1] != tb[-1]:
        return False
    fa, fb = ta[0], tb[0]
    if fa == fb:
        return True
    return (len(fa) == 1 and fb.startswith(fa)) or (len(fb) == 1 and fa.startswith(fb))


def _word_parts(word: str) -> tuple[str, ...]:
    """Folded parts of one written word ("Doe-Smith" → ("doe", "smith"), "J.-Y." → ("j", "y"))."""
    return tuple(fold(word).split())


# ------------------------------------------------------------------------------- parsing
@dataclass(frozen=True)
class ParsedName:
    """A name split into given-name words (each a tuple of folded parts) and surname parts."""

    given: tuple[tuple[str, ...], ...]
    surname: tuple[str, ...]

    @property
    def first(self) -> str:
        """The first given name that is not an initial ("" if there is none)."""
        for word in self.given:
            joined = "".join(word)
            if not _is_initials(word):
                return joined
        return ""

    @property
    def initials(self) -> str:
        return "".join(part[0] for word in self.given for part in word)

    @property
    def key(self) -> str:
        """Folded "first surname": two names with the same key are namesakes."""
        return " ".join(x for x in (self.first, "".join(self.surname)) if x)


def _is_initials(word: tuple[str, ...]) -> bool:
    return all(len(part) == 1 for part in word)


@lru_cache(maxsize=1 << 17)  # the same aliases and author strings are parsed many times
def parse_name(name: str) -> ParsedName:
    """Split a written name; handles "Last, First", particles, suffixes, hyphenated words."""
    name = display_name(name)
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first} {last}" if first.strip() and fold(first) not in SUFFIXES else last
    words = [w for w in (_word_parts(w) for w in name.split()) if w]
    while len(words) > 1 and "".join(words[-1]) in SUFFIXES:
        words.pop()
    if not words:
        return ParsedName((), ())
    i = len(words) - 1
    while i > 1 and len(words[i - 1]) == 1 and words[i - 1][0] in PARTICLES:
        i -= 1
    surname_words = words[i:]
    surname = [p for w in surname_words for p in w if p not in PARTICLES] or list(words[-1])
    return ParsedName(tuple(words[:i]), tuple(surname))


def validate_person_name(name: str) -> str:
    """The cleaned name, or ValueError with a one-line reason (empty, one letter, one word)."""
    cleaned = display_name(name or "")
    parsed = parse_name(cleaned)
    letters = "".join(p for w in parsed.given for p in w) + "".join(parsed.surname)
    if not letters:
        raise ValueError("the name is empty")
    if len(letters) < 2:
        raise ValueError(f"{name.strip()!r} is too short to be a name")
    if not parsed.given:
        raise ValueError(f"{name.strip()!r}: give a first and a last name, e.g. \"Jane Doe\"")
    if max(len(p) for p in parsed.surname) < 2:
        raise ValueError(f"{name.strip()!r}: the last name needs at least two letters")
    return cleaned


# ------------------------------------------------------------------------------- query forms
def query_forms(names: Iterable[str]) -> list[str]:
    """Folded name phrases to ask arXiv for, one or two per alias, without duplicates.

    Initials are dropped (arXiv phrase search on "a courville" would match every A. Courville);
    a name of three or more full words is also asked for whole ("maria garcia lopez").
    Output holds only lower-case letters, digits and spaces: nothing can be injected.
    """
    forms: list[str] = []
    for name in names:
        parsed = parse_name(name)
        if not parsed.surname:
            continue
        surname = " ".join(parsed.surname)
        full_given = [" ".join(w) for w in parsed.given if not _is_initials(w)]
        candidates = []
        if full_given:
            candidates.append(f"{full_given[0]} {surname}")
            if len(full_given) > 1:
                candidates.append(f"{' '.join(full_given)} {surname}")
        elif parsed.given:  # only initials: "J. Doe"
            candidates.append(f"{parsed.given[0][0]} {surname}")
        for form in candidates:
            if form not in forms and len(form.replace(" ", "")) >= 2:
                forms.append(form)
    return forms


# ------------------------------------------------------------------------------- matching
@dataclass(frozen=True)
class NameMatch:
    """How an author string matched a professor: score in (0, 1], which alias, how."""

    score: float
    alias: str
    how: str


FULL, MIDDLE_EXTRA, INITIAL, REVERSED, PARTIAL_SURNAME = 1.0, 0.85, 0.7, 0.6, 0.6
SPLIT, ONE_EDIT = 0.6, 0.6
SPLIT_HOW = "given name split differently"
ONE_EDIT_HOW = "one letter differs"
# Matches that name a different written name: kept only with evidence about the person.
NEEDS_EVIDENCE = (SPLIT_HOW, ONE_EDIT_HOW)
MIN_EDIT_LETTERS = 5  # words shorter than this are not matched one letter off


def _given_score(author: Sequence[tuple[str, ...]], prof: Sequence[tuple[str, ...]]) -> tuple[
        float, str] | None:
    """Compare given names; None when they cannot be the same person's."""
    if not author or not prof:
        return None
    # A professor known by the middle name ("A. Aldo Faisal") is matched on it too.
    prof_options = [list(prof)]
    if _is_initials(prof[0]) and len(prof) > 1:
        prof_options.append(list(prof[1:]))
    best: tuple[float, str] | None = None
    for option in prof_options:
        result = _compare_given(list(author), option)
        if result and (best is None or result[0] > best[0]):
            best = result
    return best


def _compare_given(author: list[tuple[str, ...]], prof: list[tuple[str, ...]]) -> tuple[
        float, str] | None:
    a_first, p_first = author[0], prof[0]
    a_join, p_join = "".join(a_first), "".join(p_first)
    if _is_initials(a_first) or _is_initials(p_first):
        # "J." / "J.-Y." against "Jun-Yan": initials of each part must agree.
        a_init = "".join(x[0] for x in a_first)
        p_init = "".join(x[0] for x in p_first)
        if not (a_init == p_init or a_init == p_join[:1] or p_init == a_join[:1]):
            return None
        score, how = INITIAL, "initial"
    elif a_first == p_first:
        score, how = FULL, "full name"
    else:
        # "Jun-Yan" and "Jun Yan" are one name written two ways; "Guo-Wei" and "Guowei" are
        # two names (each common), joined only by evidence about the person.
        a_parts = [p for w in author for p in w]
        p_parts = [p for w in prof for p in w]
        if a_parts == p_parts:
            return FULL, "full name"
        if "".join(a_parts) == "".join(p_parts) or a_join == p_join:
            return SPLIT, SPLIT_HOW
        return None
    a_mid, p_mid = author[1:], prof[1:]
    if a_mid and p_mid:
        a0, p0 = a_mid[0], p_mid[0]
        if "".join(a0)[:1] != "".join(p0)[:1]:
            return None
        if not _is_initials(a0) and not _is_initials(p0) and "".join(a0) != "".join(p0):
            return None
        how += " + middle"
    elif a_mid and not _is_initials(a_mid[0]) and score == FULL:
        score, how = MIDDLE_EXTRA, "full name + extra middle name"
    return score, how


def _split_at_surname(tokens: list[str], surname: tuple[str, ...]) -> list[str] | None:
    """Tokens before ``surname`` when the name ends with it (particles ignored)."""
    core = [t for t in tokens if t not in PARTICLES] if len(tokens) > 2 else tokens
    n = len(surname)
    if n and len(core) > n and tuple(core[-n:]) == surname:
        return core[:-n]
    joined = "".join(surname)
    if core and core[-1] == joined and len(core) > 1:  # "Doesmith" for "Doe-Smith"
        return core[:-1]
    return None


def match_author(author: str, aliases: Iterable[str], *, one_edit: bool = False
                 ) -> NameMatch | None:
    """The best match of an arXiv author string against a professor's aliases, or None.

    ``one_edit``: also match a name one letter off in the surname or the first name (a
    misspelling; only sensible for distinctive names), as :data:`ONE_EDIT_HOW`.
    """
    a = parse_name(author)
    if not a.surname:
        return None
    a_tokens = [p for w in a.given for p in w] + list(a.surname)
    best: NameMatch | None = None
    aliases = list(aliases)
    twins = joined_twins(aliases)
    for alias in aliases:
        p = parse_name(alias)
        if not p.surname or not p.given or alias in twins:
            continue
        found = _match_parsed(a, a_tokens, p)
        if found and (best is None or found[0] > best.score):
            best = NameMatch(found[0], display_name(alias), found[1])
    if best is None and one_edit:
        for alias in aliases:
            if _one_edit_apart(a, parse_name(alias)):
                return NameMatch(ONE_EDIT, display_name(alias), ONE_EDIT_HOW)
    return best


def joined_twins(aliases: Sequence[str]) -> set[str]:
    """Aliases that only join the split given name of another alias ("Jiabin Huang" beside
    "Jia-Bin Huang"): the person writes the split form, the joined one is another (often
    common) name, so an author written that way matches as :data:`SPLIT_HOW`."""
    parsed = [(alias, parse_name(alias)) for alias in aliases]
    split = {("".join(p.given[0]), p.surname) for _, p in parsed
             if p.given and len(p.given[0]) > 1 and not _is_initials(p.given[0])}
    return {alias for alias, p in parsed
            if p.given and len(p.given[0]) == 1 and (p.given[0][0], p.surname) in split}


def _one_edit_apart(a: ParsedName, p: ParsedName) -> bool:
    """Same first name and a surname one letter off, or the other way round."""
    a_sur, p_sur = "".join(a.surname), "".join(p.surname)
    if not a.first or not p.first or not a_sur or not p_sur:
        return False
    if a.first == p.first:
        return a_sur != p_sur and min(len(a_sur), len(p_sur)) >= MIN_EDIT_LETTERS \
            and edit_distance_one(a_sur, p_sur)
    if a_sur == p_sur:
        return min(len(a.first), len(p.first)) >= MIN_EDIT_LETTERS \
            and edit_distance_one(a.first, p.first)
    return False


def edit_distance_one(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one insertion, deletion, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        if a[i + 1:] == b[i + 1:]:
            return True
        return i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:]
    return a[i:] == b[i + 1:]


def _match_parsed(a: ParsedName, a_tokens: list[str], p: ParsedName) -> tuple[float, str] | None:
    if a.surname == p.surname or "".join(a.surname) == "".join(p.surname):
        given = _given_score(a.given, p.given)
        if given:
            return given
    # the author string may split the surname differently ("Jane Doe Smith", "Garcia Lopez")
    before = _split_at_surname(a_tokens, p.surname)
    if before is not None and before != [p for w in a.given for p in w]:
        given = _given_score([(t,) for t in before] if before else [], p.given)
        if given:
            return given
    # part of a multi-part surname ("Jane Doe" for "Jane Doe-Smith", or the other way round)
    if (len(p.surname) > 1 and len(a.surname) == 1 and a.surname[0] in p.surname) or (
            len(a.surname) > 1 and len(p.surname) == 1 and p.surname[0] in a.surname):
        given = _given_score(a.given, p.given)
        if given and given[1].startswith("full"):
            return min(given[0], PARTIAL_SURNAME), "part of surname"
    # surname first ("Wang Wei")
    if len(a_tokens) == 2 and not _is_initials((a_tokens[0],)):
        swapped = ParsedName(((a_tokens[1],),), (a_tokens[0],))
        if swapped.surname == p.surname:
            given = _given_score(swapped.given, p.given)
            if given and given[1].startswith("full"):
                return REVERSED, "surname first"
    return None


# ------------------------------------------------------------------------------- ambiguity
# Surnames shared by a large share of a population (Chinese, Korean, Vietnamese): with a
# short given name such a name belongs to many researchers.
_COMMON_SURNAMES_TEXT = """
wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng
liang xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye
cheng wei su lu ding ren shen yao jin fan fang shi tan zou xiong qiu qin jia hou kim lee
park choi jung kang cho yoon jang lim shin han oh seo kwon hwang song nguyen tran le pham
hoang phan vu dang bui do ho ngo duong ly
"""
COMMON_SURNAMES = frozenset(_COMMON_SURNAMES_TEXT.split())
SHORT_GIVEN = 5  # letters
PLAUSIBLE_PAPERS_PER_YEAR = 60.0


def common_name_pattern(name: str) -> bool:
    """A frequent surname with a short given name ("Wei Wang", "Yang Liu", "Ji Kim")."""
    p = parse_name(name)
    surname = "".join(p.surname)
    return surname in COMMON_SURNAMES and 0 < len(p.first) <= SHORT_GIVEN


def frequent_name(papers_per_year: float | None) -> bool:
    """More papers a year under a name than one person plausibly writes."""
    return papers_per_year is not None and papers_per_year > PLAUSIBLE_PAPERS_PER_YEAR


def ambiguity_reasons(aliases: Sequence[str], namesakes: int = 0,
                      papers_per_year: float | None = None) -> list[str]:
    """Why a professor's name could be several people's (empty: it is not ambiguous).

    ``namesakes``: other professors in the store with the same name key;
    ``papers_per_year``: how many papers the name's query forms matched, per year.
    """
    reasons = []
    if namesakes > 0:
        reasons.append(f"{namesakes} other professor{'s' if namesakes > 1 else ''} "
                       "with this name")
    if any(common_name_pattern(a) for a in aliases):
        reasons.append("very common name")
    if frequent_name(papers_per_year):
        reasons.append(f"{papers_per_year:.0f} papers a year under this name")
    return reasons


@dataclass
class PersonEvidence:
    """What is known about a professor, to confirm papers under an ambiguous name.

    ``colleagues``: author keys of other professors at the same institution (store).
    ``confirmed_coauthors`` are first-hand (papers the person's list names, or confirmed
    without needing evidence); ``linked_coauthors`` second-hand (papers confirmed only
    through co-authors, a colleague or the affiliation): a chain of those can walk into a
    namesake's group, so they make leads and confirm nothing.
    """

    area_categories: frozenset[str] = frozenset()
    confirmed_categories: frozenset[str] = frozenset()
    confirmed_coauthors: frozenset[str] = frozenset()
    institution: str = ""
    colleagues: frozenset[str] = frozenset()
    field_categories: frozenset[str] = frozenset()
    field_coauthors: frozenset[str] = frozenset()
    field_papers: int = 0
    linked_coauthors: frozenset[str] = frozenset()

    def with_field(self, categories: Iterable[str], coauthors: Iterable[str]) -> None:
        """Add a paper the person's own publication list names: its categories say what
        their field is, its co-authors who works with them."""
        self.field_categories = self.field_categories | frozenset(categories)
        self.field_coauthors = self.field_coauthors | frozenset(
            author_key(a) for a in coauthors if not common_name_pattern(a))
        self.field_papers += 1

    def with_confirmed(self, categories: Iterable[str], coauthors: Iterable[str]) -> None:
        """Add a confirmed paper's categories and (distinctive) co-authors."""
        self.confirmed_categories = self.confirmed_categories | frozenset(categories)
        self.confirmed_coauthors = self.confirmed_coauthors | frozenset(
            author_key(a) for a in coauthors if not common_name_pattern(a))

    def with_linked(self, categories: Iterable[str], coauthors: Iterable[str]) -> None:
        """Add a paper confirmed through evidence about the person (not named by their list):
        its categories, and its (distinctive) co-authors as second-hand links."""
        self.confirmed_categories = self.confirmed_categories | frozenset(categories)
        self.linked_coauthors = self.linked_coauthors | frozenset(
            author_key(a) for a in coauthors if not common_name_pattern(a))

    def copy(self) -> PersonEvidence:
        return PersonEvidence(self.area_categories, self.confirmed_categories,
                              self.confirmed_coauthors, self.institution, self.colleagues,
                              self.field_categories, self.field_coauthors, self.field_papers,
                              self.linked_coauthors)


def author_key(name: str) -> str:
    """A co-author's identity for overlap tests: folded "first surname" (initial if only that)."""
    p = parse_name(name)
    first = p.first or p.initials[:1]
    return f"{first} {''.join(p.surname)}".strip()


_INSTITUTION_STOP = frozenset({"university", "of", "the", "institute", "technology", "and",
                               "college", "at", "de", "school", "national", "department",
                               "univ", "california"})


def _affiliation_fits(affiliations: Iterable[str], institution: str) -> bool:
    words = set(fold(institution).split()) - _INSTITUTION_STOP
    if not words:
        return False
    return any(words <= set(fold(a).split()) for a in affiliations)


@dataclass(frozen=True)
class Attribution:
    """A decision about one paper for one professor."""

    keep: bool
    confidence: float
    evidence: str


STRONG, AREA_FIT, SEEN_CATEGORY = 0.95, 0.75, 0.6
LISTED = "on the person's own publication list"
# Evidence that points at one person (STRONG), not merely at anyone working in the field.
PERSONAL_EVIDENCE = ("co-authors of confirmed papers", "co-author from the same institution",
                     "affiliation fits", LISTED)
SECOND_HAND = "second-hand co-authors only"
LEAD = 0.45  # below activity.MIN_CONFIDENCE: kept as an unconfirmed lead, not counted
MIN_FIELD_PAPERS = 3  # listed papers that say what a person's field is


def attribute(match: NameMatch, *, ambiguous: Sequence[str], categories: Sequence[str],
              coauthors: Sequence[str], affiliations: Sequence[str],
              evidence: PersonEvidence, frequent: bool = False, listed: str = "",
              primary: str = "") -> Attribution:
    """Keep or drop a paper matched by name; confidence and evidence for the store.

    ``listed``: how the person's own publication list names the paper ("title listed",
    "arXiv id listed"; empty when it does not): the strongest confirmation, for any name.
    Unambiguous names keep every match at the match score, except a written name that
    differs (:data:`NEEDS_EVIDENCE`). Ambiguous names, and those matches, count only with
    first-hand evidence about the person: a co-author shared with the papers their list names
    (or that needed no evidence), a colleague from the same institution among the
    co-authors, a matching affiliation. Second-hand co-authors (shared only with papers that
    were themselves admitted through such evidence) can lead from one namesake's group into
    another's, however many there are; categories that fit the person's areas (or those of
    confirmed papers) fit every namesake in the field: both keep the paper as a lead
    (confidence :data:`LEAD`) with its reasons, never counted. Once the person's
    own list names ``MIN_FIELD_PAPERS`` papers, a paper of a distinctive name whose
    ``primary`` category is outside their field (the listed papers' categories and their
    areas) and that shares no co-author with them is a lead too: a namesake in another
    discipline.
    """
    name_part = f"name {match.how} ({match.alias})"
    if listed:
        return Attribution(True, round(max(match.score, STRONG), 3),
                           f"{name_part}; {listed} {LISTED}")
    needs_evidence = match.how in NEEDS_EVIDENCE
    keys = {author_key(c) for c in coauthors}
    if not ambiguous and not needs_evidence:
        field = evidence.field_categories | evidence.area_categories
        if evidence.field_papers >= MIN_FIELD_PAPERS and primary and primary not in field \
                and not keys & evidence.field_coauthors:
            return Attribution(True, LEAD, f"{name_part}; primary category {primary} "
                                           f"{OUTSIDE_FIELD}; nothing about the person")
        return Attribution(True, round(match.score, 3), name_part)
    cats = set(categories)
    reasons: list[str] = []
    factor = 0.0
    shared = sorted(keys & evidence.confirmed_coauthors)
    linked = sorted(keys & evidence.linked_coauthors - evidence.confirmed_coauthors)
    if shared:
        reasons.append(f"{PERSONAL_EVIDENCE[0]}: {', '.join(shared[:3])}")
        factor = STRONG
    elif linked:
        reasons.append(f"{SECOND_HAND} ({', '.join(linked[:3])})")
    colleagues = sorted(keys & evidence.colleagues)
    if colleagues:
        reasons.append(f"{PERSONAL_EVIDENCE[1]}: {', '.join(colleagues[:3])}")
        factor = STRONG
    if evidence.institution and _affiliation_fits(affiliations, evidence.institution):
        reasons.append(f"{PERSONAL_EVIDENCE[2]} {evidence.institution}")
        factor = STRONG
    fit = sorted(cats & evidence.area_categories)
    seen = sorted(cats & evidence.confirmed_categories)
    if fit:
        reasons.append(f"categories fit areas ({', '.join(fit)})")
    elif seen:
        reasons.append(f"categories of confirmed papers ({', '.join(seen)})")
    why = "; ".join(["ambiguous name: " + "; ".join(ambiguous)] if ambiguous else [])
    why = "; ".join(x for x in (why, match.how if needs_evidence else "") if x)
    if factor:
        return Attribution(True, round(max(match.score, SEEN_CATEGORY) * factor, 3),
                           f"{name_part}; {why}; " + "; ".join(reasons))
    if fit or seen or linked:
        return Attribution(True, LEAD, f"{name_part}; {why}; " + "; ".join(reasons)
                           + ("" if linked else "; nothing about the person"))
    return Attribution(False, 0.0, f"{name_part}; {why}; no corroborating evidence")


OUTSIDE_FIELD = "is outside the person's field"


def other_discipline(primary: str, field: Iterable[str]) -> bool:
    """Whether arXiv category ``primary`` is in an archive (``physics``, ``quant-ph``,
    ``eess``...) none of the ``field`` categories is in: another discipline, not merely
    another topic of the person's own."""
    archives = {c.split(".")[0] for c in field}
    return bool(primary and archives) and primary.split(".")[0] not in archives


def namesake_group(attribution: Attribution, coauthors: Iterable[str],
                   outside: Iterable[str], own: Iterable[str]) -> Attribution:
    """A distinctive name's counted paper that shares a co-author with its papers in another
    discipline (``outside``: their co-authors' keys) and none with the person's own
    (``own``: co-authors of listed papers and of papers stored as confirmed) belongs with
    those: a namesake's group in another discipline, kept as a lead. Listed papers and
    leads are left as they are."""
    if LISTED in attribution.evidence or attribution.confidence <= LEAD:
        return attribution
    keys = {author_key(c) for c in coauthors}
    if keys & set(own):
        return attribution
    shared = sorted(keys & set(outside))
    if not shared:
        return attribution
    return Attribution(True, LEAD, f"{attribution.evidence}; shares co-authors "
                                   f"({', '.join(shared[:3])}) only with papers in another "
                                   "discipline: a namesake's group")


def first_hand(evidence: str) -> bool:
    """Whether a kept paper's evidence text makes its co-authors first-hand: the person's
    list names it, or its name needed no evidence about the person at all."""
    return LISTED in evidence or not any(m in evidence for m in PERSONAL_EVIDENCE)


# ------------------------------------------------------------------------------- namesakes
DISPUTED = 0.3  # a namesake's claim on a paper that another namesake proves is theirs
NAMESAKE_NOTE = "namesakes in the store"


@dataclass(frozen=True)
class Claim:
    """One professor's stored authorship of a paper (one of several namesakes' claims)."""

    professor_id: int
    confidence: float
    evidence: str

    @property
    def personal(self) -> bool:
        return any(marker in self.evidence for marker in PERSONAL_EVIDENCE)

    @property
    def settled(self) -> bool:
        return NAMESAKE_NOTE in self.evidence


def share_between_namesakes(claims: Sequence[Claim]) -> dict[int, tuple[float, str]]:
    """New (confidence, evidence) for claims of several namesakes on one author of one paper.

    Categories that fit the field fit every namesake selected for that field, so they cannot
    say whose paper it is. Claims with evidence about the person (co-authors, a colleague,
    the affiliation) keep the paper; the others drop to ``DISPUTED``. When no claim has such
    evidence, the confidence is shared out (divided by the number of claimants), which keeps
    the paper from counting for any of them. A claim already settled is left alone, so the
    rule can run again without changing anything.
    """
    if len(claims) < 2:
        return {}
    personal = [c for c in claims if c.personal]
    updates: dict[int, tuple[float, str]] = {}
    others = sorted(c.professor_id for c in claims)
    for claim in claims:
        if claim.settled or claim.personal:
            continue
        rivals = ", ".join(str(p) for p in others if p != claim.professor_id)
        if personal:
            confidence = min(claim.confidence, DISPUTED)
            note = (f"{NAMESAKE_NOTE}: professor {', '.join(str(c.professor_id) for c in personal)}"
                    " has evidence that this paper is theirs")
        else:
            confidence = round(claim.confidence / len(claims), 3)
            note = f"{NAMESAKE_NOTE} ({rivals}) match it too; nothing tells them apart"
        updates[claim.professor_id] = (confidence, f"{claim.evidence}; {note}")
    return updates
