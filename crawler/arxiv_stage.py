"""The ``arxiv`` crawl stage: recent papers of the selected professors, into the store.

Professors are asked for in batches (several names OR-ed into one query, newest first, paged
only back to the window start). Papers are matched back to each professor of the batch by
name (:mod:`profscout.core.names`); ambiguous names keep a paper only with evidence, the
person's own publication list (``listed_publications``) first: the papers it names confirm
themselves and seed co-author and field evidence for the rest; namesakes of one batch
compete (:func:`settle_namesakes`). Within a run a batch's query excludes (``ANDNOT``) the
names of earlier, completely answered batches whose papers it would otherwise fetch again;
those papers, kept from the earlier answers, are attributed with its own
(:class:`crawler.arxiv_batches.Carry`). A name whose given name is a frequent surname
("Chen Chen") finds every author with that surname, so it is asked only in the arXiv
categories of the person's fields when these are known. Each batch is
committed on its own, so an interruption loses nothing finished. A professor seen before is
asked only for papers from a week before the newest one stored (or the last check) on:
arXiv announces a paper a day or more after the date it was submitted, so a paper
submitted before the last crawl may have appeared only since.

One person at a time (``crawler.check``): :func:`person_in_store`, :func:`person_by_name`,
:func:`look_up_person`, :func:`save_lookup` and :func:`sync_covers`.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

from crawler.arxiv_batches import (
    EXCLUDE_SHARE,
    Carry,
    expected_results,
    floods,
    plan_by_results,
    unique_terms,
)
from crawler.arxiv_client import (
    ArxivClient,
    EndpointError,
    Paper,
    get_client,
    is_category,
)
from crawler.stages import StageContext, StageReport
from profscout.core.activity import MIN_CONFIDENCE, months_ago
from profscout.core.errors import SourceError
from profscout.core.names import (
    OUTSIDE_FIELD,
    Attribution,
    Claim,
    NameMatch,
    PersonEvidence,
    ambiguity_reasons,
    attribute,
    author_key,
    common_name_pattern,
    display_name,
    first_hand,
    frequent_name,
    match_author,
    namesake_group,
    other_discipline,
    parse_name,
    query_forms,
    share_between_namesakes,
)
from profscout.core.store import papers as papers_store
from profscout.core.store import publications as publications_store
from profscout.core.store import transaction
from profscout.core.store.arxiv_estimates import papers_since
from profscout.core.store.papers import ArxivSync, PaperRecord
from profscout.core.titles import ListedTitles

log = logging.getLogger(__name__)

DEFAULT_MONTHS = 24
CONFIRMED = 0.8  # stored authorships at or above this seed co-author/category evidence
RATE_MIN_DAYS = 180  # shorter windows say too little about a name's paper rate
MAX_FAILED_BATCHES = 3  # consecutive failures before the stage gives up on the rest
# arXiv lists a paper under the date it was submitted but announces it a day to several days
# later (weekends, holidays, moderation holds): an incremental ask starts this much earlier
ANNOUNCEMENT_LAG = timedelta(days=7)


# ------------------------------------------------------------------------------- people
@dataclass
class Person:
    """A professor (or a name typed by the user) to look up."""

    name: str
    aliases: list[str]
    professor_id: int | None = None
    institution: str = ""
    since: date | None = None
    namesakes: int = 0
    evidence: PersonEvidence = field(default_factory=PersonEvidence)
    known_ambiguous: bool = False
    listed: ListedTitles = field(default_factory=ListedTitles)

    @property
    def distinctive(self) -> bool:
        """No namesake in the store and no very common name: misspellings may be matched."""
        return not self.namesakes and not any(
            common_name_pattern(a) for a in self.aliases or [self.name])

    @property
    def forms(self) -> list[str]:
        return query_forms(self.aliases or [self.name])

    @property
    def fields(self) -> frozenset[str]:
        """The arXiv categories known to be the person's before asking: their CSRankings
        areas' (else the crawl's areas') and their confirmed papers' (earlier crawls)."""
        known = self.evidence.area_categories | self.evidence.confirmed_categories
        return frozenset(c for c in known if is_category(c))

    @property
    def broad_forms(self) -> list[str]:
        """Forms that find every author of a frequent surname (see ``floods``)."""
        return [f for f in self.forms if floods(f)]


@dataclass
class Found:
    """A paper matched to a person by name, with the attribution decision."""

    paper: Paper
    author: str
    match: NameMatch
    attribution: Attribution


@dataclass
class PersonResult:
    """What a lookup found for one person."""

    person: Person
    kept: list[Found] = field(default_factory=list)
    rejected: list[Found] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    # the person's broad forms that were asked only in these categories
    asked_within: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def matched_names(self) -> list[str]:
        return sorted({f.author for f in self.kept})


def _candidates(people: Sequence[Person], papers: Iterable[Paper]) -> list[list[tuple[
        Paper, str, NameMatch]]]:
    """Per person, the papers with an author whose name matches (best author per paper)."""
    index: dict[str, set[int]] = defaultdict(set)
    for i, person in enumerate(people):
        for alias in person.aliases or [person.name]:
            parsed = parse_name(alias)
            index["".join(parsed.surname)].add(i)
            for part in parsed.surname:
                index[part].add(i)
            index[parsed.first].add(i)  # "Wang Wei" written surname first
    found: list[dict[str, tuple[Paper, str, NameMatch]]] = [{} for _ in people]
    for paper in papers:
        for author in paper.authors:
            parsed = parse_name(author)
            keys = {"".join(parsed.surname), *parsed.surname, parsed.first} - {""}
            for i in set().union(*(index.get(k, set()) for k in keys)):
                person = people[i]
                match = match_author(author, person.aliases or [person.name],
                                     one_edit=person.distinctive)
                if match is None:
                    continue
                best = found[i].get(paper.arxiv_id)
                if best is None or match.score > best[2].score:
                    found[i][paper.arxiv_id] = (paper, author, match)
    return [list(d.values()) for d in found]


def attribute_papers(people: Sequence[Person], papers: Sequence[Paper],
                     window_days: int | None) -> list[PersonResult]:
    """Match ``papers`` to ``people`` and decide, per person, which to keep (pure)."""
    results = []
    for person, candidates in zip(people, _candidates(people, papers), strict=True):
        rate = None
        if window_days and window_days >= RATE_MIN_DAYS:
            strong = sum(1 for _, _, m in candidates if m.score >= 0.85)
            rate = strong * 365.25 / window_days
        reasons = ambiguity_reasons(person.aliases or [person.name], person.namesakes, rate)
        if person.known_ambiguous and not reasons:
            reasons = ["marked ambiguous in an earlier crawl"]
        frequent = frequent_name(rate)
        result = PersonResult(person, ambiguous=reasons)
        evidence = person.evidence.copy()
        for paper, author, _ in candidates:  # the person's own list seeds the evidence
            if person.listed.names(paper.arxiv_id, paper.title):
                evidence.with_field(paper.categories, _coauthors(paper, author))
                evidence.with_confirmed(paper.categories, _coauthors(paper, author))
        pending = candidates
        for _ in range(4):  # co-author evidence spreads from newly confirmed papers
            still: list[tuple[Paper, str, NameMatch]] = []
            new = 0
            for paper, author, match in pending:
                decision = _decide(paper, author, match, reasons, evidence, frequent,
                                   person.listed)
                if decision.keep and decision.confidence >= CONFIRMED:
                    result.kept.append(Found(paper, author, match, decision))
                    add = evidence.with_confirmed if first_hand(decision.evidence) \
                        else evidence.with_linked
                    add(paper.categories, _coauthors(paper, author))
                    new += 1
                else:  # leads too: evidence found later may still confirm them
                    still.append((paper, author, match))
            pending = still
            if not reasons or not new or not pending:
                break
        for paper, author, match in pending:
            decision = _decide(paper, author, match, reasons, evidence, frequent,
                               person.listed)
            (result.kept if decision.keep else result.rejected).append(
                Found(paper, author, match, decision))
        if not reasons:
            _namesake_groups(result, evidence)
        result.kept.sort(key=lambda f: f.paper.published, reverse=True)
        results.append(result)
    settle_namesakes(results)
    return results


def _namesake_groups(result: PersonResult, evidence: PersonEvidence) -> None:
    """Counted papers linked by co-authors only to the person's leads in another discipline
    become leads (:func:`namesake_group`)."""
    field = evidence.field_categories | evidence.area_categories
    outside = {author_key(a) for f in result.kept if OUTSIDE_FIELD in f.attribution.evidence
               and other_discipline(f.paper.primary_category, field)
               for a in _coauthors(f.paper, f.author)}
    if not outside:
        return
    names = {author_key(a) for a in result.person.aliases or [result.person.name]}
    own = evidence.field_coauthors | result.person.evidence.confirmed_coauthors
    for f in result.kept:
        f.attribution = namesake_group(f.attribution, _coauthors(f.paper, f.author),
                                       outside - names, own)


def settle_namesakes(results: Sequence[PersonResult]) -> None:
    """Papers that several people of one batch keep for the same author string go to the
    one with evidence about the person, or count for none (``share_between_namesakes``)."""
    claims: dict[tuple[str, str], list[tuple[PersonResult, int]]] = defaultdict(list)
    for res in results:
        for i, f in enumerate(res.kept):
            claims[(f.paper.arxiv_id, author_key(f.author))].append((res, i))
    for holders in claims.values():
        if len(holders) < 2:
            continue
        by_id = {n: (res, i) for n, (res, i) in enumerate(holders)}
        updates = share_between_namesakes([
            Claim(n, res.kept[i].attribution.confidence, res.kept[i].attribution.evidence)
            for n, (res, i) in by_id.items()])
        for n, (confidence, evidence) in updates.items():
            res, i = by_id[n]
            res.kept[i].attribution = Attribution(True, confidence, evidence)


def _coauthors(paper: Paper, author: str) -> list[str]:
    return [a for a in paper.authors if a != author]


def _decide(paper: Paper, author: str, match: NameMatch, reasons: list[str],
            evidence: PersonEvidence, frequent: bool, listed: ListedTitles) -> Attribution:
    affiliations = [x for a, aff in zip(paper.authors, paper.affiliations, strict=False)
                    if a == author for x in aff]
    return attribute(match, ambiguous=reasons, categories=paper.categories,
                     coauthors=_coauthors(paper, author), affiliations=affiliations,
                     evidence=evidence, frequent=frequent,
                     listed=listed.names(paper.arxiv_id, paper.title),
                     primary=paper.primary_category)


@dataclass
class LookupBatch:
    """One batch of people asked for in one query."""

    people: list[Person]
    since: date
    expected: list[float] = field(default_factory=list)  # results expected per person

    @property
    def forms(self) -> list[str]:
        """The distinct name forms of the batch's people, in order (its query's terms)."""
        return list(dict.fromkeys(f for p in self.people for f in p.forms))

    @cached_property
    def within(self) -> dict[str, frozenset[str]]:
        """Broad forms ("chen chen": every Chen) asked only in the fields of the people who
        have them; a broad form of someone whose field is unknown is asked whole."""
        fields: dict[str, frozenset[str]] = {}
        whole: set[str] = set()
        for person in self.people:
            for form in person.broad_forms:
                if person.fields:
                    fields[form] = fields.get(form, frozenset()) | person.fields
                else:
                    whole.add(form)
        return {f: cats for f, cats in fields.items() if f not in whole}

    def asked_within(self, person: Person) -> dict[str, frozenset[str]]:
        """Which of ``person``'s broad forms this batch asks only in some categories."""
        within = self.within
        return {f: within[f] for f in person.broad_forms if f in within}


