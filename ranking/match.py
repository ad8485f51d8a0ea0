"""TF-IDF matching of a query against professors' profiles.

Every profile document (a paper's title + abstract, or homepage interests) becomes one row of
an L2-normalised TF-IDF matrix (sublinear tf, word uni- and bigrams, English stop words),
fitted on the profiles' documents only. A query is transformed with the same vectoriser, but
its length is measured over *all* its terms, known to the index or not, so that the cosine is
the cosine in the full term space: a query whose words are mostly unknown to the index scores
lower than one the index fully covers (out-of-vocabulary terms get the IDF of a term seen in no
document). Its cosine similarity to each document, times the document's weight (recency), is
then aggregated per profile:

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

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from ranking.base import Profile

AGGREGATIONS = ("max", "topk", "mean", "softmax", "blend")
DEFAULT_AGGREGATION = "blend"


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


class TfidfMatcher(BaseEstimator):
    """Scores queries against profiles by TF-IDF similarity to each profile's documents."""

    name = "tfidf"
    cache_fitted = True  # ranking.cache may pickle the fitted matcher into the store

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
    def fit(self, profiles: Sequence[Profile], y: object = None) -> TfidfMatcher:
        """Learn the vocabulary and IDF from the profiles' documents and index them."""
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(
                f"unknown aggregation {self.aggregation!r}; choose from {AGGREGATIONS}"
            )
        texts: list[str] = []
        weights: list[float] = []
        doc_ids: list[str] = []
        indptr = [0]
        for profile in profiles:
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
        self.vectorizer_ = TfidfVectorizer(
            sublinear_tf=True,
            ngram_range=(1, 2),
            stop_words="english",
            min_df=self.min_df,
            dtype=np.float32,
        )
        self.doc_matrix_ = self.vectorizer_.fit_transform(texts).tocsr()
        self.unseen_idf_ = float(np.log(len(texts) + 1.0) + 1.0)  # smooth IDF at df = 0
        self.index_ = DocumentIndex(
            indptr=np.asarray(indptr, dtype=np.int64),
            weights=np.asarray(weights, dtype=np.float32),
            doc_ids=doc_ids,
        )
        self.profile_keys_ = [p.key for p in profiles]
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

    # -- transforming and scoring --------------------------------------------------------
    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``texts`` in the fitted vocabulary, scaled to unit length over all
        of each text's terms (a text of known terms only has unit length)."""
        check_is_fitted(self, "vectorizer_")
        texts = list(texts)
        rows = self.vectorizer_.transform(texts).tocsr()
        return sp.diags(self._coverage(texts)) @ rows

    def _coverage(self, texts: Sequence[str]) -> np.ndarray:
        """Per text: the norm of its known terms' TF-IDF over the norm of all its terms."""
        analyzer = self.vectorizer_.build_analyzer()
        vocabulary = self.vectorizer_.vocabulary_
        idf = self.vectorizer_.idf_
        out = np.zeros(len(texts), dtype=np.float64)
        for i, text in enumerate(texts):
            known = total = 0.0
            for term, count in Counter(analyzer(text)).items():
                column = vocabulary.get(term)
                weight = (1.0 + np.log(count)) * (
                    idf[column] if column is not None else self.unseen_idf_
                )
                total += weight * weight
                if column is not None:
                    known += weight * weight
            out[i] = np.sqrt(known / total) if total else 0.0
        return out

    def _term_columns(self, text: str) -> dict[int, str]:
        """Column -> term for the words and bigrams of ``text`` the vocabulary knows."""
        check_is_fitted(self, "vectorizer_")
        vocabulary = self.vectorizer_.vocabulary_
        analyzer = self.vectorizer_.build_analyzer()
        return {vocabulary[t]: t for t in analyzer(text) if t in vocabulary}

    def known_terms(self, text: str) -> list[str]:
        """The words and bigrams of ``text`` that the fitted vocabulary knows."""
        return list(dict.fromkeys(self._term_columns(text).values()))

    def document_similarities(self, queries: Sequence[str]) -> np.ndarray:
        """(n_documents, n_queries) cosine similarity times document weight."""
        sims = (self.doc_matrix_ @ self.transform(queries).T).toarray()
        return sims * self.index_.weights[:, None]

    def score(self, queries: Sequence[str]) -> np.ndarray:
        """(n_queries, n_profiles) similarities; higher is a better match."""
        check_is_fitted(self, "vectorizer_")
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

    def profile_document_scores(self, query: str, profile: int) -> np.ndarray:
        """The weighted similarity of each document of one profile to ``query``."""
        lo, hi = self.index_.indptr[profile], self.index_.indptr[profile + 1]
        sims = (self.doc_matrix_[lo:hi] @ self.transform([query]).T).toarray()[:, 0]
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
        weights = self.index_.weights[lo:hi]
        blended = sp.csr_matrix(weights[None, :]) @ self.doc_matrix_[lo:hi]
        contrib = q.multiply(blended).tocoo()
        if contrib.nnz == 0:
            return []
        names = self._term_columns(query)
        order = np.argsort(-contrib.data, kind="stable")
        chosen: list[str] = []
        for i in order:
            term = names[int(contrib.col[i])]
            if any(term in kept.split() or term == kept for kept in chosen):
                continue
            chosen = [k for k in chosen if not (" " in term and k in term.split())]
            chosen.append(term)
            if len(chosen) >= n:
                break
        return chosen


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
