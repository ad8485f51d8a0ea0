"""Regression: on a fixed store and a fixed ``--as-of``, ``rank`` writes the same bytes.

The golden files in ``fixtures/rank_golden`` were written by the release before the store
layer was introduced; any change to them must be a deliberate change of behaviour.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ranking_store import AS_OF, build_store, run_cli

GOLDEN = Path(__file__).parent / "fixtures" / "rank_golden"

CASES = {
    "robots_tfidf": ["deep reinforcement learning for robot manipulation"],
    "robots_europe_recruiting": ["robot manipulation", "--region", "europe",
                                 "--recruiting-only", "--per-institution", "0"],
    "language_weights": ["machine translation with language models", "--weights", "0.5,0.5",
                         "--top", "5"],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rank_output_is_byte_identical(case: str, tmp_path: Path) -> None:
    store = build_store(tmp_path / "store.db")
    out = tmp_path / f"{case}.csv"
    code = run_cli(["rank", *CASES[case], "--as-of", AS_OF.isoformat(), "--matcher", "tfidf",
                    "--db", str(store), "-o", str(out)])
    assert code == 0
    assert out.read_bytes() == (GOLDEN / f"{case}.csv").read_bytes()
