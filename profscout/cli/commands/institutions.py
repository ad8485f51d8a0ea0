"""``profscout institutions``: rank institutions by area publications, as CSRankings does."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from profscout.cli.options import build_settings, db_option
from profscout.core.areas import load_areas, resolve_areas
from profscout.core.errors import EmptyStoreError, UserError
from profscout.core.selection import has_area_counts, region_members, resolve_region
from profscout.core.store import connect


@click.command()
@click.option("--area", "areas", multiple=True, metavar="AREA",
              help="Area code, parent or friendly name (repeatable) [default: all areas].")
@click.option("--region", "regions", multiple=True, metavar="REGION",
              help="Region, e.g. europe, us, asia (repeatable) [default: world].")
@click.option("--since", type=click.IntRange(1970, 2100), default=None, metavar="YEAR",
              help="First year counted [default: all years in the store].")
@click.option("--until", type=click.IntRange(1970, 2100), default=None, metavar="YEAR",
              help="Last year counted [default: all years in the store].")
@click.option("--top", type=click.IntRange(1), default=25, show_default=True,
              help="How many institutions to show.")
@click.option("--json", "json_out", is_flag=True, help="Print one JSON object on stdout.")
@db_option
def institutions(areas: tuple[str, ...], regions: tuple[str, ...], since: int | None,
                 until: int | None, top: int, json_out: bool, db_path: Path | None) -> None:
    """Rank institutions by counted papers in the chosen areas (needs CSRankings area data).

    Score: geometric mean over the chosen areas of (adjusted count + 1), where the adjusted
    count of a paper is 1 / number of authors, summed over the chosen years.

    \b
    Example:
      profscout institutions --area vision --region europe --since 2015
    """
    codes = resolve_areas(areas) if areas else list(load_areas())
    region_names = [resolve_region(r) for r in regions]
    if since is not None and until is not None and since > until:
        raise UserError(f"--since {since} is after --until {until}")
    settings = build_settings(db_path=db_path)
    from ranking.institutions import area_rows, score_institutions  # loads the ranking stack

    try:
        conn = connect(settings.db_path, create=False)
    except FileNotFoundError:
        raise EmptyStoreError(f"no store at {settings.db_path}") from None
    try:
        if not has_area_counts(conn):
            raise UserError("the store has no CSRankings area data: crawl with a source that "
                            "has generated-author-info.csv (profscout crawl --stages csrankings "
                            "--csrankings-url URL)")
        rows = area_rows(conn, codes, region_members(region_names), since, until)
    finally:
        conn.close()
    ranked = score_institutions(rows, codes)[:top]
    if json_out:
        click.echo(json.dumps({
            "areas": codes, "regions": region_names or ["world"], "since": since,
            "until": until,
            "institutions": [{"rank": i, **asdict(s), "score": round(s.score, 3)}
                             for i, s in enumerate(ranked, 1)],
        }))
        return
    console = Console()
    if not ranked:
        console.print("No institution has counted papers in these areas, years and regions.")
        return
    table = Table(title=f"Institutions by {', '.join(codes)}"
                        f" ({', '.join(region_names) or 'world'}"
                        f"{f', {since}' if since else ''}{'-' if since or until else ''}"
                        f"{until or ''})")
    for column in ("#", "institution", "region", "country", "score", "faculty"):
        table.add_column(column, justify="right" if column in ("#", "score", "faculty")
                         else "left")
    for i, s in enumerate(ranked, 1):
        table.add_row(str(i), s.institution, s.region, s.country, f"{s.score:.1f}",
                      str(s.faculty))
    console.print(table)
