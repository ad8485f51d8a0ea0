"""Run crawl stages in order: import CSRankings, select professors, crawl the selection.

Used by ``profscout crawl`` and ``profscout shortlist``. The summary is a plain dict:

    {"selected": int, "institutions": int, "areas": [codes], "area_filter": str,
     "warnings": [str], "db": str, "<stage>": StageReport.to_dict(), ...}
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from crawler.stages import (
    STAGE_ORDER,
    STAGES,
    StageContext,
    StageFunction,
    StageReport,
    load_stage,
)
from profscout.core.config import Settings
from profscout.core.errors import UserError
from profscout.core.selection import Filters, select, validate_filters
from profscout.core.store import connect


def parse_stages(value: str | Iterable[str]) -> list[str]:
    """Stage names from ``"csrankings,homepages"`` (or a list), in pipeline order."""
    items = value.split(",") if isinstance(value, str) else list(value)
    names = [s.strip().lower() for s in items if s.strip()]
    unknown = [n for n in names if n not in STAGES]
    if unknown or not names:
        what = f"unknown stage {unknown[0]!r}" if unknown else "no stage given"
        raise UserError(f"{what}; valid stages: {', '.join(STAGE_ORDER)}")
    return [s for s in STAGE_ORDER if s in names]


def load_stages(names: list[str]) -> dict[str, StageFunction]:
    """Each stage's run function; a stage whose module is missing is a one-line UserError."""
    functions = {}
    for name in names:
        module = STAGES[name].partition(":")[0]
        try:
            functions[name] = load_stage(name)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                raise UserError(f"the {name} stage is not available in this installation "
                                f"({module} is missing)") from None
            raise
        except AttributeError:
            raise UserError(f"the {name} stage is not available in this installation "
                            f"({STAGES[name]} is missing)") from None
    return functions


def _institution_count(conn: Any, ids: list[int]) -> int:
    if not ids:
        return 0
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _selected (id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM _selected")
    conn.executemany("INSERT INTO _selected (id) VALUES (?)", [(i,) for i in ids])
    count = conn.execute("SELECT COUNT(DISTINCT institution) FROM professors "
                         "WHERE id IN (SELECT id FROM _selected)").fetchone()[0]
    conn.execute("DROP TABLE _selected")
    return int(count)


def run_crawl(settings: Settings, stages: str | Iterable[str], filters: Filters,
              options: dict[str, Any], console: Console, json_mode: bool) -> dict[str, Any]:
    """Run ``stages``: ``csrankings`` first (imports everything), then select, then the rest.

    ``options`` reaches every stage as ``ctx.options`` (e.g. ``months``, ``max_pages``),
    with ``areas`` set to the selection's resolved area codes.
    Progress and warnings go to ``console`` (stderr for ``--json``). Raises UserError for bad
    filters or a missing stage, SourceError for a failing source.
    """
    names = parse_stages(stages)
    validate_filters(filters)
    functions = load_stages(names)
    existed = settings.db_path.exists()
    conn = connect(settings.db_path)
    try:
        ctx = StageContext(conn=conn, settings=settings, console=console,
                           options=dict(options), show_progress=True)
        summary: dict[str, Any] = {"selected": 0, "institutions": 0}
        if "csrankings" in functions:
            summary["csrankings"] = functions["csrankings"](ctx).to_dict()
        if conn.execute("SELECT 1 FROM professors LIMIT 1").fetchone() is None:
            raise UserError("the store has no professors yet: run `profscout crawl` with the "
                            "csrankings stage first")
        selection = select(conn, filters)
        for warning in selection.warnings:
            console.print(f"[yellow]Warning:[/yellow] {warning}", highlight=False, soft_wrap=True)
        summary.update(selected=len(selection.ids),
                       institutions=_institution_count(conn, selection.ids),
                       areas=selection.areas, area_filter=selection.area_source,
                       warnings=list(selection.warnings), db=str(settings.db_path))
        ctx.professor_ids = list(selection.ids)
        ctx.options["areas"] = list(selection.areas)  # resolved codes: evidence for names
        for name in names:
            if name == "csrankings":
                continue
            if not selection.ids:
                summary[name] = StageReport(name, skipped={"nothing_selected": 1}).to_dict()
                continue
            summary[name] = functions[name](ctx).to_dict()
        return summary
    except BaseException:
        if not existed and conn.execute("SELECT 1 FROM professors LIMIT 1").fetchone() is None:
            conn.close()
            remove_store(settings.db_path)  # a first crawl that failed leaves nothing behind
        raise
    finally:
        conn.close()


def remove_store(path: Path) -> None:
    """Delete a store file with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_cell(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    return str(value)


def _headline(report: dict[str, Any]) -> str:
    """One line on what a stage changed in the store."""
    if "added" in report:
        return (f"{report.get('added', 0)} rows added, {report.get('updated', 0)} updated, "
                f"{report.get('unchanged', 0)} unchanged")
    if "states" in report:
        return (f"{report.get('crawled_now', 0)} homepages crawled; "
                f"states: {_cell(report.get('states', {}))}")
    if "arxiv_calls" in report:
        return (f"{report.get('papers_found', 0)} papers in {report.get('arxiv_calls', 0)} "
                f"API calls; {report.get('professors_with_papers', 0)} professors with papers")
    return "-"


def render_summary(summary: dict[str, Any], console: Console) -> None:
    """The closing summary of a crawl: a rich table of changes, then each stage's figures."""
    areas = ", ".join(summary.get("areas") or []) or "all"
    console.print(f"Selected [bold]{summary['selected']}[/bold] professors at "
                  f"[bold]{summary['institutions']}[/bold] institutions (areas: {areas}; "
                  f"store: {summary.get('db', '?')})", highlight=False, soft_wrap=True)
    table = Table(title="What each stage did")
    for column in ("stage", "result", "skipped (why)"):
        table.add_column(column, overflow="fold")
    details = []
    for name in STAGE_ORDER:
        report = summary.get(name)
        if not isinstance(report, dict):
            continue
        table.add_row(name, _headline(report), _cell(report.get("skipped", {})))
        other = {k: v for k, v in report.items()
                 if k not in ("stage", "added", "updated", "unchanged", "skipped", "errors",
                              "tables", "files")}
        if other:
            details.append(f"[bold]{name}[/bold]: {_cell(other)}")
        details += [f"[yellow]{name}:[/yellow] {error}" for error in report.get("errors", [])]
    console.print(table)
    for line in details:
        console.print(line, highlight=False, soft_wrap=True)
