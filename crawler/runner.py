"""Run one spider in a child process and read back its report.

A Twisted reactor cannot restart within a process, so ``profscout crawl`` runs each Scrapy
stage as ``python -m crawler.runner SPIDER ...``: the child crawls and its pipelines write into
the store (committing as they go), then it writes the crawl's report (its ``profscout/``
stats, see :mod:`crawler.report`) as JSON; the parent polls the store to draw progress and
reads the report at the end.

The child dies with the parent: an interrupted parent (Ctrl-C, SIGTERM) passes the signal on
and waits :data:`STOP_GRACE` seconds before killing the child; a parent killed outright takes
the child with it (``PR_SET_PDEATHSIG`` on Linux, and a watch on the parent's pid elsewhere).
Every store write commits as it goes, so a killed child leaves finished work only.

Child:  python -m crawler.runner SPIDER --report FILE [--parent PID] [-a NAME=VALUE]...
        [-s NAME=VALUE]...
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from profscout.core.errors import SourceError

STOP_GRACE = 10.0  # seconds an interrupted child gets to stop before it is killed
PARENT_CHECK = 1.0  # seconds between the child's checks that its parent is alive


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
        cmd = [sys.executable, "-m", "crawler.runner", spider, "--report", str(report_path),
               "--parent", str(os.getpid())]
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
            except BaseException as exc:  # Ctrl-C, SIGTERM (Terminated) or a failing poll
                stop_child(child, signal.SIGINT if type(exc) is KeyboardInterrupt
                           else signal.SIGTERM)
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


def stop_child(child: subprocess.Popen[Any], signum: int, grace: float = STOP_GRACE) -> None:
    """Pass ``signum`` to a running ``child``, then kill it if it has not exited in ``grace``
    seconds."""
    if child.poll() is not None:
        return
    child.send_signal(signum)
    try:
        child.wait(grace)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def die_with_parent(parent: int, interval: float = PARENT_CHECK) -> None:
    """Child side: end this process when ``parent`` is gone (it is killed with the parent on
    Linux; elsewhere a daemon thread sees the parent's pid change within ``interval``)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


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
    parser.add_argument("--parent", type=int, default=None,
                        help="pid of the parent: this process ends when it does")
    parser.add_argument("-a", dest="args", action="append", default=[])
    parser.add_argument("-s", dest="settings", action="append", default=[])
    ns = parser.parse_args(argv)
    if ns.parent:
        die_with_parent(ns.parent)

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
