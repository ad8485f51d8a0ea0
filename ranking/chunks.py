"""Large cached arrays kept compressed in chunks and decoded a range at a time.

A fitted index's biggest arrays (the values and columns of its terms x profiles matrix) are
stored in chunks of consecutive values, each compressed on its own (:mod:`ranking.cache`).
A query reads only the rows of its own terms, so a :class:`ChunkedArray` decodes only the
chunks that hold the ranges asked for, once each, and keeps them; :meth:`ChunkedArray.whole`
decodes every chunk (on several threads) when the whole array is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# reads chunk i's stored bytes (in the thread that asks for values: e.g. from a store blob,
# which only its own thread may read)
ChunkReader = Callable[[int], bytes | memoryview]
# decodes chunk i from its stored bytes into its values (on any thread)
ChunkDecoder = Callable[[int, bytes | memoryview], np.ndarray]


class ChunkedArray:
    """A 1-D array of ``counts[i]`` values per chunk ``i``, decoded on demand."""

    def __init__(self, dtype: np.dtype, counts: Sequence[int], read: ChunkReader,
                 decode: ChunkDecoder, threads: int = 1) -> None:
        self.dtype = np.dtype(dtype)
        self.starts = np.concatenate([[0], np.cumsum(np.asarray(counts, dtype=np.int64))])
        self.size = int(self.starts[-1])
        self._read = read
        self._decode = decode
        self._threads = max(1, threads)
        self._chunks: dict[int, np.ndarray] = {}

    @property
    def shape(self) -> tuple[int]:
        return (self.size,)

    @property
    def decoded_chunks(self) -> int:
        """How many chunks have been decoded so far."""
        return len(self._chunks)

    def _ensure(self, chunks: Sequence[int]) -> None:
        missing = [int(c) for c in chunks if int(c) not in self._chunks]
        stored = [self._read(c) for c in missing]
        if len(missing) > 1 and self._threads > 1:
            with ThreadPoolExecutor(min(self._threads, len(missing))) as pool:
                decoded = list(pool.map(self._decode, missing, stored))
        else:
            decoded = [self._decode(c, raw) for c, raw in zip(missing, stored, strict=True)]
        for chunk, values in zip(missing, decoded, strict=True):
            if len(values) != self.starts[chunk + 1] - self.starts[chunk]:
                raise ValueError(f"chunk {chunk} decoded to {len(values)} values")
            self._chunks[chunk] = values

    def ranges(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """The values ``[starts[i], ends[i])`` of each range, one after another."""
        starts = np.asarray(starts, dtype=np.int64)
        ends = np.asarray(ends, dtype=np.int64)
        spans = [(int(a), int(b)) for a, b in zip(starts, ends, strict=True) if b > a]
        if not spans:
            return np.zeros(0, dtype=self.dtype)
        if min(a for a, _ in spans) < 0 or max(b for _, b in spans) > self.size:
            raise IndexError("range outside the array")
        first = np.searchsorted(self.starts, [a for a, _ in spans], side="right") - 1
        last = np.searchsorted(self.starts, [b for _, b in spans], side="left") - 1
        self._ensure(sorted({c for f, t in zip(first, last, strict=True)
                             for c in range(int(f), int(t) + 1)}))
        pieces = []
        for (a, b), f, t in zip(spans, first, last, strict=True):
            for chunk in range(int(f), int(t) + 1):
                lo, hi = int(self.starts[chunk]), int(self.starts[chunk + 1])
                pieces.append(self._chunks[chunk][max(a, lo) - lo:min(b, hi) - lo])
        return np.concatenate(pieces)

    def whole(self) -> np.ndarray:
        """Every value (all chunks decoded)."""
        if self.size == 0:
            return np.zeros(0, dtype=self.dtype)
        return self.ranges(np.array([0]), np.array([self.size]))
