"""Embedding in chunks: saved chunk by chunk to a real SQLite store, so an interrupted run
resumes where it stopped; progress reported per chunk."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from profscout.core.store import connect
from profscout.core.store.embeddings import EmbeddingTable
from ranking.base import Document, Profile
from ranking.embedding_cache import EmbeddingCache
from ranking.semantic import DOCUMENT_MAX_WORDS, SemanticMatcher, document_text


def _vector(text: str) -> np.ndarray:
    """A fixed unit vector per text (what an encoder returns; the cache is under test)."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
    v = np.random.default_rng(seed).normal(size=8)
    return v / np.linalg.norm(v)


class CountingEncoder:
    """Encodes texts with :func:`_vector`, remembering each call; raises KeyboardInterrupt
    (as Ctrl-C would) on call number ``interrupt_at`` (1-based)."""

    def __init__(self, interrupt_at: int | None = None) -> None:
        self.interrupt_at = interrupt_at
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        if self.interrupt_at is not None and len(self.calls) + 1 == self.interrupt_at:
            raise KeyboardInterrupt
        self.calls.append(list(texts))
        return np.stack([_vector(t) for t in texts])


def _profiles(n: int = 10, papers: int = 5) -> list[Profile]:
    return [Profile(key=str(i), documents=[
        Document(id=f"{i}.{k}", text=f"Paper {k} of author {i}: " + "word " * (k + i))
        for k in range(papers)]) for i in range(n)]


def _fit(db: Path, encoder: CountingEncoder, progress: list[tuple[int, int]] | None = None
         ) -> SemanticMatcher:
    conn = connect(db)
    try:
        cache = EmbeddingCache(EmbeddingTable(conn), autosave=True, chunk_size=8,
                               progress=None if progress is None else
                               lambda done, total: progress.append((done, total)))
        return SemanticMatcher(cache=cache, encoder=encoder).fit(_profiles())
    finally:
        conn.close()


def test_interrupted_embedding_resumes_where_it_stopped(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    interrupted = CountingEncoder(interrupt_at=4)  # three chunks of 8 done, then Ctrl-C
    with pytest.raises(KeyboardInterrupt):
        _fit(db, interrupted)
    conn = connect(db)
    assert EmbeddingTable(conn).count() == 24  # the finished chunks were committed
    conn.close()

    resumed = CountingEncoder()
    progress: list[tuple[int, int]] = []
    matcher = _fit(db, resumed, progress)
    encoded = [t for call in resumed.calls for t in call]
    done_before = {t for call in interrupted.calls for t in call}
    assert len(encoded) == 50 - 24 and not set(encoded) & done_before  # only the rest
    assert progress == [(0, 26), (8, 26), (16, 26), (24, 26), (26, 26)]
    conn = connect(db)
    assert EmbeddingTable(conn).count() == 50
    conn.close()

    # the resumed index equals one made in a single run
    whole = SemanticMatcher(encoder=CountingEncoder()).fit(_profiles())
    np.testing.assert_allclose(matcher.doc_vectors_, whole.doc_vectors_, atol=1e-6)
    matcher.cache = EmbeddingCache()  # its store's connection is closed
    np.testing.assert_allclose(matcher.score(["word word"]), whole.score(["word word"]),
                               atol=1e-6)


def test_chunks_are_encoded_longest_first(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    _fit(tmp_path / "store.db", encoder)
    lengths = [len(t) for call in encoder.calls for t in call]
    assert lengths == sorted(lengths, reverse=True)
    assert [len(c) for c in encoder.calls] == [8] * 6 + [2]


def test_without_autosave_nothing_is_written_until_saved(tmp_path: Path) -> None:
    conn = connect(tmp_path / "store.db")
    cache = EmbeddingCache(EmbeddingTable(conn), chunk_size=8)
    SemanticMatcher(cache=cache, encoder=CountingEncoder()).fit(_profiles())
    assert EmbeddingTable(conn).count() == 0
    assert cache.save() == 50
    assert EmbeddingTable(conn).count() == 50
    conn.close()


def test_documents_are_embedded_from_their_beginning() -> None:
    encoder = CountingEncoder()
    long_text = "Title of the paper. " + " ".join(f"w{i}" for i in range(500))
    SemanticMatcher(encoder=encoder, cache=EmbeddingCache()).fit(
        [Profile("a", [Document("1", long_text)])])
    (embedded,) = encoder.calls[0]
    assert embedded == document_text(long_text)
    assert len(embedded.split()) == DOCUMENT_MAX_WORDS
    assert embedded.startswith("Title of the paper. w0 w1")
    # queries are embedded whole
    matcher = SemanticMatcher(encoder=encoder, cache=EmbeddingCache())
    matcher.embed([long_text])
    assert encoder.calls[-1] == [long_text]


def test_rank_progress_bar_shows_papers_being_embedded() -> None:
    import io

    from rich.console import Console

    from profscout.cli.commands.rank import EmbeddingProgress

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with EmbeddingProgress(console) as progress:
        progress(0, 1)  # the query alone: no bar
        assert out.getvalue() == ""
        for done in (0, 256, 300):
            progress(done, 300)
    shown = out.getvalue()
    assert "Embedding papers" in shown and "300/300" in shown
