"""The command line in-process: help, crawl, professors and one-line errors naming options.

The crawls import the CSRankings fixture files from a local HTTP server (the stage runs its
Scrapy crawl in a child process), into a temporary store.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from profscout.cli.app import COMMANDS, as_failure, option_for
from profscout.cli.commands.crawl import crawl as crawl_command
from profscout.core import config
from profscout.core.errors import SourceError, UserError
from profscout.core.store import connect, transaction
from tests.helpers import (
    FIXTURES,
    csrankings_store,
    invoke,
    run_module,
    static_server,
    table_rows,
)


@pytest.fixture(scope="module")
def csrankings_url() -> Iterator[str]:
    with static_server(FIXTURES / "csrankings") as base:
        yield base + "full/"


def crawl(db: Path, url: str, *args: str) -> list[str]:
    return ["crawl", "--stages", "csrankings", "--csrankings-url", url, "--db", str(db), *args]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# --- help -------------------------------------------------------------------------------------

def test_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("Usage: profscout [OPTIONS] COMMAND [ARGS]...")
    listed = result.stdout.split("Commands:", 1)[1]
    for name, (_, summary) in COMMANDS.items():
        assert f"{name}  " in listed and summary.split()[0] in listed, name


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Usage: profscout {command} [OPTIONS]")
    assert "--help" in result.stdout and result.stderr == ""


def test_crawl_help_shows_the_configured_defaults():
    text = " ".join(invoke("crawl", "--help").stdout.split())
    assert f"arXiv: look this many months back. [default: {config.DEFAULT_ARXIV_MONTHS}" in text
    assert f"per professor. [default: {config.DEFAULT_MAX_PAGES}" in text


def test_unknown_command_is_a_usage_error():
    result = invoke("crawll")
    assert result.exit_code == 2 and "No such command 'crawll'" in result.stderr


# --- errors -----------------------------------------------------------------------------------

def test_expected_failures_map_to_one_line_and_an_exit_code():
    bad = as_failure(UserError("unknown stage 'x'", field="stages"), crawl_command)
    assert bad is not None and bad.exit_code == 2
    assert bad.format_message() == "Invalid value for '--stages': unknown stage 'x'"
    plain = as_failure(UserError("no such thing"), crawl_command)
    assert plain is not None and plain.format_message() == "no such thing"
    source = as_failure(SourceError("arXiv failed"), None)
    assert source is not None and source.exit_code == 1
    interrupted = as_failure(KeyboardInterrupt(), crawl_command)
    assert interrupted is not None and interrupted.exit_code == 130
    missing = as_failure(FileNotFoundError(2, "No such file or directory", "x.txt"), None)
    assert missing is not None and missing.format_message() == "No such file or directory: x.txt"
    assert as_failure(ValueError("a bug"), crawl_command) is None  # bugs keep their traceback
    assert option_for(crawl_command, "names_file") == "--names"
    assert option_for(crawl_command, "no_such_parameter") is None


def test_the_console_script_reports_the_same_one_line(tmp_path):
    db = csrankings_store(tmp_path / "p.db")
    result = run_module("profscout", "institutions", "--region", "mars", "--db", db,
                        timeout=120)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.error_lines == [invoke("institutions", "--region", "mars", "--db", db)
                                  .error_lines[0]]


def test_commands_reading_the_store_do_not_create_one(tmp_path):
    absent = tmp_path / "absent.db"
    result = invoke("institutions", "--db", absent)
    assert result.exit_code == 2 and not absent.exists()
    assert result.error_lines == [f"Error: no store at {absent}; run `profscout crawl "
                                  "--stages csrankings` first"]


# --- crawl ------------------------------------------------------------------------------------

def test_crawl_prints_one_json_object_and_a_second_crawl_changes_nothing(db_path,
                                                                         csrankings_url):
    first = invoke(*crawl(db_path, csrankings_url, "--json"))
    assert first.exit_code == 0, first.stderr
    summary = first.json()  # nothing else on stdout
    assert (summary["selected"], summary["institutions"]) == (8, 5)
    assert summary["db"] == str(db_path) and summary["warnings"] == []
    assert summary["csrankings"]["tables"]["professors"]["added"] == 8
    second = invoke(*crawl(db_path, csrankings_url, "--json"))
    report = second.json()["csrankings"]
    assert report["added"] == report["updated"] == 0 and report["unchanged"] == 5 + 8 + 10 + 7


def test_crawl_summary_table_and_filters(db_path, csrankings_url):
    table = invoke(*crawl(db_path, csrankings_url))
    assert table.exit_code == 0, table.stderr
    assert "Selected 8 professors at 5 institutions (areas: all" in table.stdout
    assert "What each stage did" in table.stdout and "csrankings" in table.stdout
    narrowed = invoke(*crawl(db_path, csrankings_url, "--area", "vision", "--region", "europe",
                             "--json")).json()
    assert (narrowed["selected"], narrowed["institutions"]) == (1, 1)  # Gérard Huet (iccv)
    assert narrowed["areas"] == ["vision"] and narrowed["area_filter"] == "area_counts"


def test_crawl_warnings_go_to_stderr_before_the_summary(tmp_path, csrankings_url):
    names = tmp_path / "names.txt"
    names.write_text("Ada Lovelace\nNobody Here\n", encoding="utf-8")
    db = tmp_path / "p.db"
    result = invoke(*crawl(db, csrankings_url, "--names", str(names), "--json"))
    assert result.exit_code == 0, result.stderr
    assert result.json()["selected"] == 1
    assert "Warning: 1 name(s) in" in result.stderr and "Nobody Here" in result.stderr


@pytest.mark.parametrize("args, option, hint", [
    (("--region", "mars"), "--region", "valid regions: us, canada"),
    (("--country", "Germany"), "--country", "two-letter code"),
    (("--stages", "csrankings,pdfs"), "--stages", "valid stages: csrankings, homepages, arxiv"),
])
def test_bad_values_are_one_line_naming_the_option(db_path, csrankings_url, args, option,
                                                   hint):
    result = invoke("crawl", "--csrankings-url", csrankings_url, "--db", str(db_path), *args)
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.error_lines
    assert line.startswith(f"Error: Invalid value for '{option}': ") and hint in line
    assert not db_path.exists()  # nothing crawled, no store created


def test_unknown_institution_names_the_option_and_suggests(db_path, csrankings_url):
    assert invoke(*crawl(db_path, csrankings_url)).exit_code == 0
    result = invoke("crawl", "--stages", "homepages", "--db", str(db_path),
                    "--institution", "Cambridge Exampel")
    assert result.exit_code == 2
    assert result.error_lines == ["Error: Invalid value for '--institution': unknown "
                                  "institution 'Cambridge Exampel'; did you mean: "
                                  "Cambridge Example?"]


def test_crawling_an_empty_store_says_which_stage_fills_it(db_path):
    result = invoke("crawl", "--stages", "arxiv", "--db", str(db_path))
    assert result.exit_code == 2
    assert result.error_lines == ["Error: the store has no professors yet; run "
                                  "`profscout crawl --stages csrankings` first"]
    assert not db_path.exists()


# --- professors -------------------------------------------------------------------------------

def test_professors_export_with_and_without_filters(db_path, tmp_path):
    csrankings_store(db_path)
    out = tmp_path / "professors.csv"
    everyone = invoke("professors", "--db", str(db_path), "-o", str(out))
    assert everyone.exit_code == 0, everyone.stderr
    assert f"Wrote 8 professors to {out}" in everyone.stderr
    rows = read_csv(out)
    assert len(rows) == 8 and list(rows[0]) == [
        "name", "institution", "homepage", "homepage_state", "email", "lab", "lab_url",
        "recruiting", "recruiting_evidence", "interests", "keyphrases", "scholar", "dblp",
        "github", "cv", "pages_fetched", "crawled_at", "email_evidence", "recruiting_url",
        "homepage_note", "region", "country", "papers_12m", "papers_24m", "latest_paper"]
    assert all(r["dblp"].startswith("https://dblp.org/") for r in rows)  # filled for everyone
    assert {r["region"] for r in rows} <= {"us", "europe", "asia", "canada", "australasia",
                                           "southamerica", "africa"}
    assert all(r["papers_12m"] == "0" for r in rows)  # no arXiv crawl yet
    assert [(r["institution"], r["name"]) for r in rows] == sorted(
        (r["institution"], r["name"]) for r in rows)
    chosen = invoke("professors", "--db", str(db_path), "--area", "vision", "--region",
                    "europe", "-o", str(out))
    assert chosen.exit_code == 0, chosen.stderr
    assert [r["name"] for r in read_csv(out)] == ["Gérard Huet"]


def test_professors_export_carries_the_homepage_crawl(db_path, tmp_path):
    csrankings_store(db_path)
    (pid,) = table_rows(db_path, "SELECT id FROM professors WHERE key = 'Ada Lovelace'")[0]
    conn = connect(db_path)
    with transaction(conn):
        conn.execute(
            "INSERT INTO homepages (professor_id, url, state, emails, interests, lab_name, "
            "recruiting, recruiting_evidence, links_json, pages_fetched, fetched_at) VALUES "
            "(?, 'https://ada.example.org', 'ok', 'ada@example.org', 'engines\n and  notes', "
            "'=Engine Lab', 'yes', 'I am hiring.', '{\"dblp\": \"https://dblp.org/a\"}', 3, "
            "'2026-01-01')", (pid,))
    conn.close()
    out = tmp_path / "ada.json"
    names = tmp_path / "names.txt"
    names.write_text("Ada Lovelace\n", encoding="utf-8")
    result = invoke("professors", "--db", str(db_path), "--names", str(names), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(out.read_text(encoding="utf-8"))
    assert row["homepage_state"] == "ok" and row["email"] == "ada@example.org"
    assert row["interests"] == "engines and notes" and row["lab"] == "=Engine Lab"
    assert row["recruiting"] == "yes" and row["dblp"] == "https://dblp.org/a"
    assert row["pages_fetched"] == 3 and row["scholar"] == "https://scholar.google.com/citations?user=AdaLove0001A"


def test_professors_without_a_store_is_one_line(tmp_path):
    result = invoke("professors", "--db", str(tmp_path / "absent.db"), "-o",
                    str(tmp_path / "x.csv"))
    assert result.exit_code == 2 and len(result.error_lines) == 1
    assert "no store at" in result.stderr and "profscout crawl" in result.stderr
    assert not (tmp_path / "absent.db").exists() and not (tmp_path / "x.csv").exists()


HELP_PROBE = ("import sys, json; sys.argv = ['profscout', *json.loads(sys.argv[1]), '--help'];"
              "from profscout.cli.app import main\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              "print(json.dumps(sorted(sys.modules)), file=sys.stderr)")


@pytest.mark.parametrize("command", ["", "rank", "shortlist", "crawl", "check", "professors",
                                     "institutions", "campaign", "evaluate-match"])
def test_help_screens_load_no_heavy_library(command: str) -> None:
    """`--help` stays quick: the data and model libraries load when a command runs."""
    import json
    import subprocess
    import sys

    args = [command] if command else []
    done = subprocess.run([sys.executable, "-c", HELP_PROBE, json.dumps(args)],
                          capture_output=True, text=True, check=True, timeout=60)
    assert "Usage:" in done.stdout
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert not loaded & {"pandas", "sklearn", "scipy", "torch", "arxiv", "scrapy", "numpy"}
