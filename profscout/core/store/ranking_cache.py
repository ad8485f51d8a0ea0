"""The ``ranking_cache`` table: fitted ranking indexes as opaque payloads, by key.

Keys are ``"<matcher name>:<digest>"``; the newest few entries per matcher name are kept.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from profscout.core.store import transaction


def cached_payload(conn: sqlite3.Connection, key: str) -> bytes | None:
    """The payload stored under ``key``, or None."""
    row = conn.execute("SELECT payload FROM ranking_cache WHERE key = ?", (key,)).fetchone()
    return None if row is None else bytes(row[0])


def store_payload(conn: sqlite3.Connection, key: str, payload: bytes, *, prefix: str,
                  keep: int) -> None:
    """Store ``payload`` under ``key`` (replacing it), then keep only the ``keep`` newest
    entries whose key starts with ``prefix``; one transaction."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with transaction(conn):
        conn.execute("DELETE FROM ranking_cache WHERE key = ?", (key,))
        conn.execute("INSERT INTO ranking_cache (key, created_at, payload) VALUES (?, ?, ?)",
                     (key, now, payload))
        stale = conn.execute(
            "SELECT key FROM ranking_cache WHERE key LIKE ? ORDER BY rowid DESC",
            (f"{prefix}%",),
        ).fetchall()[keep:]
        conn.executemany("DELETE FROM ranking_cache WHERE key = ?", [(k,) for (k,) in stale])


def cached_keys(conn: sqlite3.Connection) -> list[str]:
    """Every key in the cache, oldest first."""
    return [k for (k,) in conn.execute("SELECT key FROM ranking_cache ORDER BY rowid")]


def clear(conn: sqlite3.Connection) -> int:
    """Delete every cached index; how many there were."""
    with transaction(conn):
        return conn.execute("DELETE FROM ranking_cache").rowcount


def payload_bytes(conn: sqlite3.Connection) -> int:
    """Bytes of all cached payloads together."""
    return int(conn.execute("SELECT coalesce(sum(length(payload)), 0) FROM ranking_cache"
                            ).fetchone()[0])
