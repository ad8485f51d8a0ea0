"""``profscout rank``: output files and one-line errors for bad input."""

from __future__ import annotations

import csv
import json
import os

import pytest
from openpyxl import load_workbook

from profscout.core.store import connect
from ranking.shortlist import COLUMNS
from tests.ranking_store import build_store, run_cli

QUERY = "deep reinforcement learning for robot manipulation"


@pytest.fixture
def store(tmp_path):
    return build_store(tmp_path / "store.db")


def rank(store, *args):
    return run_cli(["rank", "--db", str(store), *args])


def test_rank_writes_a_safe_csv(store, tmp_path, capsys):
    out = tmp_path / "shortlist.csv"
    assert rank(store, QUERY, "-o", str(out), "--per-institution", "0", "--top", "10") == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads it right
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0]) == COLUMNS
    assert rows[0]["name"] == "Alice Roboto"
    err = capsys.readouterr().err
    assert "Matcher: tfidf (index fitted" in err and f"Wrote {len(rows)} rows" in err
    # formula injection neutralised: Eve's homepage gave an email and lab starting with = and +
    eve = rank(store, "machine translation with language models", "-o", str(out))
    assert eve == 0
    eve_row = next(csv.DictReader(out.read_text("utf-8-sig").splitlines()))
    assert eve_row["email"].startswith("'=HYPERLINK")
    assert eve_row["lab"].startswith("'+Language")
    assert "Matcher: tfidf (index from the store's cache" in capsys.readouterr().err


def test_rank_formats_and_options(store, tmp_path):
    xlsx = tmp_path / "list.xlsx"
    assert rank(store, QUERY, "-o", str(xlsx), "--region", "europe", "--weights", "1,0") == 0
    sheet = load_workbook(xlsx).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header == COLUMNS
    regions = {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert regions == {"europe"}
    out = tmp_path / "list.out"
    assert rank(store, QUERY, "-o", str(out), "--format", "json", "--recruiting-only") == 0
    data = json.loads(out.read_text())
    assert [r["name"] for r in data] == ["Alice Roboto"]


@pytest.mark.parametrize("args, message", [
    (["   "], "empty query"),
    (["zyxwv qwertz"], "nothing to match on"),
    ([QUERY, "--region", "atlantis"], "unknown region"),
    ([QUERY, "--country", "xx"], "unknown country"),
    ([QUERY, "--institution", "Hogwarts"], "unknown institution"),
    ([QUERY, "--area", "alchemy"], "unknown area"),
    ([QUERY, "--weights", "a,b"], "--weights wants two numbers"),
    ([QUERY, "--matcher", "nope"], "Invalid value for '--matcher'"),
])
def test_bad_input_is_one_line_and_writes_nothing(store, tmp_path, capsys, args, message):
    out = tmp_path / "shortlist.csv"
    assert rank(store, *args, "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_empty_store_says_crawl_first(tmp_path, capsys):
    empty = tmp_path / "empty.db"
    connect(empty).close()
    out = tmp_path / "shortlist.csv"
    for db in (empty, tmp_path / "absent.db"):
        assert run_cli(["rank", QUERY, "--db", str(db), "-o", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert "run `profscout crawl` first" in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_unwritable_output_leaves_nothing_behind(store, tmp_path, capsys):
    missing = tmp_path / "no" / "such" / "dir" / "list.csv"
    assert rank(store, QUERY, "-o", str(missing)) == 2
    assert "does not exist" in capsys.readouterr().err
    a_dir = tmp_path / "taken.csv"
    a_dir.mkdir()
    assert rank(store, QUERY, "-o", str(a_dir)) == 2
    assert "it is a directory" in capsys.readouterr().err
    assert os.listdir(a_dir) == []
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no temporary file


def test_read_only_folder_keeps_the_previous_file(store, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    previous = locked / "list.csv"
    previous.write_text("old contents\n")
    os.chmod(locked, 0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("this user can write into read-only folders (root)")
        assert rank(store, QUERY, "-o", str(previous)) == 2
        err = capsys.readouterr().err
        assert "permission denied" in err and len(err.strip().splitlines()) == 1
        assert previous.read_text() == "old contents\n"
        assert os.listdir(locked) == ["list.csv"]
    finally:
        os.chmod(locked, 0o700)
