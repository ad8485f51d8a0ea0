"""``run_crawl``: what the stages get, and the closing summary of what they did."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from crawler import stages
from crawler.crawl import render_summary, run_crawl
from crawler.stages import StageContext, StageReport
from profscout.core.config import Settings
from profscout.core.selection import Filters
from profscout.core.store import connect, transaction
from tests.local_arxiv import add_professor

SEEN: list[dict[str, Any]] = []


def recording_stage(ctx: StageContext) -> StageReport:
    """A stand-in stage that records what it was given."""
    SEEN.append({"ids": list(ctx.professor_ids), "options": dict(ctx.options)})
    return StageReport("homepages")


def test_stages_get_the_selection_and_its_resolved_area_codes(monkeypatch, tmp_path) -> None:
    db = tmp_path / "p.db"
    conn = connect(db)
    with transaction(conn):
        seer = add_professor(conn, "Ada Seer", "East U", areas=("cvpr",))
        add_professor(conn, "Bo Parser", "East U", areas=("acl",))
    conn.close()
    monkeypatch.setitem(stages.STAGES, "homepages", "tests.test_crawl_summary:recording_stage")
    SEEN.clear()
    summary = run_crawl(Settings(db_path=db), "homepages",
                        Filters(areas=["computer vision"]), {"months": 12},
                        Console(quiet=True), json_mode=True)
    assert summary["selected"] == 1
    (seen,) = SEEN
    assert seen == {"ids": [seer], "options": {"months": 12, "areas": ["vision"]}}


def test_summary_has_one_headline_per_stage() -> None:
    console = Console(record=True, width=160)
    render_summary({
        "selected": 12, "institutions": 3, "areas": ["vision"], "db": "x.db",
        "csrankings": {"stage": "csrankings", "added": 5, "updated": 1, "unchanged": 3,
                       "skipped": {"bad_url": 2}, "errors": []},
        "homepages": {"stage": "homepages", "crawled_now": 10,
                      "states": {"ok": 3, "unreachable": 7}, "skipped": {}, "errors": []},
        "arxiv": {"stage": "arxiv", "arxiv_calls": 4, "papers_found": 100,
                  "professors_with_papers": 7, "skipped": {}, "errors": ["batch 3 failed"]},
    }, console)
    text = console.export_text()
    assert "Selected 12 professors at 3 institutions" in text
    assert "5 rows added, 1 updated, 3 unchanged" in text and "bad_url 2" in text
    assert "10 homepages crawled; states: ok 3, unreachable 7" in text
    assert "100 papers in 4 API calls; 7 professors with papers" in text
    assert "arxiv: batch 3 failed" in text
