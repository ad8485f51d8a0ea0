"""Fitted matchers cached in the store (``ranking_cache``), so repeated queries do not refit.

The key is the matcher's name and parameters plus what the profiles were made of: for the
store's own profiles (:class:`ranking.profiles.StoreProfiles`) its ``store_key``, the
store's revision of papers, authorships and interests (raised by its triggers) with a
summary of the window's papers (no profile is built, no row read to look the index up);
for any other sequence of profiles a hash of their texts, weights and order. Any change to
papers, authorships or interests, or a new month (recency weights), makes a new key.

Only matchers that declare ``cache_fitted = True`` (and so describe their fitted state as
plain numpy arrays, ``to_arrays()`` / ``from_arrays()``) are cached, as one payload of
array bytes behind a JSON table of contents (:func:`dump_arrays`): integer arrays narrowed,
delta-coded and compressed; large float arrays byte-shuffled (each value's bytes regrouped
by position, so the exponents' bytes sit together) and compressed; small ones raw. Zstandard
compresses: at the ratio of zlib it compresses about five times and decompresses about twice
as fast. Nothing in the store is ever unpickled. A cached matcher is read from the store in
place (a blob): its table of contents and small arrays at once, the chunks of its lazy arrays
only when a query needs them. :func:`cached_arrays` keeps other arrays the same way (e.g. the
publication days that activity is computed from, :mod:`ranking.activity`).
Others (e.g. embedding matchers, whose embeddings are cached instead) are fitted each time.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import zlib
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from profscout.core.store.embeddings import EmbeddingTable
from profscout.core.store.ranking_cache import cached_payload, open_payload, store_payload
from ranking.base import Matcher, Profile
from ranking.chunks import ChunkDecoder, ChunkedArray, ChunkReader
from ranking.embedding_cache import EmbeddingCache
from ranking.matchers import matcher_class
from ranking.profiles import StoreProfiles, fingerprint

if sys.version_info >= (3, 14):
    from compression import zstd
else:  # the same module, as published for older Pythons
    from backports import zstd

KEEP_PER_MATCHER = 2  # cached indexes kept per matcher name (the newest)
MAGIC = b"profscout-arrays 2\n"
ZSTD_LEVEL = 1  # fast, and nearly all of the gain
SHUFFLED_FROM = 4096  # float arrays of at least this many values are shuffled and compressed
CHUNK_VALUES = 1 << 18  # larger arrays are coded in chunks of this many values
CODING_THREADS = min(4, os.cpu_count() or 1)
ALIGN = 64


def cache_key(name: str, params: dict[str, Any], profiles: Sequence[Profile]) -> str:
    """``name:digest`` of the parameters and what the profiles were made of."""
    extra = (name, sorted(params.items()))
    if isinstance(profiles, StoreProfiles):
        digest = hashlib.sha256(repr((*extra, profiles.store_key)).encode()).hexdigest()
        return f"{name}:s{digest}"
    return f"{name}:p{fingerprint(profiles, *extra)}"


def _narrowest(array: np.ndarray) -> np.dtype:
    """The smallest unsigned dtype that holds the integer ``array``'s values (or its own)."""
    if array.size and (int(array.min()) < 0 or array.dtype.kind not in "iu"):
        return array.dtype
    top = int(array.max()) if array.size else 0
    for candidate in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(candidate).max:
            return np.dtype(candidate)
    return array.dtype


def _encode(array: np.ndarray) -> tuple[bytes | memoryview, dict[str, Any]]:
    """An array's stored bytes and how to read them back. Integer arrays are narrowed to
    the smallest unsigned type their values fit, stored as differences of consecutive
    values (wrapping; small for the sorted columns, offsets and hashes of an index) and
    compressed; text (bytes, uint8) is compressed; float arrays of :data:`SHUFFLED_FROM`
    values or more are byte-shuffled and compressed, smaller ones stored raw."""
    if array.dtype == np.uint8:
        return zstd.compress(array.tobytes(), ZSTD_LEVEL), {"codec": "zstd"}
    if array.dtype.kind in "iu" and array.size:
        stored = _narrowest(array)
        narrow = array.astype(stored, copy=False)
        deltas = np.diff(narrow, prepend=np.zeros(1, dtype=stored)).astype(stored)
        return zstd.compress(deltas.tobytes(), ZSTD_LEVEL), {"codec": "delta-zstd",
                                                             "stored": stored.str}
    if array.dtype.kind == "f" and array.size >= SHUFFLED_FROM:
        shuffled = array.view(np.uint8).reshape(-1, array.dtype.itemsize).T.tobytes()
        return zstd.compress(shuffled, ZSTD_LEVEL), {"codec": "shuffle-zstd"}
    return array.data.cast("B"), {"codec": "raw"}  # no copy until the payload


def _decompress(raw: memoryview | bytes, codec: str) -> bytes:
    """The bytes a ``zstd``/``zlib``-family codec compressed (zlib: caches of earlier
    releases)."""
    return zlib.decompress(raw) if codec.endswith("zlib") else zstd.decompress(raw)