def plan_lookup(client: ArxivClient, people: Sequence[Person], default_since: date,
                max_names: int | None = None, today: date | None = None,
                known: Mapping[int, int] | None = None) -> list[LookupBatch]:
    """Group people by the date to ask from, then into batches sized by expected results.

    ``known`` holds stored papers per professor since ``default_since`` (an earlier crawl);
    ``max_names`` caps the distinct name forms of one query.
    """
    askable = [p for p in people if p.forms]
    askable.sort(key=lambda p: p.since or default_since)
    today = today or datetime.now(UTC).date()
    known = known or {}
    expected = [expected_results((today - (p.since or default_since)).days,
                                 known.get(p.professor_id or -1, 0),
                                 (today - default_since).days) for p in askable]
    limits = [x for x in (max_names, client.limits.max_terms) if x]
    batches: list[LookupBatch] = []
    for idx in plan_by_results([p.forms for p in askable], expected, client.limits.target,
                               min(limits) if limits else None):
        members = [askable[i] for i in idx]
        since = min(p.since or default_since for p in members)
        batches.append(LookupBatch(members, since, [expected[i] for i in idx]))
    return batches


def lookup(client: ArxivClient, batch: LookupBatch, today: date,
           carry: Carry[Paper] | None = None) -> tuple[list[PersonResult], int]:
    """Ask arXiv for one batch; return per-person results and the number of papers returned.

    With ``carry`` (what earlier batches of the run fetched), the query excludes the forms of
    earlier batches that would bring the most papers again (at most ``EXCLUDE_SHARE`` times
    the batch's own terms), and the fetched papers the batch's forms find are attributed
    with its own results; the batch's answer goes into ``carry`` for the batches after it.
    Broad forms are asked only in their people's fields (:attr:`LookupBatch.within`).
    """
    groups = [p.forms for p in batch.people]
    forms, within = batch.forms, batch.within
    exclude: list[str] = []
    if carry is not None:
        exclude = carry.exclusion(forms, batch.since, int(EXCLUDE_SHARE * unique_terms(groups)))
    try:
        result = client.search_groups(groups, batch.since, today, batch.expected or None,
                                      exclude, within)
    except BaseException:
        if carry is not None:
            carry.finished(forms, batch.since, (), complete=False)
        raise
    papers = result.papers
    if carry is not None:
        returned = {p.arxiv_id for p in papers}
        papers = papers + [p for p in carry.carried(forms, batch.since)
                           if p.arxiv_id not in returned]
        carry.finished(forms, batch.since,
                       ((p.arxiv_id, p.authors, p.published.date().isoformat(), p)
                        for p in papers), result.complete, partial=within)
    window_days = (today - batch.since).days
    results = attribute_papers(batch.people, papers, window_days)
    for res in results:
        res.asked_within = batch.asked_within(res.person)
    return results, len(result.papers)


