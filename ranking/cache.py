"""Fitted matchers cached in the store (``ranking_cache``), so repeated queries do not refit.

The key is the matcher's name and parameters plus what the profiles were made of: for the
store's own profiles (:class:`ranking.profiles.StoreProfiles`) its ``store_key``, a one-pass
summary of the papers, authorships and interests read straight from the store (no profile is
built to look the index up); for any other sequence of profiles a hash of their texts,
weights and order. Any change to papers, authorships or interests, or a new month (recency
weights), makes a new key.

Only matchers that declare ``cache_fitted = True`` and can describe their fitted state as
plain numpy arrays (``to_arrays()`` / ``from_arrays()``) are cached, as one payload of raw
array bytes behind a JSON table of contents (:func:`dump_arrays`), read back as views of the
blob without a copy: nothing in the store is ever unpickled.
Others (e.g. embedding matchers with their own cache) are fitted each time.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from profscout.core.store import transaction
from ranking.base import Profile, ProfileMatcher
from ranking.matchers import make_matcher, matcher_class
from ranking.profiles import fingerprint

KEEP_PER_MATCHER = 2  # cached indexes kept per matcher name (the newest)
MAGIC = b"profscout-arrays 1\n"
ALIGN = 64


def cache_key(name: str, params: dict[str, Any], profiles: Sequence[Profile]) -> str:
    """``name:digest`` of the parameters and what the profiles were made of."""
    extra = (name, sorted(params.items()))
    store_key = getattr(profiles, "store_key", None)
    if store_key is not None:
        digest = hashlib.sha256(repr((*extra, store_key)).encode()).hexdigest()
        return f"{name}:s{digest}"
    return f"{name}:p{fingerprint(profiles, *extra)}"


def dump_arrays(arrays: dict[str, np.ndarray]) -> bytes:
    """Named arrays as one payload: a magic line, a JSON table of contents (name, dtype,
    shape, offset), then each array's raw bytes, 64-byte aligned."""
    toc: list[dict[str, Any]] = []
    chunks: list[bytes] = []
    offset = 0
    for name, value in arrays.items():
        array = np.ascontiguousarray(value)
        if array.dtype.hasobject:
            raise ValueError(f"array {name!r} holds Python objects")
        toc.append({"name": name, "dtype": array.dtype.str, "shape": list(array.shape),
                    "offset": offset})
        raw = array.tobytes()
        pad = -len(raw) % ALIGN
        chunks.append(raw + b"\0" * pad)
        offset += len(raw) + pad
    header = json.dumps(toc).encode()
    header += b" " * (-(len(MAGIC) + 8 + len(header)) % ALIGN)
    return b"".join([MAGIC, len(header).to_bytes(8, "little"), header, *chunks])


def load_arrays(payload: bytes) -> dict[str, np.ndarray]:
    """The arrays :func:`dump_arrays` wrote, as read-only views of ``payload`` (no copy, no
    unpickling); ValueError when it is not such a payload."""
    if not payload.startswith(MAGIC):
        raise ValueError("not a profscout array payload")
    size = int.from_bytes(payload[len(MAGIC):len(MAGIC) + 8], "little")
    start = len(MAGIC) + 8 + size
    out: dict[str, np.ndarray] = {}
    for entry in json.loads(payload[len(MAGIC) + 8:start]):
        dtype = np.dtype(entry["dtype"])
        if dtype.hasobject:
            raise ValueError("object arrays are not loaded")
        shape = tuple(int(n) for n in entry["shape"])
        count = int(np.prod(shape, dtype=np.int64))
        out[entry["name"]] = np.frombuffer(payload, dtype=dtype, count=count,
                                           offset=start + int(entry["offset"])).reshape(shape)
    return out


def _cacheable(matcher: object) -> bool:
    return bool(getattr(matcher, "cache_fitted", False)) and all(
        hasattr(matcher, attr) for attr in ("to_arrays", "from_arrays"))


def fitted_matcher(
    conn: sqlite3.Connection,
    name: str,
    profiles: Sequence[Profile],
    params: dict[str, Any] | None = None,
    use_cache: bool = True,
) -> tuple[ProfileMatcher, bool]:
    """``(matcher fitted on profiles, whether it came from the cache)``.

    A cached matcher fitted on other profile keys than ``profiles``' (a store that changed
    while the key was read) is refitted.
    """
    params = dict(params or {})
    # matchers with their own store-backed cache (embeddings) get the connection
    store = {"conn": conn} if getattr(matcher_class(name), "uses_store", False) else {}
    matcher = make_matcher(name, **params, **store)
    if not (use_cache and _cacheable(matcher)):
        return matcher.fit(profiles), False
    key = cache_key(name, params, profiles)
    row = conn.execute("SELECT payload FROM ranking_cache WHERE key = ?", (key,)).fetchone()
    if row is not None:
        try:
            loaded = type(matcher).from_arrays(load_arrays(row[0]))  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - an unreadable entry is refitted and replaced
            loaded = None
        del row
        keys = getattr(profiles, "ids", None)
        if loaded is not None and (
            keys is None or getattr(loaded, "profile_keys_", None) == [str(k) for k in keys]
        ):
            return loaded, True
    matcher.fit(profiles)
    payload = dump_arrays(matcher.to_arrays())  # type: ignore[attr-defined]
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
