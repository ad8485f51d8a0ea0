"""TF-IDF matching of a query against professors' profiles.

Every profile document (a paper's title + abstract, or homepage interests) becomes one row of
an L2-normalised TF-IDF matrix (sublinear tf, word uni- and bigrams, English stop words),
fitted on the profiles' documents only. Terms are never kept as strings: each term maps to
its 31-bit hash, as scikit-learn's ``HashingVectorizer`` maps it (:mod:`ranking.terms` counts
documents and queries alike, without scikit-learn), and the index keeps the sorted hashes
of the terms its documents hold (``terms_``, the hashed vocabulary: two distinct terms share a
hash with odds of about one in 400 at five million terms) with their IDF from a
``TfidfTransformer``, and the stop words it dropped, so that a cached index
is queried without importing scikit-learn. Term names, for explanations, are recovered from
the query text itself.
The whole fitted state is plain arrays (:meth:`TfidfMatcher.to_arrays`), which
:mod:`ranking.cache` stores without pickling.

Documents are counted in batches of whole profiles by :mod:`ranking.terms` (the same counts as
the ``HashingVectorizer``, without analysing one text at a time in Python). With ``blend`` the
index keeps only the (terms x profiles) matrix; the document rows of a profile, needed only to
explain a shown match, are recomputed from its documents when asked for. Indexes of more than
:data:`BOUNDED_FROM_DOCUMENTS` documents drop the terms of a single document
(:meth:`TfidfMatcher.effective_min_df`), which bounds the vocabulary of a large store; smaller
indexes keep every term.

A query is transformed the same way, but its length is measured over *all* its terms, known
to the index or not, so that the cosine is the cosine in the full term space: a query whose
words are mostly unknown to the index scores lower than one the index fully covers
(out-of-vocabulary terms get the IDF of a term seen in no document). Its cosine similarity to
each document, times the document's weight (recency), is then aggregated per profile:

``max``      the best-matching document;
``topk``     the mean of the ``top_k`` best (fewer when the profile has fewer documents);
``mean``     the weight-averaged similarity of all documents;
``softmax``  a smooth maximum, ``t * log(weighted mean of exp(s / t))``;
``blend``    one blended profile document: the weighted centroid of the profile's document
             vectors, renormalised, compared with the query directly (one sparse
             vector-matrix product per query over the terms x profiles matrix).

``evaluate-match`` compares them; ``DEFAULT_AGGREGATION`` is the one kept: on the expertise
gold standard ``blend`` (= ``mean`` there, as the metric compares papers for one person) is
as good as the best, has no parameter to tune, and is the fastest.
"""

from __future__ import annotations

import ctypes
import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cached_property, partial
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from ranking.arrays import unique
from ranking.base import Matcher, Profile, check_fitted
from ranking.chunks import ChunkedArray
from ranking.profiles import profile_columns
from ranking.terms import (
    BATCH_DOCUMENTS,
    BatchCounts,
    analyse,
    count_batch,
    count_terms,
    english_stop_words,
    term_column,
    word_identities,
)

AGGREGATIONS = ("max", "topk", "mean", "softmax", "blend")
DEFAULT_AGGREGATION = "blend"
ARRAYS_FORMAT = 3  # version of the layout written by ``to_arrays``
BOUNDED_FROM_DOCUMENTS = 50_000  # larger indexes drop the terms of a single document
LARGE_MIN_DF = 2
DOCUMENT_ROWS_KEPT = 256  # profiles whose recomputed document rows are kept (explanations)
# batches counted (and weighed) at once: numpy and scipy.sparse release the GIL, so threads
# use the cores without copying the texts; the result does not depend on it
COUNTING_THREADS = min(4, os.cpu_count() or 1)


def _encode_strings(values: Sequence[str]) -> np.ndarray:
    return np.frombuffer("\n".join(values).encode("utf-8"), dtype=np.uint8)


def _decode_strings(data: np.ndarray, count: int) -> list[str]:
    return data.tobytes().decode("utf-8").split("\n") if count else []


