"""Why a first crawl of all of CSRankings needed about twice the least number of arXiv calls,
and what excluding earlier batches (``ANDNOT``) saves.

A what-if on the replay world's papers, without asking any API: every professor's query forms
(as the crawl builds them, :func:`crawler.arxiv_stage.load_people`) are matched against the
world's 24-month papers by the world's author rule (every word of a form is a word of one
author's name; a one-letter word matches an initial: ``../shared/world/README.md``; the real
arXiv's matching differs). A batch returns the union of its people's results, and a call
pages through 2,000 of them, so a plan costs about ``sum(ceil(results of a batch / 2000))``
calls against the bound ``ceil(distinct results / 2000)``. Printed for the crawl's order
(CSRankings ids), by surname, by institution, and for several batch sizes: a paper by people
in several batches is returned, and paged through, once per batch.

Then the crawl's own plan (batches of about 20,000 expected results, 8 a person, scaled up by
the results seen so far), without and with exclusion: batch k's query leaves out (``ANDNOT``)
at most ``share`` x its own terms of earlier batches' forms, chosen greedily by how many of
the papers batch k would fetch again they cover (:meth:`crawler.arxiv_batches.Carry.exclusion`),
so it returns only what it adds. ``--ids`` restricts the people (e.g. Europe's, as a JSON list).
On the world (2026-12-07, 24 months): whole of CSRankings, bound 75 calls: 174 calls without
exclusion, 81 with any share from 1 (82 with a fixed cap of 2,000 terms); Europe, bound 27:
33 without, 29 with.

    .venv/bin/python bench/arxiv_overlap.py --db STORE_WITH_CSRANKINGS [--since 2024-12-07]
        [--shares 0,0.5,1,2] [--ids europe.json]
"""

from __future__ import annotations

import argparse
import gzip
import heapq
import json
import math
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.arxiv_batches import TARGET_RESULTS, expected_results  # noqa: E402
from crawler.arxiv_stage import load_people  # noqa: E402
from profscout.core.names import fold  # noqa: E402
from profscout.core.store import connect  # noqa: E402
from profscout.core.store.papers import professors_with_aliases  # noqa: E402

PAPERS = ROOT.parent / "shared" / "world" / "arxiv" / "papers.jsonl.gz"
PAGE = 2000


class AuthorIndex:
    """The world's papers since a day, findable by the words of their authors' names."""

    def __init__(self, path: Path, since: str) -> None:
        self.papers: dict[int, list[int]] = defaultdict(list)  # author -> papers
        self.by_word: dict[str, set[int]] = defaultdict(set)
        self.by_initial: dict[str, set[int]] = defaultdict(set)
        authors: dict[tuple[str, ...], int] = {}
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines):
                paper = json.loads(line)
                if str(paper.get("published", ""))[:10] < since:
                    continue
                for name in paper.get("authors", []):
                    words = tuple(fold(name).split())
                    author = authors.setdefault(words, len(authors))
                    self.papers[author].append(number)
        for words, author in authors.items():
            for word in set(words):
                self.by_word[word].add(author)
                self.by_initial[word[0]].add(author)

    def results(self, form: str) -> set[int]:
        """The papers one query form matches."""
        words = fold(form).split()
        long = [w for w in words if len(w) > 1]
        if not long:
            return set()
        found = set.intersection(*(self.by_word.get(w, set()) for w in long))
        for initial in (w for w in words if len(w) == 1):
            found &= self.by_initial.get(initial, set())
        return {p for author in found for p in self.papers[author]}


def greedy_cover(dup: set[int], forms_of: dict[int, set[str]], cap: int) -> tuple[
        set[int], int]:
    """The papers of ``dup`` covered by at most ``cap`` forms, taken by what they cover, and
    how many forms were taken."""
    by_form: dict[str, list[int]] = defaultdict(list)
    for paper in dup:
        for form in forms_of.get(paper, ()):
            by_form[form].append(paper)
    heap = [(-len(papers), form) for form, papers in by_form.items()]
    heapq.heapify(heap)
    covered: set[int] = set()
    taken = 0
    while heap and taken < cap:
        _, form = heapq.heappop(heap)
        gain = sum(1 for p in by_form[form] if p not in covered)
        if not gain:
            continue
        if heap and -heap[0][0] > gain:
            heapq.heappush(heap, (-gain, form))
            continue
        taken += 1
        covered.update(by_form[form])
    return covered, taken


