"""The campaign's operations on an open store: each reads entries, applies a pure rule and
writes through :mod:`profscout.core.store.campaign`."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from profscout.campaign import drafts, ledger, relevance
from profscout.campaign.due import DEFAULT_AFTER_DAYS, Action, due_actions, pending_actions
from profscout.campaign.rules import (
    CLOSED_STATES,
    DATE_COLUMN,
    DEFAULT_RULE,
    Entry,
    check_transition,
    conflicting,
    group_key,
    next_up,
    transition_changes,
)
from profscout.campaign.timing import describe_slot
from profscout.core.errors import UserError
from profscout.core.selection import name_key, read_names
from profscout.core.store import campaign as store
from profscout.core.store import transaction

DEFAULT_CAMPAIGN = "default"
RECENT_MONTHS = 24
PAPERS_IN_DRAFT = 2


# --- adding ---------------------------------------------------------------------------------

@dataclass
class Wanted:
    """A professor the user wants in the campaign, as named in their list."""

    name: str
    institution: str = ""
    query: str = ""
    why: str = ""


@dataclass
class AddResult:
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)


def read_shortlist(path: Path, query: str = "") -> list[Wanted]:
    """Rows of a ``profscout rank`` export (.csv, .xlsx or .json) in their order."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            records = json.loads(path.read_text(encoding="utf-8"))
        elif suffix == ".xlsx":
            from openpyxl import load_workbook

            sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
            cells = [["" if c is None else str(c) for c in r]
                     for r in sheet.iter_rows(values_only=True)]
            records = [dict(zip(cells[0], r, strict=False)) for r in cells[1:]] if cells else []
        else:
            content = path.read_text(encoding="utf-8-sig")
            records = list(csv.DictReader(io.StringIO(content)))
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"cannot read the shortlist {path}: {exc}") from None
    if not isinstance(records, list) or (records and "name" not in records[0]):
        raise UserError(f"{path} is not a shortlist: it has no 'name' column")

    def text(record: Mapping[str, Any], key: str) -> str:
        value = str(record.get(key) or "").strip()
        return value[1:] if value.startswith("'") and value[1:2] in "=+-@" else value

    return [Wanted(text(r, "name"), text(r, "institution"), text(r, "query") or query,
                   text(r, "why")) for r in records if text(r, "name")]


def wanted_from_names(lines: Iterable[str], query: str = "") -> list[Wanted]:
    return [Wanted(name, query=query) for name in read_names(lines)]


def resolve(conn: sqlite3.Connection, wanted: Sequence[Wanted]) -> list[tuple[Wanted, int]]:
    """Each wanted professor's store id; a UserError naming every unknown or ambiguous one."""
    index: dict[str, set[tuple[int, str]]] = {}
    for pid, name, institution in store.professor_names(conn):
        index.setdefault(name_key(name), set()).add((pid, institution))
    found, problems = [], []
    for w in wanted:
        matches = index.get(name_key(w.name), set())
        if w.institution:
            matches = {m for m in matches if m[1].casefold() == w.institution.casefold()}
        ids = sorted({pid for pid, _ in matches})
        if not ids:
            problems.append(f"{w.name!r} is not in the store")
        elif len(ids) > 1:
            places = "; ".join(sorted({inst for _, inst in matches}))
            problems.append(f"{w.name!r} names {len(ids)} professors ({places}): "
                            "add them from a shortlist file")
        else:
            found.append((w, ids[0]))
    if problems:
        raise UserError("; ".join(problems))
    return found


def add(conn: sqlite3.Connection, campaign: str, wanted: Sequence[Wanted], today: date
        ) -> AddResult:
    """Add the wanted professors to the end of ``campaign`` (all or none)."""
    if not wanted:
        raise UserError("nobody to add")
    resolved = resolve(conn, wanted)
    result = AddResult()
    with transaction(conn):
        position = store.next_position(conn, campaign)
        for w, pid in resolved:
            if store.insert_entry(conn, campaign, pid, position, today.isoformat(), w.query,
                                  w.why) is None:
                result.already.append(w.name)
            else:
                result.added.append(w.name)
                position += 1
    return result


# --- finding and marking -------------------------------------------------------------------

def load(conn: sqlite3.Connection, campaign: str | None) -> list[Entry]:
    return [Entry.from_row(r) for r in store.entries(conn, campaign)]


