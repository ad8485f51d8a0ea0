"""Choose a matcher's settings by cross-validation over researchers of a gold standard.

Every candidate :class:`Setting` is scored once on every sample (:func:`score_table`); as the
gold standard's loss is a ratio of sums over researchers, each researcher's share (cost and
weight) is kept, and the loss of any group of researchers follows without refitting.
:func:`cross_validate` splits the researchers into ``k`` folds (a seeded permutation),
chooses a setting on ``k - 1`` folds (:func:`choose`) and scores it on the held-out fold;
the cross-validated loss pools every researcher scored by the setting chosen without them,
with a bootstrap interval over researchers.

:func:`choose` prefers a setting that holds on every group of researchers over a sharp
optimum. ``regret`` (the default) takes the setting whose worst shortfall, over the groups
(folds) of the researchers it chooses on, against the best setting of that group is least:
it must do nearly as well as the best everywhere. ``one-se`` takes the setting with the
fewest parameters (then the lowest loss) among those within one standard error of the best
(the error of the paired, per-researcher difference); ``min`` takes the best.
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

RULES = ("regret", "one-se", "min")
DEFAULT_RULE = "regret"
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


# Per-paper aggregations that respect breadth: the mean of the k best-matching papers (k = 1:
# the single best). The mean over all papers is left out of the search: it rewards narrow
# archives (a broad researcher's many off-topic papers pull the average down).
TOP_KS = (1, 3, 5, 8)
SEMANTIC_WEIGHTS = (0.5, 0.6, 0.75, 0.9)


def candidate_settings(matcher: str) -> list[Setting]:
    """The grid searched for ``matcher``."""
    if matcher == "tfidf":
        return ([_setting("tfidf", aggregation=a) for a in ("blend", "max", "softmax")]
                + [_setting("tfidf", aggregation="topk", top_k=k) for k in (3, 5)])
    if matcher == "semantic":
        return [_setting("semantic", aggregation="topk", top_k=k) for k in TOP_KS]
    if matcher == "hybrid":
        return [_setting("hybrid", aggregation="topk", top_k=k, semantic_weight=w)
                for k in TOP_KS for w in SEMANTIC_WEIGHTS]
    raise ValueError(f"no search grid for matcher {matcher!r}")


def same_aggregation_as(semantic: ScoreTable, hybrid: ScoreTable, rule: str = DEFAULT_RULE
                        ) -> Restriction:
    """Two stages for the hybrid, one knob each: the semantic aggregation is the one chosen
    for the semantic matcher on the same researchers, then only the weight is chosen."""
    def allowed(train: np.ndarray, groups: Sequence[np.ndarray]) -> list[int]:
        picked = semantic.settings[choose(semantic, train, rule, groups)].kwargs
        keys = ("aggregation", "top_k")
        return [i for i, s in enumerate(hybrid.settings)
                if all(s.kwargs.get(key) == picked.get(key) for key in keys)]
    return allowed


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

    def subset(self, indices: Sequence[int]) -> ScoreTable:
        """The table of the settings at ``indices`` only."""
        chosen = list(indices)
        return ScoreTable([self.settings[i] for i in chosen], self.participants, self.samples,
                          self.cost[chosen], self.weight)

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


# The settings a stage may choose from, given the researchers and groups it chooses on.
Restriction = Callable[[np.ndarray, Sequence[np.ndarray]], Sequence[int]]


def choose(table: ScoreTable, members: np.ndarray, rule: str = DEFAULT_RULE,
           groups: Sequence[np.ndarray] | None = None,
           allowed: Sequence[int] | None = None) -> int:
    """The index of the setting chosen on ``members`` (see the module docstring) among
    ``allowed`` (default: all); ``groups`` partition ``members`` for the ``regret`` rule
    (default: five seeded folds of them)."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; choose from {', '.join(RULES)}")
    if allowed is not None and list(allowed) != list(range(len(table.settings))):
        keep = list(allowed)
        return keep[choose(table.subset(keep), members, rule, groups)]
    losses = table.losses(members)
    best = int(np.nanargmin(losses))
    if rule == "min":
        return best
    if rule == "regret":
        if groups is None:
            groups = [members[part] for part in make_folds(len(members),
                                                           min(5, len(members)))]
        by_group = np.stack([table.losses(np.asarray(g)) for g in groups], axis=1)
        regret = np.nanmax(by_group - np.nanmin(by_group, axis=0), axis=1)
        return min(range(len(table.settings)), key=lambda i: (regret[i], losses[i], i))
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
    # every researcher's cost under the setting chosen without them, and their weight, each
    # (n_samples, n_participants): two cross-validations compare researcher by researcher
    cost: np.ndarray | None = None
    weight: np.ndarray | None = None

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
                   rule: str = DEFAULT_RULE, rounds: int = BOOTSTRAP_ROUNDS,
                   restrict: Restriction | None = None) -> CrossValidation:
    """Choose on ``k - 1`` folds, score the held-out one; see the module docstring.

    ``restrict(train, groups)`` names the settings open to choice on ``train`` (e.g. those
    that keep what an earlier stage chose on the same researchers)."""
    n = len(table.participants)
    everyone = np.arange(n)
    assigned = np.zeros_like(table.weight)
    folds = []
    split = make_folds(n, k, seed)
    for i, held in enumerate(split):
        train = np.setdiff1d(everyone, held)
        groups = [f for j, f in enumerate(split) if j != i]
        allowed = restrict(train, groups) if restrict is not None else None
        pick = choose(table, train, rule, groups, allowed)
        assigned[:, held] = table.cost[pick][:, held]
        folds.append(FoldResult([table.participants[i] for i in held], table.settings[pick],
                                float(table.losses(train)[pick]),
                                float(table.losses(held)[pick])))
    total = pooled_loss(assigned, table.weight, np.ones((1, n)))[0]
    draws = np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=rounds)
    boot = pooled_loss(assigned, table.weight, draws.astype(float))
    low, high = np.nanpercentile(boot, [2.5, 97.5])
    return CrossValidation(float(total), (float(low), float(high)), folds, rule, seed,
                           assigned, table.weight)


