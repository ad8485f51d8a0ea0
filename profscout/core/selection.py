"""Which professors the user's filters select, from what the store holds.

Filters: areas (CSRankings codes, parents or friendly names), regions (as CSRankings names
them), countries (two-letter codes), institutions, ``since`` (year), ``min_pubs`` and a file
of names. Areas are judged by the best evidence the store has:

1. ``area_counts`` (CSRankings' counted papers, from ``generated-author-info.csv``);
2. else arXiv categories of the papers in ``authorships`` (professors never checked on arXiv
   are kept: no evidence either way);
3. else no area filter at all, with a warning saying so.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from profscout.core.activity import MIN_CONFIDENCE
from profscout.core.areas import arxiv_categories_for, resolve_areas, venues_for
from profscout.core.errors import UserError
from profscout.core.names import display_name, fold
from profscout.core.store import selection as store
from profscout.core.store.selection import has_area_counts

__all__ = [
    "AREA_SOURCE_ARXIV", "AREA_SOURCE_COUNTS", "AREA_SOURCE_NONE", "AREA_SOURCE_NOT_ASKED",
    "Filters", "Selection", "has_area_counts", "read_names", "region_members",
    "resolve_institutions", "resolve_region", "select", "select_professors",
    "validate_filters",
]

# CSRankings region names → the regions stored per institution (None: everywhere).
REGIONS: dict[str, frozenset[str] | None] = {
    "us": frozenset({"us"}),
    "canada": frozenset({"canada"}),
    "northamerica": frozenset({"us", "canada"}),
    "southamerica": frozenset({"southamerica"}),
    "europe": frozenset({"europe"}),
    "asia": frozenset({"asia"}),
    "australasia": frozenset({"australasia"}),
    "africa": frozenset({"africa"}),
    "world": None,
}
REGION_ALIASES = {"usa": "us", "ca": "canada", "north america": "northamerica",
                  "south america": "southamerica", "oceania": "australasia", "all": "world"}

COUNTRY_ALIASES = {"gb": "uk"}  # CSRankings writes the United Kingdom as uk

AREA_SOURCE_COUNTS = "area_counts"
AREA_SOURCE_ARXIV = "arxiv_categories"
AREA_SOURCE_NONE = "none"
AREA_SOURCE_NOT_ASKED = "not_requested"
MIN_AUTHORSHIP_CONFIDENCE = MIN_CONFIDENCE  # papers below it are no evidence of an area

@dataclass
class Filters:
    """What the user asked for; empty fields do not filter."""

    areas: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    institutions: list[str] = field(default_factory=list)
    since: int | None = None
    min_pubs: float | None = None
    names_file: Path | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Filters:
        """Filters from a mapping keyed by field name (``areas``, ``regions``...; the
        command line's filter options); other keys are ignored, sequences become lists."""
        values: dict[str, Any] = {f.name: options.get(f.name) for f in fields(cls)}
        for name in ("areas", "regions", "countries", "institutions"):
            values[name] = list(values[name] or ())
        return cls(**values)

    def any(self) -> bool:
        """Whether any filter is set."""
        return any(getattr(self, f.name) for f in fields(self))

@dataclass
class Selection:
    """The selected professor ids and how the selection was made."""

    ids: list[int]
    areas: list[str]
    area_source: str
    warnings: list[str] = field(default_factory=list)
    unmatched_names: list[str] = field(default_factory=list)

# --- validation -------------------------------------------------------------------------------

def resolve_region(value: str) -> str:
    """A CSRankings region name for ``value``; UserError naming the valid values otherwise."""
    key = " ".join(value.strip().lower().replace("-", " ").replace("_", " ").split())
    key = REGION_ALIASES.get(key, key).replace(" ", "")
    if key not in REGIONS:
        raise UserError(f"unknown region {value!r}; valid regions: {', '.join(REGIONS)}",
                        field="regions")
    return key

def country_code(value: str) -> str:
    """A country code as CSRankings writes it (lower case; ``gb`` → ``uk``)."""
    code = value.strip().lower()
    return COUNTRY_ALIASES.get(code, code)

def region_members(regions: Iterable[str]) -> set[str] | None:
    """Stored region values covered by the given region names (None: no restriction)."""
    regions = list(regions)
    if not regions:
        return None
    members: set[str] = set()
    for region in regions:
        covered = REGIONS[resolve_region(region)]
        if covered is None:
            return None
        members |= covered
    return members

def validate_filters(filters: Filters) -> None:
    """Check what can be checked without the store: areas, regions, country codes, years."""
    resolve_areas(filters.areas)
    for region in filters.regions:
        resolve_region(region)
    for country in filters.countries:
        if not re.fullmatch(r"[A-Za-z]{2}", country.strip()):
            raise UserError(f"invalid country {country!r}: use a two-letter code such as de",
                            field="countries")

def validate_against_store(conn: sqlite3.Connection, filters: Filters) -> None:
    """Check countries and institutions against the store (skipped while it is empty)."""
    countries = store.institution_countries(conn)
    if countries:
        for country in filters.countries:
            if country_code(country) not in countries:
                raise UserError(f"unknown country {country!r}; valid countries: "
                                f"{', '.join(countries)}", field="countries")
    names = store.institution_names(conn)
    if names:
        resolve_institutions(filters.institutions, names)

def resolve_institutions(values: Iterable[str], known: list[str]) -> list[str]:
    """Institution names as stored, matched case- and accent-insensitively.

    Raises UserError with the closest known names when one is not found.
    """
    by_fold = {fold(name): name for name in known}
    resolved = []
    for value in values:
        name = by_fold.get(fold(value))
        if name is None:
            close = difflib.get_close_matches(fold(value), list(by_fold), n=3, cutoff=0.6)
            partial = [n for f, n in by_fold.items() if fold(value) in f][:3]
            hints = list(dict.fromkeys([by_fold[c] for c in close] + partial))[:3]
            hint = f"; did you mean: {', '.join(hints)}?" if hints else \
                "; names are as CSRankings spells them"
            raise UserError(f"unknown institution {value!r}{hint}", field="institutions")
        resolved.append(name)
    return resolved

# --- names file -------------------------------------------------------------------------------

def read_names(lines: Iterable[str]) -> list[str]:
    """Names from a user's list: one per line; blank lines and ``#`` comments ignored.

    A spreadsheet row (cells separated by tab, comma or semicolon) gives its first cell,
    except ``Doe, Jane`` which reads as ``Jane Doe``.
    """
    names = []
    for line in lines:
        line = line.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        cells = [c.strip().strip('"') for c in re.split(r"[\t;,]", line)]
        if len(cells) == 2 and cells[1] and " " not in cells[0] and " " not in cells[1]:
            name = f"{cells[1]} {cells[0]}"  # "Doe, Jane"
        else:
            name = cells[0]
        if name:
            names.append(name)
    return names

def name_key(name: str) -> str:
    """A name folded for matching: no DBLP number, case, accents or punctuation."""
    return fold(display_name(name))

def match_names(conn: sqlite3.Connection, names: list[str]) -> tuple[set[int], list[str]]:
    """Professor ids whose name or any alias matches one of ``names``; and the unmatched.

    A name with a DBLP number (``Wei Wang 0002``) matches that DBLP name only; without one
    it matches every namesake.
    """
    by_display: dict[str, set[int]] = {}
    by_alias: dict[str, set[int]] = {}
    for pid, alias in store.professor_names(conn):
        by_display.setdefault(name_key(alias), set()).add(pid)
        by_alias.setdefault(fold(alias), set()).add(pid)
    ids: set[int] = set()
    unmatched = []
    for name in names:
        index = by_alias if display_name(name) != name.strip() else by_display
        found = index.get(fold(name) if index is by_alias else name_key(name))
        if found:
            ids |= found
        else:
            unmatched.append(name)
    return ids, unmatched

# --- selection --------------------------------------------------------------------------------

def _ids_by_area_counts(conn: sqlite3.Connection, codes: list[str], since: int | None,
                        min_pubs: float | None) -> set[int]:
    venues = venues_for(codes) if codes else None
    return store.professors_with_counted_papers(conn, venues=venues, since=since,
                                                at_least=min_pubs or 0)

def _ids_by_arxiv(conn: sqlite3.Connection, codes: list[str], since: int | None,
                  min_pubs: float | None) -> set[int]:
    wanted = arxiv_categories_for(codes) if codes else None
    published_from = f"{since:04d}-01-01" if since is not None else None
    papers: dict[int, int] = {}
    for pid, categories, primary in store.attributed_paper_categories(
            conn, min_confidence=MIN_AUTHORSHIP_CONFIDENCE, published_from=published_from):
        cats = set(re.split(r"[^\w.\-]+", f"{categories} {primary}")) - {""}
        if wanted is None or cats & wanted:
            papers[pid] = papers.get(pid, 0) + 1
    return {pid for pid, n in papers.items() if n >= max(min_pubs or 0, 1)}

def select(conn: sqlite3.Connection, filters: Filters) -> Selection:
    """Select professors; see the module docstring for how areas are judged."""
    validate_filters(filters)
    validate_against_store(conn, filters)
    codes = resolve_areas(filters.areas)
    institutions = (resolve_institutions(filters.institutions, store.institution_names(conn))
                    if filters.institutions else None)
    ids = store.professors_at(
        conn, regions=region_members(filters.regions),
        countries={country_code(c) for c in filters.countries} or None,
        institutions=institutions)

    selection = Selection(ids=[], areas=codes, area_source=AREA_SOURCE_NOT_ASKED)
    wants_pubs = bool(codes) or filters.since is not None or filters.min_pubs is not None
    if wants_pubs:
        if store.has_area_counts(conn):
            selection.area_source = AREA_SOURCE_COUNTS
            ids &= _ids_by_area_counts(conn, codes, filters.since, filters.min_pubs)
        elif store.has_authorships(conn):
            selection.area_source = AREA_SOURCE_ARXIV
            checked = store.professors_checked_on_arxiv(conn)
            ids &= _ids_by_arxiv(conn, codes, filters.since, filters.min_pubs) | (ids - checked)
            selection.warnings.append(
                "the store has no CSRankings area data; areas and publication counts are "
                "judged from the arXiv categories of matched papers (professors not yet "
                "checked on arXiv are kept)")
        else:
            selection.area_source = AREA_SOURCE_NONE
            selection.warnings.append(
                "the store has no area data (no generated-author-info.csv, no arXiv papers "
                "yet): the area, year and publication-count filters are not applied")
    if filters.names_file is not None:
        with open(filters.names_file, encoding="utf-8-sig", errors="replace") as handle:
            wanted = read_names(handle)
        matched, selection.unmatched_names = match_names(conn, wanted)
        ids &= matched
        if selection.unmatched_names:
            shown = ", ".join(selection.unmatched_names[:5])
            more = len(selection.unmatched_names) - 5
            selection.warnings.append(
                f"{len(selection.unmatched_names)} name(s) in {filters.names_file} match no "
                f"professor: {shown}" + (f" and {more} more" if more > 0 else ""))
    selection.ids = sorted(ids)
    return selection

def select_professors(conn: sqlite3.Connection, filters: Filters) -> list[int]:
    """Ids of the professors the filters select (sorted)."""
    return select(conn, filters).ids
