"""An absolute relevance in [0, 1] from a matcher's raw similarity, and its strength.

A shortlist's ``match`` is relative (over the best candidate's), so it cannot tell a strong
match from the best of weak ones. ``relevance`` maps the raw, absolute similarity of a query
to a profile through a logistic curve ``1 / (1 + exp(-(slope * s + intercept)))`` fitted on
the reviewer-expertise gold standard: each researcher's profile against each paper they
rated, the rating 1..5 read as the target ``(rating - 1) / 4``, fitted by the cross-entropy
with those soft targets (:func:`fit_calibration`). The researchers rated papers they had read,
mostly close to their work (few ratings below 3), so unrelated work is added as what it is:
each researcher against the papers only other researchers rated counts as a rating of 1,
these pairs weighing as much, all together, as the rated ones. The curve is increasing, so relevance
orders professors as the raw similarity does; it estimates how expert (on the 1..5 scale,
rescaled) a researcher with such a similarity says they are.

The constants come from ``python bench/calibrate_relevance.py --eval-dir
../shared/eval/expertise-dev``; ``tests/test_relevance.py``
re-derives the TF-IDF pair (all ten samples). The semantic pair is fitted on the semantic
matcher's raw score (its aggregated cosine over the profile's documents); the hybrid
matcher's relevance is its semantic side's, since its fused score is scaled per query and so
not absolute. The gold standard's queries are whole abstracts; TF-IDF cosines also grow as
the query gets shorter and the store smaller (a few-word query on a small store comes close
to 1), so the TF-IDF relevance compares rows of one shortlist better than two shortlists.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ranking.base import Matcher

# matcher -> (slope, intercept), from bench/calibrate_relevance.py (see the module docstring)
CALIBRATION: dict[str, tuple[float, float]] = {
    "tfidf": (33.8682, -2.3607),
    "semantic": (8.7587, -3.4154),  # fitted on samples d_20_1 and d_20_2 (int8, top 8)
}
CALIBRATED_SIDE = {"tfidf": "tfidf", "semantic": "semantic", "hybrid": "semantic"}
STRONG = 0.5  # an expected rating of 3 or more (relevance is the rescaled rating)
MODERATE = 0.25  # an expected rating of 2 or more
STRENGTHS = ("strong", "moderate", "weak")


def logistic(raw: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    """``1 / (1 + exp(-(slope * raw + intercept)))``, elementwise."""
    return 1.0 / (1.0 + np.exp(-(slope * np.asarray(raw, dtype=float) + intercept)))


def relevance(raw: np.ndarray, matcher: str) -> np.ndarray:
    """The calibrated relevance of raw similarities of ``matcher`` (a registered name)."""
    slope, intercept = CALIBRATION[CALIBRATED_SIDE[matcher]]
    return logistic(raw, slope, intercept)


def strength(value: float) -> str:
    """``strong`` (>= :data:`STRONG`), ``moderate`` (>= :data:`MODERATE`) or ``weak``."""
    if value >= STRONG:
        return "strong"
    return "moderate" if value >= MODERATE else "weak"


def rating_target(ratings: Sequence[float]) -> np.ndarray:
    """Ratings 1..5 as targets in [0, 1]."""
    return (np.asarray(ratings, dtype=float) - 1.0) / 4.0


def fit_calibration(raw: Sequence[float], ratings: Sequence[float],
                    weights: Sequence[float] | None = None) -> tuple[float, float]:
    """``(slope, intercept)`` of the logistic curve that best predicts the rescaled ratings
    from the raw similarities (weighted cross-entropy with soft targets, Newton's method)."""
    x = np.asarray(raw, dtype=float)
    y = rating_target(ratings)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if x.size < 2 or np.ptp(x) == 0:
        raise ValueError("need at least two different raw similarities to calibrate")
    scale = x.std()
    design = np.column_stack([(x - x.mean()) / scale, np.ones_like(x)])
    theta = np.zeros(2)
    for _ in range(100):
        p = logistic(design @ theta, 1.0, 0.0)
        gradient = design.T @ (w * (p - y))
        hessian = design.T @ (design * (w * p * (1 - p))[:, None]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-10:
            break
    slope = theta[0] / scale
    return float(slope), float(theta[1] - slope * x.mean())


def absolute_similarity(matcher: Matcher, text: str, scores: np.ndarray) -> np.ndarray:
    """The raw similarity of ``text`` to every profile that :data:`CALIBRATION` maps:
    ``scores`` (the matcher's own) unless the matcher fuses a semantic side (whose scores
    are then used; see the module docstring)."""
    semantic = getattr(matcher, "semantic_", None)
    if isinstance(semantic, Matcher):
        return np.asarray(semantic.score([text]), dtype=float)[0]
    return np.asarray(scores, dtype=float)
