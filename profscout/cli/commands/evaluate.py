"""``profscout evaluate-match``: the matcher's loss on a reviewer-expertise gold standard."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import click

from profscout.cli.commands.rank import matcher_option
from profscout.cli.export import atomic_path
from profscout.core.errors import UserError


def write_predictions(folder: Path, name: str, predictions: dict[str, dict[str, float]]
                      ) -> Path:
    """``folder/name.json`` mapping researcher id -> {paper id -> similarity}, atomically."""
    path = folder / f"{name}.json"
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(predictions, indent=1, sort_keys=True), encoding="utf-8")
    return path


def _embedding_cache(db_path: Path | None) -> tuple[Any, Any]:
    """``(cache, connection)``: embeddings through the store at ``db_path`` (or in memory)."""
    from ranking.embedding_cache import EmbeddingCache

    if db_path is None:
        return EmbeddingCache(), None
    from profscout.core.store import connect
    from profscout.core.store.embeddings import EmbeddingTable

    try:
        conn = connect(db_path)
    except (OSError, sqlite3.Error) as exc:
        raise UserError(f"cannot open the store {db_path}: {exc}") from None
    return EmbeddingCache(EmbeddingTable(conn)), conn


def render_cross_validation(cv: Any) -> list[str]:
    """The lines ``evaluate-match --folds`` prints for a :class:`CrossValidation`."""
    lines = []
    for i, fold in enumerate(cv.folds, start=1):
        lines.append(f"fold {i}\tloss {fold.held_out_loss:.4f}\t({len(fold.members)} "
                     f"researchers; chosen on the others: {fold.chosen.label}, "
                     f"loss there {fold.train_loss:.4f})")
    low, high = cv.interval
    lines.append(f"cross-validated\tloss {cv.loss:.4f}\t95% interval [{low:.4f}, {high:.4f}] "
                 f"(bootstrap over researchers; rule {cv.rule}, seed {cv.seed})")
    return lines


@click.command("evaluate-match")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--predictions-out", type=click.Path(file_okay=False, path_type=Path),
              default=None, metavar="DIR",
              help="Write each sample's predicted similarities to DIR/<sample>.json.")
@matcher_option
@click.option("--aggregation", default=None, metavar="NAME",
              help="TF-IDF only: how paper similarities become one score "
                   "(max, topk, mean, softmax, blend) [default: the matcher's].")
@click.option("--folds", type=click.IntRange(min=2), default=None, metavar="K",
              help="Cross-validate: choose the matcher's settings on K-1 folds of "
                   "researchers, score the held-out fold.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the fold split and the bootstrap (with --folds).")
@click.option("--rule", type=click.Choice(["regret", "one-se", "min"]), default="regret",
              show_default=True,
              help="With --folds, how settings are chosen on the training folds: least worst "
                   "shortfall against each fold's best (regret), fewest parameters within "
                   "one standard error of the best (one-se), or the best (min).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, metavar="PATH",
              help="Store that caches the embeddings (each paper is embedded once).")
def evaluate_match(directory: Path, predictions_out: Path | None, matcher: str,
                   aggregation: str | None, folds: int | None, seed: int, rule: str,
                   db_path: Path | None) -> None:
    """Score the matcher on an OpenReview-format expertise gold standard in DIRECTORY.

    Prints the loss of each sample (0 = the researchers' own order, 0.5 = random) and the
    mean over the samples. With --folds K, prints instead the cross-validated loss of
    choosing the matcher's settings (aggregation, k, weight) on the other folds, with the
    settings chosen per fold.

    \b
    Example:
      profscout evaluate-match ../shared/eval/expertise-dev --predictions-out preds/
      profscout evaluate-match ../shared/eval/expertise-dev --matcher hybrid --folds 5
    """
    from ranking.evaluation import evaluate_gold, load_gold_standard, mean_loss
    from ranking.match import AGGREGATIONS
    from ranking.matchers import matcher_class

    kwargs: dict[str, object] = {}
    if aggregation is not None:
        if matcher != "tfidf":
            raise UserError("--aggregation applies to the tfidf matcher only")
        if folds is not None:
            raise UserError("--aggregation and --folds exclude each other "
                            "(--folds chooses the aggregation)")
        if aggregation not in AGGREGATIONS:
            raise UserError(f"unknown aggregation {aggregation!r}; choose one of: "
                            f"{', '.join(AGGREGATIONS)}")
        kwargs["aggregation"] = aggregation
    if predictions_out is not None:
        if folds is not None:
            raise UserError("--predictions-out and --folds exclude each other")
        try:
            predictions_out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create {predictions_out}: {exc.strerror or exc}") from None
        if not os.access(predictions_out, os.W_OK):
            raise UserError(f"cannot write into {predictions_out}: permission denied")
    gold = load_gold_standard(directory)
    cache, conn = _embedding_cache(db_path)
    try:
        if folds is not None:
            _cross_validate(gold, matcher, folds, seed, rule, cache)
            return
        label = matcher + (f" (aggregation {aggregation})" if aggregation else "")
        click.echo(f"matcher: {label}")
        cls = matcher_class(matcher)
        if cls.uses_embedding_cache:
            kwargs["cache"] = cache
        results = evaluate_gold(gold, lambda: cls(**kwargs))
        cache.save()
        for result in results:
            click.echo(f"{result.name}\tloss {result.loss:.4f}")
            if predictions_out is not None:
                write_predictions(predictions_out, result.name, result.predictions)
        click.echo(f"mean\tloss {mean_loss(results):.4f}\t({len(results)} samples)")
    finally:
        if conn is not None:
            conn.close()


def _cross_validate(gold: Any, matcher: str, folds: int, seed: int, rule: str,
                    cache: Any) -> None:
    from ranking.model_selection import (
        candidate_settings,
        cross_validate_matcher,
        matcher_factory,
    )

    n = len(gold.participants)
    if folds > n:
        raise UserError(f"--folds {folds} exceeds the {n} researchers rated")
    settings = candidate_settings(matcher)
    click.echo(f"matcher: {matcher} ({len(settings)} settings, {folds} folds of {n} "
               f"researchers)")
    cv = cross_validate_matcher(gold, matcher, folds, lambda s: matcher_factory(s, cache),
                                seed, rule)
    cache.save()
    for line in render_cross_validation(cv):
        click.echo(line)
