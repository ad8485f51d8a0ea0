"""``profscout rank`` (rank what the store holds) and ``profscout shortlist`` (crawl + rank)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from profscout.cli.export import FORMATS, check_writable, format_from_path, write_table
from profscout.cli.options import (
    WEIGHT,
    apply_options,
    build_settings,
    crawl_options,
    db_option,
    filter_options,
    source_options,
)
from profscout.core.config import (
    ENV_MATCHER,
    FALLBACK_MATCHER,
    MATCHER_NAMES,
    PREFERRED_MATCHER,
    RANK_ACTIVITY_WEIGHT,
    RANK_MATCH_WEIGHT,
    RANK_PER_INSTITUTION,
    RANK_TOP,
    default_matcher,
)
from profscout.core.errors import UserError

F = Callable[..., Any]


def matcher_option(func: F) -> F:
    """``--matcher NAME``, choices from the matcher registry's names."""
    return click.option(
        "--matcher", type=click.Choice(list(MATCHER_NAMES)), default=default_matcher,
        show_default=f"${ENV_MATCHER}, else {PREFERRED_MATCHER} with the semantic extra, "
                     f"else {FALLBACK_MATCHER}",
        help="How queries are matched to professors' papers.",
    )(func)


# request field -> how the user gives it on the command line
FLAGS = {
    "query": "QUERY",
    "top": "--top",
    "per_institution": "--per-institution",
    "active_months": "--active-months",
    "matcher": "--matcher",
    "min_match": "--min-match",
}
CLI_MESSAGES = {
    "query": "empty query: say in a few words what you want to work on "
             "(or give --interests-file)",
}


def as_cli_error(exc: Any) -> UserError:
    """A library :class:`ranking.shortlist.InvalidRequest` reworded with the flag."""
    if exc.field in CLI_MESSAGES:
        return UserError(CLI_MESSAGES[exc.field])
    flag = FLAGS.get(exc.field)
    return UserError(f"{flag} {exc.problem}" if flag else str(exc))


def _validate(request: Any) -> None:
    """The library's request check, its errors worded with flags."""
    from ranking.shortlist import InvalidRequest, validate_request

    try:
        validate_request(request)
    except InvalidRequest as exc:
        raise as_cli_error(exc) from None


_rank_options = apply_options([
    click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
                 help="Where to write the shortlist (.csv, .xlsx or .json)."),
    click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                 help="Output format [default: from the file extension]."),
    click.option("--interests-file", type=click.Path(exists=True, dir_okay=False,
                 path_type=Path), default=None, metavar="FILE",
                 help="Text about your interests (statement of purpose, CV, abstracts)."),
    click.option("--top", type=click.IntRange(min=1), default=RANK_TOP, show_default=True,
                 help="Rows in the shortlist."),
    click.option("--match-weight", type=WEIGHT, default=None,
                 help=f"Weight of the topic match in the score [default: {RANK_MATCH_WEIGHT}]."),
    click.option("--activity-weight", type=WEIGHT, default=None,
                 help="Weight of recent activity in the score "
                      f"[default: {RANK_ACTIVITY_WEIGHT}]."),
    click.option("--weights", default=None, metavar="MATCH,ACTIVITY",
                 help="Both weights at once, e.g. 0.5,0.5."),
    click.option("--per-institution", type=click.IntRange(min=0),
                 default=RANK_PER_INSTITUTION,
                 show_default=True, help="At most this many per institution (0: no cap)."),
    click.option("--active-months", type=click.IntRange(min=1), default=None, metavar="N",
                 help="Only professors with an arXiv paper in the last N months."),
    click.option("--min-match", type=click.FloatRange(0, 1), default=0.0, metavar="R",
                 help="Only professors whose relevance (the absolute match, 0-1, in the "
                      "relevance column) is at least R; 0.5 and up is a strong match, "
                      "below 0.25 a weak one."),
    click.option("--recruiting-only", is_flag=True,
                 help="Only professors whose homepage says they are recruiting."),
    click.option("--exclude-contacted", is_flag=True,
                 help="Leave out professors already written to in a campaign."),
    click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                 metavar="YYYY-MM-DD",
                 help="Judge activity as of this date [default: today]."),
    matcher_option,
    filter_options,
    db_option,
])


