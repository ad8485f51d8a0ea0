"""``profscout check "Jane Doe"``: has this professor published recently, and on what?

The work is :func:`crawler.check.check_professor`; this command parses options, maps its
errors to one line, and renders the answer.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape

from profscout.cli.options import build_settings, db_option, name_callback, source_options
from profscout.core.errors import UserError

if TYPE_CHECKING:  # the arXiv client loads when a check runs, not for --help
    from crawler.check import CheckedPaper, CheckResult


def _coauthors(names: list[str], limit: int = 4) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _paper(p: CheckedPaper, console: Console, *, why: bool = False) -> None:
    console.print(f"\n{p.published}  arXiv:{p.arxiv_id}  {escape(p.title)}")
    console.print(f"            {p.url} · {', '.join(p.categories)}"
                  + (f" · with {escape(_coauthors(p.coauthors))}" if p.coauthors else "")
                  + (f" · confidence {p.confidence:.2f}" if p.confidence < 1 else ""))
    if why:
        console.print(f"            why: {escape(p.evidence)}")


def render(result: CheckResult, today: date, console: Console, show_leads: bool = False
           ) -> None:
    """Human-readable answer (``show_leads``: the uncertain papers too, with reasons)."""
    where = f" ({result.institution})" if result.institution else ""
    console.print(f"[bold]{escape(result.name)}[/bold]{escape(where)}")
    console.print(f"[bold]{escape(result.verdict(today))}[/bold]")
    source = ("cached in the store, checked " + result.checked_at[:10]
              if result.source == "cache" else "asked arXiv just now")
    console.print(f"source: {source}")
    console.print("name forms queried: " + ", ".join(f'"{f}"' for f in result.name_forms))
    for form, categories in result.searched_within.items():
        console.print(f'[yellow]"{form}" finds every author with that surname, so it was asked '
                      f"only in {', '.join(categories)} (the person's fields; --area sets them "
                      "for a name the store does not hold): papers in other fields are not "
                      "seen.[/yellow]")
    if result.matched_as:
        console.print("matched as: " + ", ".join(escape(m) for m in result.matched_as))
    console.print(f"papers: {result.confirmed} confirmed, {result.uncertain} uncertain")
    if result.ambiguous:
        console.print(f"[yellow]warning: ambiguous name ({escape('; '.join(result.ambiguous))})"
                      "; papers count only with evidence about the person (own publication "
                      "list, co-authors, affiliation)."
                      + (f" {len(result.leads)} more kept as unconfirmed leads"
                         + ("" if show_leads else " (--show-leads lists them).")
                         if result.leads else "")
                      + (f" {result.unconfirmed} matches without evidence were dropped."
                         if result.unconfirmed else "") + "[/yellow]")
        if not result.in_store:
            where = f'"{escape(result.institution)}"' if result.institution else "NAME"
            console.print("[yellow]The store does not hold this person, so only the paper "
                          "itself was evidence: crawl them first (profscout crawl "
                          f"--institution {where}) and their publication list and colleagues "
                          "can confirm papers.[/yellow]")
    for p in result.papers:
        _paper(p, console)
    if show_leads and result.leads:
        console.print(f"\n[bold]uncertain ({len(result.leads)}): not counted[/bold]")
        for p in result.leads:
            _paper(p, console, why=True)


@click.command("check")
@click.argument("name", callback=name_callback)
@click.option("--institution", default=None, metavar="NAME",
              help="Institution, to pick the right person among namesakes.")
@click.option("--months", type=click.IntRange(1, 120), default=12, show_default=True,
              help="Window for the verdict and the papers listed.")
@click.option("--area", "areas", multiple=True, metavar="AREA",
              help="The person's CSRankings area(s): evidence for ambiguous names, and the "
                   "fields a doubled name (\"Chen Chen\") is searched in.")
@click.option("--refresh", is_flag=True, help="Ask arXiv even when the store has an answer.")
@click.option("--show-leads", is_flag=True,
              help="Also list the uncertain papers (not counted), with the reasons.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@db_option
@source_options
def check(name: str, institution: str | None, months: int, areas: tuple[str, ...],
          refresh: bool, show_leads: bool, as_json: bool, **options: Any) -> None:
    """Has this professor published recently, and on what? (arXiv, last MONTHS months)"""
    settings = build_settings(**options)
    codes: tuple[str, ...] = ()
    if areas:
        from profscout.core.areas import resolve_areas
        codes = tuple(resolve_areas(areas))
    today = datetime.now(UTC).date()
    from crawler.check import NameNotUsable, SeveralProfessors, check_professor

    try:
        result = check_professor(name, db_path=settings.db_path, arxiv_url=settings.arxiv_url,
                                 arxiv_delay=settings.arxiv_delay, institution=institution,
                                 months=months, areas=codes, refresh=refresh, today=today)
    except NameNotUsable as exc:
        raise UserError(str(exc)) from None
    except SeveralProfessors as exc:
        raise UserError(f"{exc}; narrow it with --institution") from None
    if as_json:
        click.echo(json.dumps(result.to_dict(today), indent=2, ensure_ascii=False))
    else:
        render(result, today, Console(highlight=False, soft_wrap=True), show_leads)
