"""Reads that build the ranker's profiles and shortlist rows: counted papers, homepage
interests, paper dates, professor facts and paper titles, each in one batch query.

*Counted* papers are those attributed with ``confidence >= min_confidence`` and published
within ``[since, until]`` (ISO days, ``since`` optional).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from operator import itemgetter
from typing import NamedTuple

from profscout.core.store import IDS, id_list, tuple_rows
from profscout.core.store.homepages import ALL_EMAILS_SQL
from profscout.core.store.institutions import COUNTRY_SQL, REGION_SQL

MAX_SQL_IDS = 500  # ids given to SQL as one list; more are filtered in Python


class CountedPaper(NamedTuple):
    """One counted paper of one professor."""

    professor_id: int
    confidence: float
    arxiv_id: str
    title: str
    abstract: str
    published: date


@dataclass(frozen=True)
class PaperWindow:
    """Which attributed papers count: confidence floor and publication days."""

    min_confidence: float
    until: date
    since: date | None = None

    def where(self) -> tuple[str, tuple[object, ...]]:
        """SQL condition on ``a`` (authorships) and ``p`` (papers), with its arguments."""
        sql = "a.confidence >= ? AND substr(p.published, 1, 10) <= ?"
        args: tuple[object, ...] = (self.min_confidence, self.until.isoformat())
        if self.since is not None:
            sql += " AND substr(p.published, 1, 10) >= ?"
            args = (*args, self.since.isoformat())
        return sql, args


@dataclass(frozen=True)
class ProfessorFacts:
    """What a shortlist row shows of one professor (homepage fields '' without one)."""

    id: int
    key: str
    name: str
    institution: str
    homepage: str | None
    scholar_id: str | None
    region: str
    country: str
    latitude: float | None
    longitude: float | None
    final_url: str | None
    emails: str | None
    lab_name: str | None
    lab_url: str | None
    recruiting: str | None
    recruiting_evidence: str | None
    links_json: str | None
    email_evidence: str | None = None  # where each address was read: text and page


def has_professors(conn: sqlite3.Connection) -> bool:
    """Whether the store holds any professor."""
    return conn.execute("SELECT 1 FROM professors LIMIT 1").fetchone() is not None


def _day(value: object) -> date:
    return date.fromisoformat(str(value)[:10])


def counted_papers(conn: sqlite3.Connection, window: PaperWindow,
                   professor_ids: Collection[int] | None = None) -> list[CountedPaper]:
    """Counted papers, by professor, newest first (ties by arXiv id)."""
    where, args = window.where()
    wanted = set(professor_ids) if professor_ids is not None else None
    if wanted is not None and len(wanted) <= MAX_SQL_IDS:
        where += f" AND a.professor_id IN ({','.join('?' * len(wanted))})"
        args = (*args, *sorted(wanted))
    rows = conn.execute(
        "SELECT a.professor_id, a.confidence, p.arxiv_id, p.title, p.abstract, p.published "
        f"FROM authorships a JOIN papers p USING (arxiv_id) WHERE {where} "
        "ORDER BY a.professor_id, p.published DESC, p.arxiv_id",
        args,
    )
    return [CountedPaper(pid, float(conf), arxiv_id, title, abstract, _day(published))
            for pid, conf, arxiv_id, title, abstract, published in rows
            if wanted is None or pid in wanted]


class PaperColumns(NamedTuple):
    """Counted papers as parallel columns (one list or array per field), in
    :func:`counted_papers` order; ``month`` is ``year * 12 + month - 1`` of publication."""

    professor_id: list[int]
    confidence: list[float]
    arxiv_id: list[str]
    text: list[str]  # title, a line break, abstract
    month: list[int]


def counted_paper_columns(conn: sqlite3.Connection, window: PaperWindow,
                          max_per_professor: int | None = None) -> PaperColumns:
    """Every counted paper as columns, by professor, newest first (ties by arXiv id), at
    most ``max_per_professor`` each. The rows are read unsorted and ordered here: sorting
    them in SQL would move every row's text through SQLite's sorter."""
    where, args = window.where()
    rows = tuple_rows(
        conn,
        "SELECT a.professor_id, a.confidence, p.arxiv_id, "
        "coalesce(p.title, '') || char(10) || coalesce(p.abstract, ''), "
        "CAST(substr(p.published, 1, 4) AS INTEGER) * 12 "
        "+ CAST(substr(p.published, 6, 2) AS INTEGER) - 1, p.published "
        f"FROM authorships a JOIN papers p USING (arxiv_id) WHERE {where}", args).fetchall()
    # ORDER BY professor_id, published DESC, arxiv_id (stable sorts, last key first)
    rows.sort(key=itemgetter(2))
    rows.sort(key=itemgetter(5), reverse=True)
    rows.sort(key=itemgetter(0))
    if max_per_professor is not None:
        kept, owner, position = [], None, 0
        for row in rows:
            position = position + 1 if row[0] == owner else 1
            owner = row[0]
            if position <= max_per_professor:
                kept.append(row)
        rows = kept
    if not rows:
        return PaperColumns([], [], [], [], [])
    pids, confidence, arxiv_ids, texts, months, _ = map(list, zip(*rows, strict=True))
    del rows
    return PaperColumns(pids, confidence, arxiv_ids, texts, months)


def homepage_interests(conn: sqlite3.Connection,
                       professor_ids: Collection[int] | None = None) -> dict[int, str]:
    """Non-empty homepage interests text by professor."""
    wanted = set(professor_ids) if professor_ids is not None else None
    return {pid: text for pid, text in conn.execute(
        "SELECT professor_id, interests FROM homepages WHERE interests != ''")
        if wanted is None or pid in wanted}


def profiled_professor_ids(conn: sqlite3.Connection, window: PaperWindow) -> list[int]:
    """Professors with a counted paper or homepage interests, ascending."""
    where, args = window.where()
    rows = tuple_rows(
        conn,
        "SELECT a.professor_id FROM authorships a JOIN papers p INDEXED BY papers_id_published "
        f"USING (arxiv_id) WHERE {where} "
        "UNION SELECT professor_id FROM homepages WHERE interests != ''",
        args,
    )
    return sorted(pid for (pid,) in rows)


def profile_source_summary(conn: sqlite3.Connection, window: PaperWindow
                           ) -> list[object]:
    """What the profiles of ``window`` are made of, read without reading the rows: the
    revision counter the store's triggers raise on any insert, delete or edit of papers,
    authorships or homepage interests, and the count, first and last day of the papers in
    the window's days (a window that moved over papers changes these)."""
    revision = profile_sources_revision(conn)
    sql = "SELECT count(*), min(published), max(published) FROM papers WHERE published < ?"
    args: list[object] = [(window.until + timedelta(days=1)).isoformat()]
    if window.since is not None:
        sql += " AND published >= ?"
        args.append(window.since.isoformat())
    count, first, last = conn.execute(sql, args).fetchone()
    return [revision, int(count), first, last]


