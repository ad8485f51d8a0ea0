"""Rank institutions the way CSRankings does, from the store's ``area_counts``.

Per institution: sum the adjusted counts (Σ 1/#authors) per chosen area over the chosen
years, then take the geometric mean over the N chosen areas of (sum + 1).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from profscout.core.areas import area_of_venue, venues_for
from profscout.core.store.institutions import area_count_rows


@dataclass
class InstitutionScore:
    """One institution's score and what it is made of."""

    institution: str
    region: str
    country: str
    score: float
    faculty: int
    areas: dict[str, float] = field(default_factory=dict)


def geometric_mean_score(per_area: dict[str, float], areas: list[str]) -> float:
    """Geometric mean over ``areas`` of (adjusted count + 1); areas without papers give 1."""
    if not areas:
        return 0.0
    logs = sum(math.log(per_area.get(area, 0.0) + 1.0) for area in areas)
    return math.exp(logs / len(areas))


def score_institutions(rows: Iterable[tuple[str, str, str, str, int, float]],
                       areas: list[str]) -> list[InstitutionScore]:
    """Scores from ``(institution, region, country, area code, professor id, adjusted)`` rows.

    ``faculty`` counts professors with counted papers in the chosen areas. Best first;
    ties by name.
    """
    totals: dict[str, dict[str, float]] = {}
    people: dict[str, set[int]] = {}
    place: dict[str, tuple[str, str]] = {}
    for institution, region, country, area, pid, adjusted in rows:
        per_area = totals.setdefault(institution, {})
        per_area[area] = per_area.get(area, 0.0) + adjusted
        people.setdefault(institution, set()).add(pid)
        place[institution] = (region, country)
    scores = [InstitutionScore(name, *place[name], score=geometric_mean_score(per_area, areas),
                               faculty=len(people[name]),
                               areas={a: round(per_area.get(a, 0.0), 2) for a in areas})
              for name, per_area in totals.items()]
    scores.sort(key=lambda s: (-s.score, s.institution))
    return scores


def area_rows(conn: sqlite3.Connection, areas: list[str], regions: set[str] | None,
              since: int | None, until: int | None
              ) -> list[tuple[str, str, str, str, int, float]]:
    """Rows for :func:`score_institutions` from the store, venues mapped to area codes."""
    to_area = area_of_venue()
    wanted = set(areas)
    rows = []
    for row in area_count_rows(conn, venues_for(areas), regions, since, until):
        area = to_area.get(row.venue)
        if area in wanted:
            rows.append((row.institution, row.region, row.country, area, row.professor_id,
                         row.adjusted))
    return rows
