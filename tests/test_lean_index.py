"""The lean TF-IDF index: batch term counting equal to scikit-learn's, the fit equal to the
reference TF-IDF, the compact cache payload, explanations recomputed for a cached index, and
profiles read as columns from a real store."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize
from sklearn.utils import murmurhash3_32 as sklearn_murmur

from profscout.core.store import connect
from profscout.core.store.ranking_cache import cached_keys
from ranking.base import Document, Profile
from ranking.cache import dump_arrays, fitted_matcher, load_arrays
from ranking.match import BOUNDED_FROM_DOCUMENTS, LARGE_MIN_DF, TfidfMatcher
from ranking.profiles import StoreProfiles, profile_columns
from ranking.terms import count_batch, murmurhash3_32
from tests.ranking_store import AS_OF, build_store

ROOT = Path(__file__).resolve().parent.parent

TEXTS = [
    "Deep reinforcement learning for robot manipulation and grasping.",
    "The and of a an",  # stop words only
    "",
    "x y z",  # one-letter words are no tokens
    "Ünïcode Straße, ÉCOLE naïve façade — İstanbul ǅ ﬁne 𝔘𝔫𝔦 𝓌𝑜𝓇𝒹𝓈 日本語の論文",
    "snake_case 3D 12 ab-cd e.g. it's  C++ /path/to-file.py",
    "a text that says PROFSCOUTSEPARATOR and profscoutseparator \x00 itself",
    "robot robot robot manipulation robot",
    "\n\t  spaced\u00a0out\u2003words  \n",
]


def reference_counts(texts: list[str]) -> sp.csr_matrix:
    vectorizer = HashingVectorizer(n_features=2**31 - 1, alternate_sign=False, norm=None,
                                   stop_words="english", ngram_range=(1, 2),
                                   dtype=np.float32)
    counts = vectorizer.transform(texts).tocsr()
    counts.sort_indices()
    return counts


def test_vectorised_murmurhash_equals_scikit_learn():
    words = ["", "a", "ab", "abc", "abcd", "abcde", "reinforcement learning", "日本語",
             "naïve façade", "x" * 37, "𝔘𝔫𝔦"]
    encoded = [w.encode("utf-8") for w in words]
    lengths = np.array([len(e) for e in encoded])
    starts = np.cumsum(lengths) - lengths
    buffer = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    for seed in (0, 7):
        got = murmurhash3_32(buffer, starts, lengths, seed=seed)
        assert got.tolist() == [sklearn_murmur(e, seed=seed) for e in encoded]


def test_batch_counts_equal_the_hashing_vectorizer():
    got = count_batch(TEXTS)
    want = reference_counts(TEXTS)
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.terms, want.indices)
    assert np.array_equal(got.counts, want.data.astype(np.int32))


def profiles() -> list[Profile]:
    rng = np.random.default_rng(3)
    out = []
    for p in range(12):
        docs = [Document(f"{p}.{d}", TEXTS[(p + d) % len(TEXTS)] + f" topic{p % 4} item{d}",
                         float(rng.choice([1.0, 0.5, 0.25])))
                for d in range(p % 5)]
        out.append(Profile(str(p), docs, interests="robots and vision" if p % 3 == 0 else ""))
    return out


def reference_profile_matrix(profs: list[Profile]) -> sp.csr_matrix:
    """The index as the release before computed it (scikit-learn's vectoriser and TF-IDF)."""
    columns = profile_columns(profs)
    counts = reference_counts(columns.texts)
    terms = np.unique(counts.indices)
    counts = sp.csr_matrix((counts.data, np.searchsorted(terms, counts.indices),
                            counts.indptr), shape=(counts.shape[0], len(terms)))
    docs = TfidfTransformer(sublinear_tf=True).fit_transform(counts).astype(np.float32).tocsr()
    owner = np.repeat(np.arange(len(profs)), np.diff(columns.indptr))
    mixer = sp.csr_matrix((columns.weights, (owner, np.arange(len(owner)))),
                          shape=(len(profs), len(owner)))
    return normalize(mixer @ docs).astype(np.float32).T.tocsr()


def test_fit_equals_the_reference_tfidf_bit_for_bit():
    profs = profiles()
    matcher = TfidfMatcher().fit(profs)
    want = reference_profile_matrix(profs)
    got = matcher.profile_matrix_
    assert matcher.doc_matrix_ is None  # blend keeps only the profile matrix
    assert got.shape == want.shape
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.indices, want.indices)
    assert np.array_equal(got.data, want.data)


