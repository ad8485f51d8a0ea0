"""How fast is one query over every professor of the replay world?

Builds (or reuses) a store holding every CSRankings professor of the replay world with the
world's arXiv papers they wrote: CSRankings through ``profscout crawl --stages csrankings``,
papers through the world's arXiv API in month windows of 2,000 results per call (the world is
local, so no delay), attributed by exact folded name. Then it reads the cache key from the
store (timed), fits the index (timed, and cached in the store), loads it back from the cache
(timed), times one query against one bare sparse matrix-vector product over the same index,
and one whole shortlist from the cached index. Peak memory is the process's max RSS.

    .venv/bin/python bench/rank_latency.py                      # world on 127.0.0.1:8765
    .venv/bin/python bench/rank_latency.py --db /tmp/bench.db --base http://127.0.0.1:8765

Target: query time <= 3x the bare product.
"""

from __future__ import annotations

import argparse
import json
import resource
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
    ranking_cache,  # noqa: E402
    transaction,
)
from ranking.cache import fitted_matcher  # noqa: E402
from ranking.profiles import StoreProfiles  # noqa: E402
from ranking.shortlist import ShortlistRequest, build_shortlist  # noqa: E402

ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
ARXIV = "{http://arxiv.org/schemas/atom}"
QUERY = "deep reinforcement learning for robot manipulation"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8765", help="replay world URL")
    parser.add_argument("--db", type=Path, default=Path("/tmp/profscout-bench.db"))
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    if not args.db.exists():
        build_store(args.db, args.base)
    conn = connect(args.db)
    ranking_cache.clear(conn)
    as_of = datetime.now(UTC).date()
    t0 = time.perf_counter()
    profiles = StoreProfiles(conn, as_of)
    key = profiles.store_key
    t_key = time.perf_counter() - t0
    t0 = time.perf_counter()
    matcher, _ = fitted_matcher(conn, "tfidf", profiles)  # builds every profile, fits
    t_fit = time.perf_counter() - t0
    n_docs = int(matcher.index_.indptr[-1])
    payload_mb = ranking_cache.payload_bytes(conn) / 2**20
    t0 = time.perf_counter()
    again = StoreProfiles(conn, as_of)
    cached, hit = fitted_matcher(conn, "tfidf", again)
    t_load = time.perf_counter() - t0
    assert hit and again.store_key == key

    index = matcher.profile_matrix_
    q = matcher.transform([QUERY])  # 1 x terms, CSR
    t_query = best_of(lambda: matcher.score([QUERY]), args.repeat)
    t_bare = best_of(lambda: q @ index, args.repeat)
    t0 = time.perf_counter()
    result = build_shortlist(conn, ShortlistRequest(query=QUERY, as_of=as_of))
    t_shortlist = time.perf_counter() - t0
    conn.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"index: {len(profiles)} professors, {n_docs} papers, "
          f"{index.shape[0]} terms, {index.nnz} non-zeros (profile matrix), "
          f"{matcher.doc_matrix_.nnz} non-zeros (paper matrix)")
    print(f"cache key from the store: {t_key:.2f} s; index build (profiles + fit + cache "
          f"write): {t_fit:.2f} s; cached payload {payload_mb:.0f} MB; load from the store's "
          f"cache (key + read): {t_load:.2f} s")
    print(f"one query (transform + score): {t_query * 1e3:.3f} ms; bare sparse mat-vec: "
          f"{t_bare * 1e3:.3f} ms; ratio {t_query / t_bare:.2f}x (target <= 3x)")
    print(f"whole shortlist from the cached index (profiles, activity, explanations): "
          f"{t_shortlist:.2f} s; top: {', '.join(result.frame['name'].head(5))}")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
