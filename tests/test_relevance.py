"""The absolute relevance: its calibration, its strengths, and ``rank --min-match``."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from ranking.relevance import (
    CALIBRATION,
    MODERATE,
    STRONG,
    fit_calibration,
    logistic,
    relevance,
    strength,
)
from ranking.semantic import semantic_available
from tests.helpers import invoke
from tests.ranking_store import AS_OF, build_store

EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval" / "expertise-dev"
if not EVAL_DIR.is_dir():
    EVAL_DIR = Path("/work/shared/eval/expertise-dev")
BENCH = Path(__file__).resolve().parent.parent / "bench" / "calibrate_relevance.py"


def test_fit_recovers_a_known_curve() -> None:
    raw = np.linspace(-0.1, 0.6, 200)
    ratings = 1.0 + 4.0 * logistic(raw, 9.0, -2.5)  # expected ratings on that curve
    slope, intercept = fit_calibration(raw, ratings)
    assert slope == pytest.approx(9.0, abs=1e-4)
    assert intercept == pytest.approx(-2.5, abs=1e-4)


def test_weights_shift_the_fit_towards_the_heavier_pairs() -> None:
    raw = np.array([0.0, 0.1, 0.2, 0.3, 0.0, 0.1])
    ratings = np.array([1, 2, 4, 5, 3, 3], dtype=float)
    light = fit_calibration(raw, ratings, [1, 1, 1, 1, 0.01, 0.01])
    heavy = fit_calibration(raw, ratings, [1, 1, 1, 1, 10, 10])
    at_zero = [logistic(np.array([0.0]), *fit)[0] for fit in (light, heavy)]
    assert at_zero[1] > at_zero[0]  # the rating-3 pairs at 0 pull relevance at 0 up


def test_relevance_keeps_the_order_and_names_strengths() -> None:
    raw = np.array([0.0, 0.05, 0.1, 0.3, 0.6])
    for matcher in ("tfidf", "semantic", "hybrid"):
        values = relevance(raw, matcher)
        assert np.all(np.diff(values) > 0) and np.all((values > 0) & (values < 1))
    assert [strength(v) for v in (STRONG, MODERATE, MODERATE - 1e-6, 0.0)] == [
        "strong", "moderate", "weak", "weak"]


@pytest.mark.skipif(not (EVAL_DIR / "evaluations.csv").is_file(),
                    reason="expertise gold standard not present")
def test_tfidf_constants_are_rederived_from_the_gold_standard() -> None:
    spec = importlib.util.spec_from_file_location("calibrate_relevance", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    raw, ratings, weights = bench.pooled_pairs(EVAL_DIR, "tfidf", None)
    slope, intercept = fit_calibration(raw, ratings, weights)
    assert (slope, intercept) == pytest.approx(CALIBRATION["tfidf"], abs=1e-3)
    # unrelated work scores below rated work on average
    fitted = logistic(raw, slope, intercept)
    assert fitted[weights == 1].mean() > fitted[weights != 1].mean() + 0.1


def _rank(store: Path, out: Path, *args: str, matcher: str = "tfidf"):
    return invoke("rank", *args, "--as-of", AS_OF.isoformat(), "--matcher", matcher,
                  "--db", store, "-o", out)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.skipif(not semantic_available(), reason="semantic extra not installed")
def test_relevance_tells_a_weak_best_match(tmp_path: Path) -> None:
    """A filter that leaves only off-topic people: match (relative) is 1, relevance is low."""
    store = build_store(tmp_path / "store.db")
    out = tmp_path / "mit.csv"
    result = _rank(store, out, "robot manipulation", "--institution",
                   "Massachusetts Institute of Technology",
                   matcher="semantic")
    assert result.exit_code == 0, result.stderr
    rows = _rows(out)
    assert rows, "the filter keeps the vision and graph professors"
    assert max(float(r["match"]) for r in rows) == 1.0  # relative to the best of them
    assert {r["match_strength"] for r in rows} == {"weak"}
    assert max(float(r["relevance"]) for r in rows) < MODERATE

    on_topic = tmp_path / "robots.csv"
    assert _rank(store, on_topic, "robot manipulation", "--per-institution", "0",
                 matcher="semantic").exit_code == 0
    best = _rows(on_topic)[0]
    assert best["match_strength"] == "strong"
    assert float(best["relevance"]) > max(float(r["relevance"]) for r in rows)


def test_min_match_keeps_only_relevant_rows(tmp_path: Path) -> None:
    store = build_store(tmp_path / "store.db")
    everyone = tmp_path / "all.csv"
    strong = tmp_path / "strong.csv"
    query = "deep reinforcement learning for robot manipulation"
    assert _rank(store, everyone, query, "--per-institution", "0").exit_code == 0
    assert _rank(store, strong, query, "--per-institution", "0",
                 "--min-match", "0.5").exit_code == 0
    all_rows, kept = _rows(everyone), _rows(strong)
    expected = [r["name"] for r in all_rows if float(r["relevance"]) >= 0.5]
    assert [r["name"] for r in kept] == expected
    assert 0 < len(kept) < len(all_rows)
    assert {r["match_strength"] for r in kept} == {"strong"}


def test_min_match_out_of_range_is_one_line(tmp_path: Path) -> None:
    store = build_store(tmp_path / "store.db")
    result = _rank(store, tmp_path / "x.csv", "robots", "--min-match", "1.5")
    assert result.exit_code == 2
    assert "--min-match" in result.stderr and "Traceback" not in result.stderr
