"""Does a two-aspect query rank people who do both aspects above people who do one?

Usage:
    python bench/two_aspects.py --world ../shared/world            # every matcher
    python bench/two_aspects.py --world ../shared/world --matcher tfidf --per-group 8

Synthetic professors are made of real papers of the replay world's arXiv corpus
(``arxiv/papers.jsonl.gz``, read at run time): for the query "deep reinforcement learning for
robot manipulation", papers are sorted by what their title and abstract say into ``both``
(reinforcement learning on robot manipulation or grasping), ``rl_only`` (reinforcement
learning, no robot), ``robot_only`` (robot manipulation or grasping, no reinforcement
learning or policy) and ``neither`` (none of these words). Each professor holds
``--papers`` papers of one group. Prints each group's mean rank and score and the share of
(both, one-aspect) and (one-aspect, neither) pairs of professors ordered the right way.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ranking.base import Document, Profile  # noqa: E402
from ranking.matchers import MATCHERS, make_matcher  # noqa: E402
from ranking.profiles import paper_text  # noqa: E402

QUERY = "deep reinforcement learning for robot manipulation"
GROUPS = ("both", "rl_only", "robot_only", "neither")


def group_of(text: str) -> str | None:
    """The aspect group of a paper's lower-cased title and abstract (None: ambiguous)."""
    rl = "reinforcement learning" in text
    robot = "robot" in text and ("manipulat" in text or "grasp" in text)
    if rl and robot:
        return "both"
    if rl and "robot" not in text:
        return "rl_only"
    if robot and "reinforcement" not in text and "policy" not in text:
        return "robot_only"
    if not any(w in text for w in ("reinforcement", "robot", "manipulat", "grasp", "policy")):
        return "neither"
    return None


def load_groups(corpus: Path, per_group: int, papers: int, seed: int
                ) -> dict[str, list[list[tuple[str, str]]]]:
    """Per group, ``per_group`` professors of ``papers`` (id, text) papers each."""
    pools: dict[str, list[tuple[str, str]]] = {g: [] for g in GROUPS}
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            text = paper_text(record.get("title", ""), record.get("abstract", ""))
            group = group_of(text.lower())
            if group is not None:
                pools[group].append((str(record["id"]), text))
    rng = random.Random(seed)
    need = per_group * papers
    out = {}
    for group, pool in pools.items():
        if len(pool) < need:
            raise SystemExit(f"only {len(pool)} papers in group {group}, need {need}")
        chosen = rng.sample(pool, need)
        out[group] = [chosen[k * papers:(k + 1) * papers] for k in range(per_group)]
        print(f"{group}: {len(pool)} papers in the corpus")
    return out


def pair_share(high: np.ndarray, low: np.ndarray) -> float:
    """Share of (high, low) pairs with high scored above low (ties count half)."""
    diff = high[:, None] - low[None, :]
    return float(((diff > 0) + 0.5 * (diff == 0)).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, required=True)
    parser.add_argument("--matcher", action="append", choices=list(MATCHERS))
    parser.add_argument("--per-group", type=int, default=8)
    parser.add_argument("--papers", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    groups = load_groups(args.world / "arxiv" / "papers.jsonl.gz", args.per_group,
                         args.papers, args.seed)
    profiles, labels = [], []
    for group in GROUPS:
        for k, docs in enumerate(groups[group]):
            profiles.append(Profile(f"{group}-{k}", [Document(i, t) for i, t in docs]))
            labels.append(group)
    labels_arr = np.asarray(labels)
    for name in args.matcher or list(MATCHERS):
        scores = np.asarray(make_matcher(name).fit(profiles).score([QUERY]))[0]
        ranks = np.empty(len(scores))
        ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
        by = {g: scores[labels_arr == g] for g in GROUPS}
        one = np.concatenate([by["rl_only"], by["robot_only"]])
        summary = ", ".join(f"{g} rank {ranks[labels_arr == g].mean():.1f} score "
                            f"{by[g].mean():.3f}" for g in GROUPS)
        print(f"{name}: {summary}")
        print(f"  both > one aspect: {pair_share(by['both'], one):.1%} of pairs; "
              f"both > rl_only {pair_share(by['both'], by['rl_only']):.1%}, "
              f"both > robot_only {pair_share(by['both'], by['robot_only']):.1%}; "
              f"one aspect > neither: {pair_share(one, by['neither']):.1%}")


if __name__ == "__main__":
    main()
