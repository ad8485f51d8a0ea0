"""Reads behind the selection of professors and the ``professors`` export.

Lists of professor ids travel as one JSON parameter (:func:`profscout.core.store.id_list`),
whatever their length. An institution the ``institutions`` table does not know counts as in
:data:`~profscout.core.config.DEFAULT_REGION` / ``DEFAULT_COUNTRY``, as CSRankings does.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from profscout.core.config import DEFAULT_COUNTRY, DEFAULT_REGION
from profscout.core.store import IDS, id_list
from profscout.core.store.homepages import ALL_EMAILS_SQL


def _marks(values: Collection[object]) -> str:
    return ",".join("?" * len(values))


# --- what the store holds -------------------------------------------------------------------

def has_professors(conn: sqlite3.Connection) -> bool:
    """Whether any professor has been imported."""
    return conn.execute("SELECT 1 FROM professors LIMIT 1").fetchone() is not None


def has_area_counts(conn: sqlite3.Connection) -> bool:
    """Whether the store holds CSRankings' per-area counts (``generated-author-info.csv``)."""
    return conn.execute("SELECT 1 FROM area_counts LIMIT 1").fetchone() is not None


def has_authorships(conn: sqlite3.Connection) -> bool:
    """Whether any arXiv paper has been attributed to a professor."""
    return conn.execute("SELECT 1 FROM authorships LIMIT 1").fetchone() is not None


def institution_names(conn: sqlite3.Connection) -> list[str]:
    """Every institution name, as CSRankings spells it."""
    return [r[0] for r in conn.execute("SELECT name FROM institutions ORDER BY name")]


def institution_countries(conn: sqlite3.Connection) -> list[str]:
    """The distinct country codes of the institutions, sorted."""
    return [r[0] for r in conn.execute("SELECT DISTINCT country FROM institutions ORDER BY 1")]


def professor_names(conn: sqlite3.Connection) -> Iterator[tuple[int, str]]:
    """(professor id, name) for every key and every alias (DBLP numbers kept)."""
    for pid, name in conn.execute("SELECT professor_id, alias FROM professor_aliases "
                                  "UNION SELECT id, key FROM professors"):
        yield int(pid), name


def institution_count(conn: sqlite3.Connection, ids: Iterable[int]) -> int:
    """At how many distinct institutions the professors ``ids`` are."""
    row = conn.execute(f"SELECT COUNT(DISTINCT institution) FROM professors WHERE id IN {IDS}",
                       (id_list(ids),)).fetchone()
    return int(row[0])


# --- selection ------------------------------------------------------------------------------

def professors_at(conn: sqlite3.Connection, *, regions: Collection[str] | None = None,
                  countries: Collection[str] | None = None,
                  institutions: Collection[str] | None = None) -> set[int]:
    """Ids of the professors at institutions in ``regions``, ``countries`` (codes as stored)
    and ``institutions`` (names as stored); None or empty does not filter."""
    sql = ("SELECT p.id FROM professors p LEFT JOIN institutions i "
           "ON i.name = p.institution WHERE 1")
    params: list[object] = []
    if regions:
        sql += f" AND COALESCE(i.region, ?) IN ({_marks(regions)})"
        params += [DEFAULT_REGION, *sorted(regions)]
    if countries:
        sql += f" AND COALESCE(i.country, ?) IN ({_marks(countries)})"
        params += [DEFAULT_COUNTRY, *sorted(countries)]
    if institutions:
        sql += f" AND p.institution IN ({_marks(institutions)})"
        params += sorted(institutions)
    return {int(r[0]) for r in conn.execute(sql, params)}


def professors_with_counted_papers(conn: sqlite3.Connection, *,
                                   venues: Collection[str] | None = None,
                                   since: int | None = None, at_least: float = 0) -> set[int]:
    """Ids of the professors with more than 0 and at least ``at_least`` CSRankings-counted
    papers at ``venues`` (None: any) from year ``since`` on."""
    sql = "SELECT professor_id FROM area_counts WHERE 1"
    params: list[object] = []
    if venues is not None:
        sql += f" AND area IN ({_marks(venues)})"
        params += sorted(venues)
    if since is not None:
        sql += " AND year >= ?"
        params.append(since)
    sql += " GROUP BY professor_id HAVING SUM(count) >= ? AND SUM(count) > 0"
    params.append(at_least)
    return {int(r[0]) for r in conn.execute(sql, params)}