def parse_weights(weights: str | None, match: float | None, activity: float | None
                  ) -> tuple[float, float]:
    """(match weight, activity weight) from ``--weights`` or the two options."""
    if weights is not None:
        if match is not None or activity is not None:
            raise UserError("give --weights or --match-weight/--activity-weight, not both")
        parts = [p.strip() for p in weights.split(",")]
        try:
            match, activity = (WEIGHT.convert(p, None, None) for p in parts)
        except (ValueError, click.BadParameter):
            raise UserError(f"--weights wants two numbers like 0.7,0.3, got {weights!r}"
                            ) from None
    return (RANK_MATCH_WEIGHT if match is None else match,
            RANK_ACTIVITY_WEIGHT if activity is None else activity)


def _request(query: str, options: dict[str, Any]) -> Any:
    from profscout.core.selection import Filters
    from ranking.shortlist import ShortlistRequest, read_interests

    match_w, activity_w = parse_weights(options["weights"], options["match_weight"],
                                        options["activity_weight"])
    filters = Filters.from_options(options)
    return ShortlistRequest(
        query=query or "", interests=read_interests(options["interests_file"]),
        top=options["top"], filters=filters, active_months=options["active_months"],
        recruiting_only=options["recruiting_only"], match_weight=match_w,
        activity_weight=activity_w, per_institution=options["per_institution"],
        matcher=options["matcher"], min_match=options["min_match"],
        as_of=options["as_of"].date() if options.get("as_of") else None,
        exclude_contacted=bool(options.get("exclude_contacted")),
    )


def _check_output(output: Path, fmt: str | None) -> str:
    fmt = format_from_path(output, fmt)
    check_writable(output)
    return fmt


def _rank_and_write(settings: Any, request: Any, output: Path, fmt: str,
                    console: Console) -> None:
    from profscout.core.store import connect, is_read_only
    from ranking.shortlist import InvalidRequest, build_shortlist

    _validate(request)
    if not Path(settings.db_path).exists():
        raise UserError(f"no store at {settings.db_path}: run `profscout crawl` first")
    read_only = is_read_only(settings.db_path)
    if read_only:
        console.print("Note: the store is read-only; the fitted index is not cached.",
                      highlight=False)
    conn = connect(settings.db_path, read_only=read_only)
    try:
        with EmbeddingProgress(console) as progress:
            result = build_shortlist(conn, request, use_cache=not read_only, progress=progress)
        checked = arxiv_checked(conn, request, result.frame)
    except InvalidRequest as exc:
        raise as_cli_error(exc) from None
    finally:
        conn.close()
    for warning in result.warnings:
        console.print(f"[yellow]Warning:[/yellow] {warning}", highlight=False)
    write_table(result.frame, output, fmt)
    _show(result, console)
    index = "index from the store's cache" if result.cached else "index fitted"
    console.print(
        f"Matcher: {result.matcher} ({index}, {result.indexed} professors indexed, "
        f"{result.candidates} matching the filters). Wrote {len(result.frame)} rows to "
        f"{output}{capped_note(request, result)}", highlight=False)
    if checked:
        console.print(checked, highlight=False)


def arxiv_checked(conn: Any, request: Any, frame: Any) -> str:
    """"arXiv data checked DATE, N days old" for the ranked professors when the ranking
    uses arXiv activity ("" when it does not or none was checked)."""
    from profscout.core.store.papers import newest_answered_check

    if not (request.activity_weight > 0 or request.active_months) or frame.empty:
        return ""
    newest = newest_answered_check(conn, zip(frame["name"], frame["institution"],
                                             strict=True))
    if not newest:
        return "arXiv data: none of the ranked professors has been checked on arXiv"
    checked = datetime.fromisoformat(newest)
    checked = checked if checked.tzinfo else checked.replace(tzinfo=UTC)
    days = (datetime.now(UTC) - checked).days
    return f"arXiv data checked {checked.date().isoformat()}, {days} day{'s' * (days != 1)} old"


def capped_note(request: Any, result: Any) -> str:
    """`` (the cap of N per institution left out M)`` when the cap shortened the list."""
    left_out = min(request.top, result.candidates) - len(result.frame)
    if left_out <= 0 or not request.per_institution:
        return ""
    return (f" (the cap of {request.per_institution} per institution left out {left_out} "
            f"of the top {min(request.top, result.candidates)})")


