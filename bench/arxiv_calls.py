"""arXiv API calls for a whole crawl against the least any crawl needs, and recall.

Imports the replay world's CSRankings into a fresh store, then runs the ``arxiv`` crawl stage
(24-month window) four times, each into its own copy of that store:

* the whole of CSRankings, batched: calls, results returned, batches, splits, POSTs;
* Europe only (institutions in CSRankings region ``europe``), batched;
* Europe for a field (``--field``, the areas a shortlist's query names: the crawl's areas),
  where a name that finds every author of a frequent surname ("Chen Chen") is asked only in
  the field's arXiv categories; ``broad_counted_recall_vs_whole`` is the share of those
  people's counted papers from the Europe run (asked whole) that this run also counted
  (``broad_recall_vs_whole``: the same with leads);
* one query per professor for a random sample of professors (no exclusion of other
  batches: each professor's own query, whole).

arXiv answers at most 2,000 results per call, so a crawl needs at least
``ceil(distinct results / 2000)`` calls (every result a name query matches must be paged
through, namesakes' papers included); the figures are printed against that bound and
against the targets (100 calls for the whole, 20 for Europe). On the world (24 months to
2026-12-07) the bounds are 75 (whole) and 27 (Europe: above its target; one name, "Chen
Chen", finds 27k papers, every Chen's); batches that exclude earlier batches' names took 81
and 30 calls (171 and 34 without), recall 1.0 on the default sample. Europe for machine
learning and robotics, with Chen Chen asked in those areas' categories: 20 calls (bound 19),
sample recall 1.0; he keeps 2 of the 3 papers counted for him when asked whole
(``broad_counted_recall_vs_whole`` 0.67; 0.38 with leads, ``broad_recall_vs_whole``): his
papers outside the field are the price. Recall = share
of the sample's (professor, paper) attributions from one query per professor that the
batched runs also made.
``peak_rss_mb`` is this process's peak memory so far (the whole run's after the first).
The delay is for the local world only (the stage refuses below 3 s for arxiv.org). Usage::

    .venv/bin/python bench/arxiv_calls.py [--base http://127.0.0.1:18765] [--sample 300]
        [--delay 0.05] [--max-terms N] [--field mlmining,robotics] [--skip-world]
        [--json out.json]

Without ``--base`` a world of its own is started (``--max-terms`` passed to it as
``--arxiv-max-terms``, to watch the batches adapt to a service that refuses big queries).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import shutil
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from crawler.arxiv_batches import AdaptiveLimits  # noqa: E402
from crawler.arxiv_client import MAX_PAGE_SIZE, get_client  # noqa: E402
from crawler.arxiv_stage import load_people  # noqa: E402
from crawler.arxiv_stage import run as run_stage  # noqa: E402
from crawler.csrankings import build_snapshot  # noqa: E402
from crawler.stages import StageContext  # noqa: E402
from profscout.core.activity import MIN_CONFIDENCE  # noqa: E402
from profscout.core.config import Settings  # noqa: E402
from profscout.core.store import connect  # noqa: E402
from profscout.core.store.csrankings import import_snapshot  # noqa: E402
from tests.world import start_world  # noqa: E402

TARGETS = {"world": 100, "europe": 20, "europe_field": 20}


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()


def kept_share(whole: set[tuple[int, str]], got: set[tuple[int, str]]) -> float | None:
    """The share of ``whole`` that ``got`` also has (None when ``whole`` is empty)."""
    return round(len(whole & got) / len(whole), 4) if whole else None


def broad_name_people(path: Path, ids: list[int]) -> set[int]:
    """Those of ``ids`` with a name form that finds every author with its surname."""
    conn = connect(path)
    people = load_people(conn, ids, date(2000, 1, 1))
    conn.close()
    return {p.professor_id for p in people if p.broad_forms and p.professor_id is not None}


def build_store(path: Path, csrankings_url: str) -> tuple[list[int], list[int]]:
    """Import CSRankings; return all professor ids and those at European institutions."""
    snapshot = build_snapshot([fetch(csrankings_url + "csrankings.csv")],
                              fetch(csrankings_url + "country-info.csv"),
                              fetch(csrankings_url + "geolocation.csv"))
    conn = connect(path)
    import_snapshot(conn, snapshot)
    everyone = [r[0] for r in conn.execute("SELECT id FROM professors ORDER BY id")]
    europe = [r[0] for r in conn.execute(
        "SELECT p.id FROM professors p JOIN institutions i ON i.name = p.institution "
        "WHERE i.region = 'europe' ORDER BY p.id")]
    conn.close()
    return everyone, europe


def crawl(base: Path, path: Path, ids: list[int], url: str, delay: float,
          max_names: int | None, exclude: bool = True,
          areas: tuple[str, ...] = ()) -> dict[str, Any]:
    """One stage run on a copy of the base store; its report, wall time and attributions."""
    shutil.copyfile(base, path)
    conn = connect(path)
    ctx = StageContext(conn, Settings(arxiv_url=url, arxiv_delay=delay), Console(stderr=True),
                       ids, {"months": 24, "arxiv_max_names": max_names,
                             "arxiv_exclude": exclude, "areas": areas}, show_progress=False)
    client = get_client(url, delay)
    client.limits = AdaptiveLimits()  # each run learns on its own
    posts, splits = client.session.posts, client.splits
    client.seen_ids = set()
    started = time.monotonic()
    report = run_stage(ctx).to_dict()
    wall = time.monotonic() - started
    pairs = {(r[0], r[1]) for r in conn.execute("SELECT professor_id, arxiv_id FROM authorships")}
    counted = {(r[0], r[1]) for r in conn.execute(
        "SELECT professor_id, arxiv_id FROM authorships WHERE confidence >= ?",
        (MIN_CONFIDENCE,))}
    conn.close()
    returned = report["papers_returned"]
    return {"professors": len(ids), "arxiv_calls": report["arxiv_calls"],
            "arxiv_retries": report["arxiv_retries"], "batches": report["batches"],
            "splits": client.splits - splits, "posts": client.session.posts - posts,
            "results_returned": returned,
            "distinct_results": len(client.seen_ids),
            "bound_calls": math.ceil(len(client.seen_ids) / MAX_PAGE_SIZE),
            "papers_found": report["papers_found"], "authorships": len(pairs),
            "broad_names_in_fields": report["broad_names_in_fields"],
            "broad_names_whole": report["broad_names_whole"],
            "errors": report["errors"][:3], "wall_s": round(wall, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "pairs": pairs, "counted": counted}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", default=None, help="a running replay world (default: start one)")
    ap.add_argument("--sample", type=int, default=300, help="professors asked one by one")
    ap.add_argument("--seed", type=int, default=7, help="seed of the sample")
    ap.add_argument("--delay", type=float, default=0.05, help="delay between calls (s)")
    ap.add_argument("--max-terms", type=int, default=0,
                    help="own world only: refuse queries with more terms than this")
    ap.add_argument("--field", default="mlmining,robotics",
                    help="CSRankings areas of the Europe-for-a-field run (comma-separated)")
    ap.add_argument("--skip-world", action="store_true",
                    help="leave out the run over the whole of CSRankings (the longest)")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args(argv)

    field = tuple(a for a in args.field.split(",") if a)
    world = None
    if args.base:
        base_url = args.base.rstrip("/")
    else:
        extra = ("--arxiv-max-terms", str(args.max_terms)) if args.max_terms else ()
        world = start_world(*extra)
        base_url = f"http://127.0.0.1:{world.port}"
    arxiv_url, csrankings_url = base_url + "/arxiv/api/query", base_url + "/csrankings/"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp) / "base.db"
            everyone, europe = build_store(base, csrankings_url)
            broad = broad_name_people(base, europe)
            sample = sorted(random.Random(args.seed).sample(everyone, args.sample))
            runs = {} if args.skip_world else {
                "world": crawl(base, Path(tmp) / "world.db", everyone, arxiv_url, args.delay,
                               None)}
            runs |= {"europe": crawl(base, Path(tmp) / "europe.db", europe, arxiv_url,
                                     args.delay, None),
                     "europe_field": crawl(base, Path(tmp) / "field.db", europe, arxiv_url,
                                           args.delay, None, areas=field),
                     "per_professor_sample": crawl(base, Path(tmp) / "single.db", sample,
                                                   arxiv_url, args.delay, 1, exclude=False)}
    finally:
        if world:
            world.stop()

    truth = runs["per_professor_sample"]["pairs"]
    asked_whole = {t for t in runs["europe"]["pairs"] if t[0] in broad}
    counted_whole = {t for t in runs["europe"]["counted"] if t[0] in broad}
    europe_ids = set(europe)
    figures: dict[str, Any] = {"window_months": 24, "delay_s": args.delay,
                               "max_terms": args.max_terms or None, "sample": len(sample),
                               "sample_in_europe": len(set(sample) & europe_ids),
                               "field": list(field), "europe_broad_names": len(broad)}
    ok = True
    for name, run in runs.items():
        pairs, counted = run.pop("pairs"), run.pop("counted")
        if name in TARGETS:
            run["target_calls"] = TARGETS[name]
            run["calls_over_bound"] = round(run["arxiv_calls"] / max(run["bound_calls"], 1), 3)
            scope = truth if name == "world" else {t for t in truth if t[0] in europe_ids}
            run["recall_vs_per_professor"] = kept_share(scope, pairs)
            run["sample_pairs"] = len(scope)
            if name == "europe_field":
                run["broad_pairs_whole"] = len(asked_whole)
                run["broad_recall_vs_whole"] = kept_share(asked_whole, pairs)
                run["broad_counted_whole"] = len(counted_whole)
                run["broad_counted_recall_vs_whole"] = kept_share(counted_whole, counted)
            ok = ok and run["arxiv_calls"] <= TARGETS[name] and not run["errors"] \
                and (run["recall_vs_per_professor"] or 1.0) >= 0.99
        figures[name] = run
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