def require_campaign(conn: sqlite3.Connection, campaign: str) -> list[Entry]:
    found = load(conn, campaign)
    if not found:
        raise UserError(f"campaign {campaign!r} has no entries yet: add some first")
    return found


def find(entries: Sequence[Entry], name: str) -> Entry:
    """The entry ``name`` designates (its name, folded, or its entry number)."""
    if name.strip().lstrip("#").isdigit():
        number = int(name.strip().lstrip("#"))
        for e in entries:
            if e.id == number:
                return e
    key = name_key(name)
    hits = [e for e in entries if name_key(e.name) == key]
    if not hits:
        raise UserError(f"{name!r} is not in the campaign")
    if len(hits) > 1:
        ids = ", ".join(f"#{e.id} ({e.institution})" for e in hits)
        raise UserError(f"{name!r} names several entries: {ids}; give the entry number")
    return hits[0]


def mark(conn: sqlite3.Connection, campaign: str, name: str, state: str, on: date,
         note: str = "", rule: str = DEFAULT_RULE, force: bool = False) -> Entry:
    """Move an entry to ``state`` on ``on``; writing to a second person of a lab or
    institution with an open conversation is refused unless ``force`` (then recorded)."""
    with transaction(conn):
        entry = find(require_campaign(conn, campaign), name)
        check_transition(entry, state, on)
        changes = transition_changes(entry, state, on)
        forced = False
        if state == "sent":
            clash = conflicting(entry, load(conn, None), rule)
            if clash is not None:
                if not force:
                    where = "" if clash.campaign == campaign else f" (campaign {clash.campaign})"
                    raise UserError(
                        f"{clash.name}{where} at {clash.institution} is still {clash.state} "
                        f"since {clash.last_date.isoformat()}: one open conversation per "
                        f"{rule}; wait for an answer or force it")
                forced = True
                changes["rule_overridden"] = 1
        if note:
            changes["notes"] = f"{entry.notes}\n{note}".strip() if entry.notes else note
        store.update_entry(conn, entry.id, changes)
        store.add_event(conn, entry.id, state, on.isoformat(), note, forced)
        row = store.entry(conn, entry.id)
    assert row is not None
    return Entry.from_row(row)


# --- next, due, status -----------------------------------------------------------------------

@dataclass(frozen=True)
class Suggestion:
    entry: Entry
    send_time: str


def suggest(conn: sqlite3.Connection, campaign: str, today: date, count: int = 5,
            rule: str = DEFAULT_RULE) -> list[Suggestion]:
    """Who to write to now (the rule across every campaign) with the best send time."""
    everyone = load(conn, None)
    mine = [e for e in everyone if e.campaign == campaign]
    if not mine:
        raise UserError(f"campaign {campaign!r} has no entries yet: add some first")
    group_key(mine[0], rule)  # validates the rule
    others_open = [e for e in everyone if e.campaign != campaign and e.is_open]
    picked = next_up(mine + others_open, rule, count)
    picked = [e for e in picked if e.campaign == campaign]
    facts = store.professor_facts(conn, [e.professor_id for e in picked])
    out = []
    for e in picked:
        f = facts.get(e.professor_id, {})
        out.append(Suggestion(e, describe_slot(f.get("latitude"), f.get("longitude"),
                                               f.get("country"), today)))
    return out


def due(conn: sqlite3.Connection, campaign: str, today: date,
        after_days: int = DEFAULT_AFTER_DAYS) -> list[Action]:
    return due_actions(require_campaign(conn, campaign), today, after_days)


def upcoming(conn: sqlite3.Connection, campaign: str,
             after_days: int = DEFAULT_AFTER_DAYS) -> list[Action]:
    return pending_actions(require_campaign(conn, campaign), after_days)


@dataclass(frozen=True)
class Status:
    counts: dict[str, int]
    contacted: int
    answered: int
    oldest_waiting: Entry | None
    next_due: Action | None

    @property
    def reply_rate(self) -> float | None:
        return self.answered / self.contacted if self.contacted else None


def status(conn: sqlite3.Connection, campaign: str, after_days: int = DEFAULT_AFTER_DAYS
           ) -> Status:
    """Counts per state, replies per email sent, the longest wait and the next due action."""
    entries = require_campaign(conn, campaign)
    counts = Counter(e.state for e in entries)
    contacted = sum(1 for e in entries if e.sent_on is not None)
    answered = sum(1 for e in entries if e.sent_on is not None and
                   e.state in CLOSED_STATES - {"no_reply"})
    waiting = sorted((e for e in entries if e.is_open), key=lambda e: (e.sent_on, e.id))
    actions = pending_actions(entries, after_days)
    return Status(dict(counts), contacted, answered, waiting[0] if waiting else None,
                  actions[0] if actions else None)


