"""The one or two recent papers of a professor that best fit the user's query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import linear_kernel


def most_relevant(papers: Sequence[Mapping[str, Any]], query: str, count: int = 2
                  ) -> list[Mapping[str, Any]]:
    """Up to ``count`` of ``papers`` (newest first) ranked by TF-IDF similarity of title and
    abstract to ``query``; ties, and an empty query, keep the newest."""
    if not papers:
        return []
    texts = [f"{p.get('title', '')} {p.get('abstract', '')}" for p in papers]
    scores = [0.0] * len(papers)
    if query.strip():
        try:
            vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
            matrix = vectorizer.fit_transform([*texts, query])
            scores = list(linear_kernel(matrix[-1], matrix[:-1])[0])
        except ValueError:  # nothing but stop words
            pass
    order = sorted(range(len(papers)), key=lambda i: (-scores[i], i))
    return [papers[i] for i in order[:count]]
