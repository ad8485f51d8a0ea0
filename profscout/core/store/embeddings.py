"""The ``embeddings`` table: sentence embeddings by ``(model, text hash)``.

:class:`EmbeddingTable` is the store side of the ranking's embedding cache: it reads and
writes float32 little-endian vectors and knows nothing of models or texts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

import numpy as np

from profscout.core.store import transaction

_SQL_CHUNK = 500  # host parameters per SELECT ... IN (...)


def to_blob(vector: np.ndarray) -> bytes:
    """A vector as a float32 little-endian blob."""
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes, dim: int) -> np.ndarray:
    """The float32 vector stored in ``blob`` (checked against ``dim``)."""
    vector = np.frombuffer(blob, dtype="<f4")
    if vector.shape != (dim,):
        raise ValueError(f"embedding blob holds {vector.size} values, expected {dim}")
    return vector.astype(np.float32)


class EmbeddingTable:
    """Vectors of one store, by model and text hash."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors among ``hashes``."""
        found: dict[str, np.ndarray] = {}
        wanted = list(dict.fromkeys(hashes))
        for start in range(0, len(wanted), _SQL_CHUNK):
            chunk = wanted[start:start + _SQL_CHUNK]
            rows = self.conn.execute(
                "SELECT text_hash, dim, vector FROM embeddings"
                f" WHERE model = ? AND text_hash IN ({','.join('?' * len(chunk))})",
                [model, *chunk],
            )
            for h, dim, blob in rows:
                found[h] = from_blob(blob, dim)
        return found

    def put(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Store ``vectors`` (hash -> vector), replacing any under the same key."""
        if not vectors:
            return
        rows = [(model, h, int(v.shape[-1]), to_blob(v)) for h, v in vectors.items()]
        sql = "INSERT OR REPLACE INTO embeddings (model, text_hash, dim, vector) VALUES (?,?,?,?)"
        if self.conn.in_transaction:
            self.conn.executemany(sql, rows)
        else:
            with transaction(self.conn):
                self.conn.executemany(sql, rows)

    def count(self, model: str | None = None) -> int:
        """Vectors stored (of ``model``, or of every model)."""
        if model is None:
            return int(self.conn.execute("SELECT count(*) FROM embeddings").fetchone()[0])
        return int(self.conn.execute("SELECT count(*) FROM embeddings WHERE model = ?",
                                     (model,)).fetchone()[0])

    def nbytes(self) -> int:
        """Bytes of all stored vector blobs."""
        return int(self.conn.execute("SELECT coalesce(sum(length(vector)), 0) FROM embeddings"
                                     ).fetchone()[0])