def _decode(raw: memoryview | bytes, entry: dict[str, Any]) -> np.ndarray:
    dtype = np.dtype(entry["dtype"])
    shape = tuple(int(n) for n in entry["shape"])
    codec = entry.get("codec", "raw")
    if codec == "raw":
        return np.frombuffer(raw, dtype=dtype).reshape(shape)
    data = _decompress(raw, codec)
    if codec in ("zlib", "zstd"):
        return np.frombuffer(data, dtype=dtype).reshape(shape)
    if codec in ("delta-zlib", "delta-zstd"):
        stored = np.dtype(entry["stored"])
        values = np.cumsum(np.frombuffer(data, dtype=stored), dtype=stored)
        return values.astype(dtype, copy=False).reshape(shape)
    if codec == "shuffle-zstd":
        planes = np.frombuffer(data, dtype=np.uint8).reshape(dtype.itemsize, -1)
        return np.ascontiguousarray(planes.T).view(dtype).reshape(shape)
    raise ValueError(f"unknown array codec {codec!r}")


def dump_arrays(arrays: dict[str, np.ndarray]) -> bytes:
    """Named arrays as one payload: a magic line, a JSON table of contents (name, dtype,
    shape, codec, offset, size), then each array's stored bytes (:func:`_encode`), 64-byte
    aligned."""
    return b"".join(dump_array_pieces(arrays))


def dump_array_pieces(arrays: dict[str, np.ndarray]) -> list[bytes | memoryview]:
    """The payload of :func:`dump_arrays` as consecutive pieces (raw arrays as views of the
    arrays themselves: nothing copied). Arrays of more than :data:`CHUNK_VALUES` values
    are coded in chunks (codec ``chunked``, each part with its own codec), so that they are
    coded and decoded on several threads (compression releases the GIL)."""
    pieces: dict[str, tuple[np.ndarray, list[np.ndarray]]] = {}  # array, its chunks
    for name, value in arrays.items():
        array = np.ascontiguousarray(value)
        if array.dtype.hasobject:
            raise ValueError(f"array {name!r} holds Python objects")
        flat = array.reshape(-1)
        pieces[name] = (array, [flat[lo:lo + CHUNK_VALUES]
                                for lo in range(0, max(flat.size, 1), CHUNK_VALUES)])
    with ThreadPoolExecutor(CODING_THREADS) as pool:
        coded = iter(pool.map(_encode, [c for _, parts in pieces.values() for c in parts]))
    toc: list[dict[str, Any]] = []
    chunks: list[bytes | memoryview] = []
    offset = 0
    for name, (array, parts) in pieces.items():
        encoded = [next(coded) for _ in parts]
        sizes = [raw.nbytes if isinstance(raw, memoryview) else len(raw) for raw, _ in encoded]
        how = encoded[0][1] if len(parts) == 1 else {"codec": "chunked", "parts": [
            {"size": size, "count": part.size, **part_how}
            for part, size, (_, part_how) in zip(parts, sizes, encoded, strict=True)]}
        size = sum(sizes)
        toc.append({"name": name, "dtype": array.dtype.str, "shape": list(array.shape),
                    "offset": offset, "size": size, **how})
        pad = -size % ALIGN
        chunks += [raw for raw, _ in encoded] + [b"\0" * pad]
        offset += size + pad
    header = json.dumps(toc).encode()
    header += b" " * (-(len(MAGIC) + 8 + len(header)) % ALIGN)
    return [MAGIC, len(header).to_bytes(8, "little"), header, *chunks]


# bytes, or a blob opened in the store (read a slice at a time)
Payload = bytes | bytearray | memoryview | sqlite3.Blob


def _chunk_coders(payload: Payload, parts: list[tuple[int, int, dict[str, Any]]]
                  ) -> tuple[ChunkReader, ChunkDecoder]:
    """How to read chunk ``i`` of an array stored as ``parts`` (offset and size of its
    bytes in ``payload``, how to decode them) and how to decode what was read."""
    def read(i: int) -> bytes | memoryview:
        return _read(payload, parts[i][0], parts[i][1])

    def decode(i: int, raw: bytes | memoryview) -> np.ndarray:
        return _decode(raw, parts[i][2])

    return read, decode


def _read(payload: Payload, first: int, size: int) -> memoryview | bytes:
    """``payload[first:first + size]``: a view of bytes, or a read from a blob."""
    if isinstance(payload, sqlite3.Blob):
        payload.seek(first)
        return payload.read(size)
    return memoryview(payload)[first:first + size]


