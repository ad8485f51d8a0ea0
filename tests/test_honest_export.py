"""Exports never run a formula, never split a row, never crash on a control character, never
guess a format, keep the user's umask and leave no temporary file on SIGTERM."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from profscout.cli.export import format_from_path, neutralize_cell, write_table
from profscout.core.errors import UserError
from tests.helpers import REPO_ROOT

TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]
LEADERS = [" ", "  ", "\u00a0", "\ufeff", "\n", "\u200b", "\u2003", "\r\n", " \u00a0\ufeff"]


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


# --- D: formula triggers after leading whitespace or invisible characters ------------------

@pytest.mark.parametrize("leader", LEADERS)
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_a_formula_after_invisible_characters_is_neutralised(leader: str, trigger: str) -> None:
    value = f"{leader}{trigger}HYPERLINK(\"http://x\")"
    assert neutralize_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Robot learning", " robots", "\u00a0MIT", "", "3.5",
                                   "a=b", "x-y"])
def test_plain_text_is_left_alone(value: str) -> None:
    assert neutralize_cell(value) == value


def test_csv_quotes_a_bare_cr_so_the_row_does_not_split(tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    rows = [{"name": "Ada", "interests": "vision\r=1+2", "n": 1},
            {"name": "Bob", "interests": "plain", "n": 2},
            {"name": "Cy", "interests": "two\nlines", "n": 3}]
    write_table(rows, out)
    raw = out.read_bytes()
    assert b'"vision\r=1+2"' in raw
    back = _read_csv(out)
    assert back == [["name", "interests", "n"], ["Ada", "vision\r=1+2", "1"],
                    ["Bob", "plain", "2"], ["Cy", "two\nlines", "3"]]
    assert raw.count(b"\r") == 1  # the only CR is inside the quoted field


def test_csv_without_line_breaks_is_written_as_before(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["Ada", "Bob"], "score": [0.5, 0.25], "n": [1, 2]})
    out = tmp_path / "t.csv"
    write_table(frame, out)
    expected = frame.to_csv(index=False).encode("utf-8-sig")
    assert out.read_bytes() == expected


@pytest.mark.parametrize("leader", [" ", "\u00a0", "\ufeff", "\n"])
def test_csv_and_xlsx_read_back_neutralised(tmp_path: Path, leader: str) -> None:
    rows = [{"name": f"{leader}=cmd|' /C calc'!A0", "n": 1}]
    write_table(rows, tmp_path / "t.csv")
    write_table(rows, tmp_path / "t.xlsx")
    assert _read_csv(tmp_path / "t.csv")[1][0].startswith("'")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert sheet is not None
    cell = sheet.cell(row=2, column=1)
    assert cell.data_type == "s" and str(cell.value).startswith("'")


# --- C: control characters in XLSX ---------------------------------------------------------

def test_xlsx_export_survives_control_characters(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    rows = [{"name": "Ada\x00 Love\x07lace\x1b", "interests": "vision\x0b and\tmore", "n": 2}]
    write_table(rows, out)
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == ["Ada Lovelace", "vision and\tmore", 2]


# --- F: formats from extensions ------------------------------------------------------------

@pytest.mark.parametrize("name", ["out.pdf", "out.txt", "out.csv.bak"])
def test_an_unknown_extension_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(UserError, match="is not a format profscout writes; use .csv, .xlsx, "
                                        ".json"):
        write_table([{"a": 1}], tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_no_extension_is_refused_unless_a_format_is_given(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot tell the format of .*out: name it with .csv"):
        format_from_path(tmp_path / "out", None)
    assert format_from_path(tmp_path / "out", "json") == "json"
    assert format_from_path(tmp_path / "OUT.XLSX", None) == "xlsx"


def test_professors_refuses_pdf_with_one_line(tmp_path: Path) -> None:
    from tests.helpers import csrankings_store, invoke

    db = csrankings_store(tmp_path / "s.db")
    result = invoke("professors", "--db", db, "-o", tmp_path / "out.pdf")
    assert result.exit_code == 2
    assert len(result.error_lines) == 1 and ".pdf is not a format" in result.error_lines[0]
    assert not (tmp_path / "out.pdf").exists()


# --- F: the umask, SIGTERM ---------------------------------------------------------------

@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_a_new_export_gets_the_umask_mode(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        out = write_table([{"a": 1}], tmp_path / f"t{umask}.csv")
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_existing_export_keeps_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    out.write_text("[]")
    out.chmod(0o640)
    write_table([{"a": 1}], out)
    assert out.stat().st_mode & 0o777 == 0o640


def test_sigterm_removes_the_temporary_export(tmp_path: Path) -> None:
    """A real process, SIGTERM while an export is half written: no .tmp left, exit 143."""
    code = ("import sys, time\n"
            "from pathlib import Path\n"
            "from profscout.cli.app import install_signal_handlers, Terminated\n"
            "from profscout.cli.export import atomic_path\n"
            "install_signal_handlers()\n"
            "try:\n"
            "    with atomic_path(Path(sys.argv[1])) as tmp:\n"
            "        tmp.write_text('half')\n"
            "        print(tmp, flush=True)\n"
            "        time.sleep(60)\n"
            "except Terminated:\n"
            "    sys.exit(143)\n")
    target = tmp_path / "list.csv"
    child = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE,
                             text=True, cwd=REPO_ROOT,
                             env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert child.stdout is not None
    tmp = Path(child.stdout.readline().strip())
    assert tmp.exists()
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=20) == 143
    assert not tmp.exists() and not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_sigterm_ends_the_cli_with_one_line_and_143(tmp_path: Path) -> None:
    """``python -m profscout`` (the console script's main) turns SIGTERM into exit 143."""
    from tests.helpers import csrankings_store

    db = csrankings_store(tmp_path / "s.db")
    fifo = tmp_path / "names.txt"
    os.mkfifo(fifo)  # reading the names blocks: the command is mid-run when SIGTERM comes
    child = subprocess.Popen(
        [sys.executable, "-m", "profscout", "professors", "--db", str(db),
         "--names", str(fifo), "-o", str(tmp_path / "out.csv")],
        stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    import time

    time.sleep(3)
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=20)
    assert child.returncode == 143, err
    assert [line for line in err.splitlines() if line.strip()] == [
        "Terminated; finished work is saved in the store."]
