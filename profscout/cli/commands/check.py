"""``profscout check "Jane Doe"``: has this professor published recently, and on what?

Works with or without a store. A name found in the store is looked up with all its aliases
and its areas, and the answer is cached there (later checks say "cached"); any other name is
looked up live and nothing is written.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from crawler.arxiv_client import get_client
from crawler.arxiv_stage import (
    LookupBatch,
    Person,
    PersonResult,
    area_categories,
    load_people,
    lookup,
    save_results,
    sync_covers,
)
from profscout.cli.options import build_settings, db_option, source_options
from profscout.core.activity import MIN_CONFIDENCE, months_ago, verdict
from profscout.core.errors import UserError
from profscout.core.names import (
    PersonEvidence,
    ambiguity_reasons,
    fold,
    match_author,
    parse_name,
    query_forms,
    validate_person_name,
)
from profscout.core.store import connect, transaction

CACHE_DAYS = 7


@dataclass
class CheckedPaper:
    published: str
    arxiv_id: str
    title: str
    categories: list[str]
    coauthors: list[str]
    matched_as: str
    confidence: float
    evidence: str

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.published, "arxiv_id": self.arxiv_id, "url": self.url,
                "title": self.title, "categories": self.categories,
                "coauthors": self.coauthors, "matched_as": self.matched_as,
                "confidence": self.confidence, "evidence": self.evidence}


@dataclass
class CheckResult:
    name: str
    institution: str
    months: int
    source: str  # "live" or "cache"
    checked_at: str
    name_forms: list[str]
    ambiguous: list[str]
    papers: list[CheckedPaper] = field(default_factory=list)  # counted (confident) ones
    leads: list[CheckedPaper] = field(default_factory=list)  # kept below MIN_CONFIDENCE
    unconfirmed: int = 0  # rejected matches under an ambiguous name
    in_store: bool = False

    @property
    def matched_as(self) -> list[str]:
        return sorted({p.matched_as for p in self.papers})

    def verdict(self, today: date) -> str:
        line = verdict([p.published for p in self.papers], today, self.months)
        if not self.papers and (self.leads or self.unconfirmed):
            n = len(self.leads) + self.unconfirmed
            line = (f"unconfirmed: {n} paper{'s' if n != 1 else ''} under this ambiguous name "
                    f"in the last {self.months} months, none confirmed as this person's")
        return line

    def to_dict(self, today: date) -> dict[str, Any]:
        return {"name": self.name, "institution": self.institution or None,
                "months": self.months, "verdict": self.verdict(today),
                "papers_in_window": len(self.papers), "source": self.source,
                "checked_at": self.checked_at, "in_store": self.in_store,
                "name_forms_queried": self.name_forms, "matched_as": self.matched_as,
                "ambiguous": bool(self.ambiguous), "ambiguity_reasons": self.ambiguous,
                "papers": [p.to_dict() for p in self.papers],
                "unconfirmed_leads": [p.to_dict() for p in self.leads],
                "rejected_matches": self.unconfirmed}


def _from_result(res: PersonResult, window: date) -> tuple[list[CheckedPaper],
                                                           list[CheckedPaper]]:
    papers, leads = [], []
    for f in res.kept:
        if f.paper.published.date() <= window:
            continue
        item = CheckedPaper(f.paper.published.date().isoformat(), f.paper.arxiv_id,
                            f.paper.title, list(f.paper.categories),
                            [a for a in f.paper.authors if a != f.author], f.author,
                            f.attribution.confidence, f.attribution.evidence)
        (papers if item.confidence >= MIN_CONFIDENCE else leads).append(item)
    return papers, leads


def _find_in_store(conn: sqlite3.Connection, name: str, institution: str | None) -> list[
        sqlite3.Row]:
    """Professors whose name or an alias matches ``name`` (full first name), by institution."""
    key = parse_name(name).key
    rows = conn.execute("SELECT p.id, p.name, p.institution, a.display FROM professors p "
                        "LEFT JOIN professor_aliases a ON a.professor_id = p.id").fetchall()
    found: dict[int, sqlite3.Row] = {}
    for row in rows:
        alias = row["display"] or row["name"]
        if parse_name(alias).key == key or ((m := match_author(name, [alias]))
                                            and m.score >= 1.0):
            found[row["id"]] = row
    matches = list(found.values())
    if institution:
        wanted = fold(institution)
        matches = [r for r in matches if wanted in fold(r["institution"])]
    return matches


def _cached(conn: sqlite3.Connection, pid: int, window: date, today: date
            ) -> tuple[str, list[CheckedPaper], list[CheckedPaper], bool] | None:
    sync = conn.execute("SELECT checked_at, window_start, status FROM arxiv_sync "
                        "WHERE professor_id = ?", (pid,)).fetchone()
    if not sync_covers(sync, window):
        return None
    checked = datetime.fromisoformat(sync["checked_at"])
    if checked.date() < today - timedelta(days=CACHE_DAYS):
        return None
    papers, leads, ambiguous = [], [], False
    for r in conn.execute(
            "SELECT p.arxiv_id, p.title, p.categories, p.authors_json, p.published, "
            "a.matched_name, a.confidence, a.evidence FROM authorships a JOIN papers p "
            "USING (arxiv_id) WHERE a.professor_id = ? AND p.published > ? "
            "ORDER BY p.published DESC", (pid, window.isoformat())):
        ambiguous = ambiguous or "ambiguous name" in r["evidence"]
        item = CheckedPaper(r["published"], r["arxiv_id"], r["title"], r["categories"].split(),
                            [a for a in json.loads(r["authors_json"]) if a != r["matched_name"]],
                            r["matched_name"], r["confidence"], r["evidence"])
        (papers if item.confidence >= MIN_CONFIDENCE else leads).append(item)
    return sync["checked_at"], papers, leads, ambiguous


def run_check(name: str, institution: str | None, months: int, areas: tuple[str, ...],
              refresh: bool, settings: Any, today: date) -> CheckResult:
    """Look ``name`` up (store first, then arXiv) and return what was found."""
    try:
        cleaned = validate_person_name(name)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    window = months_ago(today, months)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    db_path = Path(settings.db_path)
    conn = connect(db_path) if db_path.exists() else None
    try:
        rows = _find_in_store(conn, cleaned, institution) if conn else []
        if len(rows) > 1:
            places = "; ".join(sorted({f"{r['name']} ({r['institution']})" for r in rows}))
            raise UserError(f"{len(rows)} professors in the store match {cleaned!r}: {places}; "
                            "narrow it with --institution")
        if rows:
            assert conn is not None
            pid = rows[0]["id"]
            person = load_people(conn, [pid], window, areas)[0]
            cached = None if refresh else _cached(conn, pid, window, today)
            if cached:
                checked_at, papers, leads, was_ambiguous = cached
                reasons = ambiguity_reasons(person.aliases, person.namesakes)
                if was_ambiguous and not reasons:
                    reasons = ["marked ambiguous when crawled"]
                return CheckResult(person.name, person.institution, months, "cache",
                                   checked_at, person.forms, reasons, papers, leads,
                                   in_store=True)
            if refresh:
                person.since = window
        else:
            person = Person(cleaned, [cleaned], None, institution or "", window, 0,
                            PersonEvidence(area_categories=area_categories(areas),
                                           institution=institution or ""))
        client = get_client(settings.arxiv_url, settings.arxiv_delay)
        batch = LookupBatch([person], person.since or window)
        results, _ = lookup(client, batch, today)
        res = results[0]
        if conn is not None and person.professor_id is not None:
            with transaction(conn):
                save_results(conn, results, window, today)
            cached = _cached(conn, person.professor_id, window, today)
            assert cached is not None
            _, papers, leads, _ = cached
        else:
            papers, leads = _from_result(res, window)
        return CheckResult(person.name, person.institution, months, "live", now,
                           person.forms or query_forms([cleaned]), res.ambiguous, papers,
                           leads, len(res.rejected), in_store=person.professor_id is not None)
    finally:
        if conn is not None:
            conn.close()


def _coauthors(names: list[str], limit: int = 4) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def render(result: CheckResult, today: date, console: Console) -> None:
    """Human-readable answer."""
    where = f" ({result.institution})" if result.institution else ""
    console.print(f"[bold]{escape(result.name)}[/bold]{escape(where)}")
    console.print(f"[bold]{escape(result.verdict(today))}[/bold]")
    source = ("cached in the store, checked " + result.checked_at[:10]
              if result.source == "cache" else "asked arXiv just now")
    console.print(f"source: {source}")
    console.print("name forms queried: " + ", ".join(f'"{f}"' for f in result.name_forms))
    if result.matched_as:
        console.print("matched as: " + ", ".join(escape(m) for m in result.matched_as))
    if result.ambiguous:
        console.print(f"[yellow]warning: ambiguous name ({escape('; '.join(result.ambiguous))})"
                      "; papers are kept only with evidence (areas, co-authors, affiliation)."
                      + (f" {len(result.leads)} more kept as unconfirmed leads."
                         if result.leads else "")
                      + (f" {result.unconfirmed} matches without evidence were dropped."
                         if result.unconfirmed else "") + "[/yellow]")
    for p in result.papers:
        console.print(f"\n{p.published}  arXiv:{p.arxiv_id}  {escape(p.title)}")
        console.print(f"            {p.url} · {', '.join(p.categories)}"
                      + (f" · with {escape(_coauthors(p.coauthors))}" if p.coauthors else "")
                      + (f" · confidence {p.confidence:.2f}" if p.confidence < 1 else ""))


@click.command("check")
@click.argument("name")
@click.option("--institution", default=None, metavar="NAME",
              help="Institution, to pick the right person among namesakes.")
@click.option("--months", type=click.IntRange(1, 120), default=12, show_default=True,
              help="Window for the verdict and the papers listed.")
@click.option("--area", "areas", multiple=True, metavar="AREA",
              help="The person's CSRankings area(s): evidence for ambiguous names.")
@click.option("--refresh", is_flag=True, help="Ask arXiv even when the store has an answer.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@db_option
@source_options
def check(name: str, institution: str | None, months: int, areas: tuple[str, ...],
          refresh: bool, as_json: bool, **options: Any) -> None:
    """Has this professor published recently, and on what? (arXiv, last MONTHS months)"""
    settings = build_settings(**options)
    codes: tuple[str, ...] = ()
    if areas:
        from profscout.core.areas import resolve_areas
        codes = tuple(resolve_areas(areas))
    today = datetime.now(UTC).date()
    result = run_check(name, institution, months, codes, refresh, settings, today)
    if as_json:
        click.echo(json.dumps(result.to_dict(today), indent=2, ensure_ascii=False))
    else:
        render(result, today, Console(highlight=False, soft_wrap=True))
