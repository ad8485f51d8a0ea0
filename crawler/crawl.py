"""Run crawl stages in order: import CSRankings, select professors, crawl the selection.

Used by ``profscout crawl`` and ``profscout shortlist``; :func:`run_crawl` returns a
:class:`CrawlSummary` (``to_dict()`` is the ``--json`` object) and renders nothing but the
stages' progress bars.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from crawler.stages import (
    STAGE_ORDER,
    STAGES,
    StageContext,
    StageFunction,
    StageReport,
    load_stage,
)
from profscout.core.config import Settings, lock_wait
from profscout.core.errors import EmptyStoreError, UserError
from profscout.core.selection import Filters, select, validate_filters
from profscout.core.store import StoreReadOnlyError, connect, is_read_only, remove_store
from profscout.core.store.lock import Holder, lock_path, writer_lock
from profscout.core.store.selection import has_professors, institution_count


@dataclass
class CrawlSummary:
    """What a crawl selected and what each stage did (reports in pipeline order)."""

    db: str
    selected: int = 0
    institutions: int = 0
    areas: list[str] = field(default_factory=list)
    area_filter: str = ""
    warnings: list[str] = field(default_factory=list)
    reports: dict[str, StageReport] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """``{"selected", "institutions", "areas", "area_filter", "warnings", "db",
        "<stage>": StageReport.to_dict(), ...}``."""
        return {"selected": self.selected, "institutions": self.institutions,
                "areas": list(self.areas), "area_filter": self.area_filter,
                "warnings": list(self.warnings), "db": self.db,
                **{name: report.to_dict() for name, report in self.reports.items()}}


def parse_stages(value: str | Iterable[str]) -> list[str]:
    """Stage names from ``"csrankings,homepages"`` (or a list), in pipeline order."""
    items = value.split(",") if isinstance(value, str) else list(value)
    names = [s.strip().lower() for s in items if s.strip()]
    unknown = [n for n in names if n not in STAGES]
    if unknown or not names:
        what = f"unknown stage {unknown[0]!r}" if unknown else "no stage given"
        raise UserError(f"{what}; valid stages: {', '.join(STAGE_ORDER)}", field="stages")
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
                                f"({module} is missing)", field="stages") from None
            raise
        except AttributeError:
            raise UserError(f"the {name} stage is not available in this installation "
                            f"({STAGES[name]} is missing)", field="stages") from None
    return functions


def run_crawl(settings: Settings, stages: str | Iterable[str], filters: Filters,
              options: Mapping[str, Any] | None = None, console: Console | None = None,
              quiet: bool = False, on_warning: Callable[[str], None] | None = None,
              command: str = "profscout crawl") -> CrawlSummary:
    """Run ``stages``: ``csrankings`` first (imports everything), then select, then the rest.

    ``options`` reaches every stage as ``ctx.options`` (``months``, ``max_pages``...), with
    ``areas`` set to the selection's resolved area codes. Stages draw progress on ``console``
    (default: stderr) unless ``quiet``; ``on_warning`` hears the selection's warnings before
    the stages run (they are in the summary too). Raises UserError for bad filters or a
    missing stage, EmptyStoreError when nothing was imported, SourceError for a failing
    source. A first crawl that fails leaves no store behind.

    One crawl per store at a time: the run holds the store's writer lock (``command`` says
    who holds it); when another process holds it, this waits up to
    :func:`profscout.core.config.lock_wait` seconds (saying so through ``on_warning``) and
    then raises StoreLockedError naming the holder. A store that cannot be written raises
    StoreReadOnlyError before anything is fetched; a stage whose writes fail raises a
    StoreError (or SourceError) instead of reporting what it could not save.
    """
    names = parse_stages(stages)
    validate_filters(filters)
    functions = load_stages(names)
    console = console or Console(stderr=True)
    if is_read_only(settings.db_path):
        raise StoreReadOnlyError(f"the store {settings.db_path} is read-only: nothing could "
                                 "be saved (make it writable or use a copy)")

    def waiting(holder: Holder) -> None:
        message = (f"the store is in use by {holder.describe()}; waiting up to "
                   f"{lock_wait():g} s for it to finish")
        if on_warning is not None:
            on_warning(message)
        else:
            console.print(f"Waiting: {message}", highlight=False, soft_wrap=True)

    try:
        with writer_lock(settings.db_path, command, wait=lock_wait(), on_wait=waiting):
            return _run_locked(settings, names, functions, filters, options, console, quiet,
                               on_warning)
    finally:
        if not settings.db_path.exists():  # a failed first crawl leaves nothing behind
            lock_path(settings.db_path).unlink(missing_ok=True)


def _run_locked(settings: Settings, names: list[str], functions: dict[str, StageFunction],
                filters: Filters, options: Mapping[str, Any] | None, console: Console,
                quiet: bool, on_warning: Callable[[str], None] | None) -> CrawlSummary:
    """:func:`run_crawl` once the store's writer lock is held."""
    existed = settings.db_path.exists()
    conn = connect(settings.db_path)
    try:
        ctx = StageContext(conn=conn, settings=settings, console=console,
                           options=dict(options or {}), show_progress=not quiet)
        summary = CrawlSummary(db=str(settings.db_path))
        if "csrankings" in functions:
            summary.reports["csrankings"] = functions["csrankings"](ctx)
        if not has_professors(conn):
            raise EmptyStoreError("the store has no professors yet", needs="csrankings")
        selection = select(conn, filters)
        for warning in selection.warnings:
            if on_warning is not None:
                on_warning(warning)
        summary.selected = len(selection.ids)
        summary.institutions = institution_count(conn, selection.ids)
        summary.areas = list(selection.areas)
        summary.area_filter = selection.area_source
        summary.warnings = list(selection.warnings)
        ctx.professor_ids = list(selection.ids)
        ctx.options["areas"] = list(selection.areas)  # resolved codes: evidence for names
        for name in names:
            if name == "csrankings":
                continue
            if not selection.ids:
                summary.reports[name] = StageReport(name, skipped={"nothing_selected": 1})
                continue
            summary.reports[name] = functions[name](ctx)
        return summary
    except BaseException:
        if not existed and not has_professors(conn):
            conn.close()
            remove_store(settings.db_path)
        raise
    finally:
        conn.close()