# ------------------------------------------------------------------------------- store I/O
def area_categories(area_codes: Iterable[str]) -> frozenset[str]:
    """arXiv categories of CSRankings areas (area codes or venue codes; unknown ones ignored)."""
    try:
        from profscout.core.areas import area_of_venue, arxiv_categories_for, load_areas
        areas = load_areas()
    except (ImportError, OSError, ValueError):
        return frozenset()
    to_area = area_of_venue(areas)
    return frozenset(arxiv_categories_for({to_area[c] for c in area_codes if c in to_area},
                                          areas))


def name_keys(conn: sqlite3.Connection) -> dict[str, set[int]]:
    """Folded "first surname" of every alias in the store → professor ids."""
    keys: dict[str, set[int]] = defaultdict(set)
    for pid, name in papers_store.all_names(conn):
        keys[parse_name(name).key].add(pid)
    return keys


def load_people(conn: sqlite3.Connection, professor_ids: Sequence[int], window: date,
                fallback_areas: Sequence[str] = ()) -> list[Person]:
    """The professors to look up, with aliases, evidence and the date to ask from."""
    keys = name_keys(conn)
    by_institution: dict[str, set[str]] = defaultdict(set)
    for institution, display in papers_store.alias_institutions(conn):
        if not common_name_pattern(display):
            by_institution[institution].add(author_key(display))
    people = []
    for pid in professor_ids:
        row = papers_store.professor(conn, pid)
        if row is None:
            continue
        aliases = papers_store.alias_displays(conn, pid)
        aliases = list(dict.fromkeys([display_name(row.name), *aliases]))
        namesakes = set().union(*(keys.get(parse_name(a).key, set()) for a in aliases)) - {pid}
        areas = papers_store.professor_areas(conn, pid)
        own = {author_key(a) for a in aliases}
        evidence = PersonEvidence(area_categories=area_categories(areas or fallback_areas),
                                  institution=row.institution,
                                  colleagues=frozenset(by_institution[row.institution] - own))
        known_ambiguous = False
        for authored in papers_store.authored_papers(conn, pid):
            known_ambiguous = known_ambiguous or "ambiguous name" in authored.evidence
            if authored.confidence >= CONFIRMED:
                add = evidence.with_confirmed if first_hand(authored.evidence) \
                    else evidence.with_linked
                add(authored.categories,
                    [a for a in authored.authors if a != authored.matched_name])
        sync = papers_store.arxiv_sync(conn, pid)
        since = window
        if sync is not None and sync_covers(sync, window):
            # asked before: only what is newer than the newest paper (or the last check),
            # less the announcement lag, so a paper announced late is not skipped for good
            last = sync.newest_published or sync.checked_at
            since = max(window, date.fromisoformat(last[:10]) - ANNOUNCEMENT_LAG)
        titles, ids = publications_store.listed_publications(conn, pid)
        people.append(Person(display_name(row.name), aliases, pid, row.institution, since,
                             len(namesakes), evidence, known_ambiguous,
                             ListedTitles(titles, ids)))
    return people


