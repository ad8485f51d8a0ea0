"""Choose a matcher's settings by cross-validation over researchers of a gold standard.

Every candidate :class:`Setting` is scored once on every sample (:func:`score_table`); as the
gold standard's loss is a ratio of sums over researchers, each researcher's share (cost and
weight) is kept, and the loss of any group of researchers follows without refitting.
:func:`cross_validate` splits the researchers into ``k`` folds (a seeded permutation),
chooses a setting on ``k - 1`` folds (:func:`choose`) and scores it on the held-out fold;
the cross-validated loss pools every researcher scored by the setting chosen without them,
with a bootstrap interval over researchers.

:func:`choose` prefers few knobs over a sharp optimum: under the ``one-se`` rule it takes the
first setting (fewest parameters, then grid order) whose loss is within one standard error
of the best (the error of the paired, per-researcher difference); ``min`` takes the best.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ranking.base import Matcher
from ranking.embedding_cache import EmbeddingCache
from ranking.evaluation import GoldStandard, evaluate_gold, participant_costs
from ranking.matchers import matcher_class

RULES = ("one-se", "min")
DEFAULT_RULE = "one-se"
DEFAULT_SEED = 0
BOOTSTRAP_ROUNDS = 2000


@dataclass(frozen=True)
class Setting:
    """A matcher name and the parameters it is built with (in the order given)."""

    matcher: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def knobs(self) -> int:
        """How many parameters the setting fixes (the fewer, the simpler)."""
        return len(self.params)

    @property
    def label(self) -> str:
        shown = " ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.matcher} {shown}" if shown else f"{self.matcher} (defaults)"


def _setting(matcher: str, **params: Any) -> Setting:
    return Setting(matcher, tuple(params.items()))


def _breadth_aggregations(top_ks: Sequence[int]) -> list[dict[str, Any]]:
    """Per-paper aggregations: the single best paper, the best few, every paper."""
    return ([{"aggregation": "max"}, {"aggregation": "mean"}]
            + [{"aggregation": "topk", "top_k": k} for k in top_ks])


SEMANTIC_WEIGHTS = (0.5, 0.6, 0.75, 0.9, 0.25)


def candidate_settings(matcher: str) -> list[Setting]:
    """The grid searched for ``matcher``, simplest settings first."""
    if matcher == "tfidf":
        return ([_setting("tfidf", aggregation=a) for a in ("blend", "max", "mean", "softmax")]
                + [_setting("tfidf", aggregation="topk", top_k=k) for k in (3, 5)])
    if matcher == "semantic":
        return ([_setting("semantic", **agg) for agg in _breadth_aggregations((2, 3, 5, 8))]
                + [_setting("semantic", aggregation="softmax")])
    if matcher == "hybrid":
        return [_setting("hybrid", semantic_weight=w, **agg)
                for agg in _breadth_aggregations((3, 5)) for w in SEMANTIC_WEIGHTS]
    raise ValueError(f"no search grid for matcher {matcher!r}")


def matcher_factory(setting: Setting, cache: EmbeddingCache | None = None
                    ) -> Callable[[], Matcher]:
    """Builds the setting's matcher; embedding matchers get ``cache``."""
    cls = matcher_class(setting.matcher)
    kwargs = setting.kwargs
    if cls.uses_embedding_cache and cache is not None:
        kwargs["cache"] = cache
    return lambda: cls(**kwargs)


@dataclass
class ScoreTable:
    """Every setting's per-researcher cost on every sample, and the researchers' weights."""

    settings: list[Setting]
    participants: list[str]
    samples: list[str]
    cost: np.ndarray  # (n_settings, n_samples, n_participants)
    weight: np.ndarray  # (n_samples, n_participants)

    def losses(self, members: np.ndarray) -> np.ndarray:
        """Per setting, the gold standard's loss over ``members`` (mean over samples)."""
        num = self.cost[:, :, members].sum(axis=2)
        den = self.weight[:, members].sum(axis=1)
        return (num / np.where(den > 0, den, np.nan)).mean(axis=1)

    def participant_losses(self, members: np.ndarray) -> np.ndarray:
        """``(n_settings, len(members))``: each researcher's own loss over all samples."""
        den = self.weight[:, members].sum(axis=0)
        return self.cost[:, :, members].sum(axis=1) / np.where(den > 0, den, np.nan)