# --- drafts ----------------------------------------------------------------------------------

def draft(conn: sqlite3.Connection, campaign: str, name: str, today: date,
          template: str = drafts.DEFAULT_TEMPLATE, sender: str = "[Your name]"
          ) -> drafts.Draft:
    """An email to the entry's professor citing their most relevant recent papers."""
    entry = find(require_campaign(conn, campaign), name)
    facts = store.professor_facts(conn, [entry.professor_id])[entry.professor_id]
    since = (today - timedelta(days=round(RECENT_MONTHS * 30.44))).isoformat()
    recent = store.professor_papers(conn, entry.professor_id, since) or \
        store.professor_papers(conn, entry.professor_id)
    query = entry.query or facts.get("interests", "")
    shared = drafts.shared_terms(entry.why)
    papers = [{"title": " ".join(p["title"].split()),
               "url": f"https://arxiv.org/abs/{p['arxiv_id']}", "published": p["published"]}
              for p in relevance.most_relevant(recent, query or " ".join(shared),
                                               PAPERS_IN_DRAFT)]
    topic = (query.strip().splitlines() or [""])[0] or ", ".join(shared) or "your research area"
    context = {
        "name": entry.name, "surname": drafts.surname(entry.name),
        "institution": entry.institution, "lab": facts.get("lab_name", ""),
        "papers": papers, "query": query, "topic": topic, "why": entry.why, "shared": shared,
        "recruiting": facts.get("recruiting", ""),
        "recruiting_evidence": " ".join(str(facts.get("recruiting_evidence", "")).split()),
        "emails": facts.get("emails", ""), "sender": parseaddr(sender)[0] or sender,
    }
    return drafts.render(context, template)


# --- ledger ----------------------------------------------------------------------------------

def ledger_rows(conn: sqlite3.Connection, campaign: str, today: date) -> list[dict[str, Any]]:
    entries = require_campaign(conn, campaign)
    facts = store.professor_facts(conn, [e.professor_id for e in entries])
    papers: dict[int, list[str]] = {}
    since = (today - timedelta(days=round(RECENT_MONTHS * 30.44))).isoformat()
    for e in entries:
        recent = store.professor_papers(conn, e.professor_id, since)
        best = relevance.most_relevant(recent, e.query, PAPERS_IN_DRAFT)
        papers[e.professor_id] = [f"https://arxiv.org/abs/{p['arxiv_id']}" for p in best]
    return ledger.export_rows(entries, facts, papers)


@dataclass
class ImportReport:
    applied: list[str]
    plan: ledger.ImportPlan
    rule_warnings: list[str] = field(default_factory=list)


def rule_breaches(entries: Sequence[Entry], rule: str) -> list[str]:
    """Open conversations that share a lab or institution, as ``A and B at X``."""
    seen: dict[str, Entry] = {}
    breaches = []
    for e in sorted(entries, key=lambda e: (e.sent_on or e.planned_on, e.id)):
        key = group_key(e, rule)
        if not e.is_open or key is None:
            continue
        if key in seen:
            breaches.append(f"{seen[key].name} and {e.name} at {e.institution} are both open")
        else:
            seen[key] = e
    return breaches


def import_ledger(conn: sqlite3.Connection, campaign: str, path: Path,
                  rule: str = DEFAULT_RULE) -> ImportReport:
    """Apply a sheet's edits to state, dates and notes; report what was not applied, and
    open conversations that now break the one-at-a-time rule (applied: they happened)."""
    rows = ledger.read_rows(path)
    with transaction(conn):
        entries = require_campaign(conn, campaign)
        plan = ledger.plan_import(rows, entries)
        applied = []
        for entry, diff in plan.changes:
            store.update_entry(conn, entry.id, diff)
            state = diff.get("state", entry.state)
            when = diff.get(DATE_COLUMN[state]) or entry.last_date.isoformat()
            store.add_event(conn, entry.id, state, when,
                            "edited in " + path.name + ": " + ", ".join(sorted(diff)),
                            source="import")
            applied.append(entry.name)
        warnings = rule_breaches(load(conn, None), rule) if applied else []
    return ImportReport(applied, plan, warnings)
