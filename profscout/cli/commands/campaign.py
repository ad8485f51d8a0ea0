"""``profscout campaign``: write to the shortlist one lab at a time, follow up once, keep a
ledger. profscout never sends mail: it drafts, reminds and keeps count."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import click

from profscout.cli.export import atomic_path, check_writable, write_table
from profscout.cli.options import apply_options, build_settings, db_option
from profscout.core.errors import UserError

F = Callable[..., Any]

RULE_CHOICES = ("institution", "lab", "none")

_common = apply_options([
    click.option("--campaign", "campaign_name", default="default", show_default=True,
                 metavar="NAME", help="Which campaign (keep several side by side)."),
    click.option("--today", default=None, metavar="YYYY-MM-DD",
                 help="Act as if today were this date [default: today]."),
    db_option,
])

_rule_option = click.option(
    "--rule", type=click.Choice(RULE_CHOICES), default="institution", show_default=True,
    help="At most one open conversation per institution, per lab, or no limit.")

_after_option = click.option(
    "--after", "after_days", type=click.IntRange(min=1), default=7, show_default=True,
    metavar="DAYS", help="Days to wait for an answer before following up (and again before "
                         "closing as no_reply).")


def _today(text: str | None) -> date:
    from profscout.campaign.rules import parse_day

    return parse_day(text, "--today") if text else date.today()


@contextmanager
def _store(db_path: Path | None) -> Iterator[sqlite3.Connection]:
    from profscout.core.store import connect

    settings = build_settings(db_path=db_path)
    if not Path(settings.db_path).exists():
        raise UserError(f"no store at {settings.db_path}: run `profscout crawl` first")
    conn = connect(settings.db_path)
    try:
        yield conn
    finally:
        conn.close()


def _echo_lines(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


@click.group()
def campaign() -> None:
    """Write to your shortlist one lab at a time, follow up once, and keep a ledger.

    \b
    A typical week:
      profscout rank "robot learning" -o shortlist.csv
      profscout campaign add shortlist.csv --query "robot learning"
      profscout campaign next                  who to write to now, and when
      profscout campaign draft "Jane Doe" -o jane.eml
      profscout campaign mark "Jane Doe" sent
      profscout campaign due                   follow-ups to send, entries to close
      profscout campaign export ledger.xlsx    edit it, then: campaign import ledger.xlsx
    """


@campaign.command("add")
@click.argument("items", nargs=-1)
@click.option("--names", "names_file", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), default=None, metavar="FILE",
              help="Add the professors named in FILE (one per line).")
@click.option("--query", default="", help="What you want to work on (kept for the drafts).")
@_common
def add_command(items: tuple[str, ...], names_file: Path | None, query: str,
                campaign_name: str, today: str | None, db_path: Path | None) -> None:
    """Add professors: a shortlist file written by `profscout rank`, a --names file, or
    NAMEs. Entries keep the shortlist's order and its `why`."""
    from profscout.campaign import service

    day = _today(today)
    if names_file is not None and items:
        raise UserError("give a shortlist file, --names FILE or names, not several")
    if names_file is not None:
        with open(names_file, encoding="utf-8-sig", errors="replace") as handle:
            wanted = service.wanted_from_names(handle, query)
    elif len(items) == 1 and Path(items[0]).suffix.lower() in (".csv", ".xlsx", ".json"):
        path = Path(items[0])
        if not path.is_file():
            raise UserError(f"no shortlist file {path}")
        wanted = service.read_shortlist(path, query)
    else:
        wanted = [service.Wanted(name, query=query) for name in items]
    with _store(db_path) as conn:
        result = service.add(conn, campaign_name, wanted, day)
    click.echo(f"Added {len(result.added)} to campaign {campaign_name!r}"
               + (f"; already there: {', '.join(result.already)}" if result.already else ""))


@campaign.command("mark")
@click.argument("name")
@click.argument("state")
@click.option("--on", "on", default=None, metavar="YYYY-MM-DD",
              help="When it happened [default: today].")
