"""Fit the relevance calibration (``ranking.relevance.CALIBRATION``) on the expertise gold
standard and print the constants, with how well they fit.

Usage:
    python bench/calibrate_relevance.py --eval-dir ../shared/eval/expertise-dev
    python bench/calibrate_relevance.py --eval-dir ... --matcher tfidf --samples d_20_1

For every sample folder, every researcher's profile is scored against every rated paper; the
papers they rated give (raw similarity, rating) pairs, those only others rated give
(raw similarity, 1) pairs weighing as much in all; the pooled pairs of all samples are fitted
by ``ranking.relevance.fit_calibration``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ranking.evaluation import load_ratings, load_sample, sample_dirs  # noqa: E402
from ranking.matchers import make_matcher  # noqa: E402
from ranking.relevance import (  # noqa: E402
    CALIBRATION,
    fit_calibration,
    logistic,
    rating_target,
    strength,
)


def pooled_pairs(root: Path, matcher: str, samples: list[str] | None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(raw similarities, ratings, weights) of every researcher and rated paper, over the
    samples: own ratings weigh 1, others' papers (rating 1) as much in all."""
    ratings = load_ratings(root / "evaluations.csv")
    raw: list[float] = []
    rated: list[float] = []
    own: list[bool] = []
    for folder in sample_dirs(root):
        if samples and folder.name not in samples:
            continue
        sample = load_sample(folder)
        profiles = [p for p in sample.profiles if p.key in ratings]
        papers = sorted({q for p in profiles for q in ratings[p.key] if q in sample.submissions})
        fitted = make_matcher(matcher).fit(profiles)
        scores = np.asarray(fitted.score([sample.submissions[q] for q in papers]))
        for j, profile in enumerate(profiles):
            for i, paper in enumerate(papers):
                if paper in ratings[profile.key]:
                    raw.append(float(scores[i, j]))
                    rated.append(ratings[profile.key][paper])
                    own.append(True)
                elif not any(paper in ratings[p.key] for p in profiles
                             if p.key != profile.key and set(ratings[p.key]) &
                             set(ratings[profile.key])):
                    raw.append(float(scores[i, j]))
                    rated.append(1.0)
                    own.append(False)
    mine = np.asarray(own)
    weights = np.where(mine, 1.0, mine.sum() / max((~mine).sum(), 1))
    return np.asarray(raw), np.asarray(rated), weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, required=True)
    parser.add_argument("--matcher", action="append", choices=sorted(CALIBRATION))
    parser.add_argument("--samples", nargs="*", default=None)
    args = parser.parse_args()
    for name in args.matcher or sorted(CALIBRATION):
        raw, rated, weights = pooled_pairs(args.eval_dir, name, args.samples)
        slope, intercept = fit_calibration(raw, rated, weights)
        fitted = logistic(raw, slope, intercept)
        target = rating_target(rated)
        corr = float(np.corrcoef(fitted, target)[0, 1])
        print(f"{name}: {int((weights == 1).sum())} rated pairs, "
              f"{int((weights != 1).sum())} unrelated pairs")
        print(f"{name}: slope {slope:.4f} intercept {intercept:.4f} "
              f"({len(raw)} pairs; raw {raw.min():.3f}..{raw.max():.3f}; "
              f"corr(relevance, rating) {corr:.3f}; mean abs error "
              f"{np.abs(fitted - target).mean():.3f} on the 0..1 scale)")
        for level in (1, 2, 3, 4, 5):
            mask = rated.round() == level
            if mask.any():
                values = fitted[mask]
                kinds = [strength(v) for v in values]
                print(f"  rating ~{level}: n={mask.sum():4d} mean relevance "
                      f"{values.mean():.3f}; strong/moderate/weak "
                      f"{kinds.count('strong')}/{kinds.count('moderate')}/{kinds.count('weak')}")
        print(f"  CALIBRATION[{name!r}] = ({slope:.4f}, {intercept:.4f})  # now "
              f"{CALIBRATION[name]}")


if __name__ == "__main__":
    main()
