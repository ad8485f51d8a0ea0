"""arXiv API calls per professor: batched queries vs one query per professor.

Starts its own replay world (tests/world.py), picks at least N professors of one field at run
time (CSRankings people who appear as authors of papers in an arXiv category, e.g. cs.RO),
and runs the ``arxiv`` crawl stage twice over a 24-month window into two fresh stores:

* batched (several names per query), at the polite delay (default 3 s): measured;
* one query per professor: measured at a reduced delay against the local world, and its wall
  time at 3 s *computed* as calls x 3 s + the measured time spent in the calls themselves.

Recall = share of the per-professor run's (professor, paper) attributions that the batched
run also made. Usage::

    .venv/bin/python bench/arxiv_calls.py --n 500 --category cs.RO [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from crawler.arxiv_client import ArxivClient  # noqa: E402
from crawler.arxiv_stage import run as run_stage  # noqa: E402
from crawler.stages import StageContext  # noqa: E402
from profscout.core.activity import months_ago  # noqa: E402
from profscout.core.config import Settings  # noqa: E402
from profscout.core.names import display_name, parse_name  # noqa: E402
from profscout.core.store import connect, transaction  # noqa: E402
from tests.world import start_world  # noqa: E402

POLITE = 3.0


def people_from_csrankings(text: str) -> list[tuple[str, str, list[str]]]:
    """(key, institution, aliases) per person: rows sharing a Scholar id or homepage."""
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in csv.DictReader(io.StringIO(text)):
        sid = row["scholarid"].strip()
        key = sid if sid and sid != "NOSCHOLARPAGE" else row["homepage"].strip() or row["name"]
        groups[(row["affiliation"], key)].append(row)
    people = []
    for (institution, _), rows in groups.items():
        names = [r["name"] for r in rows]
        people.append((names[0], institution, names))
    return people


def field_authors(client: ArxivClient, category: str, since) -> set[str]:
    """Name keys of every author of a category's papers since ``since``."""
    result = client.search(f"cat:{category} AND submittedDate:[{since:%Y%m%d}0000 TO "
                           f"{datetime.now(UTC):%Y%m%d}2359]", since)
    return {parse_name(a).key for p in result.papers for a in p.authors}


def build_store(path: Path, people: list[tuple[str, str, list[str]]]) -> list[int]:
    conn = connect(path)
    ids = []
    with transaction(conn):
        for key, institution, aliases in people:
            cur = conn.execute("INSERT INTO professors (key, name, institution) VALUES (?, ?, ?)",
                               (key, display_name(key), institution))
            ids.append(cur.lastrowid)
            for alias in aliases:
                conn.execute("INSERT OR IGNORE INTO professor_aliases VALUES (?, ?, ?)",
                             (cur.lastrowid, alias, display_name(alias)))
    conn.close()
    return ids


def crawl(path: Path, ids: list[int], url: str, delay: float, max_names: int | None) -> dict:
    conn = connect(path)
    ctx = StageContext(conn, Settings(arxiv_url=url, arxiv_delay=delay), Console(stderr=True),
                       ids, {"months": 24, "arxiv_max_names": max_names}, show_progress=False)
    started = time.monotonic()
    report = run_stage(ctx)
    wall = time.monotonic() - started
    pairs = {(r[0], r[1]) for r in conn.execute("SELECT professor_id, arxiv_id FROM authorships")}
    conn.close()
    return {"report": report.to_dict(), "wall_s": wall, "pairs": pairs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=500, help="professors (at least)")
    ap.add_argument("--category", default="cs.RO", help="arXiv category that defines the field")
    ap.add_argument("--delay", type=float, default=POLITE, help="batched run's delay (s)")
    ap.add_argument("--per-professor-delay", type=float, default=0.02,
                    help="per-professor run's delay against the local world (s)")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args(argv)

    world = start_world()
    try:
        with urllib.request.urlopen(world.csrankings_url + "csrankings.csv", timeout=60) as r:
            people = people_from_csrankings(r.read().decode("utf-8"))
        since = months_ago(datetime.now(UTC).date(), 24)
        scout = ArxivClient(world.arxiv_url, 0.0, page_size=2000)
        authors = field_authors(scout, args.category, since)
        chosen = sorted((p for p in people
                         if any(parse_name(a).key in authors for a in p[2])),
                        key=lambda p: p[0])[:args.n]
        if len(chosen) < args.n:
            print(f"only {len(chosen)} professors found for {args.category}", file=sys.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            ids_b = build_store(Path(tmp) / "batched.db", chosen)
            ids_p = build_store(Path(tmp) / "single.db", chosen)
            batched = crawl(Path(tmp) / "batched.db", ids_b, world.arxiv_url, args.delay, None)
            single = crawl(Path(tmp) / "single.db", ids_p, world.arxiv_url,
                           args.per_professor_delay, 1)
    finally:
        world.stop()

    n = len(chosen)
    b_calls, s_calls = batched["report"]["arxiv_calls"], single["report"]["arxiv_calls"]
    s_service = single["wall_s"] - s_calls * args.per_professor_delay
    recall = (len(batched["pairs"] & single["pairs"]) / len(single["pairs"])
              if single["pairs"] else 1.0)
    figures = {
        "field": args.category, "professors": n, "window_months": 24,
        "batched": {"arxiv_calls": b_calls, "calls_per_professor": round(b_calls / n, 4),
                    "batches": batched["report"]["batches"], "delay_s": args.delay,
                    "wall_s_measured": round(batched["wall_s"], 1),
                    "papers_found": batched["report"]["papers_found"],
                    "authorships": len(batched["pairs"])},
        "per_professor": {"arxiv_calls": s_calls, "calls_per_professor": round(s_calls / n, 4),
                          "delay_s_measured_at": args.per_professor_delay,
                          "wall_s_measured": round(single["wall_s"], 1),
                          "wall_s_projected_at_3s": round(s_calls * POLITE + s_service, 1),
                          "papers_found": single["report"]["papers_found"],
                          "authorships": len(single["pairs"])},
        "recall_batched_vs_per_professor": round(recall, 4),
        "target_calls_per_professor": 0.1,
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    ok = figures["batched"]["calls_per_professor"] <= 0.1 and recall >= 0.99
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
