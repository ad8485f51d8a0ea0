"""Reads of institutions and CSRankings area counts.

An institution missing from the ``institutions`` table (or a professor whose institution is
unknown) is placed in :data:`DEFAULT_REGION` / :data:`DEFAULT_COUNTRY`, the table's own
column defaults.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import NamedTuple

from profscout.core.config import DEFAULT_COUNTRY, DEFAULT_REGION

# SQL for a professor's region and country through ``LEFT JOIN institutions i``
REGION_SQL = f"COALESCE(i.region, '{DEFAULT_REGION}')"
COUNTRY_SQL = f"COALESCE(i.country, '{DEFAULT_COUNTRY}')"


class AreaCountRow(NamedTuple):
    """One professor's adjusted count in one venue and year, with the institution's place."""

    institution: str
    region: str
    country: str
    venue: str
    professor_id: int
    adjusted: float


def area_count_rows(conn: sqlite3.Connection, venues: Collection[str],
                    regions: Collection[str] | None = None, since: int | None = None,
                    until: int | None = None) -> list[AreaCountRow]:
    """Area counts of ``venues`` (venue codes), optionally only in ``regions`` and years
    ``since``..``until`` (inclusive)."""
    venue_list = sorted(venues)
    sql = (f"SELECT p.institution, {REGION_SQL}, {COUNTRY_SQL}, "
           "ac.area, ac.professor_id, ac.adjusted_count FROM area_counts ac "
           "JOIN professors p ON p.id = ac.professor_id "
           "LEFT JOIN institutions i ON i.name = p.institution "
           f"WHERE ac.area IN ({','.join('?' * len(venue_list))})")
    params: list[object] = list(venue_list)
    if regions is not None:
        sql += f" AND {REGION_SQL} IN ({','.join('?' * len(regions))})"
        params += sorted(regions)
    if since is not None:
        sql += " AND ac.year >= ?"
        params.append(since)
    if until is not None:
        sql += " AND ac.year <= ?"
        params.append(until)
    return [AreaCountRow(*row) for row in conn.execute(sql, params)]
