"""Table ``listed_publications``: the titles and arXiv ids a professor's own pages list.

Written by the homepage crawl (one row per professor and listed item), read by the arXiv
stage as the strongest evidence that a paper under a shared name is the professor's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime

TITLE, ARXIV_ID = "title", "arxiv_id"


def save_listed_publications(conn: sqlite3.Connection, professor_id: int, source_url: str,
                             titles: Iterable[str], arxiv_ids: Iterable[str]) -> int:
    """Replace what ``source_url`` lists for a professor (caller commits); rows written."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    conn.execute("DELETE FROM listed_publications WHERE professor_id = ? AND source_url = ?",
                 (professor_id, source_url))
    rows = [(professor_id, source_url, TITLE, t, now) for t in dict.fromkeys(titles) if t]
    rows += [(professor_id, source_url, ARXIV_ID, i, now)
             for i in dict.fromkeys(arxiv_ids) if i]
    conn.executemany("INSERT OR IGNORE INTO listed_publications (professor_id, source_url, "
                     "kind, value, seen_at) VALUES (?, ?, ?, ?, ?)", rows)
    return len(rows)


def listed_publications(conn: sqlite3.Connection, professor_id: int
                        ) -> tuple[list[str], list[str]]:
    """``(titles, arxiv ids)`` the professor's pages list, in the order saved."""
    titles: list[str] = []
    ids: list[str] = []
    for kind, value in conn.execute(
            "SELECT kind, value FROM listed_publications WHERE professor_id = ? ORDER BY rowid",
            (professor_id,)):
        (titles if kind == TITLE else ids).append(str(value))
    return titles, ids
