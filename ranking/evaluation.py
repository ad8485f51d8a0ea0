"""Score a matcher on a reviewer-expertise gold standard in OpenReview format.

Layout of the directory::

    evaluations.csv        tab-separated: ParticipantID, Paper1..Paper10, Expertise1..Expertise10
    d_20_1/ ... d_20_k/    samples, each with
        archives/~<ParticipantID>.jsonl   one profile paper per line: {"id", "content": {...}}
        submissions.json                  {paper id: {"id", "content": {"title", "abstract"}}}

Metric (Stelmakh et al., 2023): for each researcher, every pair of rated papers with different
ratings that the predicted similarities order the other way costs the absolute rating
difference, a tie costs half of it; the loss is the total cost over the total absolute rating
difference of all pairs of all researchers (0 is perfect, 0.5 random, 1 reversed).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from profscout.core.errors import UserError
from ranking.base import Document, Matcher, Profile

# participant id -> {paper id -> rating}
Ratings = dict[str, dict[str, float]]
# participant id -> {paper id -> predicted similarity}
Predictions = dict[str, dict[str, float]]


@dataclass
class Sample:
    """One ``d_20_k`` folder: each researcher's profile and the rated papers' texts."""

    name: str
    profiles: list[Profile]
    submissions: dict[str, str] = field(default_factory=dict)


@dataclass
class SampleResult:
    name: str
    loss: float
    predictions: Predictions


def paper_text(content: Mapping[str, object] | None) -> str:
    """Title and abstract of an OpenReview ``content`` record, joined (either may be missing)."""
    content = content or {}
    parts = [content.get("title"), content.get("abstract")]
    return ". ".join(str(p).strip() for p in parts if isinstance(p, str) and p.strip())


def load_ratings(path: Path) -> Ratings:
    """``evaluations.csv`` as {participant: {paper: rating}} (blank cells skipped)."""
    ratings: Ratings = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        if not reader.fieldnames or "ParticipantID" not in reader.fieldnames:
            raise UserError(f"{path}: not an evaluations file (no ParticipantID column)")
        for row in reader:
            person = (row.get("ParticipantID") or "").strip()
            if not person:
                continue
            rated: dict[str, float] = {}
            for i in range(1, 11):
                paper = (row.get(f"Paper{i}") or "").strip()
                value = (row.get(f"Expertise{i}") or "").strip()
                if paper and value:
                    rated[paper] = float(value)
            ratings[person] = rated
    return ratings


def _sample_key(path: Path) -> tuple[int, str]:
    numbers = re.findall(r"\d+", path.name)
    return (int(numbers[-1]) if numbers else 0, path.name)


def sample_dirs(root: Path) -> list[Path]:
    """The sample folders (those holding ``submissions.json``), in numeric order."""
    found = [p for p in root.iterdir() if p.is_dir() and (p / "submissions.json").is_file()]
    return sorted(found, key=_sample_key)


def load_sample(folder: Path) -> Sample:
    """Profiles (one per archive file) and submission texts of one sample folder."""
    with (folder / "submissions.json").open(encoding="utf-8") as handle:
        raw = json.load(handle)
    submissions = {str(pid): paper_text(rec.get("content")) for pid, rec in raw.items()}
    profiles = []
    for archive in sorted((folder / "archives").glob("*.jsonl")):
        person = archive.stem.lstrip("~")
        documents = []
        with archive.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                record = json.loads(line)
                text = paper_text(record.get("content"))
                if text:
                    documents.append(Document(id=str(record.get("id", "")), text=text))
        profiles.append(Profile(key=person, documents=documents))
    return Sample(name=folder.name, profiles=profiles, submissions=submissions)


def pair_costs(ratings: Mapping[str, float], scores: Mapping[str, float]) -> tuple[float, float]:
    """(cost, total weight) of one researcher: inverted pairs cost |diff|, ties half of it.

    Papers rated but missing from ``scores`` count as ties at the lowest score.
    """
    papers = list(ratings)
    r = np.array([ratings[p] for p in papers], dtype=float)
    floor = min(scores.values(), default=0.0)
    s = np.array([scores.get(p, floor - 1.0) for p in papers], dtype=float)
    dr = r[:, None] - r[None, :]
    ds = s[:, None] - s[None, :]
    upper = np.triu(np.ones_like(dr, dtype=bool), k=1) & (dr != 0)
    weight = np.abs(dr[upper])
    agree = np.sign(dr[upper]) * np.sign(ds[upper])
    cost = np.where(agree < 0, 1.0, np.where(agree == 0, 0.5, 0.0)) * weight
    return float(cost.sum()), float(weight.sum())


def loss(ratings: Ratings, predictions: Predictions) -> float:
    """The gold standard's loss over all researchers in ``ratings`` (NaN if no pair counts)."""
    total_cost = total_weight = 0.0
    for person, rated in ratings.items():
        cost, weight = pair_costs(rated, predictions.get(person, {}))
        total_cost += cost
        total_weight += weight
    return total_cost / total_weight if total_weight else float("nan")


