"""Store API of the outreach campaign: ``campaign_entries`` and ``campaign_events``.

Entries come back as plain dicts (column -> value) joined with the professor's name,
institution and lab; the campaign package turns them into its own types.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

EDITABLE_COLUMNS = ("state", "notes", "planned_on", "drafted_on", "sent_on", "followed_up_on",
                    "closed_on")

_ENTRY_SELECT = (
    "SELECT e.*, p.name, p.key, p.institution, COALESCE(h.lab_name, '') AS lab_name "
    "FROM campaign_entries e JOIN professors p ON p.id = e.professor_id "
    "LEFT JOIN homepages h ON h.professor_id = e.professor_id"
)


def professor_names(conn: sqlite3.Connection) -> list[tuple[int, str, str]]:
    """(professor id, name or alias, institution) for every name a professor goes by."""
    rows = conn.execute(
        "SELECT p.id, a.alias, p.institution FROM professor_aliases a "
        "JOIN professors p ON p.id = a.professor_id "
        "UNION SELECT id, name, institution FROM professors "
        "UNION SELECT id, key, institution FROM professors")
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def professor_facts(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Who, where and the homepage facts of the professors ``ids``."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    facts: dict[int, dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            "SELECT p.id, p.name, p.institution, p.homepage, p.scholar_id, i.country, "
            "i.latitude, i.longitude, h.final_url, COALESCE(h.emails, '') AS emails, "
            "COALESCE(h.lab_name, '') AS lab_name, COALESCE(h.lab_url, '') AS lab_url, "
            "COALESCE(h.recruiting, '') AS recruiting, "
            "COALESCE(h.recruiting_evidence, '') AS recruiting_evidence, "
            "COALESCE(h.interests, '') AS interests, COALESCE(h.links_json, '{}') AS links_json "
            "FROM professors p LEFT JOIN institutions i ON i.name = p.institution "
            f"LEFT JOIN homepages h ON h.professor_id = p.id WHERE p.id IN ({marks})", chunk
        ):
            facts[int(row["id"])] = dict(row)
    return facts


def professor_papers(conn: sqlite3.Connection, professor_id: int, since: str | None = None,
                     min_confidence: float = 0.5) -> list[dict[str, Any]]:
    """The professor's arXiv papers (newest first), published on or after ``since``."""
    sql = ("SELECT pa.arxiv_id, pa.title, pa.abstract, pa.published FROM authorships a "
           "JOIN papers pa ON pa.arxiv_id = a.arxiv_id "
           "WHERE a.professor_id = ? AND a.confidence >= ?")
    params: list[Any] = [professor_id, min_confidence]
    if since:
        sql += " AND pa.published >= ?"
        params.append(since)
    sql += " ORDER BY pa.published DESC, pa.arxiv_id"
    return [dict(r) for r in conn.execute(sql, params)]


def entries(conn: sqlite3.Connection, campaign: str | None = None) -> list[dict[str, Any]]:
    """Entries of ``campaign`` (every campaign when None) in shortlist order."""
    if campaign is None:
        rows = conn.execute(_ENTRY_SELECT + " ORDER BY e.campaign, e.position, e.id")
    else:
        rows = conn.execute(_ENTRY_SELECT + " WHERE e.campaign = ? ORDER BY e.position, e.id",
                            (campaign,))
    return [dict(r) for r in rows]


def entry(conn: sqlite3.Connection, entry_id: int) -> dict[str, Any] | None:
    """One entry by id, or None."""
    row = conn.execute(_ENTRY_SELECT + " WHERE e.id = ?", (entry_id,)).fetchone()
    return dict(row) if row is not None else None


def next_position(conn: sqlite3.Connection, campaign: str) -> int:
    """The shortlist position after the campaign's last entry."""
    row = conn.execute("SELECT MAX(position) FROM campaign_entries WHERE campaign = ?",
                       (campaign,)).fetchone()
    return int(row[0] or 0) + 1


def insert_entry(conn: sqlite3.Connection, campaign: str, professor_id: int, position: int,
                 planned_on: str, query: str = "", why: str = "") -> int | None:
    """Add a planned entry; None when the professor is already in the campaign."""
    cursor = conn.execute(
        "INSERT INTO campaign_entries (campaign, professor_id, position, query, why, "
        "planned_on) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (campaign, professor_id) DO NOTHING",
        (campaign, professor_id, position, query, why, planned_on))
    if cursor.rowcount == 0:
        return None
    entry_id = int(cursor.lastrowid or 0)
    add_event(conn, entry_id, "planned", planned_on, source="add")
    return entry_id


def update_entry(conn: sqlite3.Connection, entry_id: int, changes: Mapping[str, Any]) -> None:
    """Set the editable ``changes`` (and ``rule_overridden``) and bump the revision."""
    allowed = set(EDITABLE_COLUMNS) | {"rule_overridden"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    if not changes:
        return
    columns = sorted(changes)
    assignments = ", ".join(f"{c} = ?" for c in columns)
    conn.execute(f"UPDATE campaign_entries SET {assignments}, revision = revision + 1 "
                 "WHERE id = ?", [changes[c] for c in columns] + [entry_id])


def add_event(conn: sqlite3.Connection, entry_id: int, state: str, on_date: str,
              note: str = "", forced: bool = False, source: str = "mark") -> None:
    """Record a state change in the entry's history."""
    conn.execute("INSERT INTO campaign_events (entry_id, state, on_date, note, forced, source) "
                 "VALUES (?, ?, ?, ?, ?, ?)", (entry_id, state, on_date, note, int(forced),
                                               source))


def events(conn: sqlite3.Connection, entry_ids: Sequence[int]) -> list[dict[str, Any]]:
    """History of the given entries, oldest first."""
    out: list[dict[str, Any]] = []
    ids = list(entry_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        out += [dict(r) for r in conn.execute(
            f"SELECT * FROM campaign_events WHERE entry_id IN ({marks}) ORDER BY id", chunk)]
    return out


def contacted_professor_ids(conn: sqlite3.Connection) -> set[int]:
    """Professors already written to in any campaign (whatever came of it)."""
    return {int(r[0]) for r in conn.execute(
        "SELECT DISTINCT professor_id FROM campaign_entries WHERE sent_on IS NOT NULL")}