def profile_sources_revision(conn: sqlite3.Connection) -> int | None:
    """The revision counter the store's triggers raise on any insert, delete or edit of
    papers, authorships or homepage interests (None in a store without one)."""
    row = conn.execute("SELECT revision FROM store_revisions "
                       "WHERE name = 'profile_sources'").fetchone()
    return int(row[0]) if row else None


def attributed_paper_dates(conn: sqlite3.Connection, min_confidence: float,
                           ids: Iterable[int] | None = None) -> dict[int, list[date]]:
    """Publication days of the papers of professors ``ids`` (all when None) attributed with
    at least ``min_confidence``."""
    out: dict[int, list[date]] = {}
    days: dict[str, date] = {}  # each distinct day parsed once
    for pid, published in zip(*attributed_paper_days(conn, min_confidence, ids), strict=True):
        day = days.get(published)
        if day is None:
            day = days[published] = _day(published)
        out.setdefault(pid, []).append(day)
    return out


def attributed_paper_days(conn: sqlite3.Connection, min_confidence: float,
                          ids: Iterable[int] | None = None) -> tuple[list[int], list[str]]:
    """``(professor ids, publication days 'YYYY-MM-DD')`` of every authorship of professors
    ``ids`` (all when None) at or above ``min_confidence``, as two parallel columns (in no
    particular order)."""
    sql = ("SELECT a.professor_id, substr(p.published, 1, 10) FROM authorships a "
           "JOIN papers p INDEXED BY papers_id_published USING (arxiv_id) "
           "WHERE a.confidence >= ?")
    params: tuple[object, ...] = (min_confidence,)
    if ids is not None:
        sql += f" AND a.professor_id IN {IDS}"
        params += (id_list(ids),)
    professor_ids: list[int] = []
    days: list[str] = []
    cursor = tuple_rows(conn, sql, params)
    while rows := cursor.fetchmany(20_000):
        pids, published = zip(*rows, strict=True)
        professor_ids.extend(pids)
        days.extend(published)
    return professor_ids, days


def professor_facts(conn: sqlite3.Connection, professor_ids: Iterable[int]
                    ) -> dict[int, ProfessorFacts]:
    """:class:`ProfessorFacts` of the given professors (unknown ids left out)."""
    wanted = set(professor_ids)
    rows = tuple_rows(
        conn,
        "SELECT p.id, p.key, p.name, p.institution, p.homepage, p.scholar_id, "
        f"{REGION_SQL}, {COUNTRY_SQL}, "
        f"i.latitude, i.longitude, h.final_url, {ALL_EMAILS_SQL}, h.lab_name, h.lab_url, "
        "h.recruiting, "
        # the recruiting sentence with the page it was read on, when the crawl recorded it
        "CASE WHEN h.recruiting_url != '' AND h.recruiting_evidence != '' "
        "THEN h.recruiting_evidence || ' <' || h.recruiting_url || '>' "
        "ELSE h.recruiting_evidence END, h.links_json, h.email_evidence "
        "FROM professors p LEFT JOIN institutions i ON i.name = p.institution "
        "LEFT JOIN homepages h ON h.professor_id = p.id"
    )
    return {row[0]: ProfessorFacts(*row) for row in rows if row[0] in wanted}


def paper_titles(conn: sqlite3.Connection, arxiv_ids: Iterable[str]) -> dict[str, str]:
    """Stored title of each of ``arxiv_ids`` (whitespace runs collapsed)."""
    ids = list(dict.fromkeys(arxiv_ids))
    out: dict[str, str] = {}
    for start in range(0, len(ids), MAX_SQL_IDS):
        chunk = ids[start:start + MAX_SQL_IDS]
        for arxiv_id, title in conn.execute(
            f"SELECT arxiv_id, title FROM papers WHERE arxiv_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            out[arxiv_id] = " ".join(title.split())
    return out
