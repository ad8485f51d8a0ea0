"""End to end against the replay world: the whole CSRankings snapshot (~29.5k rows)."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.csrankings import normalize_url
from tests.helpers import invoke as profscout
from tests.world import SHARED

pytestmark = pytest.mark.world
SNAPSHOT = SHARED / "world" / "csrankings"


@pytest.fixture(scope="module")
def imported(world, tmp_path_factory) -> Iterator[tuple[Path, dict]]:
    """A store filled by ``profscout crawl --stages csrankings`` from the world."""
    db = tmp_path_factory.mktemp("world-csr") / "profscout.db"
    result = profscout("crawl", "--stages", "csrankings", "--csrankings-url",
                       world.csrankings_url, "--db", str(db), "--json")
    assert result.exit_code == 0, result.stderr
    yield db, json.loads(result.stdout)


def read_snapshot(name: str) -> list[dict[str, str]]:
    with open(SNAPSHOT / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_whole_snapshot_becomes_one_row_per_person(imported):
    db, summary = imported
    rows = read_snapshot("csrankings.csv")
    report = summary["csrankings"]
    assert report["rows_read"] == len(rows) > 29000
    conn = sqlite3.connect(db)
    professors = conn.execute("SELECT COUNT(*) FROM professors").fetchone()[0]
    assert report["professors"] == professors == summary["selected"]
    assert 20000 < professors < len(rows)  # aliases merged
    owners = dict(conn.execute("SELECT alias, professor_id FROM professor_aliases"))
    skipped = sum(report["skipped"].values())
    assert len(owners) == len(rows) - skipped  # every valid row is an alias of one person
    names = {" ".join(r["name"].split()) for r in rows if normalize_url(r["homepage"])}
    assert names <= set(owners)  # whitespace (incl. no-break spaces) normalised
    # rows sharing a Scholar id are one professor
    by_scholar: dict[str, set[int]] = {}
    for row in rows:
        sid = row["scholarid"].strip().split("&")[0]
        name = " ".join(row["name"].split())
        if sid and sid != "NOSCHOLARPAGE" and name in owners:
            by_scholar.setdefault(sid, set()).add(owners[name])
    assert all(len(ids) == 1 for ids in by_scholar.values())
    # keys keep the DBLP number, display names do not
    assert conn.execute("SELECT COUNT(*) FROM professors WHERE name GLOB '* [0-9][0-9][0-9][0-9]'"
                        ).fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM professors WHERE key GLOB '* [0-9][0-9][0-9][0-9]'"
                        ).fetchone()[0] > 1000


def test_every_institution_has_its_region_and_country(imported):
    db, _ = imported
    conn = sqlite3.connect(db)
    stored = {r[0]: (r[1], r[2]) for r in conn.execute(
        "SELECT name, region, country FROM institutions")}
    places = {r["institution"]: (r["region"], r["countryabbrv"])
              for r in read_snapshot("country-info.csv")}
    affiliations = {r["affiliation"].strip() for r in read_snapshot("csrankings.csv")}
    assert affiliations <= set(stored)
    for name in affiliations:
        assert stored[name] == places.get(name, ("us", "us")), name
    orphans = conn.execute("SELECT COUNT(*) FROM professors p LEFT JOIN institutions i "
                           "ON i.name = p.institution WHERE i.name IS NULL").fetchone()[0]
    assert orphans == 0


def test_crawl_vision_europe_without_area_data_degrades_and_says_so(imported, world):
    db, first = imported
    result = profscout("crawl", "--stages", "csrankings", "--area", "vision", "--region",
                       "europe", "--csrankings-url", world.csrankings_url, "--db", str(db),
                       "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    report = summary["csrankings"]
    assert report["added"] == report["updated"] == 0  # same snapshot: nothing changes
    assert report["area_data"] is False and "generated-author-info.csv" in report["missing"]
    conn = sqlite3.connect(db)
    europe = conn.execute("SELECT COUNT(*), COUNT(DISTINCT p.institution) FROM professors p "
                          "JOIN institutions i ON i.name = p.institution "
                          "WHERE i.region = 'europe'").fetchone()
    assert (summary["selected"], summary["institutions"]) == tuple(europe)
    assert 0 < summary["selected"] < first["selected"]
    assert summary["area_filter"] == "none" and summary["areas"] == ["vision"]
    assert "no area data" in result.stderr and "no area data" in summary["warnings"][0]
