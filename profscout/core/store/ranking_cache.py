"""The ``ranking_cache`` table: fitted ranking indexes as opaque payloads, by key.

Keys are ``"<matcher name>:<digest>"``; the newest few entries per matcher name are kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from profscout.core.store import transaction


def cached_payload(conn: sqlite3.Connection, key: str) -> bytes | None:
    """The payload stored under ``key``, or None."""
    row = conn.execute("SELECT payload FROM ranking_cache WHERE key = ?", (key,)).fetchone()
    return None if row is None else bytes(row[0])


def open_payload(conn: sqlite3.Connection, key: str) -> sqlite3.Blob | None:
    """The payload stored under ``key``, opened in place for reading slices of it
    (``blob[start:stop]``) without reading it whole; None when absent. It can be read while
    ``conn`` is open and the entry is not replaced; a read after that raises
    ``sqlite3.Error``."""
    row = conn.execute("SELECT rowid FROM ranking_cache WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    return conn.blobopen("ranking_cache", "payload", int(row[0]), readonly=True)


def store_payload(conn: sqlite3.Connection, key: str,
                  payload: bytes | Sequence[bytes | memoryview], *, prefix: str,
                  keep: int) -> None:
    """Store ``payload`` (bytes, or pieces to be stored one after another) under ``key``
    (replacing it), then keep only the ``keep`` newest entries whose key starts with
    ``prefix``; one transaction. Pieces are written into the stored blob in place, so a
    large payload is never copied whole."""
    pieces = [payload] if isinstance(payload, bytes | bytearray | memoryview) else payload
    size = sum(memoryview(piece).nbytes for piece in pieces)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with transaction(conn):
        conn.execute("DELETE FROM ranking_cache WHERE key = ?", (key,))
        row = conn.execute("INSERT INTO ranking_cache (key, created_at, payload) "
                           "VALUES (?, ?, zeroblob(?))", (key, now, size)).lastrowid
        with conn.blobopen("ranking_cache", "payload", int(row or 0)) as blob:
            for piece in pieces:
                blob.write(piece)
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
