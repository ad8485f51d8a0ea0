"""A crawl's report lives in ``crawler.stats`` under ``profscout/``; nested figures are
flattened into ``/``-separated keys (``profscout/states/ok``) and nested again on reading."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy.statscollectors import StatsCollector

PREFIX = "profscout/"


def record(stats: StatsCollector, key: str, value: Any) -> None:
    """Set ``key`` (a mapping is stored one stat per leaf, keys joined with ``/``)."""
    if isinstance(value, Mapping):
        for name, inner in value.items():
            record(stats, f"{key}/{name}", inner)
    else:
        stats.set_value(key, value)


def report_from_stats(stats: Mapping[str, Any]) -> dict[str, Any]:
    """The ``profscout/`` stats of a crawl as a nested dict (prefix dropped)."""
    report: dict[str, Any] = {}
    for key, value in sorted(stats.items()):
        if not key.startswith(PREFIX):
            continue
        *parents, leaf = key[len(PREFIX):].split("/")
        node = report
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return report
