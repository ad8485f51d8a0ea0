"""Hashed term counts of many texts at once, equal to scikit-learn's ``HashingVectorizer``.

The vectoriser the TF-IDF index uses (lower case, ``(?u)\\b\\w\\w+\\b`` tokens, English stop
words dropped, word uni- and bigrams, each term's column its 31-bit MurmurHash3) analyses one
text at a time in Python. Here a batch of texts is analysed as arrays: the batch's code points
are classified as word characters or not (a table of the regex ``\\w``), tokens are the runs of
two or more, each token occurrence is hashed from its UTF-8 bytes by a vectorised MurmurHash3
(:func:`murmurhash3_32_seeds`; two seeds give a 64-bit identity that numbers the distinct
words and finds the stop words), bigrams are pairs of consecutive word numbers and each
*distinct* bigram of the batch is hashed once. The counts are the same, column for column, as
the vectoriser's (tests/test_lean_index.py compares them).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import struct
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ranking.arrays import unique

HASH_SPACE = 2**31 - 1
BATCH_DOCUMENTS = 2000  # texts analysed together (bounds the memory of one batch)
TOKEN = re.compile(r"(?u)\b\w\w+\b")  # the vectoriser's token pattern

_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)
_MASK = 0xFFFFFFFF


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def murmurhash3_32(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                   seed: int = 0) -> np.ndarray:
    """Signed 32-bit MurmurHash3 (x86, as ``sklearn.utils.murmurhash3_32``) of each byte
    string ``buffer[starts[i]:starts[i] + lengths[i]]``."""
    return murmurhash3_32_seeds(buffer, starts, lengths, (seed,))[0]


def murmurhash3_32_seeds(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                         seeds: Sequence[int]) -> list[np.ndarray]:
    """:func:`murmurhash3_32` of the same strings with each of ``seeds`` (one pass)."""
    n = len(starts)
    buf = np.concatenate([np.asarray(buffer, dtype=np.uint8), np.zeros(4, dtype=np.uint8)])
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    blocks = lengths // 4
    # the longest first, so the rows still hashing are a prefix (the order among strings of
    # one length does not matter: each is hashed on its own)
    order = np.argsort(-blocks, kind="quicksort")
    s_starts, s_blocks = starts[order], blocks[order]
    hs = [np.full(n, seed, dtype=np.uint32) for seed in seeds]
    active_counts = np.searchsorted(-s_blocks, -np.arange(1, int(s_blocks.max(initial=0)) + 1),
                                    side="right")
    out: list[np.ndarray] = []
    with np.errstate(over="ignore"):
        for k, active in enumerate(active_counts.tolist()):
            pos = s_starts[:active] + 4 * k
            k1 = (buf[pos].astype(np.uint32) | (buf[pos + 1].astype(np.uint32) << np.uint32(8))
                  | (buf[pos + 2].astype(np.uint32) << np.uint32(16))
                  | (buf[pos + 3].astype(np.uint32) << np.uint32(24)))
            k1 = _rotl(k1 * _C1, 15) * _C2
            for h in hs:
                hh = _rotl(h[:active] ^ k1, 13)
                h[:active] = hh * np.uint32(5) + np.uint32(0xE6546B64)
        tail = lengths & 3
        base = starts + blocks * 4
        k1 = np.zeros(n, dtype=np.uint32)
        k1 ^= np.where(tail >= 3, buf[base + 2], 0).astype(np.uint32) << np.uint32(16)
        k1 ^= np.where(tail >= 2, buf[base + 1], 0).astype(np.uint32) << np.uint32(8)
        k1 ^= np.where(tail >= 1, buf[base], 0).astype(np.uint32)
        k1 = _rotl(k1 * _C1, 15) * _C2
        for sorted_h in hs:
            h = np.empty(n, dtype=np.uint32)
            h[order] = sorted_h
            h = np.where(tail > 0, h ^ k1, h)
            h ^= lengths.astype(np.uint32)
            h ^= h >> np.uint32(16)
            h *= np.uint32(0x85EBCA6B)
            h ^= h >> np.uint32(13)
            h *= np.uint32(0xC2B2AE35)
            h ^= h >> np.uint32(16)
            out.append(h.view(np.int32))
    return out


def hashed_columns(hashes: np.ndarray) -> np.ndarray:
    """The ``HashingVectorizer`` column (non-negative, unsigned features) of signed hashes."""
    h = hashes.astype(np.int64)
    return np.where(h == -(2**31), (2**31 - 1 - (HASH_SPACE - 1)) % HASH_SPACE,
                    np.abs(h) % HASH_SPACE).astype(np.int32)


def _segments(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Flat positions ``starts[i] + 0 .. lengths[i] - 1``, segment after segment: one
    running sum of steps of 1, with a jump where each segment begins."""
    keep = lengths > 0
    starts, lengths = starts[keep].astype(np.int64), lengths[keep].astype(np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    step = np.ones(total, dtype=np.int64)
    step[0] = starts[0]
    step[np.cumsum(lengths)[:-1]] = starts[1:] - (starts[:-1] + lengths[:-1]) + 1
    return np.cumsum(step)


@dataclass(frozen=True)
class BatchCounts:
    """Term counts of one batch of texts: row ``r`` (a text of the batch) holds
    ``counts[indptr[r]:indptr[r + 1]]`` of the terms ``terms[indptr[r]:indptr[r + 1]]``
    (ascending hashed columns, int32)."""

    indptr: np.ndarray
    terms: np.ndarray
    counts: np.ndarray


@lru_cache(maxsize=1)
def _word_characters() -> np.ndarray:
    """Whether each code point of the Basic Multilingual Plane is a regex word character."""
    plane = re.sub(r"\W", "\0", "".join(map(chr, range(0x10000))))  # non-word -> NUL
    return np.frombuffer(plane.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) != 0


def _is_word(points: np.ndarray) -> np.ndarray:
    table = _word_characters()
    word = table[np.minimum(points, 0xFFFF)]
    astral = points > 0xFFFF
    if astral.any():
        pattern = re.compile(r"\w")
        found = unique(points[astral])
        hits = np.fromiter((pattern.match(chr(int(c))) is not None for c in found),
                           dtype=bool, count=len(found))
        word[astral] = hits[np.searchsorted(found, points[astral])]
    return word


def _identity(h0: np.ndarray, h1: np.ndarray) -> np.ndarray:
    """A 64-bit identity of a term from its hashes with two seeds."""
    return (h0.view(np.uint32).astype(np.uint64) << np.uint64(32)) | h1.view(np.uint32)


def _packed(values: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The UTF-8 bytes of ``values`` one after another, with each one's start and length."""
    encoded = [v.encode("utf-8") for v in values]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    starts = np.cumsum(lengths) - lengths
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), starts, lengths


def word_identities(words: Sequence[str]) -> np.ndarray:
    """The sorted, distinct 64-bit identities of ``words`` (their hashes with two seeds), as
    :func:`count_batch` tells words apart and finds the stop words."""
    return unique(_identity(*murmurhash3_32_seeds(*_packed(words), (0, 1))))


def english_stop_words() -> tuple[str, ...]:
    """scikit-learn's English stop words, the list the vectoriser drops, sorted; a fitted
    index keeps its own copy. They are read from the installed package's data module without
    importing scikit-learn (which costs a first rank about a second), and imported the usual
    way when that module cannot be read."""
    words = _stop_words_from_source()
    if words is None:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        words = ENGLISH_STOP_WORDS
    return tuple(sorted(words))


def _stop_words_from_source() -> frozenset[str] | None:
    """``ENGLISH_STOP_WORDS = frozenset([...])`` of scikit-learn's ``_stop_words.py``, read as
    a literal (nothing executed); None when the file or that statement is not found."""
    try:
        spec = importlib.util.find_spec("sklearn")  # locates the package, imports nothing
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        try:
            path = Path(location) / "feature_extraction" / "_stop_words.py"
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            value = node.value if isinstance(node, ast.Assign) else None
            named = isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "ENGLISH_STOP_WORDS" for t in node.targets)
            if not (named and isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                    and value.func.id == "frozenset" and len(value.args) == 1):
                continue
            try:
                words = ast.literal_eval(value.args[0])
            except ValueError:
                return None
            if words and all(isinstance(w, str) for w in words):
                return frozenset(words)
    return None


