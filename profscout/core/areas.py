"""CSRankings research areas: codes, parents, friendly names, venues, arXiv categories, keywords.

The table lives in ``data/areas.csv`` (written by us). Multi-valued columns hold values
separated by ``;``. User input resolves to area codes:

* an area code (``vision``, ``mlmining``; lower case as CSRankings writes it) → that area;
* a parent (``AI``, ``Systems``, ``Theory``, ``Interdisciplinary``) → all of its areas
  (``ai`` in lower case is the area "Artificial intelligence"; ``AI`` is the parent);
* a friendly name or alias (``computer vision``, ``machine learning``), case-insensitive.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from profscout.core.config import REFERENCE_DIR
from profscout.core.errors import UserError
from profscout.core.names import fold

AREAS_CSV = REFERENCE_DIR / "areas.csv"
PARENTS = ("AI", "Systems", "Theory", "Interdisciplinary")
_COLUMNS = ("code", "parent", "name", "aliases", "venues", "next_tier_venues",
            "arxiv_categories", "keywords")


@dataclass(frozen=True)
class Area:
    """One CSRankings area."""

    code: str
    parent: str
    name: str
    aliases: tuple[str, ...]
    venues: tuple[str, ...]
    next_tier_venues: tuple[str, ...]
    arxiv_categories: tuple[str, ...]
    keywords: tuple[str, ...]

    def venue_codes(self, next_tier: bool = True) -> tuple[str, ...]:
        """Venue codes counted for this area (next-tier ones too unless ``next_tier`` is off)."""
        return self.venues + (self.next_tier_venues if next_tier else ())


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(";") if v.strip())


def parse_areas(lines: Iterable[str]) -> dict[str, Area]:
    """Areas from the lines of an ``areas.csv``, keyed by code (in file order)."""
    reader = csv.DictReader(lines)
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"areas table lacks columns: {', '.join(missing)}")
    areas: dict[str, Area] = {}
    for row in reader:
        code = row["code"].strip()
        if row["parent"].strip() not in PARENTS:
            raise ValueError(f"area {code}: unknown parent {row['parent']!r}")
        areas[code] = Area(
            code=code,
            parent=row["parent"].strip(),
            name=row["name"].strip(),
            aliases=_split(row["aliases"]),
            venues=_split(row["venues"]),
            next_tier_venues=_split(row["next_tier_venues"]),
            arxiv_categories=_split(row["arxiv_categories"]),
            keywords=_split(row["keywords"]),
        )
    return areas


@lru_cache(maxsize=4)
def load_areas(path: Path = AREAS_CSV) -> dict[str, Area]:
    """The areas table (cached)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return parse_areas(handle)


def area_names(areas: dict[str, Area] | None = None) -> dict[str, tuple[str, ...]]:
    """Every accepted user spelling (folded) → the area codes it stands for."""
    areas = areas or load_areas()
    names: dict[str, tuple[str, ...]] = {}
    for parent in PARENTS:
        names[fold(parent)] = tuple(a.code for a in areas.values() if a.parent == parent)
    for area in areas.values():
        for spelling in (area.name, *area.aliases):
            names.setdefault(fold(spelling), (area.code,))
    return names


def valid_values(areas: dict[str, Area] | None = None) -> str:
    """A one-line list of valid area values, for error messages."""
    areas = areas or load_areas()
    return ", ".join([*areas, *PARENTS])


def resolve_area(value: str, areas: dict[str, Area] | None = None) -> tuple[str, ...]:
    """The area codes ``value`` (a code, parent or friendly name) stands for.

    Raises UserError naming the valid values when nothing matches.
    """
    areas = areas or load_areas()
    stripped = value.strip()
    if stripped in areas:
        return (stripped,)
    codes = area_names(areas).get(fold(stripped))
    if codes:
        return codes
    raise UserError(f"unknown area {value!r}; valid areas: {valid_values(areas)} "
                    "(or a friendly name such as 'computer vision')")


def resolve_areas(values: Iterable[str], areas: dict[str, Area] | None = None) -> list[str]:
    """Area codes for several user values, without duplicates, in first-seen order."""
    codes: list[str] = []
    for value in values:
        for code in resolve_area(value, areas):
            if code not in codes:
                codes.append(code)
    return codes


def venues_for(codes: Iterable[str], areas: dict[str, Area] | None = None,
               next_tier: bool = True) -> set[str]:
    """Venue codes of the given areas, plus the area codes themselves.

    ``generated-author-info.csv`` names venues (``cvpr``); some files name areas instead,
    so both spellings count.
    """
    areas = areas or load_areas()
    result: set[str] = set()
    for code in codes:
        result.add(code)
        result.update(areas[code].venue_codes(next_tier))
    return result


def area_of_venue(areas: dict[str, Area] | None = None) -> dict[str, str]:
    """Venue code (and area code) → area code."""
    areas = areas or load_areas()
    mapping: dict[str, str] = {}
    for area in areas.values():
        mapping[area.code] = area.code
        for venue in area.venue_codes():
            mapping.setdefault(venue, area.code)
    return mapping


def arxiv_categories_for(codes: Iterable[str],
                         areas: dict[str, Area] | None = None) -> set[str]:
    """arXiv categories of the given areas."""
    areas = areas or load_areas()
    return {cat for code in codes for cat in areas[code].arxiv_categories}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


def suggest_areas(query: str, areas: dict[str, Area] | None = None,
                  limit: int = 3) -> list[tuple[str, float]]:
    """Areas a free-text query is most likely about, as ``(code, score)`` best first.

    A keyword, alias or name of an area that occurs in the query as a whole phrase scores
    its number of words (longer phrases are more specific); areas scoring 0 are left out.
    """
    areas = areas or load_areas()
    text = " " + " ".join(_words(query)) + " "
    scores: dict[str, float] = {}
    for area in areas.values():
        score = 0.0
        for phrase in {*area.keywords, *area.aliases, area.name}:
            words = _words(phrase)
            if words and f" {' '.join(words)} " in text:
                score += len(words)
        if score:
            scores[area.code] = score
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], list(areas).index(kv[0])))
    return ranked[:limit]