def predict(
    sample: Sample, ratings: Ratings, make_matcher: Callable[[], Matcher]
) -> Predictions:
    """Similarity of each researcher's profile to each paper they rated."""
    wanted = [p for p in sample.profiles if p.key in ratings]
    if not wanted:
        return {}
    matcher = make_matcher().fit(wanted)
    papers = sorted({pid for p in wanted for pid in ratings[p.key] if pid in sample.submissions})
    scores = np.asarray(matcher.score([sample.submissions[pid] for pid in papers]))
    column = {pid: i for i, pid in enumerate(papers)}
    predictions: Predictions = {}
    for j, profile in enumerate(wanted):
        predictions[profile.key] = {
            pid: float(scores[column[pid], j]) for pid in ratings[profile.key] if pid in column
        }
    return predictions


@dataclass
class GoldStandard:
    """A gold-standard folder, loaded: the ratings and every sample."""

    ratings: Ratings
    samples: list[Sample]

    @property
    def participants(self) -> list[str]:
        """The rated researchers, in a fixed (sorted) order."""
        return sorted(self.ratings)


def load_gold_standard(root: str | Path, samples: Iterable[str] | None = None
                       ) -> GoldStandard:
    """Ratings and samples of the folder ``root`` (only ``samples`` when given)."""
    root = Path(root)
    if not (root / "evaluations.csv").is_file():
        raise UserError(f"{root}: no evaluations.csv here (expected the OpenReview format)")
    ratings = load_ratings(root / "evaluations.csv")
    folders = sample_dirs(root)
    if samples is not None:
        keep = set(samples)
        folders = [f for f in folders if f.name in keep]
    if not folders:
        raise UserError(f"{root}: no sample folders (d_20_1, ...) with submissions.json")
    return GoldStandard(ratings, [load_sample(folder) for folder in folders])


def evaluate_gold(gold: GoldStandard, make_matcher: Callable[[], Matcher]
                  ) -> list[SampleResult]:
    """Loss of the matcher built by ``make_matcher`` on every sample of ``gold``."""
    results = []
    for sample in gold.samples:
        predictions = predict(sample, gold.ratings, make_matcher)
        results.append(SampleResult(sample.name, loss(gold.ratings, predictions), predictions))
    return results


def evaluate(
    root: str | Path, make_matcher: Callable[[], Matcher], samples: Iterable[str] | None = None
) -> list[SampleResult]:
    """Loss of the matcher built by ``make_matcher`` on every sample folder under ``root``."""
    return evaluate_gold(load_gold_standard(root, samples), make_matcher)


def participant_costs(ratings: Ratings, results: Iterable[SampleResult],
                      participants: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(cost, weight)``, each ``(n_samples, n_participants)``: every researcher's share of
    every sample's loss (the loss over a group is its cost sum over its weight sum)."""
    rows = [[pair_costs(ratings[p], result.predictions.get(p, {})) for p in participants]
            for result in results]
    table = np.asarray(rows, dtype=float).reshape(len(rows), len(participants), 2)
    return table[..., 0], table[..., 1]


def mean_loss(results: Iterable[SampleResult]) -> float:
    values = [r.loss for r in results]
    return float(np.mean(values)) if values else float("nan")