def sync_covers(sync: ArxivSync | None, window: date) -> bool:
    """Whether a professor's ``arxiv_sync`` row says arXiv was asked back to ``window``
    and answered (so only newer papers need asking for)."""
    return bool(sync and sync.status in ("ok", "no_papers", "unconfirmed")
                and sync.window_start and sync.window_start <= window.isoformat())


def checked_today(sync: ArxivSync | None, window: date, today: date) -> bool:
    """Whether arXiv already answered for the professor back to ``window`` on ``today``
    (UTC): a rerun of the day need not ask again."""
    return bool(sync_covers(sync, window) and sync and sync.checked_at[:10] >= today.isoformat())


def _paper_record(p: Paper) -> PaperRecord:
    return PaperRecord(p.arxiv_id, p.title, p.abstract, list(p.authors), list(p.categories),
                       p.primary_category, p.published.date().isoformat(),
                       p.updated.date().isoformat() if p.updated else None)


def save_results(conn: sqlite3.Connection, results: Sequence[PersonResult], window: date,
                 status: str = "ok") -> int:
    """Write papers, authorships and sync state of one batch (caller commits).

    Returns the number of authorships written.
    """
    now = datetime.now(UTC).isoformat(timespec="seconds")
    added = 0
    for res in results:
        pid = res.person.professor_id
        if pid is None:
            continue
        for f in res.kept:
            papers_store.save_paper(conn, _paper_record(f.paper))
            papers_store.save_authorship(conn, pid, f.paper.arxiv_id, f.author,
                                         f.attribution.confidence, f.attribution.evidence)
            added += 1
        newest = papers_store.newest_published(conn, pid)
        counted = papers_store.count_authorships(conn, pid, MIN_CONFIDENCE)
        state = status
        if status == "ok" and not counted:
            state = "unconfirmed" if (res.rejected or newest) else "no_papers"
        if state == "no_papers" and res.person.since and res.person.since > window:
            # asked only for newer papers: what an earlier, wider ask left unconfirmed stays so
            previous = papers_store.arxiv_sync(conn, pid)
            if previous is not None and previous.status == "unconfirmed":
                state = "unconfirmed"
        papers_store.save_sync(conn, pid, now, newest, window.isoformat(), state)
    resolve_namesakes(conn, {f.paper.arxiv_id for res in results for f in res.kept})
    return added


