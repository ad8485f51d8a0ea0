"""``profscout professors``: export what the store knows about the selected professors.

One row per professor: who and where, the homepage and the state its crawl ended in, the
email(s) found (``;``-joined), lab, recruiting (``yes``/``no``/empty) with the sentence that
says so, research interests and keyphrases, and links to Google Scholar, DBLP, GitHub, CV.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import click

from profscout.cli.export import FORMATS, write_table
from profscout.cli.options import build_settings, db_option, filter_options
from profscout.core.errors import UserError
from profscout.core.selection import Filters, select_professors

COLUMNS = [
    "name", "institution", "homepage", "homepage_state", "email", "lab", "lab_url",
    "recruiting", "recruiting_evidence", "interests", "keyphrases", "scholar", "dblp",
    "github", "cv", "pages_fetched", "crawled_at",
]


def _selected_ids(conn: sqlite3.Connection, filters: Filters) -> list[int] | None:
    """Professor ids the filters select; None means every professor (no filter given)."""
    return select_professors(conn, filters) if filters.any() else None


def professor_rows(conn: sqlite3.Connection, ids: list[int] | None) -> list[dict[str, Any]]:
    """Export rows for the professors ``ids`` (all when None), by institution then name."""
    query = (
        "SELECT p.id, p.name, p.institution, p.homepage, h.state, h.emails, h.lab_name, "
        "h.lab_url, h.recruiting, h.recruiting_evidence, h.interests, h.keyphrases, "
        "h.links_json, h.pages_fetched, h.fetched_at FROM professors p "
        "LEFT JOIN homepages h ON h.professor_id = p.id ORDER BY p.institution, p.name, p.id"
    )
    wanted = set(ids) if ids is not None else None
    rows: list[dict[str, Any]] = []
    for r in conn.execute(query):
        if wanted is not None and r["id"] not in wanted:
            continue
        try:
            links = json.loads(r["links_json"] or "{}")
        except ValueError:
            links = {}
        rows.append({
            "name": r["name"],
            "institution": r["institution"],
            "homepage": r["homepage"] or "",
            "homepage_state": r["state"] or "",
            "email": r["emails"] or "",
            "lab": r["lab_name"] or "",
            "lab_url": r["lab_url"] or "",
            "recruiting": r["recruiting"] or "",
            "recruiting_evidence": r["recruiting_evidence"] or "",
            "interests": " ".join((r["interests"] or "").split()),
            "keyphrases": r["keyphrases"] or "",
            "scholar": links.get("scholar", ""),
            "dblp": links.get("dblp", ""),
            "github": links.get("github", ""),
            "cv": links.get("cv", ""),
            "pages_fetched": r["pages_fetched"] if r["pages_fetched"] is not None else "",
            "crawled_at": r["fetched_at"] or "",
        })
    return rows


@click.command()
@filter_options
@db_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="File to write (.csv, .xlsx or .json).")
@click.option("--format", "fmt", type=click.Choice(FORMATS, case_sensitive=False),
              default=None, help="Output format [default: from the file extension, else csv].")
def professors(db_path: Path | None, output: Path, fmt: str | None, **filters: Any) -> None:
    """Export what the store knows about the selected professors, one row each.

    \b
    Examples:
      profscout professors -o professors.csv
      profscout professors --area vision --region europe -o vision-europe.xlsx
    """
    from profscout.core.store import connect

    settings = build_settings(db_path=db_path)
    try:
        conn = connect(settings.db_path, create=False)
    except FileNotFoundError as exc:
        raise UserError(f"no store at {settings.db_path}; run `profscout crawl` first") from exc
    try:
        rows = professor_rows(conn, _selected_ids(conn, Filters.from_options(filters)))
    finally:
        conn.close()
    path = write_table(rows, output, fmt=fmt, columns=COLUMNS)
    click.echo(f"Wrote {len(rows)} professors to {path}", err=True)