@dataclass(frozen=True)
class DocumentIndex:
    """Where each profile's documents sit in the fitted matrix (contiguous rows)."""

    indptr: np.ndarray  # profile p owns rows indptr[p]:indptr[p + 1]
    weights: np.ndarray  # per-document weight (recency), float32
    doc_ids: list[str]

    @property
    def owner(self) -> np.ndarray:
        counts = np.diff(self.indptr)
        return np.repeat(np.arange(len(counts)), counts)


class TfidfMatcher(Matcher):
    """Scores queries against profiles by TF-IDF similarity to each profile's documents."""

    name = "tfidf"
    cache_fitted = True  # ranking.cache stores the fitted state (to_arrays / from_arrays)
    explains_terms = True
    uses_embedding_cache = False
    # a cached index's profile matrix is read a query's rows at a time
    lazy_arrays = ("profile_data", "profile_indices")

    def __init__(
        self,
        aggregation: str = DEFAULT_AGGREGATION,
        top_k: int = 3,
        temperature: float = 0.05,
        min_df: int | None = None,
    ) -> None:
        self.aggregation = aggregation
        self.top_k = top_k
        self.temperature = temperature
        self.min_df = min_df

    # -- fitting -----------------------------------------------------------------------
    def fit(self, profiles: Sequence[Profile], y: object = None) -> Self:
        """Learn the hashed vocabulary and IDF from the profiles' documents and index them.

        Documents are counted in batches of whole profiles (:mod:`ranking.terms`); with the
        ``blend`` aggregation only the profile matrix is kept, and a profile's document
        vectors (for explanations) are recomputed from ``profiles`` when asked for.
        """
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(
                f"unknown aggregation {self.aggregation!r}; choose from {AGGREGATIONS}"
            )
        columns = profile_columns(profiles)
        if not columns.texts:
            raise ValueError("nothing to index: the profiles hold no text")
        n_docs = len(columns.texts)
        texts, columns = columns.texts, replace(columns, texts=[])  # texts freed once counted
        self.stop_words_ = english_stop_words()  # the words counting drops, kept with the index
        self.__dict__.pop("_stop_set", None)
        self.__dict__.pop("_stop_identities", None)
        count = partial(_count_locally, stop=self._stop_identities)
        spans = _profile_batches(columns.indptr, BATCH_DOCUMENTS)
        # per batch: its counts, each entry's term as a number among the batch's distinct
        # terms, and those terms' hashes and document frequencies in the batch
        batches: list[BatchCounts] = []
        distinct: list[np.ndarray] = []
        batch_df: list[np.ndarray] = []
        with ThreadPoolExecutor(max(1, min(COUNTING_THREADS, len(spans)))) as pool:
            counting = pool.map(count, [texts[columns.indptr[lo]:columns.indptr[hi]]
                                        for lo, hi in spans])
            del texts  # each batch's texts are freed once it is counted
            for k, (counted, hashes, df) in enumerate(counting):
                distinct.append(hashes)
                batch_df.append(df)
                batches.append(counted)
                if k % 8 == 7:
                    release_freed_memory()  # texts freed in many small pieces
        release_freed_memory()
        # the vocabulary: every batch's distinct terms, merged; a batch's terms are distinct,
        # so its document frequencies add without collisions
        terms = unique(np.concatenate(distinct))
        df = np.zeros(len(terms), dtype=np.int64)
        for i, hashes in enumerate(distinct):
            distinct[i] = np.searchsorted(terms, hashes).astype(np.int32)
            df[distinct[i]] += batch_df[i]
        del batch_df
        keep = df >= max(1, int(self.effective_min_df(n_docs)))
        # each vocabulary term's column among the kept ones (-1: dropped)
        column_of = np.where(keep, np.cumsum(keep) - 1, -1).astype(np.int32)
        release_freed_memory()  # the merge's temporaries
        self.terms_ = terms[keep].astype(np.int32)
        self.idf_ = smooth_idf(df[keep], n_docs)
        self.unseen_idf_ = float(np.log(n_docs + 1.0) + 1.0)  # smooth IDF at df = 0
        self.index_ = DocumentIndex(indptr=columns.indptr, weights=columns.weights,
                                    doc_ids=columns.doc_ids)
        self.profile_keys_ = columns.keys
        self.source_: Sequence[Profile] | None = profiles
        self.__dict__.pop("_document_rows", None)
        self.__dict__.pop("_every_document", None)
        blend = self.aggregation == "blend"
        doc_rows: list[sp.csr_matrix] = []
        profile_rows: list[tuple[sp.csr_matrix, np.ndarray]] = []

        def weigh(i: int) -> tuple[sp.csr_matrix, np.ndarray]:
            """Batch ``i``'s TF-IDF rows and the vocabulary column of each of their
            columns; with ``blend``, one row per profile over the batch's own kept terms
            only (so that stacking them never touches the whole vocabulary's width). Its
            counts are freed once weighed."""
            batch = batches[i]
            term_columns = column_of[distinct[i]]  # each distinct term's column (-1: dropped)
            batches[i] = distinct[i] = None  # type: ignore[call-overload]
            if not blend:
                return self._tfidf_rows(batch, term_columns[batch.terms]), np.zeros(0)
            kept = term_columns >= 0
            own = term_columns[kept]  # ascending, as the batch's distinct terms are
            renumbered = np.where(kept, np.cumsum(kept) - 1, -1).astype(np.int32)
            rows = self._tfidf_rows(batch, renumbered[batch.terms], self.idf_[own])
            lo, hi = spans[i]
            first = int(columns.indptr[lo])
            mixer = _mixer(columns.indptr[lo:hi + 1] - first,
                           columns.weights[first:int(columns.indptr[hi])])
            return l2_normalize_rows(mixer @ rows).astype(np.float32, copy=False), own

        with ThreadPoolExecutor(max(1, min(COUNTING_THREADS, len(spans)))) as pool:
            for rows, own in pool.map(weigh, range(len(spans))):
                if blend:
                    profile_rows.append((rows, own))
                else:
                    doc_rows.append(rows)
        batches.clear()
        release_freed_memory()  # the batches' counts
        self.doc_matrix_: sp.csr_matrix | None = (None if blend else
                                                  sp.vstack(doc_rows, format="csr"))
        self.profile_matrix_ = None
        if blend:
            # stored transposed (terms x profiles, CSR): a query touches only its terms' rows
            self.profile_matrix_ = stack_transposed(profile_rows, len(self.terms_))
        return self

    def effective_min_df(self, n_documents: int) -> int:
        """The document-frequency floor for an index of ``n_documents``: ``min_df`` when
        given, else 1 (every term) up to :data:`BOUNDED_FROM_DOCUMENTS` documents and
        :data:`LARGE_MIN_DF` above (terms of a single paper dropped from large indexes)."""
        if self.min_df is not None:
            return int(self.min_df)
        return LARGE_MIN_DF if n_documents > BOUNDED_FROM_DOCUMENTS else 1

    def _tfidf_rows(self, batch: BatchCounts, columns: np.ndarray | None = None,
                    idf: np.ndarray | None = None) -> sp.csr_matrix:
        """L2-normalised sublinear TF-IDF rows (float32) of counted documents, over the
        fitted terms (terms outside the vocabulary dropped before normalising);
        ``columns``: each entry's vocabulary column (-1: none), when already known; with
        ``idf``, the columns are numbers into ``idf`` (a part of the vocabulary) instead."""
        if idf is None:
            idf = self.idf_
        if columns is None:
            columns = np.searchsorted(self.terms_, batch.terms)
            known = columns < len(self.terms_)
            known[known] = self.terms_[columns[known]] == batch.terms[known]
        else:
            known = columns >= 0
        n_rows = len(batch.indptr) - 1
        if known.all():
            indptr = batch.indptr
        else:
            rows = np.repeat(np.arange(n_rows), np.diff(batch.indptr))
            indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[known],
                                                                minlength=n_rows))])
        data = batch.counts[known].astype(np.float32)
        np.log(data, data)
        data += 1.0
        columns = columns[known].astype(np.int32)
        data *= idf[columns]
        matrix = sp.csr_matrix((data, columns, indptr), shape=(n_rows, len(idf)))
        return l2_normalize_rows(matrix)

    @cached_property
    def _stop_set(self) -> frozenset[str]:
        """The stop words the index dropped, as a set (for queries)."""
        return frozenset(self.stop_words_)

    @cached_property
    def _stop_identities(self) -> np.ndarray:
        """The identities of the stop words the index dropped (for counting documents)."""
        return word_identities(self.stop_words_)

    def attach_profiles(self, profiles: Sequence[Profile]) -> None:
        """Give an index loaded from the cache the profiles it was fitted on: their
        documents are re-read, one profile at a time, to explain matches."""
        self.source_ = profiles
        self.__dict__.pop("_document_rows", None)
        self.__dict__.pop("_every_document", None)

    def _profile_documents(self, profile: int) -> sp.csr_matrix:
        """The TF-IDF rows of one profile's documents."""
        lo, hi = int(self.index_.indptr[profile]), int(self.index_.indptr[profile + 1])
        if self.doc_matrix_ is not None:
            return self.doc_matrix_[lo:hi]
        if self.source_ is None or hi <= lo:
            return sp.csr_matrix((hi - lo, len(self.terms_)), dtype=np.float32)
        memo: dict[int, sp.csr_matrix] = self.__dict__.setdefault("_document_rows", {})
        if profile not in memo:
            if len(memo) >= DOCUMENT_ROWS_KEPT:
                memo.clear()
            texts = profile_columns([self.source_[profile]]).texts
            rows = self._tfidf_rows(count_batch(texts, self._stop_identities))
            if rows.shape[0] != hi - lo:  # the store changed since the index was fitted
                rows = sp.csr_matrix((hi - lo, len(self.terms_)), dtype=np.float32)
            memo[profile] = rows
        return memo[profile]

    def _all_documents(self) -> sp.csr_matrix:
        """Every document's TF-IDF row (recomputed from the profiles for ``blend``)."""
        if self.doc_matrix_ is not None:
            return self.doc_matrix_
        if self.source_ is None:
            raise ValueError("the documents of this index are not available")
        every = self.__dict__.get("_every_document")
        if every is None:  # computed once, kept (as an index fitted with them would)
            texts = profile_columns(self.source_).texts
            spans = _profile_batches(self.index_.indptr, BATCH_DOCUMENTS)
            every = sp.vstack([self._tfidf_rows(count_batch(
                texts[self.index_.indptr[lo]:self.index_.indptr[hi]], self._stop_identities))
                for lo, hi in spans],
                format="csr")
            self.__dict__["_every_document"] = every
        return every

    # -- plain-array state (for the store's cache) -----------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted state as named numpy arrays (no Python objects: no pickle needed)."""
        check_fitted(self, "idf_")
        arrays: dict[str, np.ndarray] = {
            "format": np.array([ARRAYS_FORMAT], dtype=np.int64),
            "params": _encode_strings([json.dumps(self.get_params(), sort_keys=True)]),
            "terms": self.terms_,
            "stop_words": _encode_strings(self.stop_words_),
            "idf": self.idf_,
            "unseen_idf": np.array([self.unseen_idf_]),
            "index_indptr": self.index_.indptr,
            "index_weights": self.index_.weights,
            "doc_ids": _encode_strings(self.index_.doc_ids),
            "profile_keys": _encode_strings(self.profile_keys_),
        }
        if self.doc_matrix_ is not None:
            arrays.update(_csr_arrays("doc", self.doc_matrix_))
        if self.profile_matrix_ is not None:
            arrays.update(_csr_arrays("profile", self.profile_matrix_))
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Self:
        """The matcher :meth:`to_arrays` described; ValueError when the layout is unknown."""
        if int(arrays["format"][0]) != ARRAYS_FORMAT:
            raise ValueError("unknown TF-IDF index layout")
        params: dict[str, Any] = json.loads(_decode_strings(arrays["params"], 1)[0])
        matcher = cls(**params)
        indptr = np.asarray(arrays["index_indptr"], dtype=np.int64)
        n_docs = int(indptr[-1])
        matcher.terms_ = arrays["terms"]
        matcher.stop_words_ = tuple(_decode_strings(arrays["stop_words"],
                                                    int(arrays["stop_words"].size > 0)))
        matcher.idf_ = arrays["idf"]
        matcher.unseen_idf_ = float(arrays["unseen_idf"][0])
        matcher.index_ = DocumentIndex(indptr=indptr, weights=arrays["index_weights"],
                                       doc_ids=_decode_strings(arrays["doc_ids"], n_docs))
        matcher.profile_keys_ = _decode_strings(arrays["profile_keys"], len(indptr) - 1)
        matcher.doc_matrix_ = (_csr_from_arrays("doc", arrays) if "doc_data" in arrays
                               else None)
        matcher.source_ = None
        matcher.profile_matrix_ = None
        data, indices = arrays.get("profile_data"), arrays.get("profile_indices")
        if isinstance(data, ChunkedArray) and isinstance(indices, ChunkedArray):
            matcher._profile_rows = TermRows(
                np.asarray(arrays["profile_indptr"]), data, indices,
                tuple(int(n) for n in arrays["profile_shape"]))
        elif data is not None:  # small enough to be stored whole
            matcher.profile_matrix_ = _csr_from_arrays("profile", arrays)
        return matcher

    def _undecoded_rows(self) -> TermRows | None:
        """The cached profile matrix's rows while it is not decoded whole (else None)."""
        if self.__dict__.get("_profile_matrix") is not None:
            return None
        return self.__dict__.get("_profile_rows")

    @property
    def profile_matrix_(self) -> sp.csr_matrix | None:
        """The (terms x profiles) matrix of ``blend`` (None for other aggregations); an
        index loaded from the cache decodes it whole only when asked for it here."""
        rows = self._undecoded_rows()
        if rows is not None:
            self.__dict__["_profile_matrix"] = rows.matrix()
        return self.__dict__.get("_profile_matrix")

    @profile_matrix_.setter
    def profile_matrix_(self, value: sp.csr_matrix | None) -> None:
        self.__dict__["_profile_matrix"] = value
        self.__dict__.pop("_profile_rows", None)

    # -- transforming and scoring --------------------------------------------------------
    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``texts`` over the fitted terms, scaled to unit length over all
        of each text's terms (a text of known terms only has unit length)."""
        check_fitted(self, "idf_")
        counts = count_terms(texts, self._stop_set)
        hashes = counts.terms
        n_terms, n_rows = len(self.terms_), len(counts.indptr) - 1
        columns = np.minimum(np.searchsorted(self.terms_, hashes), max(n_terms - 1, 0))
        known = self.terms_[columns] == hashes if n_terms else np.zeros(len(hashes), bool)
        idf = np.where(known, self.idf_[columns].astype(np.float64), self.unseen_idf_)
        weights = (1.0 + np.log(counts.counts.astype(np.float64))) * idf
        rows = np.repeat(np.arange(n_rows), np.diff(counts.indptr))
        norms = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=n_rows))
        weights = weights / np.where(norms > 0, norms, 1.0)[rows]
        # hashes and vocabulary positions sort alike: each row's columns stay sorted
        indptr = np.zeros(n_rows + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows[known], minlength=n_rows), out=indptr[1:])
        return sp.csr_matrix(
            (weights[known].astype(np.float32), columns[known].astype(np.int32), indptr),
            shape=(n_rows, n_terms),
        )

    def _term_columns(self, text: str) -> dict[int, str]:
        """Column -> term for the words and bigrams of ``text`` the index knows."""
        check_fitted(self, "idf_")
        names = list(dict.fromkeys(analyse(text, self._stop_set)))
        hashes = np.array([term_column(name) for name in names], dtype=np.int64)
        columns = np.searchsorted(self.terms_, hashes)
        out: dict[int, str] = {}
        for name, h, col in zip(names, hashes, columns, strict=True):
            if col < len(self.terms_) and self.terms_[col] == h:
                out.setdefault(int(col), name)
        return out

    def known_terms(self, text: str) -> list[str]:
        """The words and bigrams of ``text`` that the fitted index knows."""
        return list(dict.fromkeys(self._term_columns(text).values()))

    def document_similarities(self, queries: Sequence[str]) -> np.ndarray:
        """(n_documents, n_queries) cosine similarity times document weight."""
        sims = (self._all_documents() @ self.transform(queries).T).toarray()
        return sims * self.index_.weights[:, None]

    def score(self, queries: Sequence[str]) -> np.ndarray:
        """(n_queries, n_profiles) similarities; higher is a better match."""
        check_fitted(self, "idf_")
        if self.aggregation == "blend":
            queries_matrix = self.transform(queries)
            rows = self._undecoded_rows()
            if rows is not None:
                return rows.product(queries_matrix).toarray()  # only the queries' rows read
            return (queries_matrix @ self.profile_matrix_).toarray()
        sims = self.document_similarities(queries)
        return np.stack([self._aggregate(sims[:, j]) for j in range(sims.shape[1])])

    def _aggregate(self, sims: np.ndarray) -> np.ndarray:
        """Per-profile aggregate of one query's document similarities."""
        indptr = self.index_.indptr
        n_profiles = len(indptr) - 1
        counts = np.diff(indptr)
        nonempty = counts > 0
        out = np.zeros(n_profiles, dtype=np.float64)
        if not nonempty.any():
            return out
        starts = indptr[:-1][nonempty]
        if self.aggregation == "max":
            out[nonempty] = np.maximum.reduceat(sims, starts)
        elif self.aggregation == "mean":
            w = self.index_.weights.astype(np.float64)
            raw = sims / np.where(w > 0, w, 1.0)  # the similarity before weighting
            num = np.add.reduceat(raw * w, starts)
            den = np.add.reduceat(w, starts)
            out[nonempty] = num / np.where(den > 0, den, 1.0)
        elif self.aggregation == "softmax":
            t = float(self.temperature)
            peak = np.maximum.reduceat(sims, starts)
            shifted = np.exp((sims - np.repeat(peak, counts[nonempty])) / t)
            out[nonempty] = peak + t * np.log(np.add.reduceat(shifted, starts) / counts[nonempty])
        else:  # topk
            out[nonempty] = _segment_topk_mean(sims, indptr, int(self.top_k))[nonempty]
        return out

    def document_scores(self, query: str) -> list[np.ndarray]:
        """Per profile, the weighted similarity of each of its documents to ``query``."""
        sims = self.document_similarities([query])[:, 0]
        indptr = self.index_.indptr
        return [sims[indptr[p]:indptr[p + 1]] for p in range(len(indptr) - 1)]

    def document_scorer(self, query: str) -> Callable[[int], np.ndarray]:
        """One profile's document similarities at a time (no pass over every document)."""
        return lambda profile: np.asarray(self.profile_document_scores(query, profile),
                                          dtype=float)

    def profile_document_scores(self, query: str, profile: int) -> np.ndarray:
        """The weighted similarity of each document of one profile to ``query``."""
        lo, hi = self.index_.indptr[profile], self.index_.indptr[profile + 1]
        q = self.transform([query])
        rows, columns, products = _query_products(self._profile_documents(profile), q)
        sims = np.bincount(rows, weights=products, minlength=hi - lo)
        return sims * self.index_.weights[lo:hi]

    def shared_terms(self, query: str, profile: int, n: int = 8) -> list[str]:
        """The terms that contribute most to the match of ``query`` with one profile.

        A term's contribution is the product of its weight in the query and in the profile's
        blended document; terms contained in a better-ranked bigram are dropped.
        """
        lo, hi = self.index_.indptr[profile], self.index_.indptr[profile + 1]
        if hi <= lo:
            return []
        q = self.transform([query])
        rows, columns, products = _query_products(self._profile_documents(profile), q)
        if len(products) == 0:
            return []
        weighted = products * self.index_.weights[lo:hi][rows]
        shared, where = np.unique(columns, return_inverse=True)
        contrib = np.bincount(where, weights=weighted, minlength=len(shared))
        names = self._term_columns(query)
        order = np.argsort(-contrib, kind="stable")
        chosen: list[str] = []
        for i in order:
            if contrib[i] <= 0:
                break
            term = names[int(shared[i])]
            if any(term in kept.split() or term == kept for kept in chosen):
                continue
            chosen = [k for k in chosen if not (" " in term and k in term.split())]
            chosen.append(term)
            if len(chosen) >= n:
                break
        return chosen


