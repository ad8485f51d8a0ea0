"""Homepage crawl makespan against the politeness bound, on a hostile replay world.

Starts its own replay world (default ``--faults 7 --latency-ms 100``), imports the CSRankings
rows of every recorded homepage plus some dead ones into a fresh store, crawls them with the
real ``homepages`` spider and prints:

- wall time of the crawl (child process start to exit) over the politeness bound: the busiest
  host's request count (robots.txt, retries and redirects included, from ``/_stats``) times
  the per-host delay (DOWNLOAD_DELAY; the world's robots.txt files set no Crawl-delay). The
  bound is not reachable: a host whose pages take longer than two delays is limited by the
  two requests it may have in flight, its subpages wait for its homepage, and the crawl
  process needs about a second to start;
- peak memory (``peak_rss_mb``: the largest max RSS of the crawl process and its extraction
  workers; ``worker_peak_rss_mb``: each worker's), robots.txt violations, per-host peak
  concurrency (from ``/_stats``) and the homepage states.

    .venv/bin/python bench/crawl_makespan.py [--faults 7 --latency-ms 100] [--dead 20]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


BOUND_RULE = ("the busiest host's requests (robots.txt, retries and redirects included, as "
              "counted by the world) x the per-host delay (DOWNLOAD_DELAY; this world's "
              "robots.txt files set no Crawl-delay); wall = crawl child start to exit")


def main(argv: list[str] | None = None) -> int:
    from bench.extraction import _world_rows, import_rows, world_csrankings
    from crawler import settings as crawl_settings
    from crawler.homepages_stage import crawl_homepages
    from profscout.core.store import connect
    from profscout.core.store.homepages import pending_homepages
    from tests.world import HOMEPAGE_MANIFEST, start_world, world_available

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", default="7")
    parser.add_argument("--latency-ms", default="100")
    parser.add_argument("--dead", type=int, default=20, help="dead homepages to add")
    parser.add_argument("--max-pages", type=int, default=4)
    parser.add_argument("--delay", type=float, default=None,
                        help=f"DOWNLOAD_DELAY [default {crawl_settings.DOWNLOAD_DELAY}]")
    ns = parser.parse_args(argv)
    if not world_available():
        print("replay world (../shared/world) not available", file=sys.stderr)
        return 2
    delay = ns.delay if ns.delay is not None else crawl_settings.DOWNLOAD_DELAY
    world = start_world("--faults", ns.faults, "--latency-ms", ns.latency_ms)
    try:
        all_rows = world_csrankings(world.csrankings_url)
        rows = _world_rows(all_rows, HOMEPAGE_MANIFEST)
        recorded = {row["homepage"] for row in rows}
        dead = [dict(row, original="") for row in all_rows
                if row["homepage"] not in recorded and row["homepage"].startswith("http://127.1")
                ][: ns.dead]
        with tempfile.TemporaryDirectory(prefix="profscout-makespan-") as tmp:
            db = Path(tmp) / "bench.db"
            import_rows(db, rows + dead)
            settings = {"DOWNLOAD_DELAY": delay, "AUTOTHROTTLE_START_DELAY": delay,
                        "LOG_LEVEL": "WARNING",
                        "PROFSCOUT_ALLOW_LOOPBACK": True}  # the world listens on 127.x
            started = time.monotonic()
            conn = connect(db)
            jobs = pending_homepages(conn)
            conn.close()
            report = crawl_homepages(db, jobs, max_pages=ns.max_pages, settings=settings)
            wall = time.monotonic() - started
            conn = connect(db)
            states = dict(conn.execute(
                "SELECT state, count(*) FROM homepages GROUP BY state").fetchall())
            conn.close()
        peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        stats = world.stats()
        per_host: dict[str, int] = {}
        for key, n in stats["requests"].items():
            host, _, kind = key.rpartition(" ")
            if kind in ("page", "robots"):
                per_host[host] = per_host.get(host, 0) + n
        busiest = max(per_host, key=per_host.__getitem__)
        bound = per_host[busiest] * delay
        peaks = {h: p for h, p in stats["peak_concurrency"].items() if h != "world"}
        top = sorted(per_host.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        result = {
            "wall_s": round(wall, 2),
            "bound_s": round(bound, 2),
            "ratio": round(wall / bound, 3),
            "bound_rule": BOUND_RULE,
            "busiest_host": busiest,
            "busiest_requests": per_host[busiest],
            "most_requested_hosts": dict(top),
            "delay_s": delay,
            "peak_rss_mb": round(peak_rss_mb, 1),
            "worker_peak_rss_mb": report.get("worker_peak_rss_mb"),
            "robots_violations": len(stats["robots_violations"]),
            "max_host_peak_concurrency": max(peaks.values(), default=0),
            "concurrency_limit": crawl_settings.CONCURRENT_REQUESTS_PER_DOMAIN,
            "professors": len(rows) + len(dead),
            "states": states,
            "finish_reason": report.get("reason"),
            "faults": world.faults,
        }
        print(json.dumps(result, indent=1))
    finally:
        world.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
