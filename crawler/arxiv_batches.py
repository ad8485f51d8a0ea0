"""How many people one arXiv query may ask for: sized by the results expected, not by URL.

arXiv answers at most 2,000 results per call and pages through at most 30,000 per query, so
the fewest calls come from batches that bring many results each while staying well under the
30,000. A person's expected results come from what the store knows (their papers in the last
crawl's window, as a yearly rate) or else a prior rate; a batch takes people, in order, until
their expected results reach a target. :class:`AdaptiveLimits` holds what a run learns from
the service: the largest query (in name terms) that it accepted after it refused a bigger
one, and how far the observed results run above the estimates.

A paper whose authors fall in several batches would be returned, and paged through, once per
batch. :class:`Carry` keeps what earlier batches of a run fetched that later batches would
fetch again, and picks the earlier batches' name forms a later query excludes (``ANDNOT``),
so that query returns only what is new while attribution still sees every paper its names
find.

Everything here is pure: no I/O, no clock.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from profscout.core.names import COMMON_SURNAMES, fold

PRIOR_RESULTS_PER_YEAR = 4.0  # results one name brings per year when nothing is known
TARGET_RESULTS = 20_000  # expected results per query: two thirds of what one query pages through
DAYS_PER_YEAR = 365.25
_WORDS = re.compile(r"[a-z0-9]+")
T = TypeVar("T")


def expected_results(days: int, known_papers: int = 0, known_days: int = 0,
                     prior_per_year: float = PRIOR_RESULTS_PER_YEAR) -> float:
    """Results a person's query should bring over ``days``.

    ``known_papers`` over ``known_days`` (from an earlier crawl) give a yearly rate; the rate
    is never taken below the prior, since a name also brings its namesakes' papers.
    """
    rate = prior_per_year
    if known_papers and known_days > 0:
        rate = max(rate, known_papers * DAYS_PER_YEAR / known_days)
    return rate * max(days, 1) / DAYS_PER_YEAR


def unique_terms(groups: Sequence[Sequence[str]]) -> int:
    """Distinct name forms (``au:`` terms) of the query that asks for ``groups``."""
    return len({f for group in groups for f in group})


def finds_every_bearer(form: str) -> bool:
    """Whether an author search for ``form`` finds every author who has its one word.

    The search asks each word of a form to be a word of the author's name, so a name whose
    given name is its surname ("chen chen") finds "Wei Chen" and every other Chen too.
    """
    words = form.split()
    return len(words) > 1 and len(set(words)) == 1


def floods(form: str) -> bool:
    """Whether an author search for ``form`` brings a flood of other people's papers: it
    finds every author with its one word (:func:`finds_every_bearer`) and that word is a
    frequent surname ("chen chen": every Chen, tens of thousands of papers a year). A rare
    one ("mustafa mustafa": a few hundred) costs less asked whole than what narrowing loses."""
    return finds_every_bearer(form) and form.split()[0] in COMMON_SURNAMES


def category_terms(forms: Iterable[str], within: Mapping[str, Collection[str]]) -> int:
    """``cat:`` terms of a query for ``forms`` when the forms in ``within`` are asked only in
    their categories (forms sharing one set of categories share its terms)."""
    return sum(len(cats) for cats in {frozenset(within[f]) for f in forms if within.get(f)})


def plan_by_results(groups: Sequence[Sequence[str]], expected: Sequence[float],
                    target: float = TARGET_RESULTS,
                    max_terms: int | None = None) -> list[list[int]]:
    """Split people (name-form groups, in order) into batches of about ``target`` results.

    A batch closes before the person who would take its expected results over ``target`` or
    its distinct name forms over ``max_terms``. Returns lists of group indexes; a person's
    forms never straddle two batches, and a person alone always makes a batch.
    """
    if len(groups) != len(expected):
        raise ValueError("one expected figure per group is needed")
    batches: list[list[int]] = []
    current: list[int] = []
    forms: set[str] = set()
    results = 0.0
    for i, group in enumerate(groups):
        trial = forms | set(group)
        full = current and (results + expected[i] > target
                            or (max_terms is not None and len(trial) > max_terms))
        if full:
            batches.append(current)
            current, trial, results = [], set(group), 0.0
        current.append(i)
        forms = trial
        results += expected[i]
    if current:
        batches.append(current)
    return batches


def split_evenly(indexes: Sequence[int], parts: int) -> list[list[int]]:
    """``indexes`` cut into ``parts`` consecutive pieces of near-equal size (none empty)."""
    parts = max(1, min(parts, len(indexes)))
    size, extra = divmod(len(indexes), parts)
    out, start = [], 0
    for k in range(parts):
        end = start + size + (k < extra)
        out.append(list(indexes[start:end]))
        start = end
    return out


@dataclass
class AdaptiveLimits:
    """What one run has learnt about the queries the service takes.

    ``refused_terms``: the smallest query (distinct name terms) refused as too big;
    ``accepted_terms``: the largest accepted below it; ``largest_accepted``: the largest
    accepted at all. ``expected``/``observed`` sum the estimates and the results of the
    queries answered so far. Refusals of queries that carried an exclusion (``ANDNOT``) are
    kept apart (``exclusion_refused``, ``exclusion_accepted``: the largest query accepted
    below it): they limit the exclusions sent, not how many people a query asks for.
    """

    target: float = TARGET_RESULTS
    refused_terms: int | None = None
    accepted_terms: int = 0
    largest_accepted: int = 0
    expected: float = 0.0
    observed: int = 0
    exclusion_refused: int | None = None
    exclusion_accepted: int = 0

    @property
    def max_terms(self) -> int | None:
        """The biggest query to send: the size that worked after a refusal (None: no limit)."""
        if self.refused_terms is None:
            return None
        if self.accepted_terms:
            return self.accepted_terms
        return max(1, self.refused_terms // 2)

    @property
    def scale(self) -> float:
        """Observed results per expected result so far (1.0 before any, never below 1)."""
        if self.expected <= 0:
            return 1.0
        return max(1.0, self.observed / self.expected)

    def refused(self, terms: int) -> None:
        """A query of ``terms`` name terms was refused as too big or too complex."""
        if self.refused_terms is None or terms < self.refused_terms:
            self.refused_terms = terms
        if self.accepted_terms >= terms:
            self.accepted_terms = 0

    @property
    def query_terms(self) -> int | None:
        """The biggest query, exclusion included, to send (None: no limit)."""
        limits = [] if self.max_terms is None else [self.max_terms]
        if self.exclusion_refused is not None:
            limits.append(self.exclusion_accepted or self.exclusion_refused - 1)
        return min(limits) if limits else None

    def refused_exclusion(self, terms: int) -> None:
        """A query of ``terms`` terms, some of them an exclusion, was refused."""
        if self.exclusion_refused is None or terms < self.exclusion_refused:
            self.exclusion_refused = terms
        if self.exclusion_accepted >= terms:
            self.exclusion_accepted = 0

    def accepted(self, terms: int, expected: float, observed: int) -> None:
        """A query of ``terms`` terms answered ``observed`` results (``expected`` foreseen)."""
        if self.refused_terms is not None and terms < self.refused_terms:
            self.accepted_terms = max(self.accepted_terms, terms)
        if self.exclusion_refused is not None and terms < self.exclusion_refused:
            self.exclusion_accepted = max(self.exclusion_accepted, terms)
        self.largest_accepted = max(self.largest_accepted, terms)
        self.expected += expected
        self.observed += observed

    def presplit(self, groups: Sequence[Sequence[str]], expected: Sequence[float]) -> list[
            list[int]]:
        """A planned batch cut to what has been learnt: terms within ``max_terms`` and
        expected results (scaled by what was observed) within ``target``."""
        scaled = [e * self.scale for e in expected]
        if sum(scaled) <= self.target and (self.max_terms is None
                                           or unique_terms(groups) <= self.max_terms):
            return [list(range(len(groups)))]
        return plan_by_results(groups, scaled, self.target, self.max_terms)


# ------------------------------------------------------------------------------- exclusion
EXCLUDE_SHARE = 1.0  # excluded name terms per name term of the query's own people


def name_words(name: str) -> frozenset[str]:
    """The words an author search matches in an author's name: lower case, accents dropped,
    split on anything but letters and digits (with :func:`fold`'s words added, so the set
    only grows)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return frozenset(_WORDS.findall(text)) | frozenset(fold(name).split())


