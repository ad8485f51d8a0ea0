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


def _paper(arxiv_id: str, *authors: str):
    from datetime import UTC, datetime

    from crawler.arxiv_client import Paper

    return Paper(arxiv_id, f"Title {arxiv_id}", "", authors, tuple(() for _ in authors),
                 ("cs.LG",), "cs.LG", datetime(2026, 1, 1, tzinfo=UTC), None)


def test_the_name_only_rule_counts_written_names_that_match_without_evidence() -> None:
    name_only = _bench().name_only
    papers = [_paper("1", "Guowei Yang", "Ada Lovelace"),   # the full name
              _paper("2", "G. Yang", "Ada Lovelace"),        # an initial
              _paper("3", "Guo-Wei Yang"),                   # split differently: needs evidence
              _paper("4", "Guowei Yan"),                     # a letter off: needs evidence
              _paper("5", "Wei Yang", "Guo Li")]             # another person
    assert name_only(papers, ["Guowei Yang"]) == {"1", "2"}