def test_blend_explanations_equal_those_of_a_kept_document_matrix():
    profs = profiles()
    lean = TfidfMatcher().fit(profs)
    kept = TfidfMatcher(aggregation="max").fit(profs)  # keeps every document row
    query = "robot manipulation topic1 and vision"
    for p in range(len(profs)):
        assert np.array_equal(lean.profile_document_scores(query, p),
                              kept.profile_document_scores(query, p))
        assert lean.shared_terms(query, p) == kept.shared_terms(query, p)
    every = lean.document_scores(query)
    assert all(np.array_equal(a, b) for a, b in zip(every, kept.document_scores(query),
                                                    strict=True))


def test_vocabulary_is_bounded_only_for_large_indexes():
    assert TfidfMatcher().effective_min_df(BOUNDED_FROM_DOCUMENTS) == 1
    assert TfidfMatcher().effective_min_df(BOUNDED_FROM_DOCUMENTS + 1) == LARGE_MIN_DF
    assert TfidfMatcher(min_df=3).effective_min_df(10) == 3
    profs = [Profile("a", [Document("1", "robot grasping zebra", 1.0)]),
             Profile("b", [Document("2", "robot grasping", 1.0)])]
    bounded = TfidfMatcher(min_df=2).fit(profs)
    assert bounded.known_terms("zebra robot") == ["robot"]
    # a document is normalised over the terms kept: both documents are the same vector
    assert np.allclose(bounded.profile_document_scores("robot grasping", 0),
                       bounded.profile_document_scores("robot grasping", 1))


@pytest.mark.parametrize("array", [
    np.array([3, 1, 2**20, 0], dtype=np.int64),
    np.array([-5, 7, -(2**40)], dtype=np.int64),
    np.arange(70_000, dtype=np.int32),
    np.array([0.25, -1.5], dtype=np.float32),
    np.frombuffer("naïve\nwords".encode(), dtype=np.uint8),
    np.zeros(0, dtype=np.int32),
])
def test_payload_round_trip_is_exact(array):
    back = load_arrays(dump_arrays({"x": array}))["x"]
    assert back.dtype == array.dtype and np.array_equal(back, array)


def test_cached_index_is_small_and_explains_like_a_fresh_one(tmp_path: Path):
    store = build_store(tmp_path / "store.db")
    conn = connect(store)
    fresh, hit = fitted_matcher(conn, "tfidf", StoreProfiles(conn, AS_OF))
    assert not hit and len(cached_keys(conn)) == 1
    cached, hit = fitted_matcher(conn, "tfidf", StoreProfiles(conn, AS_OF))
    assert hit and cached.doc_matrix_ is None
    query = "deep reinforcement learning for robot manipulation"
    assert np.array_equal(fresh.score([query]), cached.score([query]))
    for p in range(len(fresh.profile_keys_)):
        assert np.array_equal(fresh.profile_document_scores(query, p),
                              cached.profile_document_scores(query, p))
        assert fresh.shared_terms(query, p) == cached.shared_terms(query, p)
    conn.close()


def test_store_columns_equal_the_built_profiles(tmp_path: Path):
    store = build_store(tmp_path / "store.db")
    conn = connect(store)
    for as_of in (AS_OF, date(2030, 1, 15)):
        lazy = StoreProfiles(conn, as_of)
        got = lazy.columns()
        want = profile_columns(list(StoreProfiles(conn, as_of)))
        assert got.keys == want.keys == [str(i) for i in lazy.ids]
        assert got.doc_ids == want.doc_ids
        assert np.array_equal(got.indptr, want.indptr)
        assert np.array_equal(got.weights, want.weights)
        assert np.array_equal(count_batch(got.texts).terms, count_batch(want.texts).terms)
    conn.close()


