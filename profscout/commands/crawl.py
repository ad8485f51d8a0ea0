"""``profscout crawl``: import CSRankings, select professors, crawl homepages and arXiv."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console

from profscout.cli_options import (
    build_settings,
    crawl_options,
    db_option,
    filter_options,
    source_options,
)
from profscout.crawling import render_summary, run_crawl
from profscout.selection import Filters


@click.command()
@crawl_options
@source_options
@filter_options
@db_option
@click.option("--json", "json_out", is_flag=True,
              help="Print the summary as one JSON object on stdout.")
def crawl(stages: str, areas: tuple[str, ...], regions: tuple[str, ...],
          countries: tuple[str, ...], institutions: tuple[str, ...], since: int | None,
          min_pubs: float | None, names_file: Path | None, months: int, max_pages: int,
          json_out: bool, **sources: object) -> None:
    """Crawl CSRankings, homepages and arXiv into the local store.

    The csrankings stage imports all of CSRankings; the filters then select the professors
    whose homepages and arXiv papers the other stages fetch.

    \b
    Examples:
      profscout crawl --area vision --region europe
      profscout crawl --stages csrankings
      profscout crawl --stages arxiv --names my-list.txt --months 12 --json
    """
    settings = build_settings(**sources)
    filters = Filters(areas=list(areas), regions=list(regions), countries=list(countries),
                      institutions=list(institutions), since=since, min_pubs=min_pubs,
                      names_file=names_file)
    console = Console(stderr=True)
    summary = run_crawl(settings, stages, filters, {"months": months, "max_pages": max_pages},
                        console, json_out)
    if json_out:
        click.echo(json.dumps(summary, default=str))
    else:
        render_summary(summary, Console())