@lru_cache(maxsize=1)
def english_stop_identities() -> np.ndarray:
    """:func:`word_identities` of :func:`english_stop_words`."""
    return word_identities(english_stop_words())


def murmurhash3_32_of(data: bytes, seed: int = 0) -> int:
    """Signed 32-bit MurmurHash3 (x86) of one byte string, in plain Python: the hash of
    :func:`murmurhash3_32` without the set-up of arrays, for the few terms of a query."""
    h = seed & _MASK
    end = len(data) - len(data) % 4
    for (k,) in struct.iter_unpack("<I", data[:end]):
        k = _rotl_int((k * 0xCC9E2D51) & _MASK, 15) * 0x1B873593 & _MASK
        h = (_rotl_int(h ^ k, 13) * 5 + 0xE6546B64) & _MASK
    if len(data) > end:
        k = int.from_bytes(data[end:], "little")
        h ^= _rotl_int((k * 0xCC9E2D51) & _MASK, 15) * 0x1B873593 & _MASK
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    h ^= h >> 16
    return h - (1 << 32) if h & 0x80000000 else h


def _rotl_int(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & _MASK


def term_column(term: str) -> int:
    """The hashed column of one term (a word, or two words joined by a space), exactly as
    the vectoriser computes it (:func:`hashed_columns` of its hash)."""
    h = murmurhash3_32_of(term.encode("utf-8"))
    return 1 if h == -(2**31) else abs(h) % HASH_SPACE


def analyse(text: str, stop_words: frozenset[str]) -> list[str]:
    """The vectoriser's terms of one text, in its order: the lower-cased words of two or
    more word characters that are not ``stop_words``, then the bigrams of consecutive kept
    words."""
    words = [w for w in TOKEN.findall(text.lower()) if w not in stop_words]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def count_terms(texts: Sequence[str], stop_words: frozenset[str]) -> BatchCounts:
    """:func:`count_batch`'s counts of a few short texts (queries), analysed one at a time
    in plain Python: no array set-up, which dominates a batch of one query."""
    indptr, columns, counts = [0], [], []
    for text in texts:
        row = Counter(term_column(term) for term in analyse(text, stop_words))
        for column in sorted(row):
            columns.append(column)
            counts.append(row[column])
        indptr.append(len(columns))
    return BatchCounts(np.asarray(indptr, dtype=np.int64), np.asarray(columns, dtype=np.int32),
                       np.asarray(counts, dtype=np.int32))


def count_batch(texts: Sequence[str], stop: np.ndarray | None = None) -> BatchCounts:
    """Hashed uni- and bigram counts of ``texts`` (see the module docstring); ``stop``: the
    identities of the stop words (:func:`word_identities`, sorted; English by default)."""
    if stop is None:
        stop = english_stop_identities()
    n = len(texts)
    if n == 0:
        return BatchCounts(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32))
    lowered = [t.lower() for t in texts]
    lengths = np.fromiter(map(len, lowered), dtype=np.int64, count=n)
    joined = "\0".join(lowered)  # a non-word character between texts
    del lowered
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    utf8 = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
    del joined
    # UTF-8 offsets: one byte per code point plus the extra bytes of the (few) wide ones
    wide_at = np.flatnonzero(points >= 0x80)
    wide = points[wide_at]
    extra_before = np.zeros(len(wide_at) + 1, dtype=np.int64)
    np.cumsum(1 + (wide >= 0x800).astype(np.int64) + (wide >= 0x10000), out=extra_before[1:])
    del wide
    edges = np.diff(_is_word(points).view(np.int8), prepend=np.int8(0), append=np.int8(0))
    del points
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    del edges
    long_enough = ends - starts >= 2
    starts, ends = starts[long_enough], ends[long_enough]
    text_ends = np.cumsum(lengths + 1)
    row = np.searchsorted(text_ends, starts, side="right")
    byte_start = starts + extra_before[np.searchsorted(wide_at, starts)]
    byte_len = ends + extra_before[np.searchsorted(wide_at, ends)] - byte_start
    del wide_at, extra_before
    h0, h1 = murmurhash3_32_seeds(utf8, byte_start, byte_len, (0, 1))
    # distinct words; ``first``: one occurrence of each (any: equal identities, equal words),
    # found by a scatter rather than by the much slower stable sort "the first" would need
    words, codes = unique(_identity(h0, h1), return_inverse=True)
    codes = codes.reshape(-1)
    first = np.empty(len(words), dtype=np.int64)
    first[codes] = np.arange(len(codes))
    keep = ~np.isin(words, stop)[codes]
    codes, row = codes[keep].astype(np.int64), row[keep]
    word_hash = hashed_columns(h0[first])
    word_start, word_len = byte_start[first], byte_len[first]
    same_row = row[1:] == row[:-1]
    pair_code = codes[:-1][same_row] * len(words) + codes[1:][same_row]
    pairs, pair_of = unique(pair_code, return_inverse=True)
    left, right = pairs // len(words), pairs % len(words)
    pair_len = word_len[left] + 1 + word_len[right]
    pair_start = np.cumsum(pair_len) - pair_len
    pair_bytes = np.full(int(pair_len.sum()), ord(" "), dtype=np.uint8)
    pair_bytes[_segments(pair_start, word_len[left])] = utf8[
        _segments(word_start[left], word_len[left])]
    pair_bytes[_segments(pair_start + word_len[left] + 1, word_len[right])] = utf8[
        _segments(word_start[right], word_len[right])]
    pair_hash = hashed_columns(murmurhash3_32(pair_bytes, pair_start, pair_len))
    term_row = np.concatenate([row, row[:-1][same_row]])
    term_hash = np.concatenate([word_hash[codes], pair_hash[pair_of.reshape(-1)]])
    keys, counts = unique(term_row * HASH_SPACE + term_hash, return_counts=True)
    rows = keys // HASH_SPACE
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    return BatchCounts(indptr.astype(np.int64), (keys % HASH_SPACE).astype(np.int32),
                       counts.astype(np.int32))
