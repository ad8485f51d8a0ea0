"""Compare semantic and hybrid matcher variants on a reviewer-expertise gold standard.

Usage: python bench/semantic_variants.py ../shared/eval/expertise-dev

Prints the mean loss over the samples for TF-IDF alone, the semantic matcher with each
aggregation, and the hybrid with each semantic weight. Embeddings are computed once
(in-memory cache shared by every variant).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ranking.embedding_cache import EmbeddingCache  # noqa: E402
from ranking.evaluation import evaluate, mean_loss  # noqa: E402
from ranking.match import TfidfMatcher  # noqa: E402
from ranking.semantic import AGGREGATIONS, HybridMatcher, SemanticMatcher  # noqa: E402

WEIGHTS = (0.0, 0.25, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    cache = EmbeddingCache()

    def run(label: str, factory: Callable[[], object]) -> None:
        start = time.perf_counter()
        results = evaluate(args.root, factory)
        losses = " ".join(f"{r.loss:.3f}" for r in results)
        print(f"{label:34} mean {mean_loss(results):.4f}   ({losses})"
              f"  {time.perf_counter() - start:.1f}s", flush=True)

    for agg in ("topk", "blend"):
        run(f"tfidf aggregation={agg}", lambda agg=agg: TfidfMatcher(aggregation=agg))
    for agg in AGGREGATIONS:
        run(f"semantic aggregation={agg}",
            lambda agg=agg: SemanticMatcher(args.model, aggregation=agg, cache=cache))
    for w in WEIGHTS:
        run(f"hybrid semantic_weight={w}",
            lambda w=w: HybridMatcher(w, SemanticMatcher(args.model, cache=cache)))
    for agg in ("max", "topk", "mean", "softmax", "blend"):
        run(f"hybrid 0.75, tfidf aggregation={agg}",
            lambda agg=agg: HybridMatcher(0.75, SemanticMatcher(args.model, cache=cache),
                                          TfidfMatcher(aggregation=agg)))


if __name__ == "__main__":
    main()
