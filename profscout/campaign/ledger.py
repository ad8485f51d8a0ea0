"""The campaign as a spreadsheet: rows to export, and the edits a re-imported sheet makes.

The user may edit ``state``, the ``*_on`` dates and ``notes``; the other columns are for
reading. ``entry`` and ``revision`` tie a row to the store: an edited row whose revision is
no longer the store's is a conflict (the store changed since the export), never applied.
"""

from __future__ import annotations

import csv
import json
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from profscout.campaign.rules import DATE_COLUMN, Entry, parse_day, parse_state
from profscout.core.errors import UserError

DATE_COLUMNS = ("planned_on", "drafted_on", "sent_on", "followed_up_on", "closed_on")
EDITABLE = ("state", *DATE_COLUMNS, "notes")
KEY_COLUMNS = ("entry", "revision")
COLUMNS = [
    "entry", "revision", "campaign", "position", "name", "institution", "lab", "email",
    "state", *DATE_COLUMNS, "notes", "query", "why", "homepage", "paper_1", "paper_2",
    "scholar", "dblp",
]
LINK_COLUMNS = ("homepage", "paper_1", "paper_2", "scholar", "dblp")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def links(facts: Mapping[str, Any]) -> dict[str, str]:
    """Homepage, Scholar and DBLP links of a professor's facts."""
    try:
        extra = json.loads(facts.get("links_json") or "{}")
    except ValueError:
        extra = {}
    extra = extra if isinstance(extra, dict) else {}
    scholar = (f"https://scholar.google.com/citations?user={urllib.parse.quote(sid)}"
               if (sid := facts.get("scholar_id")) else str(extra.get("scholar", "")))
    dblp = str(extra.get("dblp") or "https://dblp.org/search/author?q="
               + urllib.parse.quote(str(facts.get("name", ""))))
    homepage = str(facts.get("final_url") or facts.get("homepage") or "")
    return {"homepage": homepage, "scholar": scholar, "dblp": dblp}


def export_rows(entries: Sequence[Entry], facts: Mapping[int, Mapping[str, Any]],
                papers: Mapping[int, Sequence[str]]) -> list[dict[str, Any]]:
    """One row per entry (``papers``: arXiv links per professor id)."""
    rows = []
    for e in entries:
        f = facts.get(e.professor_id, {})
        urls = list(papers.get(e.professor_id, ())) + ["", ""]
        rows.append({
            "entry": e.id, "revision": e.revision, "campaign": e.campaign,
            "position": e.position, "name": e.name, "institution": e.institution,
            "lab": e.lab, "email": str(f.get("emails", "")), "state": e.state,
            **{c: (d.isoformat() if (d := getattr(e, c)) else "") for c in DATE_COLUMNS},
            "notes": e.notes, "query": e.query, "why": e.why,
            **links(f), "paper_1": urls[0], "paper_2": urls[1],
        })
    return rows


def _restore(value: Any) -> str:
    """A cell as text, the export's formula guard (a leading apostrophe) removed."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if text.startswith("'") and text[1:].startswith(_FORMULA_PREFIXES):
        return text[1:]
    return text


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a ledger file (.xlsx or .csv) as text; a UserError when it lacks columns."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
            cells = [list(r) for r in sheet.iter_rows(values_only=True)]
        elif suffix == ".csv":
            with open(path, encoding="utf-8-sig", newline="") as handle:
                cells = [list(r) for r in csv.reader(handle)]
        else:
            raise UserError(f"cannot read {path}: a ledger is a .xlsx or .csv file")
    except UserError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    if not cells:
        raise UserError(f"{path} is empty")
    header = [_restore(c).strip() for c in cells[0]]
    missing = [c for c in (*KEY_COLUMNS, *EDITABLE) if c not in header]
    if missing:
        raise UserError(f"{path} lacks the column(s): {', '.join(missing)}")
    rows = []
    for raw in cells[1:]:
        if all(c in (None, "") for c in raw):
            continue
        padded = list(raw) + [None] * (len(header) - len(raw))
        rows.append({h: _restore(v) for h, v in zip(header, padded, strict=False) if h})
    return rows


@dataclass
class ImportPlan:
    """What a re-imported sheet changes, and what it could not."""

    changes: list[tuple[Entry, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    unknown: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def _label(row: Mapping[str, str], number: int) -> str:
    return f"row {number} ({row.get('name') or 'no name'}, entry {row.get('entry') or '?'})"


def _edited_values(row: Mapping[str, str], label: str) -> dict[str, Any]:
    values: dict[str, Any] = {"state": parse_state(row["state"]),
                              "notes": row.get("notes", "")}
    for column in DATE_COLUMNS:
        text = row.get(column, "").strip()
        values[column] = parse_day(text, f"{label}: {column}").isoformat() if text else None
    if values["planned_on"] is None:
        raise UserError(f"{label}: planned_on must not be empty")
    needed = DATE_COLUMN[values["state"]]
    if values[needed] is None:
        raise UserError(f"{label}: state {values['state']} needs a date in {needed}")
    return values


def _current_values(entry: Entry) -> dict[str, Any]:
    values: dict[str, Any] = {"state": entry.state, "notes": entry.notes}
    for column in DATE_COLUMNS:
        day = getattr(entry, column)
        values[column] = day.isoformat() if day else None
    return values


def plan_import(rows: Iterable[Mapping[str, str]], entries: Iterable[Entry]) -> ImportPlan:
    """Compare a sheet's rows with the store's entries (pure)."""
    by_id = {e.id: e for e in entries}
    plan = ImportPlan()
    seen: set[int] = set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        label = _label(row, number)
        try:
            entry_id = int(row.get("entry", "").strip())
        except ValueError:
            plan.unknown.append(label)
            continue
        entry = by_id.get(entry_id)
        if entry is None or entry_id in seen:
            plan.unknown.append(label + (" appears twice" if entry_id in seen else ""))
            continue
        seen.add(entry_id)
        try:
            edited = _edited_values(row, label)
        except UserError as exc:
            plan.invalid.append(str(exc))
            continue
        current = _current_values(entry)
        diff = {k: v for k, v in edited.items() if current[k] != v}
        if not diff:
            plan.unchanged += 1
            continue
        if row.get("revision", "").strip() != str(entry.revision):
            plan.conflicts.append(f"{label}: changed in the store since this sheet was "
                                  f"exported (revision {entry.revision}, sheet has "
                                  f"{row.get('revision') or 'none'})")
            continue
        plan.changes.append((entry, diff))
    return plan
