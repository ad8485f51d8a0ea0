"""Hashed term counts of many texts at once, equal to scikit-learn's ``HashingVectorizer``.

The vectoriser the TF-IDF index uses (lower case, ``(?u)\\b\\w\\w+\\b`` tokens, English stop
words dropped, word uni- and bigrams, each term's column its 31-bit MurmurHash3) analyses one
text at a time in Python. Here a batch of texts is analysed together: one regular-expression
pass over the batch joined by a separator word (upper case, so no lower-cased text holds it),
tokens numbered by :func:`pandas.factorize`, bigrams as pairs of token numbers, and each
*distinct* term of the batch hashed once by a vectorised MurmurHash3 (:func:`murmurhash3_32`).
The counts are the same, column for column, as the vectoriser's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

TOKEN = re.compile(r"(?u)\b\w\w+\b")
SEPARATOR = "PROFSCOUTSEPARATOR"  # upper case: never a token of lower-cased text
HASH_SPACE = 2**31 - 1
BATCH_DOCUMENTS = 4000  # texts analysed together (bounds the memory of one batch)

_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def murmurhash3_32(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                   seed: int = 0) -> np.ndarray:
    """Signed 32-bit MurmurHash3 (x86, as ``sklearn.utils.murmurhash3_32``) of each byte
    string ``buffer[starts[i]:starts[i] + lengths[i]]``."""
    n = len(starts)
    buf = np.concatenate([np.asarray(buffer, dtype=np.uint8), np.zeros(4, dtype=np.uint8)])
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    blocks = lengths // 4
    order = np.argsort(-blocks, kind="stable")  # the longest first: active rows are a prefix
    s_starts, s_blocks = starts[order], blocks[order]
    h = np.full(n, seed, dtype=np.uint32)
    active_counts = np.searchsorted(-s_blocks, -np.arange(1, int(s_blocks.max(initial=0)) + 1),
                                    side="right")
    with np.errstate(over="ignore"):
        for k, active in enumerate(active_counts.tolist()):
            pos = s_starts[:active] + 4 * k
            k1 = (buf[pos].astype(np.uint32) | (buf[pos + 1].astype(np.uint32) << np.uint32(8))
                  | (buf[pos + 2].astype(np.uint32) << np.uint32(16))
                  | (buf[pos + 3].astype(np.uint32) << np.uint32(24)))
            k1 = _rotl(k1 * _C1, 15) * _C2
            hh = _rotl(h[:active] ^ k1, 13)
            h[:active] = hh * np.uint32(5) + np.uint32(0xE6546B64)
        hashed = np.empty(n, dtype=np.uint32)
        hashed[order] = h
        h = hashed
        tail = lengths & 3
        base = starts + blocks * 4
        k1 = np.zeros(n, dtype=np.uint32)
        k1 ^= np.where(tail >= 3, buf[base + 2], 0).astype(np.uint32) << np.uint32(16)
        k1 ^= np.where(tail >= 2, buf[base + 1], 0).astype(np.uint32) << np.uint32(8)
        k1 ^= np.where(tail >= 1, buf[base], 0).astype(np.uint32)
        k1 = _rotl(k1 * _C1, 15) * _C2
        h = np.where(tail > 0, h ^ k1, h)
        h ^= lengths.astype(np.uint32)
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
    return h.view(np.int32)


def hashed_columns(hashes: np.ndarray) -> np.ndarray:
    """The ``HashingVectorizer`` column (non-negative, unsigned features) of signed hashes."""
    h = hashes.astype(np.int64)
    return np.where(h == -(2**31), (2**31 - 1 - (HASH_SPACE - 1)) % HASH_SPACE,
                    np.abs(h) % HASH_SPACE).astype(np.int32)


def _segments(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Flat positions ``starts[i] + 0 .. lengths[i] - 1``, segment after segment."""
    total = int(lengths.sum())
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + (np.arange(total) - offsets)


@dataclass(frozen=True)
class BatchCounts:
    """Term counts of one batch of texts: row ``r`` (a text of the batch) holds
    ``counts[indptr[r]:indptr[r + 1]]`` of the terms ``terms[indptr[r]:indptr[r + 1]]``
    (ascending hashed columns, int32)."""

    indptr: np.ndarray
    terms: np.ndarray
    counts: np.ndarray


def _stop_words() -> frozenset[str]:
    return frozenset(ENGLISH_STOP_WORDS)


def count_batch(texts: Sequence[str]) -> BatchCounts:
    """Hashed uni- and bigram counts of ``texts`` (see the module docstring)."""
    n = len(texts)
    if n == 0:
        return BatchCounts(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32))
    joined = f" {SEPARATOR} ".join(t.lower() for t in texts)
    tokens = TOKEN.findall(joined)
    codes, uniques = pd.factorize(pd.Series(tokens, dtype=object), sort=False)
    del tokens
    words = uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)
    stop = _stop_words()
    separator_code = words.index(SEPARATOR) if SEPARATOR in words else -1
    dropped = np.fromiter((w in stop for w in words), dtype=bool, count=len(words))
    is_separator = codes == separator_code
    row = np.cumsum(is_separator)
    keep = ~(dropped[codes] | is_separator)
    codes, row = codes[keep].astype(np.int64), row[keep]
    # the distinct words' UTF-8 bytes, then the batch's distinct bigrams' bytes
    encoded = [w.encode("utf-8") for w in words]
    word_len = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    word_start = np.cumsum(word_len) - word_len
    word_bytes = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    word_hash = hashed_columns(murmurhash3_32(word_bytes, word_start, word_len))
    same_row = row[1:] == row[:-1]
    first, second = codes[:-1][same_row], codes[1:][same_row]
    pair_code = first * len(words) + second
    pairs, pair_of = np.unique(pair_code, return_inverse=True)
    left, right = pairs // len(words), pairs % len(words)
    pair_len = word_len[left] + 1 + word_len[right]
    pair_start = np.cumsum(pair_len) - pair_len
    pair_bytes = np.full(int(pair_len.sum()), ord(" "), dtype=np.uint8)
    pair_bytes[_segments(pair_start, word_len[left])] = word_bytes[
        _segments(word_start[left], word_len[left])]
    pair_bytes[_segments(pair_start + word_len[left] + 1, word_len[right])] = word_bytes[
        _segments(word_start[right], word_len[right])]
    pair_hash = hashed_columns(murmurhash3_32(pair_bytes, pair_start, pair_len))
    term_row = np.concatenate([row, row[:-1][same_row]])
    term_hash = np.concatenate([word_hash[codes], pair_hash[pair_of]]).astype(np.int64)
    keys, counts = np.unique(term_row * HASH_SPACE + term_hash, return_counts=True)
    rows = keys // HASH_SPACE
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    return BatchCounts(indptr.astype(np.int64), (keys % HASH_SPACE).astype(np.int32),
                       counts.astype(np.int32))


def count_batches(texts: Sequence[str], batch: int = BATCH_DOCUMENTS
                  ) -> Iterator[BatchCounts]:
    """:func:`count_batch` of ``texts``, ``batch`` texts at a time."""
    for start in range(0, len(texts), batch):
        yield count_batch(texts[start:start + batch])
