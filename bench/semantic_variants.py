"""Compare matcher variants on a reviewer-expertise gold standard, under cross-validation.

Usage: python bench/semantic_variants.py ../shared/eval/expertise-dev [--db eval.db]
       [--folds 5] [--seed 0] [--model NAME] [--precision float32|int8]

Scores every setting of every matcher's grid (:func:`ranking.model_selection.candidate_settings`;
plus ``recency_topk``, which equals ``topk`` on undated profiles) on every sample and prints,
per setting, the mean loss over the samples and its loss on each fold of researchers; then,
per matcher, the cross-validated loss of choosing the setting on the other folds (each rule
of :data:`ranking.model_selection.RULES`), its bootstrap 95% interval and the settings
chosen per fold.
Embeddings go through the store ``--db`` (each paper is embedded once across runs).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from profscout.core.store import connect  # noqa: E402
from profscout.core.store.embeddings import EmbeddingTable  # noqa: E402
from ranking.embedding_cache import EmbeddingCache  # noqa: E402
from ranking.evaluation import load_gold_standard  # noqa: E402
from ranking.model_selection import (  # noqa: E402
    RULES,
    Setting,
    candidate_settings,
    choose,
    cross_validate,
    make_folds,
    matcher_factory,
    same_aggregation_as,
    score_table,
)

# Aggregations outside the search grid, scored for comparison: the mean over every paper (it
# rewards narrow archives), a soft maximum, and recency-weighted top-k (= top-k on undated
# profiles such as the gold standard's).
COMPARED = {
    "semantic": [Setting("semantic", (("aggregation", a),)) for a in ("mean", "softmax", "max")]
    + [Setting("semantic", (("aggregation", "recency_topk"), ("top_k", 3)))],
    "hybrid": [Setting("hybrid", (("aggregation", "mean"), ("semantic_weight", w)))
               for w in (0.75, 0.9)]
    + [Setting("hybrid", (("aggregation", "topk"), ("top_k", 3), ("semantic_weight", 0.75),
                          ("lexical_aggregation", "blend")))],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--db", type=Path, default=None, help="store caching the embeddings")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None)
    parser.add_argument("--precision", default=None,
                        help="float32 or int8 (default: $PROFSCOUT_EMBEDDING_PRECISION or the "
                             "matcher's default)")
    parser.add_argument("--matchers", default="tfidf,semantic,hybrid")
    args = parser.parse_args()
    conn = connect(args.db) if args.db else None
    cache = EmbeddingCache(EmbeddingTable(conn) if conn is not None else None)
    gold = load_gold_standard(args.root)
    tables = {}
    for name in args.matchers.split(","):
        searched = candidate_settings(name)
        settings = searched + COMPARED.get(name, [])
        fixed = [(k, v) for k, v in (("model", args.model), ("precision", args.precision)) if v]
        if fixed and name != "tfidf":
            settings = [Setting(s.matcher, (*s.params, *fixed)) for s in settings]
        start = time.perf_counter()
        table = score_table(gold, settings, lambda s: matcher_factory(s, cache))
        cache.save()
        folds = make_folds(len(table.participants), args.folds, args.seed)
        everyone = np.arange(len(table.participants))
        print(f"\n== {name}: {len(settings)} settings, {len(table.participants)} researchers, "
              f"{len(table.samples)} samples, {time.perf_counter() - start:.0f}s")
        print(f"{'setting':58} {'all':>6}  " + " ".join(f"fold{i + 1:<2}" for i in
                                                         range(len(folds))))
        for i, setting in enumerate(settings):
            per_fold = " ".join(f"{table.losses(f)[i]:.4f}" for f in folds)
            print(f"{setting.label:58} {table.losses(everyone)[i]:.4f}  {per_fold}")
        print("(rows below the search grid's are shown for comparison, not searched)")
        grid = tables[name] = table.subset(range(len(searched)))
        variants = [(rule, rule, None) for rule in RULES]
        if name == "hybrid" and "semantic" in tables:
            variants += [(f"{rule}, staged", rule,
                          same_aggregation_as(tables["semantic"], grid, rule)) for rule in RULES]
        for label, rule, restrict in variants:
            cv = cross_validate(grid, args.folds, args.seed, rule, restrict=restrict)
            low, high = cv.interval
            allowed = restrict(everyone, folds) if restrict is not None else None
            final = grid.settings[choose(grid, everyone, rule, folds, allowed)]
            print(f"CV {label:15} loss {cv.loss:.4f}  95% [{low:.4f}, {high:.4f}]  "
                  f"fold mean {cv.fold_mean:.4f}  on all: {final.label}")
            for j, fold in enumerate(cv.folds, start=1):
                print(f"   fold {j}: held-out {fold.held_out_loss:.4f}  "
                      f"(train {fold.train_loss:.4f})  {fold.chosen.label}")
    if conn is not None:
        conn.close()


if __name__ == "__main__":
    main()
