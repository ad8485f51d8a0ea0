"""The ``csrankings`` crawl stage: run the spider in a child process, report what it imported.

The spider imports everything in one transaction, so a failing or unreachable source raises
SourceError with one line and leaves the store as it was.
"""

from __future__ import annotations

import ipaddress
import json
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from crawler.runner import run_spider_in_child
from crawler.stages import StageContext, StageReport
from profscout.core.errors import SourceError

STAGE = "csrankings"


def report_from_spider(report: dict[str, Any]) -> StageReport:
    """The stage report for what the spider (and its pipeline) counted in the crawl's stats.

    Counts: ``rows_read``, ``professors``, ``institutions`` (in the source), totals
    ``added``/``updated``/``unchanged`` over all tables, ``tables`` (per table),
    ``not_in_source``, ``area_data``, ``files`` (bytes per file), ``missing`` files.
    """
    imported = report.get("imported", {})
    tables = {k: v for k, v in imported.items() if isinstance(v, dict)}
    totals = {what: sum(t.get(what, 0) for t in tables.values())
              for what in ("added", "updated", "unchanged")}
    counts = {
        "rows_read": report.get("rows_read", 0),
        "professors": report.get("professors", 0),
        "institutions": report.get("institutions", 0),
        **totals,
        "tables": tables,
        "not_in_source": imported.get("not_in_source", 0),
        "area_data": bool(report.get("area_data")),
        "files": report.get("files", {}),
        "missing": report.get("missing", []),
    }
    return StageReport(STAGE, counts=counts, skipped=dict(report.get("skipped", {})),
                       errors=list(report.get("warnings", [])))


def is_local(url: str) -> bool:
    """Whether ``url`` points at this machine (a local mirror or test server)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def spider_settings(url: str, db_path: str | Path | None = None) -> dict[str, Any]:
    """Settings for the child crawl: quiet, the store to write into; no politeness delay for
    a local mirror only."""
    settings: dict[str, Any] = {"LOG_LEVEL": "WARNING"}
    if db_path is not None:
        settings["PROFSCOUT_DB"] = str(db_path)
    if is_local(url):
        settings.update(DOWNLOAD_DELAY=0, AUTOTHROTTLE_ENABLED=False)
    return settings


def run(ctx: StageContext) -> StageReport:
    """Download and import CSRankings into ``ctx.settings.db_path``."""
    with tempfile.TemporaryDirectory(prefix="profscout-csr-") as tmp:
        progress_file = Path(tmp) / "progress.json"
        args = {"url": ctx.settings.csrankings_url, "progress": str(progress_file)}
        with Progress(SpinnerColumn(), TextColumn("CSRankings: {task.description}"),
                      TimeElapsedColumn(), console=ctx.console, transient=True,
                      disable=not ctx.show_progress) as progress:
            task = progress.add_task("starting", total=None)

            def poll() -> None:
                try:
                    state = json.loads(progress_file.read_text())
                except (OSError, ValueError):
                    return
                progress.update(task, description=state.get("phase", ""))

            report = run_spider_in_child("csrankings", spider_args=args,
                                         settings=spider_settings(ctx.settings.csrankings_url,
                                                                  ctx.settings.db_path),
                                         poll=poll,
                                         poll_interval=0.2)
    if report.get("error"):
        raise SourceError(f"CSRankings ({ctx.settings.csrankings_url}): {report['error']}")
    return report_from_spider(report)