def form_matches(form: Sequence[str], author: frozenset[str]) -> bool:
    """Whether an author search for the words ``form`` finds the author with ``author``'s
    words: every word of the form is a word of the name, a one-letter word an initial."""
    return all(any(w.startswith(word) for w in author) if len(word) == 1 else word in author
               for word in form)


def _key(words: Sequence[str]) -> str:
    """The word a form is found under: its longest (``""`` when it has only initials)."""
    return max((w for w in words if len(w) > 1), key=len, default="")


class _Forms:
    """Name forms findable from an author's words."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.by_key: dict[str, set[str]] = defaultdict(set)
        self.words: dict[str, tuple[str, ...]] = {}

    def add(self, form: str) -> None:
        if not self.count[form]:
            words = tuple(form.split())
            self.words[form] = words
            self.by_key[_key(words)].add(form)
        self.count[form] += 1

    def remove(self, form: str) -> None:
        if self.count[form] <= 0:
            return
        self.count[form] -= 1
        if not self.count[form]:
            del self.count[form]
            key = _key(self.words.pop(form))
            self.by_key[key].discard(form)
            if not self.by_key[key]:
                del self.by_key[key]

    def matching(self, authors: Sequence[frozenset[str]]) -> set[str]:
        """The forms that find any of ``authors``."""
        found: set[str] = set()
        for author in authors:
            for word in (*author, ""):
                for form in self.by_key.get(word, ()):
                    if form not in found and form_matches(self.words[form], author):
                        found.add(form)
        return found


@dataclass
class _Held(Generic[T]):
    paper: T
    authors: tuple[frozenset[str], ...]
    day: str  # ISO date of publication
    excludable: set[str]  # forms of complete batches that find it


class Carry(Generic[T]):
    """What earlier batches fetched, so that later batches need not fetch it again.

    A later batch's query may exclude (``ANDNOT``) the forms of earlier batches that were
    paged through completely over a window starting no later than its own: every paper such
    a form finds in the window was fetched already. The papers the later batch's own forms
    find among those fetched are held here (only these: a paper is kept while a form still
    to be asked for finds it) and handed back (:meth:`carried`) to be attributed with the
    batch's own results, so attribution sees what the query without exclusion would have
    returned. Matching follows the author search's rule (:func:`form_matches`).
    """

    def __init__(self, pending: Iterable[Sequence[str]] = ()) -> None:
        self._pending = _Forms()
        for forms in pending:  # one batch's forms each
            for form in dict.fromkeys(forms):
                self._pending.add(form)
        self._done: dict[str, date] = {}  # complete forms: the first day they were asked from
        self._held: dict[str, _Held[T]] = {}

    def __len__(self) -> int:
        return len(self._held)

    def finished(self, forms: Sequence[str], since: date,
                 papers: Iterable[tuple[str, Sequence[str], str, T]], complete: bool,
                 partial: Collection[str] = ()) -> None:
        """A batch of ``forms`` asked from ``since`` was answered (``papers``: arXiv id,
        authors, ISO publication day, paper; returned and carried) or failed; only a
        ``complete`` answer makes its forms excludable, and never the ``partial`` ones
        (asked within some categories only: excluding them would drop papers nobody
        fetched)."""
        forms = list(dict.fromkeys(forms))
        for form in forms:
            self._pending.remove(form)
        own = _Forms()
        if complete:
            for form in (f for f in forms if f not in partial):
                own.add(form)
                if form not in self._done or since < self._done[form]:
                    self._done[form] = since
        for arxiv_id, authors, day, paper in papers:
            held = self._held.get(arxiv_id)
            words = held.authors if held else tuple(name_words(a) for a in authors)
            if held is None:
                if not self._pending.matching(words):
                    continue
                held = self._held[arxiv_id] = _Held(paper, words, day, set())
            if complete:
                held.excludable |= own.matching(words)
        for arxiv_id in [i for i, h in self._held.items() if not self._pending.matching(h.authors)]:
            del self._held[arxiv_id]

    def _found(self, forms: Sequence[str], since: date) -> list[tuple[str, _Held[T]]]:
        index = _Forms()
        for form in forms:
            index.add(form)
        first = since.isoformat()
        return [(i, h) for i, h in self._held.items()
                if h.day >= first and index.matching(h.authors)]

    def carried(self, forms: Sequence[str], since: date) -> list[T]:
        """Held papers (published on or after ``since``) that ``forms`` find."""
        return [h.paper for _, h in self._found(forms, since)]

    def exclusion(self, forms: Sequence[str], since: date, cap: int) -> list[str]:
        """At most ``cap`` forms of complete earlier batches (asked from ``since`` or
        before) to exclude from a query for ``forms``: those that find the most held papers
        it would bring again, most useful first (greedy cover)."""
        if cap <= 0:
            return []
        by_form: dict[str, list[str]] = defaultdict(list)
        for arxiv_id, held in self._found(forms, since):
            for form in held.excludable:
                if self._done.get(form, since) <= since:
                    by_form[form].append(arxiv_id)
        heap = [(-len(ids), form) for form, ids in by_form.items()]
        heapq.heapify(heap)
        covered: set[str] = set()
        chosen: list[str] = []
        while heap and len(chosen) < cap:
            _, form = heapq.heappop(heap)
            gain = sum(1 for i in by_form[form] if i not in covered)
            if not gain:
                continue
            if heap and -heap[0][0] > gain:  # stale count: back in at its true size
                heapq.heappush(heap, (-gain, form))
                continue
            chosen.append(form)
            covered.update(by_form[form])
        return chosen
