"""Summaries that say what they counted, and one-line refusals instead of quiet nonsense."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from profscout.cli.options import MAX_NAME_LENGTH, check_name_length, name_callback
from profscout.core import config
from tests.helpers import REPO_ROOT, csrankings_store, invoke, ranking_store, static_server

CSRANKINGS = Path(__file__).parent / "fixtures" / "csrankings"
QUERY = "deep reinforcement learning for robot manipulation"
WIDE = {"COLUMNS": "400"}


# --- E: summaries --------------------------------------------------------------------------

def test_csrankings_summary_counts_each_kind_of_row(tmp_path: Path) -> None:
    with static_server(CSRANKINGS) as base:
        result = invoke("crawl", "--stages", "csrankings", "--csrankings-url", base + "full/",
                        "--db", tmp_path / "s.db", env=WIDE)
    assert result.exit_code == 0, result.stderr
    assert "rows added" not in result.stdout  # no total over professors, aliases, institutions
    assert "professors 8 added, 0 updated, 0 unchanged" in result.stdout
    assert "aliases 10 added" in result.stdout
    assert "institutions 5 added" in result.stdout


def test_rank_says_how_many_the_institution_cap_left_out(tmp_path: Path) -> None:
    db = ranking_store(tmp_path / "s.db")
    out = tmp_path / "list.csv"
    uncapped = invoke("rank", QUERY, "--db", db, "-o", out, "--per-institution", "0",
                      env=WIDE)
    assert uncapped.exit_code == 0, uncapped.stderr
    assert "cap" not in uncapped.stderr
    full = len(list(csv.DictReader(out.read_text("utf-8-sig").splitlines())))
    capped = invoke("rank", QUERY, "--db", db, "-o", out, "--per-institution", "1", env=WIDE)
    assert capped.exit_code == 0, capped.stderr
    kept = len(list(csv.DictReader(out.read_text("utf-8-sig").splitlines())))
    assert kept < full
    assert (f"Wrote {kept} rows to {out} (the cap of 1 per institution left out {full - kept} "
            f"of the top {full})") in " ".join(capped.stderr.split())


# --- F: weights, environment, name length --------------------------------------------------

@pytest.mark.parametrize("args", [("--match-weight", "nan"), ("--activity-weight", "inf"),
                                  ("--weights", "nan,0.3"), ("--weights", "0.7,inf")])
def test_weights_that_are_not_numbers_are_refused(tmp_path: Path, args: tuple[str, str]) -> None:
    db = ranking_store(tmp_path / "s.db")
    out = tmp_path / "list.csv"
    result = invoke("rank", QUERY, "--db", db, "-o", out, *args)
    assert result.exit_code == 2
    last = result.error_lines[-1]  # click's usage lines come first for a bad option
    assert last.startswith("Error: ") and ("is not a finite number" in last
                                           or "two numbers like 0.7,0.3" in last)
    assert not out.exists()


@pytest.mark.parametrize("command", ["rank", "professors"])
@pytest.mark.parametrize("value", ["abc", "nan", "-1"])
def test_a_bad_arxiv_delay_in_the_environment_is_one_line(tmp_path: Path, command: str,
                                                         value: str) -> None:
    db = ranking_store(tmp_path / "s.db")
    args = [QUERY] if command == "rank" else []
    result = invoke(command, *args, "--db", db, "-o", tmp_path / "out.csv",
                    env={config.ENV_ARXIV_DELAY: value})
    assert result.exit_code == 2
    assert result.error_lines == [f"Error: {config.ENV_ARXIV_DELAY} must be a number of "
                                  f"seconds (0 or more), got {value!r}"]


def test_a_long_name_is_refused_before_any_request() -> None:
    assert check_name_length("Jane Doe") == "Jane Doe"
    with pytest.raises(click.BadParameter, match="a name of 100000 characters"):
        check_name_length("x" * 100_000)

    @click.command()
    @click.argument("name", callback=name_callback)
    def probe(name: str) -> None:
        click.echo(f"asked for {name}")

    result = CliRunner().invoke(probe, ["y" * (MAX_NAME_LENGTH + 1)])
    assert result.exit_code == 2
    assert f"a name of {MAX_NAME_LENGTH + 1} characters; names are at most " \
           f"{MAX_NAME_LENGTH}" in result.output
    assert "asked for" not in result.output
    assert CliRunner().invoke(probe, ["Jane Doe"]).output == "asked for Jane Doe\n"


# --- F: rank on a read-only store ---------------------------------------------------------

@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None,
                    reason="needs a non-root user to make a file read-only")
def test_rank_works_on_a_read_only_store() -> None:
    folder = Path(tempfile.mkdtemp(prefix="profscout-ro-rank-"))
    try:
        os.chmod(folder, 0o755)
        store_dir = folder / "store"
        store_dir.mkdir()
        db = ranking_store(store_dir / "s.db")
        for extra in ("-wal", "-shm"):
            assert not Path(f"{db}{extra}").exists()
        os.chmod(db, 0o444)
        os.chmod(store_dir, 0o555)
        out_dir = folder / "out"
        out_dir.mkdir()
        os.chmod(out_dir, 0o777)
        out = out_dir / "list.csv"
        command = [sys.executable, "-m", "profscout", "rank", QUERY, "--db", str(db),
                   "-o", str(out)]
        if os.geteuid() == 0:
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300,
                              cwd=REPO_ROOT, env={**os.environ, "HOME": str(out_dir),
                                                  "PYTHONPATH": str(REPO_ROOT), **WIDE})
        assert done.returncode == 0, done.stderr
        assert "the store is read-only; the fitted index is not cached" in done.stderr
        rows = list(csv.DictReader(out.read_text("utf-8-sig").splitlines()))
        assert rows and rows[0]["name"] == "Alice Roboto"
    finally:
        for path in (folder / "store", folder):
            if path.exists():
                os.chmod(path, 0o755)
        shutil.rmtree(folder)


def test_professors_export_of_the_fixture_store_still_works(tmp_path: Path) -> None:
    db = csrankings_store(tmp_path / "s.db")
    result = invoke("professors", "--db", db, "-o", tmp_path / "p.csv")
    assert result.exit_code == 0, result.stderr
    assert len(list(csv.DictReader((tmp_path / "p.csv").read_text("utf-8-sig")
                                   .splitlines()))) == 8
