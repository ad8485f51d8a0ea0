"""What every matcher consumes and returns.

A *profile* is one person's body of work: documents (paper title + abstract) with a weight
(e.g. recency) and optional free text (homepage interests). A matcher is a scikit-learn
style estimator: ``fit(profiles)`` learns whatever it needs from the profiles, then
``score(queries)`` returns an ``(n_queries, n_profiles)`` array of similarities (higher is a
better match), and ``document_scores(query)`` the per-document similarities that explain it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

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


@runtime_checkable
class ProfileMatcher(Protocol):
    """fit on profiles, then score query texts against every profile."""

    name: str

    def fit(self, profiles: Sequence[Profile], y: object = None) -> ProfileMatcher: ...

    def score(self, queries: Sequence[str]) -> np.ndarray: ...

    def document_scores(self, query: str) -> list[np.ndarray]: ...