def load_arrays(payload: Payload, lazy: Collection[str] = ()) -> dict[str, Any]:
    """The arrays :func:`dump_arrays` wrote (raw ones as read-only views of a ``bytes``
    payload; nothing unpickled), chunks decoded on several threads; the chunked arrays
    named in ``lazy`` come back undecoded, as :class:`~ranking.chunks.ChunkedArray`, and
    their bytes are read from ``payload`` (e.g. a blob in the store) only when a chunk is
    decoded. ValueError when it is not such a payload."""
    if len(payload) < len(MAGIC) + 8 or bytes(payload[:len(MAGIC)]) != MAGIC:
        raise ValueError("not a profscout array payload")
    size = int.from_bytes(bytes(payload[len(MAGIC):len(MAGIC) + 8]), "little")
    start = len(MAGIC) + 8 + size
    out: dict[str, Any] = {}
    # (raw bytes, how to decode them, the array they fill, from which value)
    jobs: list[tuple[memoryview | bytes, dict[str, Any], np.ndarray, int]] = []
    for entry in json.loads(bytes(payload[len(MAGIC) + 8:start])):
        dtype = np.dtype(entry["dtype"])
        if dtype.hasobject:
            raise ValueError("object arrays are not loaded")
        first = start + int(entry["offset"])
        if entry.get("codec") != "chunked":
            out[entry["name"]] = _decode(_read(payload, first, int(entry["size"])), entry)
            continue
        shape = tuple(int(n) for n in entry["shape"])
        parts: list[tuple[int, int, dict[str, Any]]] = []
        at = first
        for part in entry["parts"]:
            part_size = int(part["size"])
            parts.append((at, part_size, {**part, "dtype": entry["dtype"],
                                          "shape": [int(part["count"])]}))
            at += part_size
        counts = [int(part["count"]) for part in entry["parts"]]
        if sum(counts) != int(np.prod(shape)):
            raise ValueError(f"array {entry['name']!r}: its chunks do not fill it")
        if entry["name"] in lazy and len(shape) == 1:
            out[entry["name"]] = ChunkedArray(dtype, counts, *_chunk_coders(payload, parts),
                                              CODING_THREADS)
            continue
        whole = np.empty(int(np.prod(shape)), dtype=dtype)
        value = 0
        for (part_first, part_size, how), count in zip(parts, counts, strict=True):
            jobs.append((_read(payload, part_first, part_size), how, whole, value))
            value += count
        out[entry["name"]] = whole.reshape(shape)

    def fill(job: tuple[memoryview | bytes, dict[str, Any], np.ndarray, int]) -> None:
        part_raw, how, whole, value = job
        decoded = _decode(part_raw, how)
        whole[value:value + decoded.size] = decoded

    with ThreadPoolExecutor(CODING_THREADS) as pool:
        list(pool.map(fill, jobs))
    return out


def cached_arrays(conn: sqlite3.Connection, key: str, prefix: str,
                  compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The arrays stored under ``key`` in the store's ranking cache, else ``compute()``'s,
    stored there (keeping the newest :data:`KEEP_PER_MATCHER` entries of ``prefix``); an
    unreadable entry is computed again."""
    payload = cached_payload(conn, key)
    if payload is not None:
        try:
            return load_arrays(payload)
        except ValueError:
            pass
    arrays = compute()
    store_payload(conn, key, dump_array_pieces(arrays), prefix=f"{prefix}:",
                  keep=KEEP_PER_MATCHER)
    return arrays


def fitted_matcher(
    conn: sqlite3.Connection,
    name: str,
    profiles: Sequence[Profile],
    params: dict[str, Any] | None = None,
    use_cache: bool = True,
    embeddings: EmbeddingCache | None = None,
) -> tuple[Matcher, bool]:
    """``(matcher fitted on profiles, whether it came from the cache)``.

    A matcher that declares ``cache_fitted`` is looked up in, or else stored into, the
    store's ``ranking_cache``; one fitted on other profile keys than ``profiles``' (a store
    that changed while the key was read) is refitted. A matcher that declares
    ``uses_embedding_cache`` gets ``embeddings`` (default: a cache on this store's
    embeddings table), saved once it is fitted.
    """
    params = dict(params or {})
    cls = matcher_class(name)
    handed: dict[str, Any] = {}
    if cls.uses_embedding_cache:
        if embeddings is None:
            embeddings = EmbeddingCache(EmbeddingTable(conn))
        handed["cache"] = embeddings
    matcher = cls(**params, **handed)
    if not (use_cache and cls.cache_fitted):
        matcher.fit(profiles)
        if embeddings is not None:
            embeddings.save()
        return matcher, False
    key = cache_key(name, params, profiles)
    loaded = _load(cls, open_payload(conn, key))
    expected = (list(map(str, profiles.ids)) if isinstance(profiles, StoreProfiles)
                else None)
    if loaded is not None and (expected is None or loaded.profile_keys_ == expected):
        attach = getattr(loaded, "attach_profiles", None)
        if attach is not None:  # documents re-read from the profiles to explain matches
            attach(profiles)
        return loaded, True
    matcher.fit(profiles)
    store_payload(conn, key, dump_array_pieces(matcher.to_arrays()), prefix=f"{name}:",
                  keep=KEEP_PER_MATCHER)
    return matcher, False


def _load(cls: type[Matcher], payload: Payload | None) -> Matcher | None:
    """The matcher a cached payload describes; None when absent or unreadable (refitted)."""
    if payload is None:
        return None
    try:
        return cls.from_arrays(load_arrays(payload, lazy=cls.lazy_arrays))
    except Exception:  # noqa: BLE001 - an unreadable entry is refitted and replaced
        return None
