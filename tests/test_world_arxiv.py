"""The arxiv stage on the replay world: a hostile one (faults) and a strict one (min gap 3 s)."""

from __future__ import annotations

import csv
import io
import urllib.request
from datetime import UTC, datetime

import pytest
from rich.console import Console

from crawler.arxiv_stage import run
from crawler.stages import StageContext
from profscout.core.activity import MIN_CONFIDENCE, compute_activity
from profscout.core.config import Settings
from profscout.core.store import connect, transaction
from profscout.core.store.papers import counted_published
from tests.local_arxiv import add_professor

pytestmark = pytest.mark.world


def _world_people(world, count: int) -> list[tuple[str, str]]:
    """``count`` (name, institution) rows of the world's CSRankings, spread over the file."""
    with urllib.request.urlopen(world.csrankings_url + "csrankings.csv", timeout=60) as resp:
        rows = list(csv.DictReader(io.StringIO(resp.read().decode("utf-8"))))
    step = max(1, len(rows) // count)
    chosen: dict[str, str] = {}
    for row in rows[::step]:
        chosen.setdefault(row["name"], row["affiliation"])
    return list(chosen.items())[:count]


def _stage(db, world, people, delay: float, **options):
    conn = connect(db)
    with transaction(conn):
        ids = [add_professor(conn, name, inst) for name, inst in people]
    ctx = StageContext(conn, Settings(arxiv_url=world.arxiv_url, arxiv_delay=delay),
                       Console(quiet=True), ids, {"months": 24, **options},
                       show_progress=False)
    return conn, ids, ctx


def test_faulty_world_every_professor_accounted_for(faulty_world, tmp_path):
    people = _world_people(faulty_world, 80) + [("Sergey Levine",
                                                   "Univ. of California - Berkeley")]
    # batches of at most 20 names, so faults meet several batches (81 people fit in one)
    conn, ids, ctx = _stage(tmp_path / "f.db", faulty_world, people, delay=0.05,
                            arxiv_max_names=20)
    report = run(ctx).to_dict()
    statuses = dict(conn.execute("SELECT professor_id, status FROM arxiv_sync").fetchall())
    assert sorted(statuses) == sorted(ids)
    assert set(statuses.values()) <= {"ok", "no_papers", "unconfirmed"}, report["errors"]
    assert report["arxiv_calls"] >= report["batches"] >= 2
    assert report["professors_with_papers"] + report["professors_without_papers"] == len(ids)
    levine = compute_activity(counted_published(conn, ids[-1], MIN_CONFIDENCE),
                              datetime.now(UTC).date())
    assert levine.papers_24m > 10
    stats = faulty_world.stats()["requests"]
    faults = stats.get("arxiv_fault_503", 0) + stats.get("arxiv_fault_empty_page", 0)
    assert report["arxiv_calls"] == stats["arxiv"]
    assert report["arxiv_retries"] == faults  # every fault was retried, nothing else was


def test_strict_world_refuses_nothing_at_the_default_delay(strict_arxiv_world, tmp_path):
    people = [("Sergey Levine", "Univ. of California - Berkeley"),
              ("Jun-Yan Zhu", "Carnegie Mellon University"),
              ("Aaron C. Courville", "University of Montreal")]
    conn, ids, ctx = _stage(tmp_path / "s.db", strict_arxiv_world, people, delay=3.0)
    first = run(ctx).to_dict()
    ctx.options["arxiv_refresh"] = True  # asked again the same day (else: not asked at all)
    second = run(ctx).to_dict()  # incremental: only newer than the newest paper stored
    assert first["professors_with_papers"] == 3 and second["incremental"] == 3
    assert second["papers_returned"] * 4 < first["papers_returned"]  # only newer papers
    stats = strict_arxiv_world.stats()
    assert stats["requests"].get("arxiv_refused_too_fast", 0) == 0
    assert stats["requests"]["arxiv"] == first["arxiv_calls"] + second["arxiv_calls"] >= 2
    assert stats["arxiv_min_gap_s"] >= 3.0