class EmbeddingProgress:
    """A progress bar on the console for the papers being embedded: the ``progress(done,
    total)`` callback of :func:`ranking.shortlist.build_shortlist`. It appears only for at
    least ``min_total`` texts (not for the query alone) and goes when the block ends."""

    def __init__(self, console: Console, min_total: int = 100) -> None:
        self.console = console
        self.min_total = min_total
        self._bar: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> EmbeddingProgress:
        return self

    def __call__(self, done: int, total: int) -> None:
        if total < self.min_total:
            return
        if self._bar is None:
            self._bar = Progress(
                TextColumn("Embedding papers (saved as they are done)"), BarColumn(),
                MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(), console=self.console, transient=True)
            self._bar.start()
            self._task = self._bar.add_task("embed", total=total, rate="")
            self._start = time.monotonic()
            self._first = done
        elapsed = time.monotonic() - self._start
        rate = f"{(done - self._first) / elapsed:.0f} papers/s" if elapsed > 0 else ""
        self._bar.update(self._task, completed=done, total=total, rate=rate)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __exit__(self, *exc: object) -> None:
        self.close()


SHOWN = ("rank", "name", "institution", "score", "match", "relevance", "match_strength",
         "activity", "papers_12m", "latest_paper")


def _show(result: Any, console: Console, rows: int = 10) -> None:
    frame = result.frame
    if frame.empty:
        return
    table = Table(title=f"Top {min(rows, len(frame))} of the shortlist")
    for column in SHOWN:
        table.add_column(column, overflow="fold")
    for _, row in frame.head(rows).iterrows():
        table.add_row(*(str(row[c]) for c in SHOWN))
    console.print(table)


@click.command()
@click.argument("query", required=False, default="")
@_rank_options
def rank(query: str, output: Path, fmt: str | None, db_path: Path | None,
         **options: Any) -> None:
    """Rank professors in the store against QUERY (and/or --interests-file).

    \b
    Examples:
      profscout rank "self-supervised learning for microscopy" -o shortlist.csv
      profscout rank --interests-file sop.txt --region europe --top 40 -o list.xlsx
      profscout rank "robot learning" --active-months 12 --recruiting-only -o list.csv
    """
    console = Console(stderr=True)
    fmt = _check_output(output, fmt)
    settings = build_settings(db_path=db_path)
    _rank_and_write(settings, _request(query, options), output, fmt, console)


@click.command()
@click.argument("query", required=False, default="")
@_rank_options
@source_options
@crawl_options
def shortlist(query: str, output: Path, fmt: str | None, db_path: Path | None, months: int,
              max_pages: int, stages: str, keep_going: bool, csrankings_url: str | None,
              arxiv_url: str | None, arxiv_delay: float | None, **options: Any) -> None:
    """Crawl what QUERY needs, then rank: the main job.

    Areas come from --area, else from the query (e.g. "robot manipulation" -> robotics).
    Later runs are incremental: the crawl stages only fetch what is new or stale.

    \b
    Examples:
      profscout shortlist "deep reinforcement learning for robot manipulation" -o list.csv
      profscout shortlist "machine translation" --region europe --top 30 -o list.xlsx
    """
    from crawler.crawl import run_crawl
    from profscout.cli.render import render_summary
    from profscout.core.areas import suggest_areas, valid_values

    console = Console(stderr=True)
    fmt = _check_output(output, fmt)
    settings = build_settings(db_path=db_path, csrankings_url=csrankings_url,
                              arxiv_url=arxiv_url, arxiv_delay=arxiv_delay)
    request = _request(query, options)
    _validate(request)
    if not request.filters.areas:
        suggested = [code for code, _ in suggest_areas(request.text)]
        if not suggested:
            raise UserError("cannot tell the research area from the query; give --area "
                            f"(one of: {valid_values()})")
        request.filters.areas = suggested
        console.print(f"Areas from the query: {', '.join(suggested)} (override with --area)",
                      highlight=False)
    summary = run_crawl(settings, stages, request.filters,
                        {"months": months, "max_pages": max_pages, "keep_going": keep_going},
                        console, False, command="profscout shortlist")
    render_summary(summary, console)
    _rank_and_write(settings, request, output, fmt, console)
