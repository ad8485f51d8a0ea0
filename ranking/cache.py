"""Fitted matchers cached in the store (``ranking_cache``), so repeated queries do not refit.

The key is the matcher's name and parameters plus a fingerprint of the profiles it was fitted
on (texts, weights, order): any change to papers, authorships or interests, or a new month
(recency weights), makes a new key. Only matchers that declare ``cache_fitted = True`` are
cached (pickled); others (e.g. embedding matchers with their own cache) are fitted each time.
The payload is a pickle: the store is the user's own file, written by profscout.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from profscout.store import transaction
from ranking.base import Profile, ProfileMatcher
from ranking.matchers import make_matcher, matcher_class
from ranking.profiles import fingerprint

KEEP_PER_MATCHER = 2  # cached indexes kept per matcher name (the newest)


def cache_key(name: str, params: dict[str, Any], profiles: Sequence[Profile]) -> str:
    return f"{name}:{fingerprint(profiles, name, sorted(params.items()))}"


def fitted_matcher(
    conn: sqlite3.Connection,
    name: str,
    profiles: Sequence[Profile],
    params: dict[str, Any] | None = None,
    use_cache: bool = True,
) -> tuple[ProfileMatcher, bool]:
    """``(matcher fitted on profiles, whether it came from the cache)``."""
    params = dict(params or {})
    # matchers with their own store-backed cache (embeddings) get the connection
    store = {"conn": conn} if getattr(matcher_class(name), "uses_store", False) else {}
    matcher = make_matcher(name, **params, **store)
    if not (use_cache and getattr(matcher, "cache_fitted", False)):
        return matcher.fit(profiles), False
    key = cache_key(name, params, profiles)
    row = conn.execute("SELECT payload FROM ranking_cache WHERE key = ?", (key,)).fetchone()
    if row is not None:
        try:
            return pickle.loads(row[0]), True
        except Exception:  # noqa: BLE001 - an unreadable entry is refitted and replaced
            pass
    matcher.fit(profiles)
    payload = pickle.dumps(matcher, protocol=pickle.HIGHEST_PROTOCOL)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with transaction(conn):
        conn.execute("DELETE FROM ranking_cache WHERE key = ?", (key,))
        conn.execute("INSERT INTO ranking_cache (key, created_at, payload) VALUES (?, ?, ?)",
                     (key, now, payload))
        stale = conn.execute(
            "SELECT key FROM ranking_cache WHERE key LIKE ? ORDER BY rowid DESC",
            (f"{name}:%",),
        ).fetchall()[KEEP_PER_MATCHER:]
        conn.executemany("DELETE FROM ranking_cache WHERE key = ?", [(k,) for (k,) in stale])
    return matcher, False
