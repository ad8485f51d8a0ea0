"""Real Scrapy crawls of CSRankings fixture files on a local HTTP server.

``profscout crawl`` runs in-process (its stage crawls in a child process); ``scrapy crawl``
on its own starts a Twisted reactor, so it runs in a child process.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import invoke as profscout
from tests.helpers import static_server
from tests.world import REPO_ROOT, free_port

FIXTURES = Path(__file__).parent / "fixtures" / "csrankings"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The fixture folders served over HTTP; yields the base URL."""
    with static_server(FIXTURES) as base:
        yield base


def dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def count(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_crawl_imports_fixture_and_second_crawl_changes_nothing(server, db_path):
    args = ["crawl", "--stages", "csrankings", "--csrankings-url", server + "full/",
            "--db", str(db_path), "--json"]
    first = profscout(*args)
    assert first.exit_code == 0, first.stderr
    summary = json.loads(first.stdout)  # nothing else on stdout
    assert summary["selected"] == 8 and summary["institutions"] == 5
    report = summary["csrankings"]
    assert report["professors"] == 8 and report["area_data"] is True
    assert report["tables"]["professors"]["added"] == 8
    assert report["tables"]["area_counts"]["added"] == 7
    assert report["skipped"] == {"not_utf8": 1, "missing_field": 2, "bad_url": 1,
                                 "duplicate": 1, "extra_fields": 1,
                                 "country_info_duplicate": 1,
                                 "geolocation_bad_coordinates": 1,
                                 "author_info_unknown_author": 1,
                                 "author_info_bad_number": 1}
    assert count(db_path, "professors") == 8 and count(db_path, "professor_aliases") == 10
    before = dump(db_path)

    second = profscout(*args)
    assert second.exit_code == 0, second.stderr
    report = json.loads(second.stdout)["csrankings"]
    assert report["added"] == report["updated"] == 0
    assert report["unchanged"] == 5 + 8 + 10 + 7
    assert dump(db_path) == before


def test_area_and_region_filters_after_import(server, db_path):
    result = profscout("crawl", "--stages", "csrankings", "--csrankings-url", server + "full/",
                       "--db", str(db_path), "--area", "vision", "--region", "europe", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["selected"], summary["institutions"]) == (1, 1)  # Gérard Huet (iccv)
    assert summary["areas"] == ["vision"] and summary["area_filter"] == "area_counts"

    table = profscout("crawl", "--stages", "csrankings", "--csrankings-url", server + "full/",
                      "--db", str(db_path))
    assert table.exit_code == 0, table.stderr
    assert "Selected 8 professors at 5 institutions" in table.stdout
    assert "csrankings" in table.stdout

    # the export takes the same filters: one professor, every professor without them
    out = db_path.parent / "professors.csv"
    chosen = profscout("professors", "--db", str(db_path), "--area", "vision",
                       "--region", "europe", "-o", str(out))
    assert chosen.exit_code == 0, chosen.stderr
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2 and "Gérard Huet" in lines[1]
    everyone = profscout("professors", "--db", str(db_path), "-o", str(out))
    assert everyone.exit_code == 0, everyone.stderr
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 1 + 8


def test_scrapy_crawl_on_its_own_with_split_files(server, tmp_path):
    db = tmp_path / "split.db"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "csrankings", "-a", f"url={server}split/",
         "-s", f"PROFSCOUT_DB={db}", *FAST],
        capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "CSRankings import:" in result.stderr
    conn = sqlite3.connect(db)
    keys = {r[0] for r in conn.execute("SELECT key FROM professors")}
    assert keys == {"Ada Lovelace", "Alan Turing 0001"}
    areas = {r[0] for r in conn.execute("SELECT area FROM area_counts")}
    assert areas == {"vision", "act"}  # pre-2018 format: the area column
    regions = dict(conn.execute("SELECT name, region FROM institutions"))
    assert regions == {"Example University": "us", "Cambridge Example": "europe"}


def test_missing_faculty_files_leave_no_store_behind(server, tmp_path):
    db = tmp_path / "none.db"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "csrankings", "-a", f"url={server}nothing/",
         "-s", f"PROFSCOUT_DB={db}", *FAST],
        capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert "no csrankings.csv nor csrankings-[a-z].csv" in result.stderr
    assert not db.exists()


def test_unreachable_source_is_one_line_and_leaves_store_unchanged(server, db_path):
    assert profscout("crawl", "--stages", "csrankings", "--csrankings-url", server + "full/",
                     "--db", str(db_path), "--json").exit_code == 0
    before = dump(db_path)
    dead = f"http://127.0.0.1:{free_port()}/"
    result = profscout("crawl", "--stages", "csrankings", "--csrankings-url", dead,
                       "--db", str(db_path), "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: CSRankings") and dead in lines[0]
    assert dump(db_path) == before
    fresh = db_path.with_name("fresh.db")
    assert profscout("crawl", "--stages", "csrankings", "--csrankings-url", dead,
                     "--db", str(fresh)).exit_code == 1
    assert not fresh.exists()  # a first crawl that failed leaves no store behind


def test_unknown_area_or_region_fails_before_crawling(server, db_path):
    for flag, value, hint in (("--area", "astrology", "mlmining"),
                              ("--region", "mars", "europe")):
        result = profscout("crawl", "--stages", "csrankings", "--csrankings-url",
                           server + "full/", "--db", str(db_path), flag, value)
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1 and hint in result.stderr
    assert not db_path.exists()


def test_stage_names_and_missing_stage_modules_are_user_errors(monkeypatch):
    from crawler import stages
    from crawler.crawl import load_stages, parse_stages
    from profscout.core.errors import UserError

    assert parse_stages("arxiv, CSRankings") == ["csrankings", "arxiv"]
    with pytest.raises(UserError, match="valid stages: csrankings, homepages, arxiv"):
        parse_stages("csrankings,pdfs")
    monkeypatch.setitem(stages.STAGES, "homepages", "crawler.no_such_stage:run")
    with pytest.raises(UserError, match="crawler.no_such_stage is missing"):
        load_stages(["csrankings", "homepages"])
    assert callable(load_stages(["csrankings"])["csrankings"])


def test_author_info_with_a_bad_header_is_not_used_and_says_why(server, db_path):
    result = profscout("crawl", "--stages", "csrankings", "--csrankings-url",
                       server + "badinfo/", "--db", str(db_path), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)["csrankings"]
    assert report["professors"] == 1 and report["area_data"] is False
    assert "generated-author-info.csv" in report["missing"]
    assert any("expected header name,dept,area,count,adjustedcount,year" in e
               for e in report["errors"])
    assert count(db_path, "area_counts") == 0
