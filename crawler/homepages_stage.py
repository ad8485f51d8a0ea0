"""The ``homepages`` crawl stage: crawl the selected professors' homepages in a child process.

Options (``ctx.options``): ``max_pages`` (subpages per professor, default 4),
``max_age_days`` (re-crawl homepages older than this; default: never re-crawl),
``download_delay`` (seconds between requests to one host; default from crawler.settings).
The report counts the selected professors per homepage state (including those finished by an
earlier, possibly interrupted, run), how many were crawled now, and those without a homepage.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crawler.runner import run_spider_in_child
from crawler.stages import StageContext, StageReport
from profscout.core.errors import SourceError

STAGE = "homepages"


def state_counts(conn: sqlite3.Connection, ids: list[int]) -> dict[str, int]:
    """Homepage states of the professors ``ids`` (those not crawled yet are left out)."""
    counts: dict[str, int] = {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        marks = ",".join("?" * len(part))
        for state, n in conn.execute(
                f"SELECT state, count(*) FROM homepages WHERE professor_id IN ({marks}) "
                "GROUP BY state", part):
            counts[state] = counts.get(state, 0) + int(n)
    return dict(sorted(counts.items()))


def _with_homepage(conn: sqlite3.Connection, ids: list[int]) -> list[int]:
    keep: list[int] = []
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        marks = ",".join("?" * len(part))
        keep += [int(r[0]) for r in conn.execute(
            f"SELECT id FROM professors WHERE id IN ({marks}) AND homepage IS NOT NULL "
            "AND trim(homepage) != ''", part)]
    return sorted(keep)


def run(ctx: StageContext) -> StageReport:
    """Crawl the homepages of ``ctx.professor_ids`` into the store."""
    options: dict[str, Any] = ctx.options
    ids = sorted(set(ctx.professor_ids))
    crawlable = _with_homepage(ctx.conn, ids)
    skipped = {"no homepage": len(ids) - len(crawlable)} if len(ids) > len(crawlable) else {}
    before = sum(state_counts(ctx.conn, crawlable).values())
    settings: dict[str, Any] = {"LOG_LEVEL": "WARNING", "USER_AGENT": ctx.settings.user_agent}
    if options.get("download_delay") is not None:
        settings["DOWNLOAD_DELAY"] = float(options["download_delay"])
        settings["AUTOTHROTTLE_START_DELAY"] = float(options["download_delay"])
    report: dict[str, Any] = {}
    if len(crawlable) > before or options.get("max_age_days") is not None:
        with tempfile.TemporaryDirectory(prefix="profscout-hp-") as tmp:
            ids_file = Path(tmp) / "ids.txt"
            ids_file.write_text("\n".join(map(str, crawlable)) + "\n")
            args = {"db": str(ctx.settings.db_path), "ids": str(ids_file),
                    "max_pages": str(int(options.get("max_pages") or 4))}
            if options.get("max_age_days") is not None:
                args["max_age_days"] = str(options["max_age_days"])
            with Progress(TextColumn("Homepages"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=ctx.console, transient=True,
                          disable=not ctx.show_progress) as progress:
                task = progress.add_task("crawl", total=len(crawlable), completed=before)

                def poll() -> None:
                    try:
                        done = sum(state_counts(ctx.conn, crawlable).values())
                    except sqlite3.Error:
                        return
                    progress.update(task, completed=done)

                report = run_spider_in_child("homepages", spider_args=args, settings=settings,
                                             poll=poll, poll_interval=0.5)
        if report.get("error"):
            raise SourceError(f"homepage crawl: {report['error']}")
    states = state_counts(ctx.conn, crawlable)
    counts = {
        "selected": len(ids),
        "crawled_now": int(report.get("finished", 0)),
        "states": states,
    }
    return StageReport(STAGE, counts=counts, skipped=skipped)