def test_store_key_follows_every_profile_source(tmp_path: Path):
    store = build_store(tmp_path / "store.db")
    conn = connect(store)

    def key() -> str:
        return StoreProfiles(conn, AS_OF).store_key

    first = key()
    assert key() == first  # nothing changed: the same key
    seen = {first}
    for edit in ("UPDATE papers SET abstract = abstract || ' more' WHERE rowid = 1",
                 "UPDATE authorships SET confidence = 0.99 WHERE rowid = 1",
                 "UPDATE homepages SET interests = 'quantum error correction' "
                 "WHERE interests != '' AND rowid = (SELECT min(rowid) FROM homepages "
                 "WHERE interests != '')"):
        with conn:
            assert conn.execute(edit).rowcount == 1
        assert key() not in seen
        seen.add(key())
    conn.close()


def test_store_key_follows_replaced_rows_deletions_and_the_window(tmp_path: Path):
    store = build_store(tmp_path / "store.db")
    conn = connect(store)

    def key(as_of: date = AS_OF) -> str:
        return StoreProfiles(conn, as_of).store_key

    seen = {key()}
    pid, interests = conn.execute("SELECT professor_id, interests FROM homepages "
                                  "WHERE interests != '' LIMIT 1").fetchone()
    for edit, args in (
        # an INSERT OR REPLACE deletes without firing delete triggers: the insert counts
        ("INSERT OR REPLACE INTO homepages (professor_id, state, fetched_at) "
         "VALUES (?, 'ok', '2026-01-01')", (pid,)),
        ("DELETE FROM authorships WHERE rowid = (SELECT min(rowid) FROM authorships)", ()),
        ("DELETE FROM papers WHERE rowid = (SELECT max(rowid) FROM papers)", ()),
    ):
        with conn:
            assert conn.execute(edit, args).rowcount == 1
        assert key() not in seen
        seen.add(key())
    assert interests  # the replaced row had interests; the new one has none
    # an edit that changes nothing keeps the key
    unchanged = key()
    with conn:
        conn.execute("UPDATE papers SET title = title")
        conn.execute("UPDATE homepages SET fetched_at = '2030-01-01'")
    assert key() == unchanged
    # the same month, a later day: the window takes in a paper published in between
    with conn:
        conn.execute("INSERT INTO papers (arxiv_id, title, published) "
                     "VALUES ('2605.99999', 'A paper of mid-month', '2026-05-15T09:00:00Z')")
    assert key(date(2026, 5, 14)) != key(date(2026, 5, 16))
    assert key(date(2026, 5, 16)) == key(date(2026, 5, 17))
    conn.close()


def test_stack_transposed_equals_vstack_then_transpose():
    from ranking.match import stack_transposed

    rng = np.random.default_rng(5)
    blocks = [sp.random(n, 40, density=0.2, format="csr", dtype=np.float32, random_state=rng)
              for n in (3, 0, 7, 1)]
    want = sp.vstack(blocks, format="csr").T.tocsr()
    parts = []
    for block in blocks:  # each block over its own columns: the ones it uses, and more
        own = np.union1d(block.indices, rng.choice(40, 3, replace=False))
        local = sp.csr_matrix((block.data, np.searchsorted(own, block.indices),
                               block.indptr), shape=(block.shape[0], len(own)))
        parts.append((local, own))
    got = stack_transposed(parts, 40)
    assert parts == []  # every block was released
    assert got.shape == want.shape == (40, 11)
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.indices, want.indices)
    assert np.array_equal(got.data, want.data) and got.data.dtype == want.data.dtype
    assert stack_transposed([], 5).shape == (5, 0)


def test_large_arrays_round_trip_in_chunks(monkeypatch):
    import ranking.cache as cache

    monkeypatch.setattr(cache, "CHUNK_VALUES", 1000)
    rng = np.random.default_rng(2)
    arrays = {
        "data": rng.random(10_000).astype(np.float32),  # shuffled chunks
        "indices": np.cumsum(rng.integers(0, 9, 4321)).astype(np.int32),  # delta chunks
        "matrix": rng.random((30, 70)),  # 2-D, chunked over its values
        "text": np.frombuffer(b"one\ntwo\n" * 300, dtype=np.uint8),
        "small": np.arange(3, dtype=np.float32),
        "empty": np.zeros(0, dtype=np.int64),
    }
    payload = dump_arrays(arrays)
    assert b'"chunked"' in payload
    loaded = load_arrays(payload)
    for name, array in arrays.items():
        assert loaded[name].dtype == array.dtype and loaded[name].shape == array.shape
        assert np.array_equal(loaded[name], array), name