@click.option("--note", default="", help="A note to keep with the entry.")
@click.option("--force", is_flag=True, help="Record a send that breaks the one-at-a-time rule.")
@_rule_option
@_common
def mark_command(name: str, state: str, on: str | None, note: str, force: bool, rule: str,
                 campaign_name: str, today: str | None, db_path: Path | None) -> None:
    """Move NAME to STATE: planned, drafted, sent, followed_up, replied, declined, no_reply."""
    from profscout.campaign import service
    from profscout.campaign.rules import parse_day, parse_state

    new_state = parse_state(state)
    day = parse_day(on, "--on") if on else _today(today)
    with _store(db_path) as conn:
        entry = service.mark(conn, campaign_name, name, new_state, day, note, rule, force)
    forced = " (rule overridden)" if force and entry.rule_overridden else ""
    click.echo(f"{entry.name} ({entry.institution}): {entry.state} on {day.isoformat()}{forced}")


@campaign.command("next")
@click.option("--count", type=click.IntRange(min=1), default=5, show_default=True,
              help="How many to suggest.")
@_rule_option
@_common
def next_command(count: int, rule: str, campaign_name: str, today: str | None,
                 db_path: Path | None) -> None:
    """Who to write to now: shortlist order, one open conversation per lab/institution."""
    from profscout.campaign import service

    day = _today(today)
    with _store(db_path) as conn:
        picks = service.suggest(conn, campaign_name, day, count, rule)
    if not picks:
        click.echo("Nobody to write to now: every waiting entry shares a "
                   f"{rule} with an open conversation, or all are contacted.")
    for pick in picks:
        e = pick.entry
        click.echo(f"{e.position:>3}. {e.name} ({e.institution}) [{e.state}]"
                   + (f" — send {pick.send_time}" if pick.send_time else ""))


@campaign.command("due")
@_after_option
@_common
def due_command(after_days: int, campaign_name: str, today: str | None,
                db_path: Path | None) -> None:
    """Follow-ups due (sent, no answer after --after days) and entries to close as no_reply."""
    from profscout.campaign import service
    from profscout.campaign.due import FOLLOW_UP

    day = _today(today)
    with _store(db_path) as conn:
        actions = service.due(conn, campaign_name, day, after_days)
    if not actions:
        click.echo(f"Nothing due on {day.isoformat()}.")
    for a in actions:
        e = a.entry
        what = "follow up" if a.kind == FOLLOW_UP else "close as no_reply"
        late = a.days_overdue(day)
        click.echo(f"{what}: {e.name} ({e.institution}), {e.state} on "
                   f"{e.last_date.isoformat()}, due {a.due_on.isoformat()}"
                   + (f" ({late} day{'s' if late > 1 else ''} ago)" if late else " (today)"))


@campaign.command("draft")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the draft here: .eml for a mail program, else plain text.")
@click.option("--template", "template_file", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), default=None, metavar="FILE",
              help="Your own Jinja2 template (its first line: Subject: ...).")
@click.option("--sender", default="[Your name]", help="Your name (and address) for the "
              "signature and the From header.")
@_common
def draft_command(name: str, output: Path | None, template_file: Path | None, sender: str,
                  campaign_name: str, today: str | None, db_path: Path | None) -> None:
    """An email draft to NAME citing their most relevant recent papers. Nothing is sent."""
    from profscout.campaign import drafts, service

    day = _today(today)
    template = drafts.DEFAULT_TEMPLATE
    if template_file is not None:
        template = template_file.read_text(encoding="utf-8-sig")
    if output is not None:
        check_writable(output)
    with _store(db_path) as conn:
        draft = service.draft(conn, campaign_name, name, day, template, sender)
    if output is None:
        click.echo(draft.as_text(), nl=False)
        return
    data = draft.as_eml(sender) if output.suffix.lower() == ".eml" \
        else draft.as_text().encode("utf-8")
    with atomic_path(output) as tmp:
        tmp.write_bytes(data)
    click.echo(f"Wrote the draft to {output} (subject: {draft.subject})")


