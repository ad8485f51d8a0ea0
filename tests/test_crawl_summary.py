"""The crawl's closing summary says, per stage, what changed in the store."""

from __future__ import annotations

from rich.console import Console

from profscout.crawling import render_summary


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
