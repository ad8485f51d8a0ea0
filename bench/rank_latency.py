"""How fast, and in how little memory, is the ranking index over every professor of a store?

Builds (or reuses) a store holding every CSRankings professor of the replay world with the
world's arXiv papers they wrote: CSRankings through ``profscout crawl --stages csrankings``,
papers through the world's arXiv API in month windows of 2,000 results per call (the world is
local, so no delay), attributed by exact folded name (every paper since January 2024: more
than a crawl keeps); with ``--crawl``, the store a user gets instead, from
``profscout crawl --stages csrankings,arxiv`` at a small arXiv delay. Then, for this
checkout (and any other checkout given with ``--compare``, e.g. the release before), with
the store's cache cleared:

* ``rank`` through the CLI in a fresh process, twice: the first builds and caches the index
  (build time, peak RSS of the process tree), the second ranks from the cache (end to end,
  from the command's start to the file written);
* the cached payload's bytes;
* in this process (this checkout only): one query against one bare sparse matrix-vector
  product over the same index.

Each figure is printed next to its bound.

    .venv/bin/python bench/rank_latency.py --db /tmp/world.db
    .venv/bin/python bench/rank_latency.py --db /tmp/world.db --compare /tmp/release
    .venv/bin/python bench/rank_latency.py --db /tmp/crawled.db --crawl
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from profscout.core.names import display_name, fold  # noqa: E402
from profscout.core.store import (  # noqa: E402
    connect,
    transaction,
)
from ranking.cache import fitted_matcher  # noqa: E402
from ranking.profiles import StoreProfiles  # noqa: E402

ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
ARXIV = "{http://arxiv.org/schemas/atom}"
QUERY = "deep reinforcement learning for robot manipulation"
BOUNDS = {"build_s": 20.0, "peak_mb": 1024.0, "cache_mb": 150.0, "cached_rank_s": 2.0,
          "query_ratio": 3.0}
# runs a command, then prints its wall time, CPU time and the peak RSS of its process tree
TIMED = """
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - t0
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall_s": wall, "cpu_s": use.ru_utime + use.ru_stime,
                  "peak_mb": use.ru_maxrss / 1024}))
"""


def months(start: date, end: date) -> list[tuple[str, str]]:
    """``submittedDate`` bounds of each calendar month from ``start`` to ``end``."""
    out = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        nxt = (year + month // 12, month % 12 + 1)
        out.append((f"{year:04d}{month:02d}010000", f"{nxt[0]:04d}{nxt[1]:02d}010000"))
        year, month = nxt
    return out


def fetch(api: str, lo: str, hi: str, start: int) -> tuple[int, list[dict]]:
    query = urllib.parse.urlencode({"search_query": f"submittedDate:[{lo} TO {hi}]",
                                    "start": start, "max_results": 2000,
                                    "sortBy": "submittedDate", "sortOrder": "ascending"})
    with urllib.request.urlopen(f"{api}?{query}", timeout=120) as resp:
        root = etree.fromstring(resp.read())
    total = int(root.findtext(f"{OPENSEARCH}totalResults") or 0)
    papers = []
    for entry in root.iter(f"{ATOM}entry"):
        arxiv_id = (entry.findtext(f"{ATOM}id") or "").rsplit("/abs/", 1)[-1]
        arxiv_id = arxiv_id.rsplit("v", 1)[0] if "v" in arxiv_id else arxiv_id
        papers.append({
            "id": arxiv_id,
            "title": " ".join((entry.findtext(f"{ATOM}title") or "").split()),
            "abstract": " ".join((entry.findtext(f"{ATOM}summary") or "").split()),
            "authors": [a.findtext(f"{ATOM}name") or "" for a in entry.iter(f"{ATOM}author")],
            "categories": " ".join(c.get("term", "") for c in entry.iter(f"{ATOM}category")),
            "primary": (entry.find(f"{ARXIV}primary_category").get("term", "")
                        if entry.find(f"{ARXIV}primary_category") is not None else ""),
            "published": (entry.findtext(f"{ATOM}published") or "")[:10],
        })
    return total, papers


def crawl_store(db: Path, base: str) -> None:
    """The store as a user builds it: ``profscout crawl --stages csrankings,arxiv`` of all of
    CSRankings against the world (24 months, real attribution), at a small arXiv delay."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "profscout", "crawl", "--stages", "csrankings,arxiv",
                    "--db", str(db), "--csrankings-url", f"{base}/csrankings/",
                    "--arxiv-url", f"{base}/arxiv/api/query", "--arxiv-delay", "0.05",
                    "--keep-going"], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    print(f"store crawled: {time.perf_counter() - started:.0f} s")


