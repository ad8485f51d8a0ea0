"""Sentence embeddings cached by model and text hash, in memory and in the store.

A re-rank embeds only texts it has not seen: vectors live in the store's ``embeddings``
table (float32 little-endian blobs) keyed by ``(model, text_hash)``, and in memory for the
life of the process, so texts shared between profiles or runs are embedded once.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from profscout.core.store import transaction

Encoder = Callable[[list[str]], np.ndarray]

_SQL_CHUNK = 500  # host parameters per SELECT ... IN (...)


def normalise_text(text: str) -> str:
    """The text as embedded: whitespace runs collapsed, ends stripped."""
    return " ".join(text.split())


def text_hash(text: str) -> str:
    """SHA-256 (hex) of the normalised text: the cache key of its embedding."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def to_blob(vector: np.ndarray) -> bytes:
    """A vector as a float32 little-endian blob."""
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes, dim: int) -> np.ndarray:
    """The float32 vector stored in ``blob`` (checked against ``dim``)."""
    vector = np.frombuffer(blob, dtype="<f4")
    if vector.shape != (dim,):
        raise ValueError(f"embedding blob holds {vector.size} values, expected {dim}")
    return vector.astype(np.float32)


@dataclass
class CacheStats:
    """What the cache answered since it was made."""

    memory_hits: int = 0
    store_hits: int = 0
    misses: int = 0

    @property
    def hits(self) -> int:
        return self.memory_hits + self.store_hits

    @property
    def hit_rate(self) -> float:
        asked = self.hits + self.misses
        return self.hits / asked if asked else 0.0


class EmbeddingCache:
    """Vectors by ``(model, text_hash)``: a dict in front of the store's table (optional)."""

    def __init__(self, conn: sqlite3.Connection | None = None) -> None:
        self.conn = conn
        self._memory: dict[tuple[str, str], np.ndarray] = {}
        self.stats = CacheStats()

    def __len__(self) -> int:
        return len(self._memory)

    @property
    def nbytes(self) -> int:
        """Bytes held by the in-memory vectors."""
        return sum(v.nbytes for v in self._memory.values())

    def get_many(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``hashes`` (memory first, then the store)."""
        found: dict[str, np.ndarray] = {}
        wanted: list[str] = []
        for h in dict.fromkeys(hashes):
            vector = self._memory.get((model, h))
            if vector is None:
                wanted.append(h)
            else:
                found[h] = vector
        self.stats.memory_hits += len(found)
        if self.conn is not None and wanted:
            for start in range(0, len(wanted), _SQL_CHUNK):
                chunk = wanted[start:start + _SQL_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self.conn.execute(
                    "SELECT text_hash, dim, vector FROM embeddings"
                    f" WHERE model = ? AND text_hash IN ({marks})",
                    [model, *chunk],
                ).fetchall()
                for h, dim, blob in rows:
                    vector = from_blob(blob, dim)
                    self._memory[(model, h)] = vector
                    found[h] = vector
                    self.stats.store_hits += 1
        return found

    def put_many(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Remember ``vectors`` (hash -> vector) in memory and, if there is one, the store."""
        for h, vector in vectors.items():
            self._memory[(model, h)] = np.asarray(vector, dtype=np.float32)
        if self.conn is None or not vectors:
            return
        rows = [(model, h, int(v.shape[-1]), to_blob(v)) for h, v in vectors.items()]
        sql = "INSERT OR REPLACE INTO embeddings (model, text_hash, dim, vector) VALUES (?,?,?,?)"
        if self.conn.in_transaction:
            self.conn.executemany(sql, rows)
        else:
            with transaction(self.conn):
                self.conn.executemany(sql, rows)

    def embed(self, model: str, texts: Sequence[str], encode: Encoder) -> np.ndarray:
        """Embeddings of ``texts`` (one row each), calling ``encode`` only on unseen texts.

        ``encode`` receives normalised, distinct texts and returns one row per text.
        """
        hashes = [text_hash(t) for t in texts]
        found = self.get_many(model, hashes)
        missing = {h: normalise_text(t) for h, t in zip(hashes, texts, strict=True)
                   if h not in found}
        if missing:
            self.stats.misses += len(missing)
            encoded = np.asarray(encode(list(missing.values())), dtype=np.float32)
            if encoded.shape[0] != len(missing):
                raise ValueError(f"encoder returned {encoded.shape[0]} rows for {len(missing)}")
            fresh = dict(zip(missing, encoded, strict=True))
            self.put_many(model, fresh)
            found.update(fresh)
        if not hashes:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[h] for h in hashes])
