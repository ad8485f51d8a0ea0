"""What the store knows about how many arXiv papers a professor brings (for sizing queries)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date


def papers_since(conn: sqlite3.Connection, professor_ids: Iterable[int],
                 since: date) -> dict[int, int]:
    """Stored authorships per professor of papers published on or after ``since``.

    Only professors with at least one such paper appear.
    """
    wanted = set(professor_ids)
    rows = conn.execute(
        "SELECT a.professor_id, COUNT(*) FROM authorships a JOIN papers p USING (arxiv_id) "
        "WHERE p.published >= ? GROUP BY a.professor_id", (since.isoformat(),))
    return {pid: n for pid, n in rows if pid in wanted}