def resolve_namesakes(conn: sqlite3.Connection, arxiv_ids: Iterable[str]) -> set[int]:
    """Settle papers that several namesakes in the store claim (see ``share_between_namesakes``).

    Looks at the given papers only (a batch's); returns the professors whose claims changed,
    after marking those left with no counted paper ``unconfirmed``.
    """
    changed: set[int] = set()
    for arxiv_id in sorted(set(arxiv_ids)):
        by_author: dict[str, list[Claim]] = defaultdict(list)
        for c in papers_store.claims_on(conn, arxiv_id):
            by_author[author_key(c.matched_name)].append(
                Claim(c.professor_id, c.confidence, c.evidence))
        for claims in by_author.values():
            for pid, (confidence, evidence) in share_between_namesakes(claims).items():
                papers_store.set_claim(conn, pid, arxiv_id, confidence, evidence)
                changed.add(pid)
    for pid in changed:
        if not papers_store.count_authorships(conn, pid, MIN_CONFIDENCE):
            papers_store.mark_unconfirmed(conn, pid)
    return changed


def mark_status(conn: sqlite3.Connection, people: Iterable[Person], status: str) -> None:
    """Record a professor as accounted for without new papers (error, not checked...)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for person in people:
        if person.professor_id is not None:
            papers_store.set_sync_status(conn, person.professor_id, now, status)


# ------------------------------------------------------------------------------- one person
def person_in_store(conn: sqlite3.Connection, professor_id: int, window: date,
                    areas: Sequence[str] = ()) -> Person | None:
    """A professor of the store as a :class:`Person` to look up (``areas`` when the store
    has none for them); None when there is no such professor."""
    people = load_people(conn, [professor_id], window, areas)
    return people[0] if people else None


def person_by_name(name: str, institution: str, window: date,
                   areas: Sequence[str] = ()) -> Person:
    """A name not in the store, looked up under itself back to ``window``."""
    return Person(name, [name], None, institution, window, 0,
                  PersonEvidence(area_categories=area_categories(areas),
                                 institution=institution))


def look_up_person(client: ArxivClient, person: Person, window: date, today: date
                   ) -> PersonResult:
    """Ask arXiv for one person's papers since ``person.since`` (else ``window``)."""
    results, _ = lookup(client, LookupBatch([person], person.since or window), today)
    return results[0]