@campaign.command("export")
@click.argument("output", type=click.Path(path_type=Path))
@_common
def export_command(output: Path, campaign_name: str, today: str | None,
                   db_path: Path | None) -> None:
    """Write the ledger to OUTPUT (.xlsx or .csv); edit state, dates and notes there."""
    from profscout.campaign import ledger, service

    day = _today(today)
    if output.suffix.lower() not in (".xlsx", ".csv"):
        raise UserError(f"cannot write {output}: a ledger is a .xlsx or .csv file")
    check_writable(output)
    with _store(db_path) as conn:
        rows = service.ledger_rows(conn, campaign_name, day)
    write_table(rows, output, columns=ledger.COLUMNS, link_columns=ledger.LINK_COLUMNS)
    click.echo(f"Wrote {len(rows)} entries to {output}")


@campaign.command("import")
@click.argument("ledger_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_rule_option
@_common
def import_command(ledger_file: Path, rule: str, campaign_name: str, today: str | None,
                   db_path: Path | None) -> None:
    """Take back the edits to state, dates and notes from an exported ledger."""
    from profscout.campaign import service

    _today(today)
    with _store(db_path) as conn:
        report = service.import_ledger(conn, campaign_name, ledger_file, rule)
    plan = report.plan
    click.echo(f"Applied {len(report.applied)} edited entries"
               + (f" ({', '.join(report.applied)})" if report.applied else "")
               + f"; {plan.unchanged} unchanged.")
    problems = ([f"unknown: {u}" for u in plan.unknown]
                + [f"conflict: {c}" for c in plan.conflicts]
                + [f"invalid: {i}" for i in plan.invalid])
    for line in problems:
        click.echo(f"Not applied — {line}", err=True)
    for line in report.rule_warnings:
        click.echo(f"Warning: one open conversation per {rule}: {line}", err=True)
    if problems:
        raise click.exceptions.Exit(1)


@campaign.command("calendar")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Where to write the reminders (.ics).")
@_after_option
@_common
def calendar_command(output: Path, after_days: int, campaign_name: str, today: str | None,
                     db_path: Path | None) -> None:
    """Follow-up and close reminders as iCalendar events, one on each due day."""
    from profscout.campaign import calendar, service

    day = _today(today)
    check_writable(output)
    with _store(db_path) as conn:
        actions = service.upcoming(conn, campaign_name, after_days)
    with atomic_path(output) as tmp:
        tmp.write_bytes(calendar.reminders(actions, day))
    click.echo(f"Wrote {len(actions)} reminder(s) to {output}")


@campaign.command("status")
@_after_option
@_common
def status_command(after_days: int, campaign_name: str, today: str | None,
                   db_path: Path | None) -> None:
    """Counts per state, reply rate, the oldest unanswered email, the next due date."""
    from profscout.campaign import service
    from profscout.campaign.rules import STATES

    day = _today(today)
    with _store(db_path) as conn:
        s = service.status(conn, campaign_name, after_days)
    _echo_lines([f"Campaign {campaign_name!r} on {day.isoformat()}:",
                 "  " + ", ".join(f"{state} {s.counts.get(state, 0)}" for state in STATES)])
    rate = f"{s.reply_rate:.0%}" if s.reply_rate is not None else "n/a"
    click.echo(f"  reply rate: {rate} ({s.answered} answered of {s.contacted} written to)")
    if s.oldest_waiting is not None and s.oldest_waiting.sent_on is not None:
        waited = (day - s.oldest_waiting.sent_on).days
        click.echo(f"  oldest waiting: {s.oldest_waiting.name} ({s.oldest_waiting.institution}),"
                   f" written {s.oldest_waiting.sent_on.isoformat()}, {waited} days ago")
    if s.next_due is not None:
        click.echo(f"  next due: {s.next_due.due_on.isoformat()} "
                   f"({s.next_due.kind.replace('_', ' ')}: {s.next_due.entry.name})")
