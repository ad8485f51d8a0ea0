"""``profscout campaign`` in-process on a small store, starting from a real shortlist export."""

from __future__ import annotations

import csv
import email
import email.policy
import sqlite3
from datetime import date
from pathlib import Path

import icalendar
import openpyxl
import pytest

from profscout.campaign.due import CLOSE, FOLLOW_UP, pending_actions
from profscout.campaign.rules import Entry, conflicting, next_up
from profscout.core.store import SCHEMA_VERSION, connect
from tests.ranking_store import build_store, run_cli

QUERY = "deep reinforcement learning for robot manipulation"


@pytest.fixture
def env(tmp_path, monkeypatch, capsys):
    """A store, a shortlist made by `profscout rank`, and a campaign added from it."""
    db = build_store(tmp_path / "store.db")
    monkeypatch.setenv("PROFSCOUT_DB", str(db))
    monkeypatch.chdir(tmp_path)
    shortlist = tmp_path / "x.csv"
    assert run_cli(["rank", QUERY, "--as-of", "2026-06-01", "--per-institution", "0",
                    "-o", str(shortlist)]) == 0
    assert run_cli(["campaign", "add", str(shortlist), "--query", QUERY,
                    "--today", "2026-06-01"]) == 0
    capsys.readouterr()
    return tmp_path, db


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = run_cli(["campaign", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def shortlist_names(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [row["name"] for row in csv.DictReader(handle)]


def entries(db: Path) -> dict[str, sqlite3.Row]:
    conn = connect(db)
    rows = conn.execute("SELECT e.*, p.name FROM campaign_entries e "
                        "JOIN professors p ON p.id = e.professor_id").fetchall()
    conn.close()
    return {r["name"]: r for r in rows}


def test_add_keeps_the_shortlist_order_and_why(env):
    tmp, db = env
    names = shortlist_names(tmp / "x.csv")
    stored = entries(db)
    assert sorted(stored, key=lambda n: stored[n]["position"]) == names
    alice = stored["Alice Roboto"]
    assert alice["state"] == "planned" and alice["planned_on"] == "2026-06-01"
    assert alice["query"] == QUERY and "robot manipulation" in alice["why"]
    conn = connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert alice["professor_id"] == conn.execute(
        "SELECT id FROM professors WHERE name = 'Alice Roboto'").fetchone()[0]
    conn.close()


def test_adding_again_adds_nobody_twice(env, capsys):
    tmp, db = env
    code, out, _ = cli(capsys, "add", "Alice Roboto", "Grace Graph", "--today", "2026-06-01")
    assert code == 0 and "Added 1" in out and "already there: Alice Roboto" in out
    assert entries(db)["Grace Graph"]["position"] == len(shortlist_names(tmp / "x.csv")) + 1


def test_one_open_conversation_per_institution(env, capsys):
    _, db = env
    assert cli(capsys, "mark", "Alice Roboto", "sent", "--on", "2026-06-02")[0] == 0
    code, _, err = cli(capsys, "mark", "Bruno Greifer", "sent", "--on", "2026-06-02")
    assert code == 2 and "Alice Roboto" in err and len(err.strip().splitlines()) == 1
    assert entries(db)["Bruno Greifer"]["state"] == "planned"
    # another institution is fine; the lab rule separates Alice's lab from Bruno
    assert cli(capsys, "mark", "Dan Pixel", "sent", "--on", "2026-06-02")[0] == 0
    assert cli(capsys, "mark", "Bruno Greifer", "drafted", "--on", "2026-06-02")[0] == 0
    assert cli(capsys, "mark", "Bruno Greifer", "sent", "--on", "2026-06-03",
               "--rule", "lab")[0] == 0
    # a reply closes Alice's conversation: the next at ETH may be written to
    code, _, err = cli(capsys, "mark", "Carla Arm", "sent", "--on", "2026-06-04",
                       "--rule", "lab")
    assert code == 0  # Carla has no lab of her own: no lab conflict
    assert cli(capsys, "mark", "Alice Roboto", "replied", "--on", "2026-06-05")[0] == 0
    assert entries(db)["Alice Roboto"]["closed_on"] == "2026-06-05"


def test_reply_frees_the_institution_and_force_is_recorded(env, capsys):
    _, db = env
    assert cli(capsys, "mark", "Alice Roboto", "sent", "--on", "2026-06-02")[0] == 0
    assert cli(capsys, "mark", "Alice Roboto", "replied", "--on", "2026-06-04",
               "--note", "call on Friday")[0] == 0
    assert cli(capsys, "mark", "Bruno Greifer", "sent", "--on", "2026-06-05")[0] == 0
    code, _, err = cli(capsys, "mark", "Carla Arm", "sent", "--on", "2026-06-05")
    assert code == 2 and "Bruno Greifer" in err
    code, out, _ = cli(capsys, "mark", "Carla Arm", "sent", "--on", "2026-06-05", "--force")
    assert code == 0 and "rule overridden" in out
    stored = entries(db)
    assert stored["Carla Arm"]["rule_overridden"] == 1
    assert stored["Alice Roboto"]["notes"] == "call on Friday"
    conn = connect(db)
    forced = conn.execute("SELECT state, on_date, forced FROM campaign_events "
                          "WHERE entry_id = ? ORDER BY id", (stored["Carla Arm"]["id"],)
                          ).fetchall()
    conn.close()
    assert [tuple(r) for r in forced] == [("planned", "2026-06-01", 0),
                                          ("sent", "2026-06-05", 1)]


def test_next_follows_the_order_and_the_rule(env, capsys):
    tmp, _ = env
    names = shortlist_names(tmp / "x.csv")
    code, out, _ = cli(capsys, "next", "--today", "2026-06-01", "--count", "10")
    assert code == 0
    suggested = [line.split(". ", 1)[1].split(" (")[0] for line in out.splitlines()]
    # the first of each institution in shortlist order, nobody else
    assert suggested[0] == names[0] == "Alice Roboto"
    assert "Bruno Greifer" not in suggested and "Carla Arm" not in suggested
    # 2026-06-01 is a Monday: the first send morning is Tuesday's, in Zurich's summer time
    assert out.splitlines()[0].endswith("send Tue 2026-06-02 09:30 Europe/Zurich (07:30 UTC)")
    assert cli(capsys, "mark", "Alice Roboto", "sent", "--on", "2026-06-01")[0] == 0
    assert cli(capsys, "mark", "Alice Roboto", "declined", "--on", "2026-06-03")[0] == 0
    out = cli(capsys, "next", "--today", "2026-06-03", "--count", "1")[1]
    assert out.startswith(f"{names.index('Bruno Greifer') + 1:>3}. Bruno Greifer")


def test_due_on_fixed_dates(env, capsys):
    assert cli(capsys, "mark", "Alice Roboto", "sent", "--on", "2026-06-02")[0] == 0
    assert cli(capsys, "due", "--today", "2026-06-08")[1].startswith("Nothing due")
    out = cli(capsys, "due", "--today", "2026-06-09")[1]
    assert out.startswith("follow up: Alice Roboto") and "due 2026-06-09 (today)" in out
    assert "follow up: Alice Roboto" in cli(capsys, "due", "--today", "2026-06-05",
                                            "--after", "3")[1]
    assert cli(capsys, "mark", "Alice Roboto", "followed_up", "--on", "2026-06-09")[0] == 0
    assert cli(capsys, "due", "--today", "2026-06-15")[1].startswith("Nothing due")
    out = cli(capsys, "due", "--today", "2026-06-18")[1]
    assert out.startswith("close as no_reply: Alice Roboto") and "(2 days ago)" in out
    out = cli(capsys, "status", "--today", "2026-06-18")[1]
    assert "followed_up 1" in out and "next due: 2026-06-16" in out
    assert "oldest waiting: Alice Roboto" in out and "16 days ago" in out
    assert cli(capsys, "mark", "Alice Roboto", "no_reply", "--on", "2026-06-18")[0] == 0
    assert cli(capsys, "due", "--today", "2026-07-30")[1].startswith("Nothing due")
    assert "reply rate: 0% (0 answered of 1 written to)" in cli(capsys, "status")[1]


def test_xlsx_round_trip_with_a_user_edit(env, capsys):
    tmp, db = env
    assert cli(capsys, "mark", "Alice Roboto", "sent", "--on", "2026-06-02")[0] == 0
    assert cli(capsys, "add", "Eve Wordsmith")[0] == 0
    ledger = tmp / "ledger.xlsx"
    assert cli(capsys, "export", str(ledger), "--today", "2026-06-02")[0] == 0
    book = openpyxl.load_workbook(ledger)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) + 1 for name in header}
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == sheet.dimensions
    rows = {sheet.cell(r, col["name"]).value: r for r in range(2, sheet.max_row + 1)}
    alice = rows["Alice Roboto"]
    paper = sheet.cell(alice, col["paper_1"])
    assert paper.value.startswith("https://arxiv.org/abs/") and paper.hyperlink.target == \
        paper.value
    assert sheet.cell(alice, col["homepage"]).hyperlink is not None
    assert sheet.cell(alice, col["scholar"]).hyperlink.target.endswith("user=aliceR1")
    assert sheet.column_dimensions["A"].width >= 8
    # Eve's lab name starts with '+': neutralised in the sheet
    assert sheet.cell(rows["Eve Wordsmith"], col["lab"]).value == "'+Language Lab"
    # the user records Alice's reply and a note that looks like a formula
    sheet.cell(alice, col["state"]).value = "replied"
    sheet.cell(alice, col["closed_on"]).value = date(2026, 6, 6)  # typed as a date
    sheet.cell(alice, col["notes"]).value = "'=interview 2026-06-10, ask about funding"
    book.save(ledger)

    code, out, err = cli(capsys, "import", str(ledger))
    assert code == 0 and "Applied 1 edited entries (Alice Roboto)" in out and err == ""
    stored = entries(db)["Alice Roboto"]
    assert (stored["state"], stored["closed_on"], stored["sent_on"]) == \
        ("replied", "2026-06-06", "2026-06-02")
    assert stored["notes"] == "=interview 2026-06-10, ask about funding"
    # exported again, nothing is lost; re-importing the old sheet is now a conflict
    again = tmp / "again.csv"
    assert cli(capsys, "export", str(again))[0] == 0
    with open(again, encoding="utf-8-sig", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["name"] == "Alice Roboto")
    assert row["notes"] == "'=interview 2026-06-10, ask about funding"
    assert row["state"] == "replied" and row["closed_on"] == "2026-06-06"
    assert "Applied 0" in cli(capsys, "import", str(again))[1]
    sheet.cell(alice, col["notes"]).value = "a different note"
    book.save(ledger)
    code, out, err = cli(capsys, "import", str(ledger))
    assert code == 1 and "conflict: row" in err and "Alice Roboto" in err
    assert entries(db)["Alice Roboto"]["notes"] == "=interview 2026-06-10, ask about funding"


def test_import_reports_unknown_and_invalid_rows(env, capsys):
    tmp, db = env
    ledger = tmp / "ledger.csv"
    assert cli(capsys, "export", str(ledger))[0] == 0
    with open(ledger, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    rows[0]["state"] = "sent"
    rows[0]["sent_on"] = "2026-06-03"
    rows[1]["state"] = "ghosted"
    rows[2]["state"] = "sent"
    rows[2]["sent_on"] = "2026-06-04"
    rows.append({**rows[2], "entry": "999", "name": "Someone Else"})
    with open(ledger, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    code, out, err = cli(capsys, "import", str(ledger))
    assert code == 1 and "Applied 2" in out
    assert f"{rows[0]['name']} and {rows[2]['name']} at ETH Zurich are both open" in err
    assert "unknown: row" in err and "Someone Else" in err
    assert "invalid:" in err and "ghosted" in err
    stored = entries(db)
    assert stored[rows[0]["name"]]["state"] == "sent"
    assert stored[rows[1]["name"]]["state"] == "planned"
    assert stored[rows[2]["name"]]["sent_on"] == "2026-06-04"


def test_calendar_parses_back(env, capsys):
    tmp, _ = env
    assert cli(capsys, "mark", "Alice Roboto", "sent", "--on", "2026-06-02")[0] == 0
    assert cli(capsys, "mark", "Dan Pixel", "sent", "--on", "2026-06-03")[0] == 0
    assert cli(capsys, "mark", "Dan Pixel", "followed_up", "--on", "2026-06-10")[0] == 0
    ics = tmp / "followups.ics"
    assert cli(capsys, "calendar", "-o", str(ics), "--today", "2026-06-10")[0] == 0
    calendar = icalendar.Calendar.from_ical(ics.read_bytes())
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Follow up with Alice Roboto (ETH Zurich)",
                           "Close (no reply): Dan Pixel (Massachusetts Institute of Technology)"}
    alice = events["Follow up with Alice Roboto (ETH Zurich)"]
    assert alice.decoded("dtstart") == date(2026, 6, 9)
    assert events["Close (no reply): Dan Pixel (Massachusetts Institute of Technology)"
                  ].decoded("dtstart") == date(2026, 6, 17)
    assert len({str(e["uid"]) for e in events.values()}) == 2


def test_draft_cites_a_real_paper_and_fills_everything(env, capsys):
    tmp, db = env
    conn = connect(db)
    titles = {r[0]: r[1] for r in conn.execute(
        "SELECT pa.arxiv_id, pa.title FROM papers pa JOIN authorships a USING (arxiv_id) "
        "JOIN professors p ON p.id = a.professor_id WHERE p.name = 'Alice Roboto'")}
    conn.close()
    code, text, _ = cli(capsys, "draft", "Alice Roboto", "--today", "2026-06-01")
    assert code == 0
    cited = [a for a in titles if f"https://arxiv.org/abs/{a}" in text]
    assert 1 <= len(cited) <= 2 and all(f'"{titles[a]}"' in text for a in cited)
    assert "Deep reinforcement learning for robot manipulation" in text
    assert text.startswith("To: alice@ethz.example\nSubject: ")
    assert "Dear Professor Roboto," in text and "Robot Learning Lab" in text
    assert "I am looking for PhD students in robot learning." in text
    assert "[Your contribution:" in text
    for leftover in ("{{", "}}", "{%", "None", "Professor ,"):
        assert leftover not in text
    eml = tmp / "alice.eml"
    assert cli(capsys, "draft", "Alice Roboto", "-o", str(eml), "--sender",
               "Sam Student <sam@uni.example>")[0] == 0
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "alice@ethz.example" and message["From"].addresses[0].addr_spec == \
        "sam@uni.example"
    assert message["Subject"].startswith("Prospective PhD student")
    assert "Sam Student" in message.get_content()
    # a user's template: an unknown variable is a one-line error
    own = tmp / "mine.j2"
    own.write_text("Subject: Hello {{ surname }}\n\n{{ papers[0].title }} {{ nickname }}\n")
    code, _, err = cli(capsys, "draft", "Alice Roboto", "--template", str(own))
    assert code == 2 and "nickname" in err and len(err.strip().splitlines()) == 1
    own.write_text("Subject: Hello {{ surname }}\n\nI read {{ papers[0].title }}.\n")
    code, text, _ = cli(capsys, "draft", "Alice Roboto", "--template", str(own))
    assert code == 0 and "Subject: Hello Roboto" in text


@pytest.mark.parametrize("argv, message", [
    (["mark", "Nobody Known", "sent"], "not in the campaign"),
    (["mark", "Alice Roboto", "ghosted"], "unknown state"),
    (["mark", "Alice Roboto", "replied"], "it can become"),
    (["mark", "Alice Roboto", "sent", "--on", "01/06/2026"], "YYYY-MM-DD"),
    (["due", "--today", "2026-13-01"], "YYYY-MM-DD"),
    (["status", "--campaign", "phd"], "no entries"),
    (["add", "Nobody Known"], "not in the store"),
    (["mark", "Alice Roboto", "sent", "--on", "2026-05-01"], "before"),
    (["export", "ledger.txt"], ".xlsx or .csv"),
])
def test_bad_input_is_one_line(env, capsys, argv, message):
    code, _, err = cli(capsys, *argv)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_import_without_the_needed_columns(env, capsys):
    tmp, _ = env
    bad = tmp / "bad.csv"
    bad.write_text("name,state\nAlice Roboto,sent\n")
    code, _, err = cli(capsys, "import", str(bad))
    assert code == 2 and "lacks the column(s): entry, revision" in err
    assert len(err.strip().splitlines()) == 1


def _entry(i: int, institution: str, state: str, lab: str = "", sent: date | None = None,
           followed: date | None = None) -> Entry:
    return Entry(id=i, campaign="c", professor_id=i, position=i, name=f"P{i}",
                 institution=institution, lab=lab, state=state, planned_on=date(2026, 1, 1),
                 sent_on=sent, followed_up_on=followed)


def test_rules_and_due_are_pure():
    a = _entry(1, "X", "sent", "Lab A", sent=date(2026, 1, 5))
    b = _entry(2, "X", "planned", "Lab B")
    c = _entry(3, "Y", "planned")
    d = _entry(4, "X", "followed_up", sent=date(2026, 1, 2), followed=date(2026, 1, 9))
    assert conflicting(b, [a, c], "institution") == a
    assert conflicting(b, [a, c], "lab") is None
    assert conflicting(b, [a], "none") is None
    assert next_up([a, b, c], "institution", 5) == [c]
    assert next_up([a, b, c], "lab", 5) == [b, c]
    actions = pending_actions([a, b, c, d], after_days=7)
    assert [(x.entry.id, x.kind, x.due_on) for x in actions] == [
        (1, FOLLOW_UP, date(2026, 1, 12)), (4, CLOSE, date(2026, 1, 16))]


def test_rank_xlsx_is_styled_with_links(tmp_path, monkeypatch):
    db = build_store(tmp_path / "store.db")
    monkeypatch.setenv("PROFSCOUT_DB", str(db))
    out = tmp_path / "shortlist.xlsx"
    assert run_cli(["rank", QUERY, "--as-of", "2026-06-01", "-o", str(out)]) == 0
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == sheet.dimensions
    homepage = sheet.cell(2, header.index("homepage") + 1)
    assert homepage.hyperlink is not None and homepage.hyperlink.target == homepage.value
    papers = sheet.cell(2, header.index("top_papers") + 1)  # several links in one cell: text
    assert papers.hyperlink is None and "https://arxiv.org/abs/" in papers.value
    assert 8 <= sheet.column_dimensions["B"].width <= 60


def test_rank_can_leave_out_the_contacted(env, capsys):
    tmp, _ = env
    assert cli(capsys, "mark", "Alice Roboto", "sent", "--on", "2026-06-02")[0] == 0
    assert cli(capsys, "mark", "Alice Roboto", "replied", "--on", "2026-06-03")[0] == 0
    again = tmp / "again.csv"
    assert run_cli(["rank", QUERY, "--as-of", "2026-06-01", "--per-institution", "0",
                    "--exclude-contacted", "-o", str(again)]) == 0
    names = shortlist_names(tmp / "x.csv")
    assert shortlist_names(again) == [n for n in names if n != "Alice Roboto"]


def test_add_from_a_names_file(tmp_path, monkeypatch, capsys):
    db = build_store(tmp_path / "store.db")
    monkeypatch.setenv("PROFSCOUT_DB", str(db))
    names = tmp_path / "names.txt"
    names.write_text("# my list\nPixel, Dan\nGrace Graph\n")
    code, out, _ = cli(capsys, "add", "--names", str(names), "--campaign", "phd",
                       "--today", "2026-06-01")
    assert code == 0 and "Added 2 to campaign 'phd'" in out
    assert [e["name"] for e in sorted(entries(db).values(), key=lambda e: e["position"])] == [
        "Dan Pixel", "Grace Graph"]
    names.write_text("Dan Pixel\nNo Such Person\n")
    code, _, err = cli(capsys, "add", "--names", str(names), "--campaign", "other")
    assert code == 2 and "'No Such Person' is not in the store" in err
    assert {e["campaign"] for e in entries(db).values()} == {"phd"}  # all or none
