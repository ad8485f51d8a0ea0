"""The attribution bench's labelling rules (bench/attribution.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "attribution.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_attribution", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_pages_that_send_the_reader_elsewhere_for_the_full_list() -> None:
    points_elsewhere = _bench().points_elsewhere
    for text in ("Publications\n For the complete list of publications, see my\n Scholar page.",
                 "My full publication list can be found at DBLP.",
                 "Please visit our group's page for the full list of papers.",
                 "See my profile on Semantic Scholar for full publications."):
        assert points_elsewhere(text), text
    for text in ("Here is the complete list of my publications. For more, refer to my CV.",
                 "Selected publications", "Full list by year | Full list by topic",
                 "We see a full moon. Lists follow."):
        assert not points_elsewhere(text), text
