"""TF-IDF matching of a query against professors' profiles.

Every profile document (a paper's title + abstract, or homepage interests) becomes one row of
an L2-normalised TF-IDF matrix (sublinear tf, word uni- and bigrams, English stop words),
fitted on the profiles' documents only. Terms are never kept as strings: a
``HashingVectorizer`` maps each term to its 31-bit hash, and the index keeps the sorted hashes
of the terms its documents hold (``terms_``, the hashed vocabulary: two distinct terms share a
hash with odds of about one in 400 at five million terms) with their IDF from a
``TfidfTransformer``. Term names, for explanations, are recovered from the query text itself.
The whole fitted state is plain arrays (:meth:`TfidfMatcher.to_arrays`), which
:mod:`ranking.cache` stores without pickling.

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

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Self

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from ranking.base import Matcher, Profile

AGGREGATIONS = ("max", "topk", "mean", "softmax", "blend")
DEFAULT_AGGREGATION = "blend"
HASH_SPACE = 2**31 - 1  # the largest HashingVectorizer allows: a term's column is its hash
ARRAYS_FORMAT = 1  # version of the layout written by ``to_arrays``


@lru_cache(maxsize=1)
def _analyzer() -> Callable[[str], list[str]]:
    return _hashing_vectorizer().build_analyzer()


@lru_cache(maxsize=1)
def _hashing_vectorizer() -> HashingVectorizer:
    """Raw term counts over hashed columns (no vocabulary held; stateless, so shared)."""
    return HashingVectorizer(
        n_features=HASH_SPACE,
        alternate_sign=False,
        norm=None,
        stop_words="english",
        ngram_range=(1, 2),
        dtype=np.float32,
    )


def _hash_terms(terms: Sequence[str]) -> np.ndarray:
    """The hashed column of each term, exactly as the vectoriser computes it."""
    if not terms:
        return np.zeros(0, dtype=np.int64)
    hasher = FeatureHasher(n_features=HASH_SPACE, input_type="string", alternate_sign=False)
    rows = hasher.transform([[t] for t in terms]).tocsr()
    return rows.indices.astype(np.int64)  # one non-zero per row


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

    def __init__(
        self,
        aggregation: str = DEFAULT_AGGREGATION,
        top_k: int = 3,
        temperature: float = 0.05,
        min_df: int = 1,
    ) -> None:
        self.aggregation = aggregation
        self.top_k = top_k
        self.temperature = temperature
        self.min_df = min_df

    # -- fitting -----------------------------------------------------------------------
    def fit(self, profiles: Sequence[Profile], y: object = None) -> Self:
        """Learn the hashed vocabulary and IDF from the profiles' documents and index them."""
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(
                f"unknown aggregation {self.aggregation!r}; choose from {AGGREGATIONS}"
            )
        texts: list[str] = []
        weights: list[float] = []
        doc_ids: list[str] = []
        indptr = [0]
        keys: list[str] = []
        for profile in profiles:
            keys.append(profile.key)
            for doc in profile.documents:
                if doc.text.strip():
                    texts.append(doc.text)
                    weights.append(float(doc.weight))
                    doc_ids.append(doc.id)
            if profile.interests.strip():
                texts.append(profile.interests)
                weights.append(1.0)
                doc_ids.append("")
            indptr.append(len(texts))
        if not texts:
            raise ValueError("nothing to index: the profiles hold no text")
        counts = _hashing_vectorizer().transform(texts).tocsr()
        del texts
        terms, df = np.unique(counts.indices, return_counts=True)
        terms = terms[df >= max(1, int(self.min_df))].astype(np.int64)
        columns = np.searchsorted(terms, counts.indices)
        known = columns < len(terms)
        known[known] = terms[columns[known]] == counts.indices[known]
        counts = _compact(counts, columns, known, len(terms))
        transformer = TfidfTransformer(sublinear_tf=True)
        self.doc_matrix_ = transformer.fit_transform(counts).astype(np.float32).tocsr()
        del counts
        self.terms_ = terms
        self.idf_ = transformer.idf_.astype(np.float32)
        self.unseen_idf_ = float(np.log(len(doc_ids) + 1.0) + 1.0)  # smooth IDF at df = 0
        self.index_ = DocumentIndex(
            indptr=np.asarray(indptr, dtype=np.int64),
            weights=np.asarray(weights, dtype=np.float32),
            doc_ids=doc_ids,
        )
        self.profile_keys_ = keys
        self.profile_matrix_ = self._blend_matrix() if self.aggregation == "blend" else None
        return self

    def _blend_matrix(self) -> sp.csr_matrix:
        """Rows: each profile's weighted centroid of document vectors, L2-normalised."""
        owner = self.index_.owner
        n_profiles = len(self.index_.indptr) - 1
        mixer = sp.csr_matrix(
            (self.index_.weights, (owner, np.arange(len(owner)))),
            shape=(n_profiles, len(owner)),
        )
        # stored transposed (terms x profiles, CSR): a query touches only its terms' rows
        return normalize(mixer @ self.doc_matrix_).astype(np.float32).T.tocsr()

    # -- plain-array state (for the store's cache) -----------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted state as named numpy arrays (no Python objects: no pickle needed)."""
        check_is_fitted(self, "idf_")
        arrays: dict[str, np.ndarray] = {
            "format": np.array([ARRAYS_FORMAT], dtype=np.int64),
            "params": _encode_strings([json.dumps(self.get_params(), sort_keys=True)]),
            "terms": self.terms_,
            "idf": self.idf_,
            "unseen_idf": np.array([self.unseen_idf_]),
            "index_indptr": self.index_.indptr,
            "index_weights": self.index_.weights,
            "doc_ids": _encode_strings(self.index_.doc_ids),
            "profile_keys": _encode_strings(self.profile_keys_),
        }
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
        matcher.idf_ = arrays["idf"]
        matcher.unseen_idf_ = float(arrays["unseen_idf"][0])
        matcher.index_ = DocumentIndex(indptr=indptr, weights=arrays["index_weights"],
                                       doc_ids=_decode_strings(arrays["doc_ids"], n_docs))
        matcher.profile_keys_ = _decode_strings(arrays["profile_keys"], len(indptr) - 1)
        matcher.doc_matrix_ = _csr_from_arrays("doc", arrays)
        matcher.profile_matrix_ = (_csr_from_arrays("profile", arrays)
                                   if "profile_data" in arrays else None)
        return matcher

    # -- transforming and scoring --------------------------------------------------------
    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``texts`` over the fitted terms, scaled to unit length over all
        of each text's terms (a text of known terms only has unit length)."""
        check_is_fitted(self, "idf_")
        counts = _hashing_vectorizer().transform(list(texts)).tocsr()
        columns = np.searchsorted(self.terms_, counts.indices)
        known = columns < len(self.terms_)
        known[known] = self.terms_[columns[known]] == counts.indices[known]
        idf = np.full(len(columns), self.unseen_idf_, dtype=np.float64)
        idf[known] = self.idf_[columns[known]]
        weights = (1.0 + np.log(counts.data.astype(np.float64))) * idf
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        norms = np.sqrt(np.bincount(rows, weights=weights * weights,
                                    minlength=counts.shape[0]))
        weights = weights / np.where(norms > 0, norms, 1.0)[rows]
        # hashes and vocabulary positions sort alike: each row's columns stay sorted
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[known],
                                                            minlength=counts.shape[0]))])
        return sp.csr_matrix(
            (weights[known].astype(np.float32), columns[known].astype(np.int32), indptr),
            shape=(counts.shape[0], len(self.terms_)),
        )

    def _term_columns(self, text: str) -> dict[int, str]:
        """Column -> term for the words and bigrams of ``text`` the index knows."""
        check_is_fitted(self, "idf_")
        names = list(dict.fromkeys(_analyzer()(text)))
        hashes = _hash_terms(names)
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
        sims = (self.doc_matrix_ @ self.transform(queries).T).toarray()
        return sims * self.index_.weights[:, None]

    def score(self, queries: Sequence[str]) -> np.ndarray:
        """(n_queries, n_profiles) similarities; higher is a better match."""
        check_is_fitted(self, "idf_")
        if self.aggregation == "blend":
            return (self.transform(queries) @ self.profile_matrix_).toarray()
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
        rows, columns, products = _query_products(self.doc_matrix_[lo:hi], q)
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
        rows, columns, products = _query_products(self.doc_matrix_[lo:hi], q)
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


def _compact(counts: sp.csr_matrix, columns: np.ndarray, known: np.ndarray,
             n_terms: int) -> sp.csr_matrix:
    """``counts`` with hashed columns replaced by their position in the vocabulary; entries of
    terms outside it (below ``min_df``) dropped."""
    if known.all():
        return sp.csr_matrix((counts.data, columns, counts.indptr),
                             shape=(counts.shape[0], n_terms))
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    return sp.csr_matrix((counts.data[known], (rows[known], columns[known])),
                         shape=(counts.shape[0], n_terms))


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