def crawl_plan(order: Sequence[int], forms: dict[int, list[str]],
               form_results: dict[str, set[int]], share: float | None,
               target: float = TARGET_RESULTS) -> tuple[int, int, int, int]:
    """``(results returned, calls, batches, largest query in terms)`` of the crawl's plan;
    ``share`` None: no exclusion; else at most ``share`` x own terms excluded."""
    fetched: set[int] = set()
    forms_of: dict[int, set[str]] = defaultdict(set)  # fetched paper -> forms that found it
    expected = observed = 0.0
    returned = calls = batches = largest = 0
    i = 0
    per_person = expected_results(730)
    while i < len(order):
        scale = max(1.0, observed / expected) if expected else 1.0
        batch: list[int] = []
        while i < len(order) and (not batch or (len(batch) + 1) * per_person * scale <= target):
            batch.append(order[i])
            i += 1
        own = list(dict.fromkeys(f for p in batch for f in forms[p]))
        results = set().union(*(form_results[f] for f in own))
        new, terms = results, len(own)
        if share is not None:
            cap = int(share * len(own))
            covered, excluded = greedy_cover(results & fetched, forms_of, cap)
            new = results - covered
            terms += excluded
        returned += len(new)
        calls += max(1, math.ceil(len(new) / PAGE))
        batches += 1
        largest = max(largest, terms)
        expected += per_person * len(batch)
        observed += len(new)
        for form in own:
            for paper in form_results[form]:
                forms_of[paper].add(form)
        fetched |= results
    return returned, calls, batches, largest


def plan_cost(order: Sequence[int], results: dict[int, set[int]], size: int
              ) -> tuple[int, int, int]:
    """``(results returned, calls, largest batch)`` of batches of ``size`` people."""
    returned = calls = largest = 0
    for start in range(0, len(order), size):
        batch = len(set().union(*(results[p] for p in order[start:start + size])))
        returned += batch
        calls += max(1, math.ceil(batch / PAGE))
        largest = max(largest, batch)
    return returned, calls, largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a store with CSRankings")
    parser.add_argument("--papers", type=Path, default=PAPERS)
    parser.add_argument("--since", default="2024-12-07", help="first day of the window")
    parser.add_argument("--sizes", default="2400,4800,8000,12000",
                        help="people per batch (the crawl's first-crawl batches hold ~2,400)")
    parser.add_argument("--shares", default="0.5,1,2",
                        help="excluded terms per own term of a query, for the exclusion plans")
    parser.add_argument("--ids", type=Path, default=None,
                        help="a JSON list of professor ids to plan for (default: all)")
    args = parser.parse_args()
    conn = connect(args.db)
    ids = sorted({pid for pid, *_ in professors_with_aliases(conn)})
    if args.ids:
        ids = sorted(set(ids) & set(json.loads(args.ids.read_text(encoding="utf-8"))))
    people = load_people(conn, ids, date.fromisoformat(args.since))
    institution = {p.professor_id: p.institution or "" for p in people}
    surname = {p.professor_id: (fold(p.forms[0]).split() or [""])[-1] if p.forms else ""
               for p in people}
    conn.close()
    index = AuthorIndex(args.papers, args.since)
    forms = {p.professor_id: p.forms for p in people
             if p.professor_id is not None and p.forms}
    form_results = {f: index.results(f) for fs in forms.values() for f in fs}
    results = {pid: set().union(*(form_results[f] for f in fs)) for pid, fs in forms.items()}
    distinct = len(set().union(*results.values()))
    print(f"{len(results)} professors; {distinct} distinct results; "
          f"bound {math.ceil(distinct / PAGE)} calls")
    orders: dict[str, Callable[[int], object]] = {
        "crawl order (ids)": lambda p: p,
        "surname": lambda p: (surname[p], p),
        "institution": lambda p: (institution[p], p),
    }
    for size in (int(s) for s in args.sizes.split(",")):
        for name, key in orders.items():
            returned, calls, largest = plan_cost(sorted(results, key=key), results, size)
            print(f"  {size:6d} a batch, {name:18s}: {returned:7d} results returned, "
                  f"{calls:4d} calls, largest batch {largest}")
    order = sorted(forms)
    shares: list[float | None] = [None, *(float(s) for s in args.shares.split(","))]
    for share in shares:
        returned, calls, batches, terms = crawl_plan(order, forms, form_results, share)
        label = "no exclusion" if share is None else f"exclusion {share:g} x own terms"
        print(f"  crawl plan, {label:28s}: {returned:7d} results returned, {calls:4d} calls, "
              f"{batches} batches, largest query {terms} terms")


if __name__ == "__main__":
    main()
