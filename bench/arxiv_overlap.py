"""Why a first crawl of all of CSRankings needs about twice the least number of arXiv calls.

A what-if on the replay world's papers, without asking any API: every professor's query forms
(as the crawl builds them, :func:`crawler.arxiv_stage.load_people`) are matched against the
world's 24-month papers by the world's author rule (every word of a form is a word of one
author's name; a one-letter word matches an initial: ``../shared/world/README.md``; the real
arXiv's matching differs). A batch returns the union of its people's results, and a call
pages through 2,000 of them, so a plan costs about ``sum(ceil(results of a batch / 2000))``
calls against the bound ``ceil(distinct results / 2000)``. Printed for the crawl's order
(CSRankings ids), by surname, by institution, and for several batch sizes: a paper by people
in several batches is returned, and paged through, once per batch.

    .venv/bin/python bench/arxiv_overlap.py --db STORE_WITH_CSRANKINGS [--since 2024-12-07]
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
    args = parser.parse_args()
    conn = connect(args.db)
    ids = sorted({pid for pid, *_ in professors_with_aliases(conn)})
    people = load_people(conn, ids, date.fromisoformat(args.since))
    institution = {p.professor_id: p.institution or "" for p in people}
    surname = {p.professor_id: (fold(p.forms[0]).split() or [""])[-1] if p.forms else ""
               for p in people}
    conn.close()
    index = AuthorIndex(args.papers, args.since)
    results = {p.professor_id: set().union(*(index.results(f) for f in p.forms))
               for p in people if p.professor_id is not None}
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


if __name__ == "__main__":
    main()