def test_cached_index_reads_only_the_queried_rows_and_scores_the_same(monkeypatch):
    """Loaded from the cache, the profile matrix stays compressed in chunks: a query
    decodes only the chunks of its terms' rows, and scores exactly as the fitted index."""
    import ranking.cache as cache
    from ranking.chunks import ChunkedArray

    monkeypatch.setattr(cache, "CHUNK_VALUES", 64)
    profs = profiles()
    fitted = TfidfMatcher().fit(profs)
    arrays = load_arrays(dump_arrays(fitted.to_arrays()), lazy=TfidfMatcher.lazy_arrays)
    assert isinstance(arrays["profile_data"], ChunkedArray)
    loaded = TfidfMatcher.from_arrays(arrays)
    chunks = arrays["profile_data"]
    assert chunks.decoded_chunks == 0
    queries = ["robot manipulation", "topic3 vision and language", "nothing known here"]
    assert np.array_equal(loaded.score(queries), fitted.score(queries))
    assert 0 < chunks.decoded_chunks < len(chunks.starts) - 1  # some chunks, not all
    whole = loaded.profile_matrix_  # asked for whole: decoded whole
    want = fitted.profile_matrix_
    assert np.array_equal(whole.indptr, want.indptr)
    assert np.array_equal(whole.indices, want.indices)
    assert np.array_equal(whole.data, want.data)
    assert np.array_equal(loaded.score(queries), fitted.score(queries))


def test_chunked_array_ranges_cross_chunk_boundaries():
    from ranking.chunks import ChunkedArray

    values = np.arange(100, dtype=np.int32) * 3
    counts = [7, 30, 1, 62]
    bounds = np.concatenate([[0], np.cumsum(counts)])
    decoded: list[int] = []

    def read(i: int) -> bytes:
        return values[bounds[i]:bounds[i + 1]].tobytes()

    def decode(i: int, raw: bytes | memoryview) -> np.ndarray:
        decoded.append(i)
        return np.frombuffer(raw, dtype=np.int32)

    chunked = ChunkedArray(np.dtype(np.int32), counts, read, decode, threads=2)
    got = chunked.ranges(np.array([5, 40, 36, 90]), np.array([9, 40, 37, 100]))
    assert np.array_equal(got, np.concatenate([values[5:9], values[36:37], values[90:100]]))
    assert sorted(decoded) == [0, 1, 3]  # chunk 2 (value 37 alone) was not needed
    assert np.array_equal(chunked.whole(), values)
    assert sorted(decoded) == [0, 1, 2, 3]  # each chunk decoded once
    with pytest.raises(IndexError):
        chunked.ranges(np.array([95]), np.array([101]))


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint64, np.float64])
def test_unique_by_sorting_equals_numpy_unique(dtype):
    from ranking.arrays import unique

    rng = np.random.default_rng(9)
    values = rng.integers(0, 50, 500).astype(dtype)
    for flags in ({}, {"return_inverse": True}, {"return_counts": True},
                  {"return_index": True, "return_inverse": True},
                  {"return_inverse": True, "return_counts": True}):
        want = np.unique(values, **flags)
        got = unique(values, **flags)
        for w, g in zip(want if flags else [want], got if flags else [got], strict=True):
            assert np.array_equal(w, g), flags
    assert unique(np.zeros(0, dtype=dtype)).size == 0
    empty_inverse = unique(np.zeros(0, dtype=dtype), return_inverse=True)[1]
    assert empty_inverse.size == 0