def paired_difference(base: CrossValidation, other: CrossValidation,
                      seed: int = DEFAULT_SEED, rounds: int = BOOTSTRAP_ROUNDS
                      ) -> tuple[float, tuple[float, float]]:
    """``other``'s cross-validated loss minus ``base``'s on the same researchers, with a
    bootstrap 95% interval that resamples researchers once for both (paired: the spread
    between researchers, which both share, cancels out)."""
    if base.cost is None or other.cost is None or base.weight is None:
        raise ValueError("both cross-validations must carry their per-researcher costs")
    if base.cost.shape != other.cost.shape:
        raise ValueError("the two cross-validations cover different researchers or samples")
    n = base.cost.shape[1]
    ones = np.ones((1, n))
    diff = (pooled_loss(other.cost, base.weight, ones) - pooled_loss(base.cost, base.weight,
                                                                      ones))[0]
    draws = np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=rounds)
    counts = draws.astype(float)
    boot = (pooled_loss(other.cost, base.weight, counts)
            - pooled_loss(base.cost, base.weight, counts))
    low, high = np.nanpercentile(boot, [2.5, 97.5])
    return float(diff), (float(low), float(high))


def cross_validate_matcher(gold: GoldStandard, matcher: str, k: int,
                           make: Callable[[Setting], Callable[[], Matcher]],
                           seed: int = DEFAULT_SEED, rule: str = DEFAULT_RULE
                           ) -> CrossValidation:
    """Cross-validated choice of ``matcher``'s settings (:func:`candidate_settings`) on
    ``gold``; the hybrid in two stages (:func:`same_aggregation_as`)."""
    table = score_table(gold, candidate_settings(matcher), make)
    if matcher != "hybrid":
        return cross_validate(table, k, seed, rule)
    semantic = score_table(gold, candidate_settings("semantic"), make)
    return cross_validate(table, k, seed, rule,
                          restrict=same_aggregation_as(semantic, table, rule))
