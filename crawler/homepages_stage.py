"""The ``homepages`` crawl stage: crawl the selected professors' homepages in a child process.

Options (``ctx.options``): ``max_pages`` (subpages per professor, default 4),
``max_age_days`` (re-crawl homepages older than this; default: never re-crawl),
``download_delay`` (seconds between requests to one host; default from crawler.settings),
``as_of`` (the date pages are read as of, a ``date`` or ISO string; default: today).
A crawl that could not write into the store stops and raises SourceError naming the failure.
The report counts the selected professors per homepage state (including those finished by an
earlier, possibly interrupted, run), how many were crawled now, and those without a homepage.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crawler.jobs import write_jobs
from crawler.runner import run_spider_in_child
from crawler.stages import StageContext, StageReport
from profscout.core.errors import SourceError
from profscout.core.store.homepages import (
    HomepageJob,
    homepage_states,
    pending_homepages,
    with_homepage,
)

STAGE = "homepages"


def crawl_homepages(db_path: str | Path, jobs: Sequence[HomepageJob], *, max_pages: int = 4,
                    settings: dict[str, Any] | None = None,
                    poll: Callable[[], None] | None = None,
                    as_of: date | str | None = None) -> dict[str, Any]:
    """Crawl ``jobs`` into the store at ``db_path`` (a child process); return the crawl's
    report (its ``profscout/`` stats: ``selected``, ``finished``, ``states``, ``reason``...)."""
    with tempfile.TemporaryDirectory(prefix="profscout-hp-") as tmp:
        jobs_file = Path(tmp) / "jobs.json"
        write_jobs(jobs_file, [(j.professor_id, j.name, j.all_urls()) for j in jobs])
        args = {"jobs": str(jobs_file), "max_pages": str(max_pages)}
        if as_of:
            args["as_of"] = str(as_of)
        return run_spider_in_child(
            "homepages", spider_args=args,
            settings={**(settings or {}), "PROFSCOUT_DB": str(db_path)},
            poll=poll, poll_interval=0.5)


def run(ctx: StageContext) -> StageReport:
    """Crawl the homepages of ``ctx.professor_ids`` into the store."""
    options: dict[str, Any] = ctx.options
    ids = sorted(set(ctx.professor_ids))
    crawlable = with_homepage(ctx.conn, ids)
    skipped = {"no homepage": len(ids) - len(crawlable)} if len(ids) > len(crawlable) else {}
    before = sum(homepage_states(ctx.conn, crawlable).values())
    settings: dict[str, Any] = {"LOG_LEVEL": "WARNING", "USER_AGENT": ctx.settings.user_agent}
    if options.get("download_delay") is not None:
        settings["DOWNLOAD_DELAY"] = float(options["download_delay"])
        settings["AUTOTHROTTLE_START_DELAY"] = float(options["download_delay"])
    fetched_before = None
    if options.get("max_age_days") is not None:
        cutoff = datetime.now(UTC) - timedelta(days=float(options["max_age_days"]))
        fetched_before = cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")
    jobs = pending_homepages(ctx.conn, crawlable, fetched_before)
    report: dict[str, Any] = {}
    if jobs:
        with Progress(TextColumn("Homepages"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=ctx.console, transient=True,
                      disable=not ctx.show_progress) as progress:
            task = progress.add_task("crawl", total=len(crawlable), completed=before)

            def poll() -> None:
                try:
                    done = sum(homepage_states(ctx.conn, crawlable).values())
                except sqlite3.Error:
                    return
                progress.update(task, completed=done)

            report = crawl_homepages(ctx.settings.db_path, jobs,
                                     max_pages=int(options.get("max_pages") or 4),
                                     settings=settings, poll=poll,
                                     as_of=options.get("as_of") or datetime.now(UTC).date())
    if report.get("error"):  # unsaved work fails the run; it is never reported as crawled
        raise SourceError(f"homepage crawl stopped: {report['error']}")
    counts = {
        "selected": len(ids),
        "crawled_now": int(report.get("finished", 0)),
        "states": homepage_states(ctx.conn, crawlable),
    }
    return StageReport(STAGE, counts=counts, skipped=skipped)