def save_lookup(conn: sqlite3.Connection, result: PersonResult, window: date) -> None:
    """Store one person's lookup in one transaction (a person of the store only)."""
    with transaction(conn):
        save_results(conn, [result], window)


# ------------------------------------------------------------------------------- the stage
def run(ctx: StageContext) -> StageReport:
    """Fill papers, authorships and arxiv_sync for ``ctx.professor_ids``.

    Counts: ``papers_returned`` (results arXiv sent), ``papers_matched`` (distinct papers
    attributed to someone this run), ``papers_new`` (of those, new to the store;
    ``papers_found`` is the same figure).

    Professors arXiv already answered for today (back to the window) are not asked again
    (``ctx.options["arxiv_refresh"]`` asks them anyway). Batches exclude what earlier ones
    fetched (:func:`lookup`) unless ``ctx.options["arxiv_exclude"]`` is false. A failed
    batch raises SourceError at the end (after saving every batch that succeeded) unless
    ``ctx.options["keep_going"]``, which returns the report with its errors.
    """
    months = int(ctx.options.get("months") or DEFAULT_MONTHS)
    today = ctx.options.get("today") or datetime.now(UTC).date()
    window = months_ago(today, months)
    client = get_client(ctx.settings.arxiv_url, ctx.settings.arxiv_delay)
    calls_before, retries_before = client.calls, client.session.retries
    people = load_people(ctx.conn, ctx.professor_ids, window,
                         tuple(ctx.options.get("areas") or ()))
    asked = len(people)
    if not ctx.options.get("arxiv_refresh"):  # answered today already: nothing to ask
        people = [p for p in people if p.professor_id is None or not checked_today(
            papers_store.arxiv_sync(ctx.conn, p.professor_id), window, today)]
    unnamed = [p for p in people if not p.forms]
    max_names = ctx.options.get("arxiv_max_names")
    batches = plan_lookup(client, people, window, int(max_names) if max_names else None, today,
                          papers_since(ctx.conn, ctx.professor_ids, window))
    report = StageReport("arxiv")
    counts = {"professors": len(people), "batches": len(batches), "arxiv_calls": 0,
              "arxiv_retries": 0,
              "papers_found": 0, "papers_new": 0, "papers_matched": 0, "papers_returned": 0,
              "authorships": 0,
              "professors_with_papers": 0, "professors_without_papers": 0, "ambiguous": 0,
              "rejected_ambiguous": 0, "professors_failed": 0,
              "incremental": sum(1 for p in people if p.since and p.since > window),
              "broad_names_in_fields": 0, "broad_names_whole": 0,
              "months": months}
    for batch in batches:  # names that find every bearer of the surname ("Chen Chen")
        for person in (p for p in batch.people if p.broad_forms):
            narrowed = len(batch.asked_within(person)) == len(person.broad_forms)
            counts["broad_names_in_fields" if narrowed else "broad_names_whole"] += 1
    with transaction(ctx.conn):
        mark_status(ctx.conn, unnamed, "no_name_forms")
    report.skipped["no_name_forms"] = len(unnamed)
    report.skipped["checked_today"] = asked - len(people)
    paper_ids: set[str] = set()  # matched to someone in this run
    new_ids: set[str] = set()  # of those, not in the store before
    carry: Carry[Paper] | None = None
    if ctx.options.get("arxiv_exclude", True):
        carry = Carry(b.forms for b in batches)
    failures = 0
    progress = _Progress(ctx, len(batches), client.delay) if ctx.show_progress else None
    try:
        for n, batch in enumerate(batches):
            if failures >= MAX_FAILED_BATCHES:
                if carry is not None:
                    carry.finished(batch.forms, batch.since, (), complete=False)
                with transaction(ctx.conn):
                    mark_status(ctx.conn, batch.people, "not_checked")
                report.skipped["not_checked"] = report.skipped.get("not_checked", 0) \
                    + len(batch.people)
                continue
            started = time.monotonic()
            try:
                results, returned = lookup(client, batch, today, carry)
            except SourceError as exc:
                failures += 1
                if n == 0 and isinstance(exc, EndpointError):
                    failures = MAX_FAILED_BATCHES  # the endpoint itself is wrong: stop
                report.errors.append(f"batch {n + 1}: {exc}")
                counts["professors_failed"] += len(batch.people)
                with transaction(ctx.conn):
                    mark_status(ctx.conn, batch.people, "error")
                if progress:
                    progress.advance(0, time.monotonic() - started)
                continue
            failures = 0
            kept_ids = {f.paper.arxiv_id for res in results for f in res.kept}
            with transaction(ctx.conn):
                new_ids.update(kept_ids - papers_store.stored_paper_ids(ctx.conn, kept_ids))
                counts["authorships"] += save_results(ctx.conn, results, window)
            counts["papers_returned"] += returned
            for res in results:
                paper_ids.update(f.paper.arxiv_id for f in res.kept)
                counts["ambiguous"] += bool(res.ambiguous)
                counts["rejected_ambiguous"] += len(res.rejected)
                key = "professors_with_papers" if res.kept else "professors_without_papers"
                counts[key] += 1
            if progress:
                progress.advance(len(paper_ids), time.monotonic() - started)
    finally:
        if progress:
            progress.stop()
        counts["arxiv_calls"] = client.calls - calls_before
        counts["arxiv_retries"] = client.session.retries - retries_before
        counts["papers_matched"] = len(paper_ids)
        counts["papers_new"] = counts["papers_found"] = len(new_ids)
        report.counts = counts
    if report.errors and failures >= MAX_FAILED_BATCHES and not counts["professors_with_papers"] \
            and not counts["professors_without_papers"]:
        raise SourceError(report.errors[0].split(": ", 1)[1])
    if report.errors and not ctx.options.get("keep_going"):
        raise SourceError(failed_batches_message(report, len(batches)))
    return report


