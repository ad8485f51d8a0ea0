"""The gold-standard loss and the OpenReview-format loader, on tiny hand-made data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ranking.evaluation import evaluate, load_ratings, load_sample, loss, mean_loss, pair_costs
from ranking.match import TfidfMatcher
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
    assert run_cli(["evaluate-match", str(root), "--predictions-out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "matcher: tfidf" in printed and "d_20_1\tloss" in printed and "mean\tloss" in printed
    saved = json.loads((out / "d_20_2.json").read_text())
    assert set(saved) == {"101", "202"} and set(saved["101"]) == {"p1", "p2", "p3"}


def test_cli_rejects_a_folder_without_evaluations(tmp_path, capsys):
    assert run_cli(["evaluate-match", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no evaluations.csv" in err and "Traceback" not in err
