"""The matcher contract (ranking.base.Matcher) for every registered matcher, the embedding
cache handed in and saved by its owner on a real SQLite store, and the library's request
errors in its own words, worded with flags by the CLI."""

from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

import ranking
from profscout.core.config import MATCHER_NAMES
from profscout.core.errors import UserError
from profscout.core.store import connect
from profscout.core.store.embeddings import EmbeddingTable
from ranking.base import Document, Matcher, Profile
from ranking.cache import fitted_matcher
from ranking.embedding_cache import EmbeddingCache, text_hash
from ranking.matchers import MATCHERS, matcher_class
from ranking.semantic import (
    DOCUMENT_MAX_TOKENS,
    HybridMatcher,
    SemanticMatcher,
    model_cache_key,
    resolve_precision,
)
from ranking.shortlist import InvalidRequest, ShortlistRequest, validate_request
from tests.ranking_store import AS_OF, build_store, run_cli

ROOT = Path(__file__).resolve().parent.parent
PROFILES = [
    Profile("robots", [Document("r1", "robot grasping with reinforcement learning"),
                       Document("r2", "robot manipulation benchmarks", 0.5)]),
    Profile("vision", [Document("v1", "image segmentation with convolutional networks")],
            interests="computer vision"),
    Profile("empty"),
]

# documents are embedded cut at DOCUMENT_MAX_TOKENS word pieces, under their own key (the
# model's key at the default precision)
DOCUMENTS_KEY = (f"{model_cache_key('bag-of-words', resolve_precision())}"
                 f"@{DOCUMENT_MAX_TOKENS}")


def bag_of_words(texts: list[str]) -> np.ndarray:
    """A deterministic stand-in for a sentence model: hashed word counts, 64 dimensions."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in text.lower().split():
            out[i, zlib.crc32(word.encode()) % 64] += 1.0
    return out


def test_the_registry_is_the_configured_names_and_all_are_matchers() -> None:
    assert tuple(MATCHERS) == MATCHER_NAMES
    for name in MATCHERS:
        cls = matcher_class(name)
        assert issubclass(cls, Matcher) and cls.name == name


@pytest.mark.parametrize("name", ["tfidf", "semantic", "hybrid"])
def test_estimator_conventions_and_declared_abilities(name: str) -> None:
    cls = matcher_class(name)
    kwargs = {} if name == "tfidf" else {"cache": EmbeddingCache()}
    matcher = cls(**kwargs)
    if name == "semantic":
        matcher.set_params(encoder=bag_of_words)
    if name == "hybrid":
        matcher.set_params(semantic=SemanticMatcher(encoder=bag_of_words, cache=EmbeddingCache()))
    params = matcher.get_params(deep=False)
    assert set(kwargs) <= set(params)
    assert type(clone(matcher)) is cls  # __init__ only stores its parameters
    fitted = matcher.fit(PROFILES)
    assert fitted is matcher and matcher.profile_keys_ == ["robots", "vision", "empty"]
    scores = matcher.score(["robot grasping", "image segmentation"])
    assert scores.shape == (2, 3) and list(scores.argmax(axis=1)) == [0, 1]
    docs = matcher.document_scores("robot grasping")
    assert [len(d) for d in docs] == [2, 2, 0]
    one = matcher.document_scorer("robot grasping")
    for p, expected in enumerate(docs):
        np.testing.assert_allclose(one(p), expected, atol=1e-6)
    if cls.explains_terms:
        assert "robot grasping" in matcher.shared_terms("robot grasping", 0, 8)
    else:
        with pytest.raises(NotImplementedError):
            matcher.shared_terms("robot grasping", 0, 8)
    if cls.cache_fitted:
        again = cls.from_arrays(matcher.to_arrays())
        np.testing.assert_allclose(again.score(["robot grasping"]),
                                   matcher.score(["robot grasping"]), atol=1e-6)
    else:
        with pytest.raises(NotImplementedError):
            matcher.to_arrays()
    assert cls.uses_embedding_cache == (name != "tfidf")


def test_fit_writes_nothing_the_owner_saves_the_handed_cache(tmp_path: Path) -> None:
    conn = connect(tmp_path / "store.db")
    table = EmbeddingTable(conn)
    cache = EmbeddingCache(table)
    matcher = SemanticMatcher(model="bag-of-words", encoder=bag_of_words, cache=cache)
    matcher.fit(PROFILES)
    assert table.count() == 0  # no I/O in fit: the new vectors wait in the cache
    assert cache.unsaved == 4 and cache.save() == 4 and cache.unsaved == 0
    assert table.count(DOCUMENTS_KEY) == 4
    conn.close()

    conn = connect(tmp_path / "store.db")  # a later run reads them back, encodes nothing
    calls: list[int] = []

    def counting(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return bag_of_words(texts)

    cache = EmbeddingCache(EmbeddingTable(conn))
    SemanticMatcher(model="bag-of-words", encoder=counting, cache=cache).fit(PROFILES)
    assert calls == [] and cache.stats.store_hits == 4 and cache.stats.misses == 0
    stored = EmbeddingTable(conn).get(DOCUMENTS_KEY, [text_hash("computer vision")])
    np.testing.assert_array_equal(next(iter(stored.values())), bag_of_words(["computer vision"])[0])
    conn.close()


def test_fitted_matcher_hands_the_store_cache_to_embedding_matchers(tmp_path: Path) -> None:
    conn = connect(tmp_path / "store.db")
    params = {"model": "bag-of-words", "encoder": bag_of_words}
    hybrid, cached = fitted_matcher(conn, "hybrid", PROFILES, params=params)
    assert isinstance(hybrid, HybridMatcher) and not cached
    assert hybrid.semantic_.cache is hybrid.cache and hybrid.cache is not None
    assert EmbeddingTable(conn).count(DOCUMENTS_KEY) == 4  # saved once fitted
    semantic, _ = fitted_matcher(conn, "semantic", PROFILES, params=params)
    assert semantic.cache is not None and semantic.cache.stats.store_hits == 4
    conn.close()


def test_library_errors_name_fields_and_the_cli_names_flags(tmp_path: Path, capsys) -> None:
    for changes, field, words in [
        ({"top": 0}, "top", "top must be at least 1"),
        ({"per_institution": -1}, "per_institution", "per institution must not be negative"),
        ({"active_months": 0}, "active_months", "active months must be at least 1"),
        ({"matcher": "nope"}, "matcher", "unknown matcher 'nope'"),
        ({"match_weight": 0, "activity_weight": 0}, "weights", "cannot both be 0"),
    ]:
        with pytest.raises(InvalidRequest) as caught:
            validate_request(ShortlistRequest(query="robots", **changes))
        assert caught.value.field == field and words in str(caught.value)
        assert "--" not in str(caught.value)
    store = build_store(tmp_path / "store.db")
    with pytest.raises(UserError, match="^top must be at least 1$"):
        ranking.shortlist(store, "robot", top=0, as_of=AS_OF)
    out = tmp_path / "list.csv"
    assert run_cli(["rank", "   ", "--db", str(store), "-o", str(out)]) == 2
    assert "(or give --interests-file)" in capsys.readouterr().err
    from profscout.cli.commands.rank import as_cli_error

    assert str(as_cli_error(InvalidRequest("top", "must be at least 1"))) == \
        "--top must be at least 1"


def test_rank_help_imports_neither_ranking_nor_sklearn() -> None:
    """Option defaults and matcher names come from profscout.core.config."""
    code = ("import sys\nfrom profscout.cli.app import main\n"
            "try:\n    main(['rank', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sklearn', 'ranking', 'scipy') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
