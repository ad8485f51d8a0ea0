"""Embedding throughput, cache hit rate on a re-rank, and index memory.

Usage:
    python bench/embeddings.py --eval-dir ../shared/eval/expertise-dev
    python bench/embeddings.py --db data/profscout.db

Papers come from a store (every profile paper, as ``rank`` builds them) or from a
reviewer-expertise folder (every distinct profile and rated paper). A first rank embeds all
but ``--new-fraction`` of them into a fresh SQLite store; a re-rank on a new connection then
asks for all of them, so only the new papers are embedded. Prints papers per second, the
re-rank's cache hit rate and time, the index's memory and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from profscout.core.store import connect  # noqa: E402
from profscout.core.store.embeddings import EmbeddingTable  # noqa: E402
from ranking.embedding_cache import EmbeddingCache  # noqa: E402
from ranking.evaluation import paper_text, sample_dirs  # noqa: E402
from ranking.semantic import SemanticMatcher, load_model, resolve_model  # noqa: E402


def texts_from_eval(root: Path) -> list[str]:
    """Distinct paper texts (profile papers and rated papers) of every sample folder."""
    seen: dict[str, str] = {}
    for folder in sample_dirs(root):
        for archive in sorted((folder / "archives").glob("*.jsonl")):
            for line in archive.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    seen.setdefault(str(record.get("id")), paper_text(record.get("content")))
        raw = json.loads((folder / "submissions.json").read_text(encoding="utf-8"))
        for pid, record in raw.items():
            seen.setdefault(str(pid), paper_text(record.get("content")))
    return [t for t in seen.values() if t]


def texts_from_store(db: Path) -> list[str]:
    """Every document of every professor's profile in the store."""
    from ranking.profiles import build_profiles

    conn = connect(db, create=False)
    _, profiles = build_profiles(conn, date.today())
    conn.close()
    texts = [d.text for p in profiles for d in p.documents]
    texts += [p.interests for p in profiles if p.interests.strip()]
    return list(dict.fromkeys(texts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--eval-dir", type=Path)
    source.add_argument("--db", type=Path)
    parser.add_argument("--model", default=None)
    parser.add_argument("--new-fraction", type=float, default=0.1)
    parser.add_argument("--limit", type=int, default=None, help="use at most N papers")
    args = parser.parse_args()

    texts = texts_from_eval(args.eval_dir) if args.eval_dir else texts_from_store(args.db)
    texts = texts[: args.limit] if args.limit else texts
    n_old = int(round(len(texts) * (1 - args.new_fraction)))

    import torch

    start = time.perf_counter()
    _, source_path = resolve_model(args.model)
    model = load_model(source_path)
    load_s = time.perf_counter() - start
    params = sum(p.numel() * p.element_size() for p in model.parameters())
    print(f"model {source_path}: loaded in {load_s:.1f}s, {params / 2**20:.1f} MiB of weights,"
          f" torch threads {torch.get_num_threads()}, max_seq_length {model.max_seq_length}")
    words = sum(len(t.split()) for t in texts) / max(len(texts), 1)
    print(f"{len(texts)} papers (mean {words:.0f} words); first rank embeds {n_old},"
          f" re-rank adds {len(texts) - n_old}")

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        conn = connect(db)
        first_cache = EmbeddingCache(EmbeddingTable(conn))
        first = SemanticMatcher(args.model, cache=first_cache)
        start = time.perf_counter()
        vectors = first.embed(texts[:n_old])
        first_cache.save()
        first_s = time.perf_counter() - start
        conn.close()
        print(f"first rank: {n_old} papers embedded in {first_s:.1f}s"
              f" = {n_old / first_s:.1f} papers/s")

        conn = connect(db)
        cache = EmbeddingCache(EmbeddingTable(conn))
        again = SemanticMatcher(args.model, cache=cache)
        start = time.perf_counter()
        index = again.embed(texts)
        cache.save()
        again_s = time.perf_counter() - start
        stats = cache.stats
        table = EmbeddingTable(conn)
        stored = (table.count(), table.nbytes())
        conn.close()
        print(f"re-rank: {len(texts)} papers in {again_s:.1f}s; cache hit rate"
              f" {stats.hit_rate:.1%} ({stats.store_hits} from the store,"
              f" {stats.misses} embedded)")
        print(f"index: {index.shape[0]} x {index.shape[1]} float32 = {index.nbytes / 2**20:.2f}"
              f" MiB ({index.nbytes / max(index.shape[0], 1):.0f} B/paper); store: {stored[0]}"
              f" vectors, {(stored[1] or 0) / 2**20:.2f} MiB of blobs,"
              f" file {db.stat().st_size / 2**20:.2f} MiB")
    del vectors
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
