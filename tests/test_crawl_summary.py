"""``run_crawl``: what the stages get, and the closing summary of what they did."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from crawler import stages
from crawler.crawl import CrawlSummary, run_crawl
from crawler.stages import StageContext, StageReport
from profscout.cli.render import render_summary
from profscout.core.config import Settings
from profscout.core.errors import EmptyStoreError
from profscout.core.selection import Filters
from profscout.core.store import connect, transaction
from tests.helpers import add_professor

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
    heard: list[str] = []
    summary = run_crawl(Settings(db_path=db), "homepages",
                        Filters(areas=["computer vision"]), {"months": 12},
                        Console(quiet=True), quiet=True, on_warning=heard.append)
    assert summary.selected == 1 and summary.institutions == 1 and not heard
    assert summary.areas == ["vision"] and summary.area_filter == "area_counts"
    (seen,) = SEEN
    assert seen == {"ids": [seer], "options": {"months": 12, "areas": ["vision"]}}
    assert summary.to_dict()["homepages"] == {"stage": "homepages", "skipped": {},
                                              "errors": []}


def test_selection_warnings_reach_the_caller_before_the_stages(monkeypatch, tmp_path) -> None:
    db = tmp_path / "p.db"
    conn = connect(db)
    with transaction(conn):
        add_professor(conn, "Ada Seer", "East U")  # no area counts, no papers
    conn.close()
    monkeypatch.setitem(stages.STAGES, "homepages", "tests.test_crawl_summary:recording_stage")
    SEEN.clear()
    heard: list[str] = []
    summary = run_crawl(Settings(db_path=db), "homepages", Filters(areas=["vision"]),
                        quiet=True, on_warning=lambda w: heard.append(f"{w} ({len(SEEN)})"))
    assert len(heard) == 1 and heard[0].endswith("not applied (0)")  # before the stage ran
    assert summary.warnings and summary.selected == 1


def test_an_empty_first_store_is_an_error_and_leaves_nothing_behind(tmp_path) -> None:
    db = tmp_path / "fresh.db"
    try:
        run_crawl(Settings(db_path=db), "homepages", Filters(), quiet=True)
    except EmptyStoreError as exc:
        assert exc.needs == "csrankings" and "no professors" in str(exc)
    else:
        raise AssertionError("an empty store was crawled")
    assert not db.exists()


def test_summary_has_one_headline_per_stage() -> None:
    console = Console(record=True, width=160)
    render_summary(CrawlSummary(
        db="x.db", selected=12, institutions=3, areas=["vision"],
        warnings=["the area filter is not applied"],
        reports={
            "csrankings": StageReport("csrankings", {"added": 5, "updated": 1, "unchanged": 3},
                                      skipped={"bad_url": 2}),
            "homepages": StageReport("homepages", {"crawled_now": 10,
                                                   "states": {"ok": 3, "unreachable": 7}}),
            "arxiv": StageReport("arxiv", {"arxiv_calls": 4, "papers_found": 100,
                                           "professors_with_papers": 7},
                                 errors=["batch 3 failed"]),
        }), console)
    text = console.export_text()
    assert "Warning: the area filter is not applied" in text
    assert "Selected 12 professors at 3 institutions" in text
    assert "5 rows added, 1 updated, 3 unchanged" in text and "bad_url 2" in text
    assert "10 homepages crawled; states: ok 3, unreachable 7" in text
    assert "100 papers in 4 API calls; 7 professors with papers" in text
    assert "arxiv: batch 3 failed" in text