def build_store(db: Path, base: str) -> None:
    """CSRankings via the CLI, then every world paper whose author is a professor."""
    subprocess.run([str(ROOT / ".venv/bin/profscout"), "crawl", "--stages", "csrankings",
                    "--db", str(db), "--csrankings-url", f"{base}/csrankings/"],
                   check=True, stdout=subprocess.DEVNULL)
    conn = connect(db)
    index: dict[str, int] = {}
    for pid, alias in conn.execute("SELECT professor_id, alias FROM professor_aliases "
                                   "UNION SELECT id, key FROM professors"):
        index.setdefault(fold(display_name(alias)), pid)
    api = f"{base}/arxiv/api/query"
    calls = kept = 0
    started = time.perf_counter()
    for lo, hi in months(date(2024, 1, 1), datetime.now(UTC).date()):
        start, total = 0, 1
        while start < min(total, 30000):
            total, papers = fetch(api, lo, hi, start)
            calls += 1
            start += 2000
            if not papers:
                break
            with transaction(conn):
                for paper in papers:
                    owners = {index[k] for k in (fold(a) for a in paper["authors"]) if k in index}
                    if not owners:
                        continue
                    kept += 1
                    conn.execute(
                        "INSERT OR IGNORE INTO papers (arxiv_id, title, abstract, authors_json, "
                        "categories, primary_category, published) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (paper["id"], paper["title"], paper["abstract"],
                         json.dumps(paper["authors"]), paper["categories"], paper["primary"],
                         paper["published"]))
                    conn.executemany(
                        "INSERT OR IGNORE INTO authorships VALUES (?, ?, '', 0.9, 'bench')",
                        [(pid, paper["id"]) for pid in owners])
    conn.close()
    print(f"store built: {calls} arXiv calls, {kept} papers by professors, "
          f"{time.perf_counter() - started:.0f} s")


def best_of(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def timed_rank(root: Path, db: Path, out: Path, as_of: date) -> dict[str, float]:
    """``profscout rank`` of checkout ``root`` in a fresh process: wall and CPU seconds,
    peak RSS (MB) of its process tree (the largest of its processes)."""
    command = [sys.executable, "-m", "profscout", "rank", QUERY, "--matcher", "tfidf",
               "--as-of", as_of.isoformat(), "--db", str(db), "-o", str(out)]
    done = subprocess.run([sys.executable, "-c", TIMED, *command], cwd=root, check=True,
                          capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    result = json.loads(done.stdout)
    if result["code"] != 0:
        raise SystemExit(f"rank failed in {root}")
    return result


def shown(value: float, bound: str, unit: str) -> str:
    limit = BOUNDS[bound]
    mark = "ok" if value <= limit else "OVER"
    return f"{value:.2f} {unit} (bound {limit:g} {unit}: {mark})"


def in_checkout(root: Path, db: Path, call: str) -> str:
    """``ranking_cache.<call>(conn)`` on ``db`` with checkout ``root``'s own store code (its
    schema: this checkout's would migrate the store before an older one is measured)."""
    code = ("import sys; from profscout.core.store import connect, ranking_cache; "
            f"conn = connect(sys.argv[1]); print(ranking_cache.{call}(conn)); conn.close()")
    done = subprocess.run([sys.executable, "-c", code, str(db)], cwd=root, check=True,
                          capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    return done.stdout.strip()


def checkout_figures(root: Path, db: Path, as_of: date) -> None:
    """Build, cache and cached-rank figures of one checkout, each next to its bound."""
    in_checkout(root, db, "clear")
    out = Path(f"/tmp/profscout-bench-{root.name}.csv")
    first = timed_rank(root, db, out, as_of)
    cache_mb = int(in_checkout(root, db, "payload_bytes")) / 2**20
    second = timed_rank(root, db, out, as_of)
    print(f"[{root}]")
    print(f"  first rank (build + cache + shortlist): {shown(first['wall_s'], 'build_s', 's')}"
          f"; CPU {first['cpu_s']:.2f} s")
    print(f"  peak RSS, process tree: {shown(first['peak_mb'], 'peak_mb', 'MB')}")
    print(f"  cached index in the store: {shown(cache_mb, 'cache_mb', 'MB')}")
    print(f"  cached rank, CLI start to file written: "
          f"{shown(second['wall_s'], 'cached_rank_s', 's')}; CPU {second['cpu_s']:.2f} s; "
          f"peak RSS {second['peak_mb']:.0f} MB")


def query_figures(db: Path, as_of: date, repeat: int) -> None:
    """This checkout's query time against one bare sparse mat-vec over the same index."""
    conn = connect(db)
    t0 = time.perf_counter()
    profiles = StoreProfiles(conn, as_of)
    matcher, hit = fitted_matcher(conn, "tfidf", profiles)
    t_load = time.perf_counter() - t0
    index = matcher.profile_matrix_
    q = matcher.transform([QUERY])  # 1 x terms, CSR
    t_query = best_of(lambda: matcher.score([QUERY]), repeat)
    t_bare = best_of(lambda: q @ index, repeat)
    conn.close()
    print(f"  index: {len(profiles)} professors, {int(matcher.index_.indptr[-1])} papers, "
          f"{index.shape[0]} terms, {index.nnz} non-zeros; loaded from the cache "
          f"({'hit' if hit else 'miss'}) in {t_load:.2f} s")
    print(f"  one query (transform + score) {t_query * 1e3:.3f} ms, bare mat-vec "
          f"{t_bare * 1e3:.3f} ms: ratio {shown(t_query / t_bare, 'query_ratio', 'x')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8765", help="replay world URL")
    parser.add_argument("--db", type=Path, default=Path("/tmp/profscout-bench.db"))
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--as-of", type=date.fromisoformat,
                        default=datetime.now(UTC).date())
    parser.add_argument("--crawl", action="store_true",
                        help="build a missing store with `profscout crawl` (real attribution, "
                             "24 months) instead of every world paper by exact name")
    parser.add_argument("--compare", type=Path, action="append", default=[],
                        help="another checkout to measure the same way first (repeatable)")
    args = parser.parse_args()
    if not args.db.exists():
        (crawl_store if args.crawl else build_store)(args.db, args.base)
    for root in [*args.compare, ROOT]:
        checkout_figures(root.resolve(), args.db, args.as_of)
    query_figures(args.db, args.as_of, args.repeat)


if __name__ == "__main__":
    main()
