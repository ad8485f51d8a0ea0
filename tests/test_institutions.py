"""``profscout institutions``: CSRankings' institution score from area data in a fixture."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ranking.institutions import geometric_mean_score, score_institutions
from tests.helpers import csrankings_store, invoke


@pytest.fixture
def fixture_db(csrankings_db: Path) -> Path:
    return csrankings_db


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
    result = invoke("institutions", "--area", "vision", "--json", "--db", fixture_db)
    assert result.exit_code == 0, result.stderr
    data = result.json()
    ranked = [(r["institution"], r["score"], r["faculty"]) for r in data["institutions"]]
    # Example University: Ada 0.75 + 0.5 (cvpr 2020) + Wei Wang 0001 0.2 (eccv 2015)
    assert ranked[0] == ("Example University", pytest.approx(1.45 + 1), 2)
    assert {r[0] for r in ranked[1:]} == {"Université Exemple", "Eastern Example University"}
    assert all(r[1] == pytest.approx(2.0) for r in ranked[1:])


def test_region_years_and_several_areas(fixture_db):
    db = str(fixture_db)
    europe = invoke("institutions", "--area", "vision", "--region", "europe",
                    "--json", "--db", db).json()
    assert [r["institution"] for r in europe["institutions"]] == ["Université Exemple"]
    recent = invoke("institutions", "--area", "vision", "--since", "2016",
                    "--json", "--db", db).json()
    assert recent["institutions"][0]["score"] == pytest.approx(1.25 + 1)
    both = invoke("institutions", "--area", "vision", "--area", "act",
                  "--json", "--db", db).json()
    scores = {r["institution"]: r["score"] for r in both["institutions"]}
    assert scores["Cambridge Example"] == pytest.approx(math.sqrt(1 * 2.5), abs=1e-3)
    assert scores["Example University"] == pytest.approx(math.sqrt(2.45 * 1), abs=1e-3)
    table = invoke("institutions", "--area", "vision", "--top", "1", "--db", db)
    assert table.exit_code == 0 and "Example University" in table.stdout
    assert "Université Exemple" not in table.stdout


def test_errors_are_one_line(fixture_db, tmp_path):
    bad_area = invoke("institutions", "--area", "astrology", "--db", fixture_db)
    assert bad_area.exit_code == 2
    assert len(bad_area.error_lines) == 1 and "vision" in bad_area.stderr
    bad_region = invoke("institutions", "--region", "mars", "--db", fixture_db)
    assert bad_region.exit_code == 2 and bad_region.stdout == ""
    assert bad_region.error_lines == [
        "Error: Invalid value for '--region': unknown region 'mars'; valid regions: us, "
        "canada, northamerica, southamerica, europe, asia, australasia, africa, world"]
    backwards = invoke("institutions", "--since", "2020", "--until", "2010", "--db", fixture_db)
    assert backwards.exit_code == 2 and "--since 2020 is after --until 2010" in backwards.stderr

    empty = csrankings_store(tmp_path / "no-areas.db", area_counts=False)
    no_data = invoke("institutions", "--area", "vision", "--db", empty)
    assert no_data.exit_code == 2
    assert "generated-author-info.csv" in no_data.stderr
    assert len(no_data.error_lines) == 1 and "Traceback" not in no_data.stderr
