"""Run one spider in a child process and read back its report.

A Twisted reactor cannot restart within a process, so ``profscout crawl`` runs each Scrapy
stage as ``python -m crawler.runner SPIDER ...``: the child crawls and its pipelines write into
the store (committing as they go), then it writes the crawl's report (its ``profscout/``
stats, see :mod:`crawler.report`) as JSON; the parent polls the store to draw progress and
reads the report at the end.

Child:  python -m crawler.runner SPIDER --report FILE [-a NAME=VALUE]... [-s NAME=VALUE]...
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from profscout.core.errors import SourceError


def run_spider_in_child(
    spider: str,
    spider_args: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
    poll: Callable[[], None] | None = None,
    poll_interval: float = 0.5,
) -> dict[str, Any]:
    """Run ``spider`` in a child process; return the report it wrote.

    ``poll`` is called every ``poll_interval`` seconds while the child runs (draw progress).
    Raises SourceError when the child fails or writes no report.
    """
    with tempfile.TemporaryDirectory(prefix="profscout-") as tmp:
        report_path = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "crawler.runner", spider, "--report", str(report_path)]
        for key, value in (spider_args or {}).items():
            cmd += ["-a", f"{key}={value}"]
        for key, value in (settings or {}).items():
            cmd += ["-s", f"{key}={json.dumps(value)}"]
        log_path = Path(tmp) / "child.log"
        with open(log_path, "w") as log:
            child = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=os.environ)
            try:
                while child.poll() is None:
                    if poll is not None:
                        poll()
                    time.sleep(poll_interval)
            except KeyboardInterrupt:
                child.wait()
                raise
        if poll is not None:
            poll()
        if report_path.exists():
            report = json.loads(report_path.read_text())
            if child.returncode == 0 or report.get("error"):
                return report
        tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
        raise SourceError(f"the {spider} crawl failed (exit {child.returncode}): "
                          + " | ".join(tail)[-400:])


def _parse_pairs(pairs: list[str]) -> dict[str, str]:
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"expected NAME=VALUE, got {pair!r}")
        result[key] = value
    return result


def main(argv: list[str] | None = None) -> int:
    """Child side: crawl, then write the crawl's ``profscout/`` stats as JSON."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.report import report_from_stats

    parser = argparse.ArgumentParser(prog="python -m crawler.runner")
    parser.add_argument("spider")
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("-a", dest="args", action="append", default=[])
    parser.add_argument("-s", dest="settings", action="append", default=[])
    ns = parser.parse_args(argv)

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    for key, value in _parse_pairs(ns.settings).items():
        settings.set(key, json.loads(value), priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ns.spider)
    process.crawl(crawler, **_parse_pairs(ns.args))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    report = report_from_stats(stats)
    report.setdefault("finish_reason", stats.get("finish_reason") or "")
    tmp = ns.report.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, default=str))
    tmp.replace(ns.report)
    return 1 if report.get("error") else 0


if __name__ == "__main__":
    code = main()
    # The store is committed and the report written: skip the interpreter's teardown, which
    # would wait for the extraction workers (they exit on their own once this process is
    # gone) and the reactor's threads to wind down.
    import logging

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