def test_terms_of_one_text_equal_the_vectorisers_analyser():
    from ranking.terms import analyse, count_terms, english_stop_words, term_column

    vectoriser = HashingVectorizer(n_features=2**31 - 1, alternate_sign=False, norm=None,
                                   stop_words="english", ngram_range=(1, 2))
    stop = frozenset(english_stop_words())
    for text in TEXTS:
        want = vectoriser.build_analyzer()(text)
        assert analyse(text, stop) == want
        expected = vectoriser.transform([text]).indices
        assert {term_column(t) for t in want} == set(expected.tolist())
    # a query's counts, term by term, are the batch counts of the same texts
    few, batch = count_terms(TEXTS, stop), count_batch(TEXTS)
    assert np.array_equal(few.indptr, batch.indptr)
    assert np.array_equal(few.terms, batch.terms)
    assert np.array_equal(few.counts, batch.counts)


def test_plain_murmurhash_equals_the_arrays_one():
    from ranking.terms import murmurhash3_32_of

    words = ["", "a", "ab", "abc", "abcd", "abcde", "naïve", "日本語テキスト", "x" * 37]
    for seed in (0, 1, 42):
        assert [murmurhash3_32_of(w.encode(), seed) for w in words] == \
            [sklearn_murmur(w.encode(), seed=seed) for w in words]


def test_ranking_imports_no_scikit_learn(tmp_path: Path):
    """Importing scikit-learn costs about a second: neither fitting the index nor a
    shortlist from the cache needs it (the stop words travel with the fitted index)."""
    store = build_store(tmp_path / "store.db")
    out = tmp_path / "list.csv"
    command = ["rank", "deep reinforcement learning for robot manipulation", "--matcher",
               "tfidf", "--as-of", AS_OF.isoformat(), "--db", str(store), "-o", str(out)]
    code = ("import sys\nfrom profscout.cli.app import main\n"
            f"try:\n    main({command!r})\nexcept SystemExit as exc:\n"
            "    assert not exc.code, exc.code\n"
            "print('sklearn' in sys.modules)\n")
    runs = [subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                           text=True, timeout=120, check=True) for _ in range(2)]
    assert [run.stdout.split()[-1] for run in runs] == ["False", "False"]
    assert "index fitted" in runs[0].stderr
    assert "index from the store's cache" in runs[1].stderr
    assert out.read_text(encoding="utf-8").count("\n") > 1


def test_a_cached_index_reads_from_the_store_only_the_chunks_a_query_needs(tmp_path: Path,
                                                                           monkeypatch):
    import ranking.cache as cache
    from profscout.core.store.ranking_cache import open_payload

    monkeypatch.setattr(cache, "CHUNK_VALUES", 16)  # many chunks on a small store
    store = build_store(tmp_path / "store.db")
    conn = connect(store)
    fresh, _ = fitted_matcher(conn, "tfidf", StoreProfiles(conn, AS_OF))
    blob = open_payload(conn, cached_keys(conn)[0])
    assert blob is not None
    arrays = load_arrays(blob, lazy=TfidfMatcher.lazy_arrays)
    chunked = arrays["profile_data"]
    assert chunked.decoded_chunks == 0
    loaded = TfidfMatcher.from_arrays(arrays)
    query = ["robot manipulation"]
    assert np.array_equal(loaded.score(query), fresh.score(query))
    assert 0 < chunked.decoded_chunks < len(chunked.starts) - 1
    conn.close()


def test_segments_are_consecutive_positions():
    from ranking.terms import _segments

    got = _segments(np.array([10, 3, 50, 7]), np.array([3, 0, 2, 1]))
    assert got.tolist() == [10, 11, 12, 50, 51, 7]
    assert _segments(np.array([4]), np.array([0])).size == 0


def test_stop_words_are_scikit_learns_read_without_importing_it(monkeypatch):
    import importlib.util

    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from ranking import terms

    code = ("import sys\nfrom ranking.terms import english_stop_words\n"
            "print(len(english_stop_words()), 'sklearn' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True).stdout.split()
    assert out == [str(len(ENGLISH_STOP_WORDS)), "False"]
    assert terms.english_stop_words() == tuple(sorted(ENGLISH_STOP_WORDS))
    # where the data module cannot be found, the words come from the usual import
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert terms._stop_words_from_source() is None
    assert terms.english_stop_words() == tuple(sorted(ENGLISH_STOP_WORDS))
