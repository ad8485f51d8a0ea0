"""How many people one arXiv query may ask for: sized by the results expected, not by URL.

arXiv answers at most 2,000 results per call and pages through at most 30,000 per query, so
the fewest calls come from batches that bring many results each while staying well under the
30,000. A person's expected results come from what the store knows (their papers in the last
crawl's window, as a yearly rate) or else a prior rate; a batch takes people, in order, until
their expected results reach a target. :class:`AdaptiveLimits` holds what a run learns from
the service: the largest query (in name terms) that it accepted after it refused a bigger
one, and how far the observed results run above the estimates.

Everything here is pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PRIOR_RESULTS_PER_YEAR = 4.0  # results one name brings per year when nothing is known
TARGET_RESULTS = 20_000  # expected results per query: two thirds of what one query pages through
DAYS_PER_YEAR = 365.25


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
    queries answered so far.
    """

    target: float = TARGET_RESULTS
    refused_terms: int | None = None
    accepted_terms: int = 0
    largest_accepted: int = 0
    expected: float = 0.0
    observed: int = 0

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

    def accepted(self, terms: int, expected: float, observed: int) -> None:
        """A query of ``terms`` terms answered ``observed`` results (``expected`` foreseen)."""
        if self.refused_terms is not None and terms < self.refused_terms:
            self.accepted_terms = max(self.accepted_terms, terms)
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
