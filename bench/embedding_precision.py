"""Embedding precision: speed per CPU-second and the cross-validated gold-standard loss.

Usage: python bench/embedding_precision.py ../shared/eval/expertise-dev [--db eval.db]
       [--precisions float32,int8] [--batch-sizes 1,8,32] [--threads 1] [--folds 5]
       [--seed 0] [--no-cv]

Speed: the gold standard's distinct profile papers (title and abstract, cut as ``rank`` cuts
them) are embedded at each precision and batch size with ``--threads`` torch threads; it
prints papers per CPU-second (user + system time of this process: what one core does,
whatever else the machine runs), papers per wall second, the load average, and each
vector's cosine to the float32 one (and, at int8, to the same text embedded alone: dynamic
quantisation scales activations over the whole batch, so a vector depends on its batch).

Loss: for each precision, the semantic and hybrid grids are scored on every sample and
cross-validated over researchers (the hybrid in two stages, the ``regret`` rule, as
``evaluate-match --folds``); the difference from float32 comes with a paired bootstrap
interval over researchers. Embeddings go through the store ``--db``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from profscout.core.store import connect  # noqa: E402
from profscout.core.store.embeddings import EmbeddingTable  # noqa: E402
from ranking.embedding_cache import EmbeddingCache  # noqa: E402
from ranking.evaluation import GoldStandard, load_gold_standard  # noqa: E402
from ranking.model_selection import (  # noqa: E402
    CrossValidation,
    Setting,
    candidate_settings,
    cross_validate,
    matcher_factory,
    paired_difference,
    same_aggregation_as,
    score_table,
)
from ranking.semantic import (  # noqa: E402
    DOCUMENT_MAX_TOKENS,
    document_text,
    load_model,
    resolve_model,
)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def gold_texts(gold: GoldStandard) -> list[str]:
    """The distinct profile papers of every sample, as ``rank`` embeds them."""
    texts = (d.text for s in gold.samples for p in s.profiles for d in p.documents)
    return list(dict.fromkeys(document_text(t) for t in texts if t.strip()))


def speed(texts: list[str], precisions: list[str], batch_sizes: list[int]) -> None:
    source = resolve_model(None)[1]
    texts = sorted(texts, key=len, reverse=True)  # as the cache orders them
    reference: np.ndarray | None = None
    print(f"{len(texts)} papers, torch threads {_threads()}, documents cut at "
          f"{DOCUMENT_MAX_TOKENS} word pieces")
    print(f"{'precision':9} {'batch':>5} {'papers/CPU-s':>12} {'papers/s':>8} {'CPU s':>6} "
          f"{'wall s':>6} {'cos fp32 mean/min':>17} {'cos alone min':>13} {'load':>5}")
    for precision in precisions:
        model = load_model(source, precision)  # shared with the matchers: limit restored below
        full, model.max_seq_length = model.max_seq_length, DOCUMENT_MAX_TOKENS
        try:
            reference = _speed_rows(model, texts, precision, batch_sizes, reference)
        finally:
            model.max_seq_length = full


def _speed_rows(model: Any, texts: list[str], precision: str, batch_sizes: list[int],
                reference: np.ndarray | None) -> np.ndarray | None:
    alone = np.stack([model.encode([t], normalize_embeddings=True)[0] for t in texts[:32]])
    for batch in batch_sizes:
        model.encode(texts[:batch], batch_size=batch)  # warm up
        cpu, wall = cpu_seconds(), time.perf_counter()
        vectors = model.encode(texts, batch_size=batch, normalize_embeddings=True)
        cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
        if reference is None:
            reference = vectors
        cos = (vectors * reference).sum(axis=1)
        own = (vectors[:32] * alone).sum(axis=1).min()
        print(f"{precision:9} {batch:5d} {len(texts) / cpu:12.1f} {len(texts) / wall:8.1f} "
              f"{cpu:6.1f} {wall:6.1f} {cos.mean():8.4f}/{cos.min():.4f} {own:13.4f} "
              f"{os.getloadavg()[0]:5.2f}", flush=True)
    return reference


def _threads() -> int:
    import torch

    return int(torch.get_num_threads())


def cross_validated(gold: GoldStandard, precision: str, cache: EmbeddingCache, k: int,
                    seed: int) -> dict[str, CrossValidation]:
    def grid(name: str) -> list[Setting]:
        return [Setting(s.matcher, (*s.params, ("precision", precision)))
                for s in candidate_settings(name)]

    def make(s: Setting):  # noqa: ANN202
        return matcher_factory(s, cache)

    semantic = score_table(gold, grid("semantic"), make)
    hybrid = score_table(gold, grid("hybrid"), make)
    cache.save()
    return {"semantic": cross_validate(semantic, k, seed),
            "hybrid": cross_validate(hybrid, k, seed,
                                     restrict=same_aggregation_as(semantic, hybrid))}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--db", type=Path, default=None, help="store caching the embeddings")
    parser.add_argument("--precisions", default="float32,int8")
    parser.add_argument("--batch-sizes", default="1,8,32")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-cv", action="store_true", help="measure the speed only")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    precisions = args.precisions.split(",")
    gold = load_gold_standard(args.root)
    speed(gold_texts(gold), precisions, [int(b) for b in args.batch_sizes.split(",")])
    if args.no_cv:
        return
    conn = connect(args.db) if args.db else None
    cache = EmbeddingCache(EmbeddingTable(conn) if conn is not None else None)
    results = {p: cross_validated(gold, p, cache, args.folds, args.seed) for p in precisions}
    base = results[precisions[0]]
    print(f"\ncross-validated loss ({args.folds} folds, seed {args.seed}, regret rule; hybrid "
          f"in two stages), difference from {precisions[0]} paired over researchers")
    for precision, cvs in results.items():
        for name, cv in cvs.items():
            diff, (low, high) = paired_difference(base[name], cv, args.seed)
            chosen = ", ".join(f.chosen.label.split(" ", 1)[1] for f in cv.folds)
            print(f"{precision:9} {name:8} {cv.loss:.4f} [{cv.interval[0]:.4f}, "
                  f"{cv.interval[1]:.4f}]  diff {diff:+.4f} [{low:+.4f}, {high:+.4f}]  "
                  f"chosen: {chosen}")
    if conn is not None:
        conn.close()


if __name__ == "__main__":
    main()
