"""``profscout professors``: export what the store knows about the selected professors.

One row per professor: who and where, the homepage and the state its crawl ended in, the
email(s) found (``;``-joined, institutional first) with where each was read
(``email_evidence``: the text and the page URL), lab, recruiting (``yes``/``no``/empty) with
the sentence that says so and its page (``recruiting_url``), a note on the homepage (e.g. a
redirect to another host), research interests and keyphrases, and links to Google Scholar,
DBLP (a DBLP author search when the homepage links none), GitHub, CV; region and country;
recent arXiv activity (papers in 12 and 24 months, the latest paper's date).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from profscout.cli.export import FORMATS, write_table
from profscout.cli.options import build_settings, db_option, filter_options
from profscout.core.activity import MIN_CONFIDENCE, Activity, compute_activity
from profscout.core.errors import EmptyStoreError
from profscout.core.selection import Filters, select_professors
from profscout.core.store import connect
from profscout.core.store.profiles import attributed_paper_dates
from profscout.core.store.selection import ProfessorRecord, professor_records

COLUMNS = [
    "name", "institution", "homepage", "homepage_state", "email", "lab", "lab_url",
    "recruiting", "recruiting_evidence", "interests", "keyphrases", "scholar", "dblp",
    "github", "cv", "pages_fetched", "crawled_at", "email_evidence", "recruiting_url",
    "homepage_note", "region", "country", "papers_12m", "papers_24m", "latest_paper",
]


def export_row(record: ProfessorRecord, activity: Activity) -> dict[str, Any]:
    """The export columns of one professor (``activity``: their counted arXiv papers)."""
    from ranking.shortlist import dblp_url, scholar_url

    links = record.links
    return {
        "name": record.name,
        "institution": record.institution,
        "homepage": record.homepage,
        "homepage_state": record.homepage_state,
        "email": record.emails,
        "lab": record.lab_name,
        "lab_url": record.lab_url,
        "recruiting": record.recruiting,
        "recruiting_evidence": record.recruiting_evidence,
        "interests": " ".join(record.interests.split()),
        "keyphrases": record.keyphrases,
        "scholar": scholar_url(record.scholar_id, links),
        "dblp": dblp_url(record.name, links),
        "github": links.get("github", ""),
        "cv": links.get("cv", ""),
        "pages_fetched": record.pages_fetched if record.pages_fetched is not None else "",
        "crawled_at": record.fetched_at,
        "email_evidence": record.email_evidence,
        "recruiting_url": record.recruiting_url,
        "homepage_note": record.note,
        "region": record.region,
        "country": record.country,
        "papers_12m": activity.papers_12m,
        "papers_24m": activity.papers_24m,
        "latest_paper": activity.latest.isoformat() if activity.latest else "",
    }


@click.command()
@filter_options
@db_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="File to write (.csv, .xlsx or .json).")
@click.option("--format", "fmt", type=click.Choice(FORMATS, case_sensitive=False),
              default=None, help="Output format [default: from the file extension].")
def professors(db_path: Path | None, output: Path, fmt: str | None, **options: Any) -> None:
    """Export what the store knows about the selected professors, one row each.

    \b
    Examples:
      profscout professors -o professors.csv
      profscout professors --area vision --region europe -o vision-europe.xlsx
    """
    settings = build_settings(db_path=db_path)
    filters = Filters.from_options(options)
    try:
        conn = connect(settings.db_path, create=False)
    except FileNotFoundError:
        raise EmptyStoreError(f"no store at {settings.db_path}") from None
    try:
        ids = select_professors(conn, filters) if filters.any() else None
        dates = attributed_paper_dates(conn, MIN_CONFIDENCE, ids)  # only those exported
        today = datetime.now(UTC).date()
        rows = [export_row(record, compute_activity(dates.get(record.id, []), today))
                for record in professor_records(conn, ids)]
    finally:
        conn.close()
    path = write_table(rows, output, fmt=fmt, columns=COLUMNS)
    click.echo(f"Wrote {len(rows)} professors to {path}", err=True)
