"""``profscout shortlist`` (the README's main job) in-process against the replay world.

The crawl stages fetch CSRankings, homepages and arXiv from the world (Scrapy in child
processes, the arXiv client here); the CSV must hold ranked rows with their evidence.
Skipped when ../shared is absent.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.helpers import invoke, table_rows

pytestmark = [pytest.mark.world, pytest.mark.slow]

QUERY = "deep reinforcement learning for robot manipulation"
INSTITUTION = "ETH Zurich"


def test_shortlist_crawls_then_writes_ranked_rows_with_evidence(world, tmp_path: Path):
    db, out = tmp_path / "profscout.db", tmp_path / "shortlist.csv"
    env = {"PROFSCOUT_CSRANKINGS_URL": world.csrankings_url,
           "PROFSCOUT_ARXIV_URL": world.arxiv_url, "PROFSCOUT_ARXIV_DELAY": "0"}
    result = invoke("shortlist", QUERY, "--institution", INSTITUTION, "--per-institution", "0",
                    "--top", "10", "--db", db, "-o", out, env=env)
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stderr.split())  # rich wraps lines at the terminal's width
    assert "Areas from the query: " in said and "robotics" in said
    assert "What each stage did" in said and "Selected " in said

    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert 3 <= len(rows) <= 10 and f"Wrote {len(rows)} rows to" in said
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert {r["institution"] for r in rows} == {INSTITUTION}
    for row in rows:
        assert row["top_papers"].count("https://arxiv.org/abs/") >= 1, row["name"]
        assert row["why"].startswith("shared terms: "), row["name"]
        assert int(row["papers_24m"]) >= 1 and row["latest_paper"]
    # every listed paper is one the arXiv stage stored for that professor
    top = rows[0]
    first_id = top["top_papers"].split("https://arxiv.org/abs/", 1)[1].split(")", 1)[0]
    owners = table_rows(db, "SELECT p.name FROM authorships a JOIN professors p "
                            "ON p.id = a.professor_id WHERE a.arxiv_id = ?", (first_id,))
    assert (top["name"],) in owners
