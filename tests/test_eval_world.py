"""evaluate-match on the expertise gold standard's development half (skipped when absent)."""

from __future__ import annotations

import re

import pytest

from tests.ranking_store import run_cli
from tests.world import EVAL_DIR

DEV = EVAL_DIR / "expertise-dev"
TARGET = 0.255  # published on this half: TPMS 0.283, SPECTER 0.262


@pytest.mark.slow
@pytest.mark.skipif(not (DEV / "evaluations.csv").is_file(),
                    reason="../shared/eval/expertise-dev not available")
def test_tfidf_meets_the_target_on_expertise_dev(capsys):
    assert run_cli(["evaluate-match", str(DEV)]) == 0
    out = capsys.readouterr().out
    samples = re.findall(r"^d_20_\d+\tloss (\d\.\d+)$", out, flags=re.M)
    assert len(samples) == 10
    mean = float(re.search(r"^mean\tloss (\d\.\d+)", out, flags=re.M).group(1))
    assert mean == pytest.approx(sum(map(float, samples)) / 10, abs=1e-3)
    assert mean <= TARGET
