"""Benchmark: import the whole CSRankings snapshot of the replay world into a fresh store.

Starts its own replay world (``tests/world.py``), then measures

1. the crawl as ``profscout crawl`` runs it: the ``csrankings`` spider in a child process
   (download, parse, merge, one-transaction import): rows/s, and the child's peak RSS;
2. the same crawl again on the same store (nothing changes): its time;
3. parse + merge + import in this process on the downloaded bytes, without Scrapy:
   rows/s, and peak Python memory (tracemalloc, in one extra run that is not timed).

    .venv/bin/python bench/csrankings_import.py [--repeat N]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.csrankings import build_snapshot  # noqa: E402
from crawler.csrankings_stage import spider_settings  # noqa: E402
from crawler.runner import run_spider_in_child  # noqa: E402
from profscout.core.store import connect  # noqa: E402
from profscout.core.store.csrankings import import_snapshot  # noqa: E402
from tests.world import start_world, world_available  # noqa: E402


def crawl(url: str, db: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    report = run_spider_in_child("csrankings", {"url": url},
                                 settings=spider_settings(url, db))
    if report.get("error"):
        raise SystemExit(f"crawl failed: {report['error']}")
    return time.perf_counter() - started, report


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    args = parser.parse_args()
    if not world_available():
        print("replay world (../shared/world) not available", file=sys.stderr)
        return 2
    world = start_world()
    try:
        url = world.csrankings_url
        first, second, rows = [], [], 0
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                db = Path(tmp) / "bench.db"
                elapsed, report = crawl(url, db)
                first.append(elapsed)
                rows = report["rows_read"]
                elapsed, report = crawl(url, db)
                second.append(elapsed)
                changed = sum(t["added"] + t["updated"] + t["removed"]
                              for t in report["imported"].values() if isinstance(t, dict))
                assert changed == 0, report["imported"]
        child_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

        faculty = fetch(url + "csrankings.csv")
        country = fetch(url + "country-info.csv")
        geo = fetch(url + "geolocation.csv")
        inproc, peaks = [], []
        for run in range(args.repeat + 1):  # the last run only measures memory
            with tempfile.TemporaryDirectory() as tmp:
                traced = run == args.repeat
                if traced:
                    tracemalloc.start()
                started = time.perf_counter()
                snapshot = build_snapshot([faculty], country, geo)
                conn = connect(Path(tmp) / "bench.db")
                import_snapshot(conn, snapshot)
                conn.close()
                if traced:
                    peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
                    tracemalloc.stop()
                else:
                    inproc.append(time.perf_counter() - started)
    finally:
        world.stop()

    med = statistics.median
    print(f"CSRankings snapshot: {rows} rows, {args.repeat} runs each (median)")
    print(f"  crawl into a fresh store (child process): {med(first):6.2f} s  "
          f"{rows / med(first):8.0f} rows/s")
    print(f"  same crawl again, no change:              {med(second):6.2f} s")
    print(f"  peak RSS of a crawl child:                {child_peak_mb:6.0f} MiB")
    print(f"  parse+merge+import in process:            {med(inproc):6.2f} s  "
          f"{rows / med(inproc):8.0f} rows/s, peak Python memory {max(peaks):.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
