"""Sentence embeddings cached by model and text hash: in memory, in front of an optional
backing store.

A re-rank embeds only texts it has not seen. The backing store is anything with ``get`` and
``put`` (:class:`VectorStore`); the SQLite store provides one,
:class:`profscout.core.store.embeddings.EmbeddingTable`. Reads go through to it; new vectors
stay in memory until :meth:`EmbeddingCache.save` writes them, so a matcher's ``fit`` never
writes anywhere on its own: whoever handed the cache in saves it, or asks for ``autosave``
(every encoded chunk written at once, so that an interrupted run keeps what it finished).

Unseen texts are encoded longest first in chunks of ``chunk_size`` (similar lengths pad
least), and ``progress(done, total)`` hears after each chunk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from profscout.core.store.embeddings import from_blob, to_blob

__all__ = ["CacheStats", "EmbeddingCache", "Encoder", "Progress", "VectorStore", "from_blob",
           "normalise_text", "text_hash", "to_blob"]

Encoder = Callable[[list[str]], np.ndarray]
Progress = Callable[[int, int], None]  # (texts encoded so far, texts to encode)
CHUNK_SIZE = 256  # texts per encoder call (and per autosave)


class VectorStore(Protocol):
    """Where vectors persist, by model and text hash."""

    def get(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]: ...

    def put(self, model: str, vectors: Mapping[str, np.ndarray]) -> None: ...


def normalise_text(text: str) -> str:
    """The text as embedded: whitespace runs collapsed, ends stripped."""
    return " ".join(text.split())


def text_hash(text: str) -> str:
    """SHA-256 (hex) of the normalised text: the cache key of its embedding."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


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
    """Vectors by ``(model, text_hash)``: a dict in front of ``store`` (optional).

    ``autosave``: write each encoded chunk to the store at once; ``progress``: called with
    ``(done, total)`` before the first and after every chunk an :meth:`embed` encodes.
    """

    def __init__(self, store: VectorStore | None = None, *, autosave: bool = False,
                 progress: Progress | None = None, chunk_size: int = CHUNK_SIZE) -> None:
        if chunk_size < 1:
            raise ValueError(f"chunk size must be at least 1, got {chunk_size}")
        self.store = store
        self.autosave = autosave
        self.progress = progress
        self.chunk_size = chunk_size
        self._memory: dict[tuple[str, str], np.ndarray] = {}
        self._unsaved: dict[str, dict[str, np.ndarray]] = {}
        self.stats = CacheStats()

    def __len__(self) -> int:
        return len(self._memory)

    @property
    def nbytes(self) -> int:
        """Bytes held by the in-memory vectors."""
        return sum(v.nbytes for v in self._memory.values())

    @property
    def unsaved(self) -> int:
        """Vectors not yet written to the store."""
        return sum(len(v) for v in self._unsaved.values())

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
        if self.store is not None and wanted:
            stored = self.store.get(model, wanted)
            for h, vector in stored.items():
                self._memory[(model, h)] = vector
                found[h] = vector
            self.stats.store_hits += len(stored)
        return found

    def put_many(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Remember ``vectors`` (hash -> vector); :meth:`save` writes them to the store."""
        for h, vector in vectors.items():
            value = np.asarray(vector, dtype=np.float32)
            self._memory[(model, h)] = value
            if self.store is not None:
                self._unsaved.setdefault(model, {})[h] = value

    def save(self) -> int:
        """Write the vectors put since the last save to the store; how many were written."""
        written = 0
        if self.store is not None:
            for model, vectors in self._unsaved.items():
                self.store.put(model, vectors)
                written += len(vectors)
        self._unsaved.clear()
        return written

    def embed(self, model: str, texts: Sequence[str], encode: Encoder) -> np.ndarray:
        """Embeddings of ``texts`` (one row each), calling ``encode`` only on unseen texts.

        ``encode`` receives normalised, distinct texts and returns one row per text.
        """
        hashes = [text_hash(t) for t in texts]
        found = self.get_many(model, hashes)
        missing = {h: normalise_text(t) for h, t in zip(hashes, texts, strict=True)
                   if h not in found}
        if missing:
            found.update(self._encode_missing(model, missing, encode))
        if not hashes:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[h] for h in hashes])

    def _encode_missing(self, model: str, missing: Mapping[str, str], encode: Encoder
                        ) -> dict[str, np.ndarray]:
        """Encode ``missing`` (hash -> text) longest first, chunk by chunk; each chunk is
        remembered (and with ``autosave`` written) before the next is encoded."""
        order = sorted(missing, key=lambda h: len(missing[h]), reverse=True)
        total = len(order)
        fresh: dict[str, np.ndarray] = {}
        if self.progress is not None:
            self.progress(0, total)
        for start in range(0, total, self.chunk_size):
            chunk = order[start:start + self.chunk_size]
            encoded = np.asarray(encode([missing[h] for h in chunk]), dtype=np.float32)
            if encoded.shape[0] != len(chunk):
                raise ValueError(f"encoder returned {encoded.shape[0]} rows for {len(chunk)}")
            vectors = dict(zip(chunk, encoded, strict=True))
            self.stats.misses += len(chunk)
            self.put_many(model, vectors)
            if self.autosave:
                self.save()
            fresh.update(vectors)
            if self.progress is not None:
                self.progress(len(fresh), total)
        return fresh
