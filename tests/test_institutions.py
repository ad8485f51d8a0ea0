"""``profscout institutions``: CSRankings' institution score from area data in a fixture."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from profscout.core import store
from profscout.core.store.csrankings import import_snapshot
from ranking.institutions import geometric_mean_score, score_institutions
from tests.test_csrankings_parse import full_snapshot


def profscout(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "profscout", *args], capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def fixture_db(db_path: Path) -> Path:
    conn = store.connect(db_path)
    import_snapshot(conn, full_snapshot())
    conn.close()
    return db_path


def test_geometric_mean_of_counts_plus_one():
    assert geometric_mean_score({"vision": 3.0, "act": 0.0}, ["vision", "act"]) == \
        pytest.approx(2.0)
    assert geometric_mean_score({}, ["vision"]) == 1.0
    rows = [("A", "us", "us", "vision", 1, 1.0), ("A", "us", "us", "vision", 2, 2.0),
            ("B", "europe", "de", "vision", 3, 1.0), ("B", "europe", "de", "act", 3, 3.0)]
    ranked = score_institutions(rows, ["vision", "act"])
    assert [s.institution for s in ranked] == ["B", "A"]
    assert ranked[0].score == pytest.approx(math.sqrt(2 * 4))
    assert ranked[1].score == pytest.approx(math.sqrt(4 * 1)) and ranked[1].faculty == 2


def test_ranks_by_vision_over_all_years(fixture_db):
    result = profscout("institutions", "--area", "vision", "--json", "--db", str(fixture_db))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    ranked = [(r["institution"], r["score"], r["faculty"]) for r in data["institutions"]]
    # Example University: Ada 0.75 + 0.5 (cvpr 2020) + Wei Wang 0001 0.2 (eccv 2015)
    assert ranked[0] == ("Example University", pytest.approx(1.45 + 1), 2)
    assert {r[0] for r in ranked[1:]} == {"Université Exemple", "Eastern Example University"}
    assert all(r[1] == pytest.approx(2.0) for r in ranked[1:])


def test_region_years_and_several_areas(fixture_db):
    db = str(fixture_db)
    europe = json.loads(profscout("institutions", "--area", "vision", "--region", "europe",
                                  "--json", "--db", db).stdout)
    assert [r["institution"] for r in europe["institutions"]] == ["Université Exemple"]
    recent = json.loads(profscout("institutions", "--area", "vision", "--since", "2016",
                                  "--json", "--db", db).stdout)
    assert recent["institutions"][0]["score"] == pytest.approx(1.25 + 1)
    both = json.loads(profscout("institutions", "--area", "vision", "--area", "act",
                                "--json", "--db", db).stdout)
    scores = {r["institution"]: r["score"] for r in both["institutions"]}
    assert scores["Cambridge Example"] == pytest.approx(math.sqrt(1 * 2.5), abs=1e-3)
    assert scores["Example University"] == pytest.approx(math.sqrt(2.45 * 1), abs=1e-3)
    table = profscout("institutions", "--area", "vision", "--top", "1", "--db", db)
    assert table.returncode == 0 and "Example University" in table.stdout
    assert "Université Exemple" not in table.stdout


def test_errors_are_one_line(fixture_db, tmp_path):
    bad_area = profscout("institutions", "--area", "astrology", "--db", str(fixture_db))
    assert bad_area.returncode == 2
    assert len(bad_area.stderr.strip().splitlines()) == 1 and "vision" in bad_area.stderr
    bad_region = profscout("institutions", "--region", "mars", "--db", str(fixture_db))
    assert bad_region.returncode == 2 and "europe" in bad_region.stderr

    empty = tmp_path / "no-areas.db"
    conn = store.connect(empty)
    import_snapshot(conn, dataclasses.replace(full_snapshot(), area_counts=None))
    conn.close()
    no_data = profscout("institutions", "--area", "vision", "--db", str(empty))
    assert no_data.returncode == 2
    assert "generated-author-info.csv" in no_data.stderr
    assert len(no_data.stderr.strip().splitlines()) == 1 and "Traceback" not in no_data.stderr