class TermRows:
    """The rows of a (terms x profiles) CSR matrix whose values and columns are
    :class:`~ranking.chunks.ChunkedArray` (a cached index): a product with a few query rows
    decodes only those terms' rows."""

    def __init__(self, indptr: np.ndarray, data: ChunkedArray, indices: ChunkedArray,
                 shape: tuple[int, ...]) -> None:
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.data = data
        self.indices = indices
        self.shape = (int(shape[0]), int(shape[1]))

    def product(self, queries: sp.csr_matrix) -> sp.csr_matrix:
        """``queries @ matrix``: the same arithmetic as the whole product (the queries'
        entries in the same order, each term's row whole), over the terms queried only."""
        terms = unique(queries.indices)
        starts, ends = self.indptr[terms], self.indptr[terms + 1]
        indptr = np.concatenate([[0], np.cumsum(ends - starts)])
        rows = sp.csr_matrix((self.data.ranges(starts, ends),
                              self.indices.ranges(starts, ends), indptr),
                             shape=(len(terms), self.shape[1]))
        local = sp.csr_matrix((queries.data, np.searchsorted(terms, queries.indices),
                               queries.indptr), shape=(queries.shape[0], len(terms)))
        return local @ rows

    def matrix(self) -> sp.csr_matrix:
        """The whole matrix (every chunk decoded)."""
        return sp.csr_matrix((self.data.whole(), self.indices.whole(), self.indptr),
                             shape=self.shape)