def failed_batches_message(report: StageReport, batches: int) -> str:
    """One line for a run with failed batches (what succeeded is already saved)."""
    first = report.errors[0].split(": ", 1)[-1]
    skipped = report.skipped.get("not_checked", 0)
    rest = f" and {skipped} more not asked" if skipped else ""
    return (f"arXiv: {len(report.errors)} of {batches} batches failed ({first}); the "
            f"{report.counts.get('professors_failed', 0)} professors of those{rest} are "
            "marked as such, what succeeded is saved; run again to ask for them")


class _Progress:
    """A rich progress bar: batches done, papers found, time left at the polite rate."""

    def __init__(self, ctx: StageContext, total: int, delay: float) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.delay = delay
        self.total = total
        self.done = 0
        self.spent = 0.0
        self.progress = Progress(TextColumn("arXiv"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("batches · {task.fields[papers]} papers · "
                                            "{task.fields[left]} left"),
                                 console=ctx.console, transient=False)
        self.task = self.progress.add_task("arxiv", total=total, papers=0,
                                           left=self._left())
        self.progress.start()

    def _left(self) -> str:
        remaining = self.total - self.done
        per_batch = max(self.delay, self.spent / self.done if self.done else self.delay)
        seconds = int(remaining * per_batch)
        return f"{seconds // 60}m{seconds % 60:02d}s"

    def advance(self, papers: int, seconds: float) -> None:
        self.done += 1
        self.spent += seconds
        self.progress.update(self.task, advance=1, papers=papers, left=self._left())

    def stop(self) -> None:
        self.progress.stop()

