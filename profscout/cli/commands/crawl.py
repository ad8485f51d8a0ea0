"""``profscout crawl``: import CSRankings, select professors, crawl homepages and arXiv."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console

from crawler.crawl import run_crawl
from profscout.cli.options import (
    build_settings,
    crawl_options,
    db_option,
    filter_options,
    source_options,
)
from profscout.cli.render import render_summary, warn
from profscout.core.selection import Filters


@click.command()
@crawl_options
@source_options
@filter_options
@db_option
@click.option("--json", "json_out", is_flag=True,
              help="Print the summary as one JSON object on stdout.")
def crawl(stages: str, months: int, max_pages: int, keep_going: bool, json_out: bool,
          **options: Any) -> None:
    """Crawl CSRankings, homepages and arXiv into the local store.

    The csrankings stage imports all of CSRankings; the filters then select the professors
    whose homepages and arXiv papers the other stages fetch.

    \b
    Examples:
      profscout crawl --area vision --region europe
      profscout crawl --stages csrankings
      profscout crawl --stages arxiv --names my-list.txt --months 12 --json
    """
    settings = build_settings(**options)
    progress = Console(stderr=True)
    summary = run_crawl(settings, stages, Filters.from_options(options),
                        {"months": months, "max_pages": max_pages,
                         "keep_going": keep_going}, progress,
                        on_warning=lambda message: warn(progress, message))
    if json_out:
        click.echo(json.dumps(summary.to_dict(), default=str))
    else:
        render_summary(summary, Console(), show_warnings=False)