def l2_normalize_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Scale each row of a CSR matrix to unit length, in place (rows of zeros stay), with
    the arithmetic of scikit-learn's ``normalize``: squares in the values' precision,
    summed in float64 row by row, each value divided by its row's norm in float64."""
    data = matrix.data
    if data.size:
        rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=matrix.shape[0]))
        norms[norms == 0.0] = 1.0
        data[:] = data / norms[rows]
    return matrix


def release_freed_memory() -> None:
    """Hand memory freed in many small pieces (e.g. the texts of an index) back to the
    system where the C library can (glibc's ``malloc_trim``); elsewhere nothing happens."""
    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError, TypeError):  # no C library handle (Windows)
        return
    trim(0)


def stack_transposed(blocks: list[tuple[sp.csr_matrix, np.ndarray]], n_columns: int
                     ) -> sp.csr_matrix:
    """The transpose, as CSR, of the blocks stacked one under the other, each block given
    over its own columns: ``(matrix, columns)``, where local column ``j`` of ``matrix`` is
    column ``columns[j]`` (distinct, ascending) of the ``n_columns`` wide whole. The same
    arrays as ``sp.vstack(widened blocks).T.tocsr()``, built in place block by block, each
    block dropped from ``blocks`` once copied (the list ends empty), so the memory of the
    result and of the blocks is never held twice; no step spans the whole width per block."""
    counts = np.zeros(n_columns, dtype=np.int64)
    for block, columns in blocks:
        counts[columns] += np.bincount(block.indices, minlength=len(columns))
    n_rows = sum(block.shape[0] for block, _ in blocks)
    nnz = int(counts.sum())
    index = np.int32 if max(nnz, n_rows) < 2**31 else np.int64
    indptr = np.zeros(n_columns + 1, dtype=index)
    np.cumsum(counts, out=indptr[1:])
    data = np.empty(nnz, dtype=np.result_type(*[b.dtype for b, _ in blocks]) if blocks
                    else np.float32)
    indices = np.empty(nnz, dtype=index)
    cursor = indptr[:-1].astype(np.int64)
    offset = 0
    for i in range(len(blocks)):
        block, columns = blocks[i]
        part = block.T.tocsr()  # (own columns x block rows), entries by ascending row
        blocks[i] = None  # type: ignore[call-overload]  # freed once copied
        del block
        sizes = np.diff(part.indptr)
        where = np.repeat(cursor[columns] - part.indptr[:-1], sizes) + np.arange(part.nnz)
        data[where] = part.data
        indices[where] = part.indices + offset
        cursor[columns] += sizes
        offset += part.shape[1]
        del part, where
    blocks.clear()
    return sp.csr_matrix((data, indices, indptr), shape=(n_columns, n_rows))


