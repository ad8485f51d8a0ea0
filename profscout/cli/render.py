"""Rich renderings for the terminal: the closing summary of a crawl."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from crawler.crawl import CrawlSummary
from crawler.stages import STAGE_ORDER


def warn(console: Console, message: str) -> None:
    """One warning line."""
    console.print(f"[yellow]Warning:[/yellow] {message}", highlight=False, soft_wrap=True)


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_cell(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    return str(value)


def _per_table(tables: dict[str, dict[str, int]]) -> str:
    """``professors 10 added, 2 updated, 0 unchanged; institutions ...``: one part per kind
    of row (a total over kinds would count a person, their aliases and their institution as
    several rows)."""
    return "; ".join(f"{name} {counts.get('added', 0)} added, {counts.get('updated', 0)} "
                     f"updated, {counts.get('unchanged', 0)} unchanged"
                     for name, counts in tables.items())


def _headline(report: dict[str, Any]) -> str:
    """One line on what a stage changed in the store."""
    if report.get("tables"):
        read = f" (from {report['rows_read']} rows read)" if report.get("rows_read") else ""
        return _per_table(report["tables"]) + read
    if "added" in report:
        return (f"{report.get('added', 0)} rows added, {report.get('updated', 0)} updated, "
                f"{report.get('unchanged', 0)} unchanged")
    if "states" in report:
        return (f"{report.get('crawled_now', 0)} homepages crawled; "
                f"states: {_cell(report.get('states', {}))}")
    if "papers_new" in report:
        return (f"{report['papers_new']} new papers ({report.get('papers_matched', 0)} matched "
                f"of {report.get('papers_returned', 0)} returned) in "
                f"{report.get('arxiv_calls', 0)} API calls; "
                f"{report.get('professors_with_papers', 0)} professors with papers")
    if "arxiv_calls" in report:
        return (f"{report.get('papers_found', 0)} papers in {report.get('arxiv_calls', 0)} "
                f"API calls; {report.get('professors_with_papers', 0)} professors with papers")
    return "-"


def render_summary(summary: CrawlSummary, console: Console, show_warnings: bool = True) -> None:
    """The closing summary of a crawl: the selection's warnings (unless already shown), a
    rich table of changes, then each stage's figures."""
    if show_warnings:
        for warning in summary.warnings:
            warn(console, warning)
    areas = ", ".join(summary.areas) or "all"
    console.print(f"Selected [bold]{summary.selected}[/bold] professors at "
                  f"[bold]{summary.institutions}[/bold] institutions (areas: {areas}; "
                  f"store: {summary.db})", highlight=False, soft_wrap=True)
    table = Table(title="What each stage did")
    for column in ("stage", "result", "skipped (why)"):
        table.add_column(column, overflow="fold")
    details = []
    for name in STAGE_ORDER:
        if name not in summary.reports:
            continue
        report = summary.reports[name].to_dict()
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
