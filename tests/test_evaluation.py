"""The gold-standard loss and the OpenReview-format loader, on tiny hand-made data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from ranking.evaluation import evaluate, load_ratings, load_sample, loss, mean_loss, pair_costs
from ranking.match import TfidfMatcher
from ranking.model_selection import (
    ScoreTable,
    Setting,
    choose,
    cross_validate,
    make_folds,
    paired_difference,
)
from tests.ranking_store import run_cli

RATINGS = {"a": 5.0, "b": 3.0, "c": 1.0}


def test_perfect_order_costs_nothing():
    assert loss({"r": RATINGS}, {"r": {"a": 0.9, "b": 0.5, "c": 0.1}}) == 0.0


def test_reversed_order_costs_everything():
    assert loss({"r": RATINGS}, {"r": {"a": 0.1, "b": 0.5, "c": 0.9}}) == 1.0


def test_ties_cost_half():
    assert loss({"r": RATINGS}, {"r": {"a": 0.3, "b": 0.3, "c": 0.3}}) == 0.5


def test_cost_is_weighted_by_rating_difference():
    # a and b swapped (|5-3| = 2) of total |5-3| + |5-1| + |3-1| = 8
    assert pair_costs(RATINGS, {"a": 0.5, "b": 0.9, "c": 0.1}) == (2.0, 8.0)
    assert loss({"r": RATINGS}, {"r": {"a": 0.5, "b": 0.9, "c": 0.1}}) == pytest.approx(0.25)


def test_equal_ratings_do_not_count_and_researchers_pool():
    ratings = {"r": {"a": 4.0, "b": 4.0, "c": 2.0}, "s": {"x": 5.0, "y": 1.0}}
    predictions = {"r": {"a": 0.1, "b": 0.9, "c": 0.5}, "s": {"x": 0.0, "y": 1.0}}
    # r: (a,c) inverted 2, (b,c) fine; s: (x,y) inverted 4 -> 6 / (2 + 2 + 4)
    assert loss(ratings, predictions) == pytest.approx(6 / 8)


def test_missing_prediction_counts_as_lowest_tie():
    assert pair_costs({"a": 5.0, "b": 1.0}, {"b": 0.2}) == (4.0, 4.0)


def write_dataset(root: Path) -> Path:
    """Two researchers (robotics, cryptography), two samples, three rated papers each."""
    root.mkdir()
    header = ["ParticipantID", *(f"Paper{i}" for i in range(1, 11)),
              *(f"Expertise{i}" for i in range(1, 11))]
    rows = [["101", "p1", "p2", "p3", *[""] * 7, "5", "3", "1", *[""] * 7],
            ["202", "p3", "p1", "p2", *[""] * 7, "5", "2", "1", *[""] * 7]]
    (root / "evaluations.csv").write_text(
        "\r\n".join("\t".join(r) for r in [header, *rows]) + "\r\n", encoding="utf-8")
    submissions = {
        "p1": {"id": "p1", "content": {"title": "Robot grasping with reinforcement learning",
                                       "abstract": "A robot arm learns grasping policies."}},
        "p2": {"id": "p2", "content": {"title": "Robot navigation in crowds",
                                       "abstract": None}},
        "p3": {"id": "p3", "content": {"title": "Lattice cryptography",
                                       "abstract": "Encryption schemes from lattice problems."}},
    }
    archives = {
        "101": [("r1", "Reinforcement learning for robot grasping",
                 "Grasping policies for a robot arm."), ("r2", "Robot arm control", "")],
        "202": [("c1", "Lattice encryption", "Lattice problems make encryption schemes."),
                ("c2", "Robot arms", None)],
    }
    for k in (1, 2):
        sample = root / f"d_20_{k}"
        (sample / "archives").mkdir(parents=True)
        (sample / "submissions.json").write_text(json.dumps(submissions), encoding="utf-8")
        for person, papers in archives.items():
            lines = [json.dumps({"id": pid, "content": {"title": t, "abstract": a}})
                     for pid, t, a in papers[: k + 0]]
            (sample / "archives" / f"~{person}.jsonl").write_text("\n".join(lines) + "\n")
    return root


def test_loader_reads_ratings_and_samples(tmp_path):
    root = write_dataset(tmp_path / "gold")
    ratings = load_ratings(root / "evaluations.csv")
    assert ratings["101"] == {"p1": 5.0, "p2": 3.0, "p3": 1.0}
    sample = load_sample(root / "d_20_2")
    assert sorted(p.key for p in sample.profiles) == ["101", "202"]
    assert sample.submissions["p2"] == "Robot navigation in crowds"


def test_evaluate_orders_papers_by_expertise(tmp_path):
    root = write_dataset(tmp_path / "gold")
    results = evaluate(root, TfidfMatcher)
    assert [r.name for r in results] == ["d_20_1", "d_20_2"]
    # the cryptographer's own topic comes first, the roboticist's grasping paper first
    preds = results[1].predictions
    assert preds["202"]["p3"] > preds["202"]["p1"]
    assert preds["101"]["p1"] > preds["101"]["p3"]
    assert mean_loss(results) < 0.5


def test_cli_prints_losses_and_writes_predictions(tmp_path, capsys):
    root = write_dataset(tmp_path / "gold")
    out = tmp_path / "preds"
    assert run_cli(["evaluate-match", str(root), "--matcher", "tfidf",
                    "--predictions-out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "matcher: tfidf" in printed and "d_20_1\tloss" in printed and "mean\tloss" in printed
    saved = json.loads((out / "d_20_2.json").read_text())
    assert set(saved) == {"101", "202"} and set(saved["101"]) == {"p1", "p2", "p3"}


def test_cli_rejects_a_folder_without_evaluations(tmp_path, capsys):
    assert run_cli(["evaluate-match", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no evaluations.csv" in err and "Traceback" not in err


# -- cross-validation over researchers -------------------------------------------------------
def _table(losses_per_setting: list[list[float]], settings: list[Setting]) -> ScoreTable:
    """A score table where researcher p's cost in setting s is ``losses[s][p]`` of weight 1
    (one sample)."""
    cost = np.asarray(losses_per_setting, dtype=float)[:, None, :]
    n = cost.shape[2]
    return ScoreTable(settings, [f"r{i}" for i in range(n)], ["d_20_1"], cost, np.ones((1, n)))


SIMPLE = Setting("tfidf", (("aggregation", "blend"),))
SHARP = Setting("tfidf", (("aggregation", "topk"), ("top_k", 7)))


def test_folds_partition_the_researchers_and_follow_the_seed():
    folds = make_folds(29, 5, seed=3)
    assert sorted(np.concatenate(folds).tolist()) == list(range(29))
    assert sorted(len(f) for f in folds) == [5, 6, 6, 6, 6]
    assert [f.tolist() for f in make_folds(29, 5, seed=3)] == [f.tolist() for f in folds]
    assert [f.tolist() for f in make_folds(29, 5, seed=4)] != [f.tolist() for f in folds]
    with pytest.raises(ValueError, match="folds"):
        make_folds(3, 4)


def test_one_standard_error_rule_prefers_fewer_knobs_within_noise():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.1, 0.4, size=20)
    noisy = base + rng.normal(0, 0.05, size=20)
    sharp = base + rng.normal(0, 0.05, size=20)
    sharp += (noisy.mean() - sharp.mean()) - 0.005  # better on average, by less than the noise
    table = _table([noisy.tolist(), sharp.tolist()], [SIMPLE, SHARP])
    everyone = np.arange(20)
    assert choose(table, everyone, "min") == 1
    assert choose(table, everyone, "one-se") == 0
    # a clear, consistent gain is taken even with more knobs
    table = _table([base.tolist(), (base - 0.1).tolist()], [SIMPLE, SHARP])
    assert choose(table, everyone, "one-se") == 1


def test_cross_validation_scores_each_fold_with_a_setting_chosen_without_it():
    # setting 0 is perfect on the first half, setting 1 on the second half
    n = 10
    first = [0.0 if i < 5 else 1.0 for i in range(n)]
    second = [1.0 - x for x in first]
    table = _table([first, second], [SIMPLE, SHARP])
    cv = cross_validate(table, k=2, seed=0, rule="min")
    assert len(cv.folds) == 2
    for fold in cv.folds:
        held = [int(p[1:]) for p in fold.members]
        train = np.setdiff1d(np.arange(n), held)
        assert fold.chosen == table.settings[choose(table, train, "min")]
        assert fold.held_out_loss == pytest.approx(table.losses(np.asarray(held))[
            table.settings.index(fold.chosen)])
    low, high = cv.interval
    assert low <= cv.loss <= high
    assert low >= 0.0 and high <= 1.0


def test_cli_cross_validates_and_prints_chosen_settings(tmp_path, capsys):
    root = write_dataset(tmp_path / "gold")
    assert run_cli(["evaluate-match", str(root), "--matcher", "tfidf", "--folds", "2",
                    "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "matcher: tfidf (5 settings, 2 folds of 2 researchers)" in out
    assert len(re.findall(r"^fold \d\tloss \d\.\d{4}\t\(1 researchers; chosen on the "
                          r"others: tfidf aggregation=\w+", out, flags=re.M)) == 2
    assert re.search(r"^cross-validated\tloss \d\.\d{4}\t95% interval \[\d\.\d{4}, "
                     r"\d\.\d{4}\]", out, flags=re.M)


def test_cli_rejects_more_folds_than_researchers(tmp_path, capsys):
    root = write_dataset(tmp_path / "gold")
    assert run_cli(["evaluate-match", str(root), "--matcher", "tfidf", "--folds", "3"]) == 2
    err = capsys.readouterr().err
    assert "--folds 3 exceeds the 2 researchers" in err and "Traceback" not in err


def test_paired_difference_of_two_cross_validations():
    """The paired difference is the difference of the two pooled losses; a shift every
    researcher shares is certain (a zero-width interval), one some researchers carry is not."""
    rng = np.random.default_rng(1)
    base = rng.uniform(0.1, 0.4, size=20)
    one = cross_validate(_table([base.tolist()], [SIMPLE]), k=4, seed=0)
    shifted = cross_validate(_table([(base + 0.05).tolist()], [SIMPLE]), k=4, seed=0)
    diff, (low, high) = paired_difference(one, shifted)
    assert diff == pytest.approx(shifted.loss - one.loss) and diff == pytest.approx(0.05)
    assert low == pytest.approx(0.05) and high == pytest.approx(0.05)
    mixed = base + np.where(np.arange(20) < 10, 0.1, -0.1)
    diff, (low, high) = paired_difference(one, cross_validate(
        _table([mixed.tolist()], [SIMPLE]), k=4, seed=0))
    assert diff == pytest.approx(0.0, abs=1e-9) and low < 0.0 < high
    assert paired_difference(one, one) == (0.0, (0.0, 0.0))
