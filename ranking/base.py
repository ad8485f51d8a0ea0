"""What every matcher consumes, returns and declares.

A *profile* is one person's body of work: documents (paper title + abstract) with a weight
(e.g. recency) and optional free text (homepage interests). A matcher is a scikit-learn
estimator (:class:`Matcher`, with scikit-learn's ``get_params``/``set_params`` but not its base
class, whose import costs a cached query about a second): parameters in ``__init__`` (stored
as given, no work),
learning in ``fit(profiles)`` (no I/O of its own: an embedding cache, if the matcher uses
one, is handed in as a parameter), then

* ``score(queries)``: an ``(n_queries, n_profiles)`` array of similarities (higher is a
  better match);
* ``document_scores(query)`` / ``document_scorer(query)``: the per-document similarities
  that explain a score (every profile's, or one profile's at a time);
* ``known_terms(text)``: the words of ``text`` the index knows, or None when the matcher
  cannot tell (embeddings match without shared words);
* ``shared_terms(query, profile, n)``: the terms that explain a match, for matchers that
  declare ``explains_terms = True``; matchers that declare ``explains_by_documents = True``
  are explained by their best-matching documents (``document_scores``) as well;
* persistence: matchers with ``cache_fitted = True`` describe their fitted state as plain
  numpy arrays (``to_arrays`` / ``from_arrays``), which :mod:`ranking.cache` stores; the
  arrays named in ``lazy_arrays`` reach ``from_arrays`` as
  :class:`~ranking.chunks.ChunkedArray` (decoded a range at a time, when needed);
* ``profile_keys_`` (after ``fit``): the profiles' keys, in the order of score columns;
* ``uses_embedding_cache``: whether ``__init__`` takes a ``cache`` (an
  :class:`~ranking.embedding_cache.EmbeddingCache`) that the caller provides and saves.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np


@dataclass(frozen=True)
class Document:
    """One paper (or other text) in a profile."""

    id: str
    text: str
    weight: float = 1.0


@dataclass
class Profile:
    """One person's documents plus free-text interests."""

    key: str
    documents: list[Document] = field(default_factory=list)
    interests: str = ""


class NotFittedError(ValueError, AttributeError):
    """A matcher was asked to score before ``fit`` (the same bases as scikit-learn's)."""


def check_fitted(matcher: object, attribute: str) -> None:
    """Raise :class:`NotFittedError` unless ``matcher`` has its fitted ``attribute``."""
    if not hasattr(matcher, attribute):
        raise NotFittedError(f"this {type(matcher).__name__} is not fitted yet: call fit first")


class Estimator:
    """scikit-learn's estimator API (``get_params``/``set_params``, so ``sklearn.base.clone``
    and its model selection take it) without importing scikit-learn: a cached index is
    scored without it, and importing it costs about a second. The parameters are the
    arguments of ``__init__``, stored under their own names."""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(name for name, p in signature.parameters.items()
                      if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The parameters (with ``deep``, also those of parameters that are estimators,
        as ``name__parameter``)."""
        params: dict[str, Any] = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                params.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            params[name] = value
        return params

    def set_params(self, **params: Any) -> Self:
        """Set parameters (``name__parameter`` reaches a parameter's own)."""
        valid = self._get_param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; "
                                 f"valid ones: {valid}")
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        defaults = {name: p.default for name, p in
                    inspect.signature(type(self).__init__).parameters.items()}
        shown = [f"{k}={v!r}" for k, v in self.get_params(deep=False).items()
                 if not (k in defaults and _same(defaults[k], v))]
        return f"{type(self).__name__}({', '.join(shown)})"


def _same(default: object, value: object) -> bool:
    try:
        return bool(default is value or default == value)
    except (TypeError, ValueError):  # e.g. arrays, whose == is elementwise
        return False


class Matcher(Estimator):
    """The matcher contract (see the module docstring); subclasses implement ``fit``,
    ``score`` and ``document_scores`` and override what else they can do."""

    name: ClassVar[str]
    cache_fitted: ClassVar[bool] = False
    explains_terms: ClassVar[bool] = False
    # matches without shared words: explanations name the best-matching documents
    explains_by_documents: ClassVar[bool] = False
    uses_embedding_cache: ClassVar[bool] = False
    lazy_arrays: ClassVar[tuple[str, ...]] = ()  # cached arrays decoded only where read
    profile_keys_: list[str]  # set by fit: the keys of the profiles, in score order

    def fit(self, profiles: Sequence[Profile], y: object = None) -> Self:
        raise NotImplementedError

    def score(self, queries: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def document_scores(self, query: str) -> list[np.ndarray]:
        """Per profile, the similarity of each of its (non-empty) documents to ``query``."""
        raise NotImplementedError

    def document_scorer(self, query: str) -> Callable[[int], np.ndarray]:
        """A function from a profile's number to its documents' similarities to ``query``;
        by default every document is scored once, up front."""
        every = self.document_scores(query)
        return lambda profile: np.asarray(every[profile], dtype=float)

    def known_terms(self, text: str) -> list[str] | None:
        """The words and bigrams of ``text`` the index knows; None: cannot tell."""
        return None

    def shared_terms(self, query: str, profile: int, n: int = 8) -> list[str]:
        """The ``n`` query terms that weigh most in the match with profile number
        ``profile`` (only when ``explains_terms``)."""
        raise NotImplementedError(f"{type(self).__name__} does not explain by terms")

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted state as named plain arrays (only when ``cache_fitted``)."""
        raise NotImplementedError(f"{type(self).__name__} is not cached")

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Self:
        """The fitted matcher :meth:`to_arrays` described (only when ``cache_fitted``)."""
        raise NotImplementedError(f"{cls.__name__} is not cached")


# the name the contract had before it became a base class
ProfileMatcher = Matcher  # the name of the contract in earlier releases
