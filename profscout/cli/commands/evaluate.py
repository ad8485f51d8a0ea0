"""``profscout evaluate-match``: the matcher's loss on a reviewer-expertise gold standard."""

from __future__ import annotations

import json
import os
from pathlib import Path

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


@click.command("evaluate-match")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--predictions-out", type=click.Path(file_okay=False, path_type=Path),
              default=None, metavar="DIR",
              help="Write each sample's predicted similarities to DIR/<sample>.json.")
@matcher_option
@click.option("--aggregation", default=None, metavar="NAME",
              help="TF-IDF only: how paper similarities become one score "
                   "(max, topk, mean, softmax, blend) [default: the matcher's].")
def evaluate_match(directory: Path, predictions_out: Path | None, matcher: str,
                   aggregation: str | None) -> None:
    """Score the matcher on an OpenReview-format expertise gold standard in DIRECTORY.

    Prints the loss of each sample (0 = the researchers' own order, 0.5 = random) and the
    mean over the samples.

    \b
    Example:
      profscout evaluate-match ../shared/eval/expertise-dev --predictions-out preds/
    """
    from ranking.evaluation import evaluate, mean_loss
    from ranking.match import AGGREGATIONS
    from ranking.matchers import make_matcher

    kwargs: dict[str, object] = {}
    if aggregation is not None:
        if matcher != "tfidf":
            raise UserError("--aggregation applies to the tfidf matcher only")
        if aggregation not in AGGREGATIONS:
            raise UserError(f"unknown aggregation {aggregation!r}; choose one of: "
                            f"{', '.join(AGGREGATIONS)}")
        kwargs["aggregation"] = aggregation
    if predictions_out is not None:
        try:
            predictions_out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create {predictions_out}: {exc.strerror or exc}") from None
        if not os.access(predictions_out, os.W_OK):
            raise UserError(f"cannot write into {predictions_out}: permission denied")
    label = matcher + (f" (aggregation {aggregation})" if aggregation else "")
    click.echo(f"matcher: {label}")
    results = evaluate(directory, lambda: make_matcher(matcher, **kwargs))
    for result in results:
        click.echo(f"{result.name}\tloss {result.loss:.4f}")
        if predictions_out is not None:
            write_predictions(predictions_out, result.name, result.predictions)
    click.echo(f"mean\tloss {mean_loss(results):.4f}\t({len(results)} samples)")