def score_table(gold: GoldStandard, settings: Sequence[Setting],
                make: Callable[[Setting], Callable[[], Matcher]],
                progress: Callable[[Setting, float], None] | None = None) -> ScoreTable:
    """Score every setting on every sample of ``gold`` (``make`` builds its matchers);
    ``progress(setting, mean loss)`` hears of each."""
    participants = gold.participants
    costs = []
    weight = np.zeros(0)
    for setting in settings:
        results = evaluate_gold(gold, make(setting))
        cost, weight = participant_costs(gold.ratings, results, participants)
        costs.append(cost)
        if progress is not None:
            progress(setting, float(np.mean([r.loss for r in results])))
    return ScoreTable(list(settings), participants, [s.name for s in gold.samples],
                      np.asarray(costs), weight)


def make_folds(n: int, k: int, seed: int = DEFAULT_SEED) -> list[np.ndarray]:
    """``k`` disjoint, near-equal groups of ``range(n)`` from a seeded permutation."""
    if not 2 <= k <= n:
        raise ValueError(f"the number of folds must be between 2 and {n}, got {k}")
    order = np.random.default_rng(seed).permutation(n)
    return [np.sort(part) for part in np.array_split(order, k)]


def choose(table: ScoreTable, members: np.ndarray, rule: str = DEFAULT_RULE) -> int:
    """The index of the setting chosen on ``members`` (see the module docstring)."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; choose from {', '.join(RULES)}")
    losses = table.losses(members)
    best = int(np.nanargmin(losses))
    if rule == "min":
        return best
    per = table.participant_losses(members)
    diff = per - per[best]
    n = np.sum(~np.isnan(diff), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.nanstd(diff, axis=1, ddof=1) if diff.shape[1] > 1 else np.zeros(len(diff))
    se = np.nan_to_num(spread) / np.sqrt(np.maximum(n, 1))  # one researcher: no spread known
    eligible = [i for i in range(len(table.settings))
                if i == best or losses[i] - losses[best] <= se[i]]
    return min(eligible, key=lambda i: (table.settings[i].knobs, i))


@dataclass
class FoldResult:
    """One fold: its researchers, the setting chosen without them, both losses."""

    members: list[str]
    chosen: Setting
    train_loss: float
    held_out_loss: float


@dataclass
class CrossValidation:
    """The cross-validated loss (every researcher scored by a setting chosen without them),
    its bootstrap 95% interval over researchers, and each fold."""

    loss: float
    interval: tuple[float, float]
    folds: list[FoldResult]
    rule: str
    seed: int

    @property
    def fold_mean(self) -> float:
        return float(np.mean([f.held_out_loss for f in self.folds]))


def pooled_loss(cost: np.ndarray, weight: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Loss (mean over samples) of ``cost``/``weight`` ``(n_samples, n_participants)`` for
    each row of ``counts`` ``(n_draws, n_participants)``: how often each researcher counts."""
    num = cost @ counts.T
    den = weight @ counts.T
    return (num / np.where(den > 0, den, np.nan)).mean(axis=0)


def cross_validate(table: ScoreTable, k: int, seed: int = DEFAULT_SEED,
                   rule: str = DEFAULT_RULE, rounds: int = BOOTSTRAP_ROUNDS
                   ) -> CrossValidation:
    """Choose on ``k - 1`` folds, score the held-out one; see the module docstring."""
    n = len(table.participants)
    everyone = np.arange(n)
    assigned = np.zeros_like(table.weight)
    folds = []
    for held in make_folds(n, k, seed):
        train = np.setdiff1d(everyone, held)
        pick = choose(table, train, rule)
        assigned[:, held] = table.cost[pick][:, held]
        folds.append(FoldResult([table.participants[i] for i in held], table.settings[pick],
                                float(table.losses(train)[pick]),
                                float(table.losses(held)[pick])))
    total = pooled_loss(assigned, table.weight, np.ones((1, n)))[0]
    draws = np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=rounds)
    boot = pooled_loss(assigned, table.weight, draws.astype(float))
    low, high = np.nanpercentile(boot, [2.5, 97.5])
    return CrossValidation(float(total), (float(low), float(high)), folds, rule, seed)