def _count_locally(texts: Sequence[str], stop: np.ndarray
                   ) -> tuple[BatchCounts, np.ndarray, np.ndarray]:
    """A batch's counts (``stop``: the stop words' identities) with each entry's term
    numbered among the batch's distinct terms, those terms' hashes and their document
    frequencies in the batch."""
    counted = count_batch(texts, stop)
    hashes, local, df = unique(counted.terms, return_inverse=True, return_counts=True)
    narrow = np.uint16 if counted.counts.max(initial=0) <= 0xFFFF else np.int32
    return (BatchCounts(counted.indptr, local.reshape(-1).astype(np.int32),
                        counted.counts.astype(narrow)), hashes, df.astype(np.int32))


def _query_products(docs: sp.csr_matrix, query: sp.csr_matrix
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(row, column, product)`` of every term ``docs`` share with the one-row ``query``:
    touches only the documents' entries, never the width of the term space."""
    q = query.tocsr()
    q.sort_indices()
    if q.nnz == 0 or docs.nnz == 0:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty
    rows = np.repeat(np.arange(docs.shape[0]), np.diff(docs.indptr))
    pos = np.minimum(np.searchsorted(q.indices, docs.indices), q.nnz - 1)
    hit = q.indices[pos] == docs.indices
    products = docs.data[hit].astype(np.float64) * q.data[pos[hit]]
    return rows[hit], docs.indices[hit].astype(np.int64), products


def smooth_idf(df: np.ndarray, n_documents: int) -> np.ndarray:
    """``log((1 + n) / (1 + df)) + 1`` in float32, as ``TfidfTransformer`` computes it."""
    smoothed = df.astype(np.float32) + np.float32(1.0)
    idf = np.full_like(smoothed, fill_value=n_documents + 1, dtype=np.float32)
    idf /= smoothed
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def _profile_batches(indptr: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Runs of whole profiles ``(first, end)`` holding about ``size`` documents each."""
    spans: list[tuple[int, int]] = []
    first = 0
    n = len(indptr) - 1
    while first < n:
        end = int(np.searchsorted(indptr, indptr[first] + size, side="left"))
        end = min(max(end, first + 1), n)
        spans.append((first, end))
        first = end
    return spans


def _mixer(indptr: np.ndarray, weights: np.ndarray) -> sp.csr_matrix:
    """(profiles x documents) weights: row ``p`` holds its documents' weights."""
    counts = np.diff(indptr)
    owner = np.repeat(np.arange(len(counts)), counts)
    return sp.csr_matrix((weights, (owner, np.arange(len(owner)))),
                         shape=(len(counts), len(owner)))


def _csr_arrays(prefix: str, matrix: sp.csr_matrix) -> dict[str, np.ndarray]:
    return {f"{prefix}_data": matrix.data, f"{prefix}_indices": matrix.indices,
            f"{prefix}_indptr": matrix.indptr,
            f"{prefix}_shape": np.asarray(matrix.shape, dtype=np.int64)}


def _csr_from_arrays(prefix: str, arrays: dict[str, np.ndarray]) -> sp.csr_matrix:
    shape = tuple(int(n) for n in arrays[f"{prefix}_shape"])
    return sp.csr_matrix((arrays[f"{prefix}_data"], arrays[f"{prefix}_indices"],
                          arrays[f"{prefix}_indptr"]), shape=shape)


def _segment_topk_mean(values: np.ndarray, indptr: np.ndarray, k: int) -> np.ndarray:
    """Mean of the ``k`` largest values of each segment ``indptr[p]:indptr[p + 1]``."""
    counts = np.diff(indptr)
    n = len(counts)
    out = np.zeros(n, dtype=np.float64)
    if k <= 0 or counts.sum() == 0:
        return out
    owner = np.repeat(np.arange(n), counts)
    order = np.lexsort((-values, owner))
    rank = np.arange(len(values)) - np.repeat(indptr[:-1], counts)
    top = rank < k
    picked = order[top]
    sums = np.bincount(owner[picked], weights=values[picked], minlength=n)
    return sums / np.maximum(np.minimum(counts, k), 1)