def attributed_paper_categories(conn: sqlite3.Connection, *, min_confidence: float,
                                published_from: str | None = None
                                ) -> Iterator[tuple[int, str, str]]:
    """(professor id, categories, primary category) of every paper attributed with at least
    ``min_confidence``, published on or after ``published_from`` (ISO date) when given."""
    sql = ("SELECT a.professor_id, p.categories, p.primary_category FROM authorships a "
           "JOIN papers p ON p.arxiv_id = a.arxiv_id WHERE a.confidence >= ?")
    params: list[object] = [min_confidence]
    if published_from is not None:
        sql += " AND p.published >= ?"
        params.append(published_from)
    for pid, categories, primary in conn.execute(sql, params):
        yield int(pid), categories, primary


def professors_checked_on_arxiv(conn: sqlite3.Connection) -> set[int]:
    """Professors whose arXiv papers were looked for (a sync record or any authorship)."""
    return {int(r[0]) for r in conn.execute("SELECT professor_id FROM arxiv_sync "
                                            "UNION SELECT professor_id FROM authorships")}


# --- the professors export ------------------------------------------------------------------

@dataclass
class ProfessorRecord:
    """What the store knows about one professor: who, where, and their homepage's crawl
    (``emails`` every address, ``;``-joined, institutional first; ``email_evidence`` where
    each was read; ``recruiting_url`` the page of the recruiting sentence; ``note`` e.g. a
    redirect to another host)."""

    id: int
    name: str
    institution: str
    homepage: str = ""
    homepage_state: str = ""
    emails: str = ""
    lab_name: str = ""
    lab_url: str = ""
    recruiting: str = ""
    recruiting_evidence: str = ""
    interests: str = ""
    keyphrases: str = ""
    links: dict[str, str] = field(default_factory=dict)
    pages_fetched: int | None = None
    fetched_at: str = ""
    email_evidence: str = ""
    recruiting_url: str = ""
    note: str = ""
    scholar_id: str = ""
    region: str = ""
    country: str = ""


def _links(text: str | None) -> dict[str, str]:
    try:
        links: Any = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in links.items()} if isinstance(links, dict) else {}


def professor_records(conn: sqlite3.Connection, ids: Iterable[int] | None = None
                      ) -> list[ProfessorRecord]:
    """Records of the professors ``ids`` (all when None), by institution, name and id."""
    sql = (f"SELECT p.id, p.name, p.institution, p.homepage, h.state, {ALL_EMAILS_SQL}, "
           "h.lab_name, "
           "h.lab_url, h.recruiting, h.recruiting_evidence, h.interests, h.keyphrases, "
           "h.links_json, h.pages_fetched, h.fetched_at, h.email_evidence, h.recruiting_url, "
           "h.note, p.scholar_id, COALESCE(i.region, ?), COALESCE(i.country, ?) "
           "FROM professors p LEFT JOIN homepages h ON h.professor_id = p.id "
           "LEFT JOIN institutions i ON i.name = p.institution")
    params: tuple[object, ...] = (DEFAULT_REGION, DEFAULT_COUNTRY)
    if ids is not None:
        sql += f" WHERE p.id IN {IDS}"
        params += (id_list(ids),)
    sql += " ORDER BY p.institution, p.name, p.id"
    return [ProfessorRecord(
        id=int(r[0]), name=r[1], institution=r[2], homepage=r[3] or "",
        homepage_state=r[4] or "", emails=r[5] or "", lab_name=r[6] or "", lab_url=r[7] or "",
        recruiting=r[8] or "", recruiting_evidence=r[9] or "", interests=r[10] or "",
        keyphrases=r[11] or "", links=_links(r[12]),
        pages_fetched=int(r[13]) if r[13] is not None else None, fetched_at=r[14] or "",
        email_evidence=r[15] or "", recruiting_url=r[16] or "", note=r[17] or "",
        scholar_id=r[18] or "", region=r[19] or "", country=r[20] or "")
        for r in conn.execute(sql, params)]
