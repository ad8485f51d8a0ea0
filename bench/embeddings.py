"""Embedding throughput (projected to a whole store), and a re-rank from the cache.

Usage:
    python bench/embeddings.py --db /tmp/eu.db                 # a copy of a Europe store
    python bench/embeddings.py --db /tmp/eu.db --sample 2000 --rerank

Embeds a random sample of the store's distinct profile documents (``--sample``) as ``rank``
does (documents cut to their first ``DOCUMENT_MAX_TOKENS`` word pieces, longest first, in
chunks saved to a fresh SQLite store, at the matcher's precision and thread count), and
prints papers per second by wall clock and by the process's CPU time: on a shared machine
the wall rate depends on the other load, while papers per CPU-second over the threads used
give what those cores would do alone. Both are projected to the whole store and set against
the 5-minute bound.

``--rerank`` then copies the store, fills its embedding cache for every document (the
sample's vectors, and for the rest the sample's vectors reused: the time of a re-rank does
not depend on the values), and times ``build_shortlist`` with the hybrid matcher twice: the
first fits TF-IDF and stores its index, the second is a re-rank from the caches alone.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from profscout.core.store import connect  # noqa: E402
from profscout.core.store.embeddings import EmbeddingTable  # noqa: E402
from ranking.embedding_cache import EmbeddingCache, text_hash  # noqa: E402
from ranking.semantic import (  # noqa: E402
    DOCUMENT_MAX_TOKENS,
    SemanticMatcher,
    document_text,
    embedding_threads,
    load_model,
    resolve_model,
    resolve_precision,
)

BOUND_S = 300.0


def store_texts(db: Path) -> list[str]:
    """Every distinct document of every professor's profile in the store."""
    from ranking.profiles import build_profiles

    conn = connect(db, create=False)
    _, profiles = build_profiles(conn, date.today())
    conn.close()
    texts = [d.text for p in profiles for d in p.documents if d.text.strip()]
    texts += [p.interests for p in profiles if p.interests.strip()]
    return list(dict.fromkeys(texts))


def rerank(db: Path, texts: list[str], vectors: dict[str, object], key: str) -> None:
    from ranking.shortlist import ShortlistRequest, build_shortlist

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.db"
        shutil.copy(db, copy)
        conn = connect(copy)
        pool = list(vectors.values())
        table = EmbeddingTable(conn)
        fill = {text_hash(document_text(t)): pool[i % len(pool)] for i, t in enumerate(texts)}
        table.put(key, fill)
        request = ShortlistRequest("deep reinforcement learning for robot manipulation",
                                   matcher="hybrid")
        for label in ("first (fits and stores TF-IDF)", "re-rank from the caches"):
            start = time.perf_counter()
            result = build_shortlist(conn, request)
            print(f"{label}: {time.perf_counter() - start:.2f}s for {result.indexed} "
                  f"professors, {len(result.frame)} rows")
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--model", default=None)
    parser.add_argument("--precision", default=None, help="float32 or int8 (default: "
                        "$PROFSCOUT_EMBEDDING_PRECISION or the matcher's)")
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rerank", action="store_true")
    args = parser.parse_args()

    texts = store_texts(args.db)
    sample = random.Random(args.seed).sample(texts, min(args.sample, len(texts)))
    precision = resolve_precision(args.precision)
    model = load_model(resolve_model(args.model)[1], precision)
    cores = os.cpu_count() or 1
    threads = min(embedding_threads(), cores)
    print(f"{len(texts)} distinct documents in the store; sample {len(sample)}; {precision}; "
          f"{threads} torch thread(s) of {cores} cores; documents cut at "
          f"{DOCUMENT_MAX_TOKENS} of the model's {model.max_seq_length} word pieces")

    with tempfile.TemporaryDirectory() as tmp:
        conn = connect(Path(tmp) / "bench.db")
        cache = EmbeddingCache(EmbeddingTable(conn), autosave=True)
        matcher = SemanticMatcher(args.model, cache=cache, precision=precision)
        wall, cpu = time.perf_counter(), time.process_time()
        matcher.embed_documents(sample)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        key = matcher.document_model_key
        stored = EmbeddingTable(conn).get(key, [text_hash(document_text(t)) for t in sample])
        conn.close()
    by_wall = len(sample) / wall
    by_cpu = len(sample) / cpu * threads
    print(f"wall: {by_wall:.1f} papers/s (load average {os.getloadavg()[0]:.1f} on {cores} "
          f"cores) -> whole store {len(texts) / by_wall:.0f}s")
    print(f"cpu: {len(sample) / cpu:.1f} papers per CPU-second x {threads} thread(s) = "
          f"{by_cpu:.1f} papers/s -> whole store {len(texts) / by_cpu:.0f}s "
          f"(bound {BOUND_S:.0f}s: {'within' if len(texts) / by_cpu <= BOUND_S else 'over'})")
    if args.rerank:
        rerank(args.db, texts, stored, key)


if __name__ == "__main__":
    main()
