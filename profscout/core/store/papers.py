"""Tables ``papers``, ``authorships`` and ``arxiv_sync`` (and the professor facts the arXiv
stage reads): arXiv papers, who wrote them with what confidence, and when arXiv was asked."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from profscout.core.store import IDS, id_list


@dataclass(frozen=True)
class ProfessorRow:
    id: int
    name: str
    institution: str


@dataclass(frozen=True)
class PaperRecord:
    """A paper as written to ``papers`` (dates as ISO ``YYYY-MM-DD``)."""

    arxiv_id: str
    title: str
    abstract: str
    authors: Sequence[str]
    categories: Sequence[str]
    primary_category: str
    published: str
    updated: str | None = None


@dataclass(frozen=True)
class AuthoredPaper:
    """One authorship of a professor, with its paper."""

    arxiv_id: str
    title: str
    categories: list[str]
    authors: list[str]
    published: str
    matched_name: str
    confidence: float
    evidence: str


@dataclass(frozen=True)
class ArxivSync:
    """A professor's ``arxiv_sync`` row."""

    checked_at: str
    newest_published: str | None
    window_start: str | None
    status: str


@dataclass(frozen=True)
class Claim:
    """A professor's authorship claim on one paper."""

    professor_id: int
    matched_name: str
    confidence: float
    evidence: str


# ------------------------------------------------------------------------------- professors
def all_names(conn: sqlite3.Connection) -> list[tuple[int, str]]:
    """``(professor id, name)`` for every alias display and every professor name."""
    rows = [(int(r[0]), str(r[1])) for r in conn.execute(
        "SELECT professor_id, display FROM professor_aliases")]
    rows += [(int(r[0]), str(r[1])) for r in conn.execute("SELECT id, name FROM professors")]
    return rows


def alias_institutions(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """``(institution, alias display)`` for every alias."""
    return [(str(r[0]), str(r[1])) for r in conn.execute(
        "SELECT p.institution, a.display FROM professor_aliases a "
        "JOIN professors p ON p.id = a.professor_id")]


def professor(conn: sqlite3.Connection, professor_id: int) -> ProfessorRow | None:
    row = conn.execute("SELECT id, name, institution FROM professors WHERE id = ?",
                       (professor_id,)).fetchone()
    return ProfessorRow(int(row[0]), str(row[1]), str(row[2])) if row else None


def alias_displays(conn: sqlite3.Connection, professor_id: int) -> list[str]:
    """A professor's alias display names, in alias order."""
    return [str(r[0]) for r in conn.execute(
        "SELECT display FROM professor_aliases WHERE professor_id = ? ORDER BY alias",
        (professor_id,))]


def professor_areas(conn: sqlite3.Connection, professor_id: int) -> list[str]:
    """The venue/area codes CSRankings counted for a professor."""
    return [str(r[0]) for r in conn.execute(
        "SELECT DISTINCT area FROM area_counts WHERE professor_id = ?", (professor_id,))]


def professors_with_aliases(conn: sqlite3.Connection
                            ) -> list[tuple[int, str, str, str | None]]:
    """``(id, name, institution, alias display or None)`` per professor and alias."""
    return [(int(r[0]), str(r[1]), str(r[2]), r[3]) for r in conn.execute(
        "SELECT p.id, p.name, p.institution, a.display FROM professors p "
        "LEFT JOIN professor_aliases a ON a.professor_id = p.id")]


# ------------------------------------------------------------------------------- papers
def _authored(row: sqlite3.Row) -> AuthoredPaper:
    return AuthoredPaper(row["arxiv_id"], row["title"], row["categories"].split(),
                         list(json.loads(row["authors_json"])), row["published"],
                         row["matched_name"], float(row["confidence"]), row["evidence"])


_AUTHORED = ("SELECT p.arxiv_id, p.title, p.categories, p.authors_json, p.published, "
             "a.matched_name, a.confidence, a.evidence FROM authorships a JOIN papers p "
             "USING (arxiv_id) WHERE a.professor_id = ?")


def authored_papers(conn: sqlite3.Connection, professor_id: int,
                    published_after: str | None = None) -> list[AuthoredPaper]:
    """A professor's authorships with their papers (newest first when a date bound is given:
    only papers published after ``published_after``, an ISO date)."""
    if published_after is None:
        return [_authored(r) for r in conn.execute(_AUTHORED, (professor_id,))]
    return [_authored(r) for r in conn.execute(
        _AUTHORED + " AND p.published > ? ORDER BY p.published DESC",
        (professor_id, published_after))]


def counted_published(conn: sqlite3.Connection, professor_id: int,
                      min_confidence: float) -> list[str]:
    """Publication dates of a professor's authorships at or above ``min_confidence``."""
    return [str(r[0]) for r in conn.execute(
        "SELECT p.published FROM authorships a JOIN papers p USING (arxiv_id) "
        "WHERE a.professor_id = ? AND a.confidence >= ?", (professor_id, min_confidence))]


def count_authorships(conn: sqlite3.Connection, professor_id: int,
                      min_confidence: float) -> int:
    """How many authorships of a professor are at or above ``min_confidence``."""
    return int(conn.execute("SELECT COUNT(*) FROM authorships WHERE professor_id = ? AND "
                            "confidence >= ?", (professor_id, min_confidence)).fetchone()[0])


def newest_published(conn: sqlite3.Connection, professor_id: int) -> str | None:
    """The publication date of a professor's newest authored paper, if any."""
    value = conn.execute(
        "SELECT MAX(p.published) FROM authorships a JOIN papers p USING (arxiv_id) "
        "WHERE a.professor_id = ?", (professor_id,)).fetchone()[0]
    return str(value) if value is not None else None


def stored_paper_ids(conn: sqlite3.Connection, arxiv_ids: Iterable[str]) -> set[str]:
    """Those of ``arxiv_ids`` the store already holds."""
    ids = sorted(set(arxiv_ids))
    if not ids:
        return set()
    rows = conn.execute("SELECT arxiv_id FROM papers WHERE arxiv_id IN "
                        "(SELECT value FROM json_each(?))", (json.dumps(ids),)).fetchall()
    return {row[0] for row in rows}


def save_paper(conn: sqlite3.Connection, paper: PaperRecord) -> None:
    """Insert or refresh a paper (caller commits)."""
    conn.execute(
        "INSERT INTO papers (arxiv_id, title, abstract, authors_json, categories, "
        "primary_category, published, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(arxiv_id) DO UPDATE SET title=excluded.title, "
        "abstract=excluded.abstract, authors_json=excluded.authors_json, "
        "categories=excluded.categories, primary_category=excluded.primary_category, "
        "updated=excluded.updated",
        (paper.arxiv_id, paper.title, paper.abstract, json.dumps(list(paper.authors)),
         " ".join(paper.categories), paper.primary_category, paper.published, paper.updated))


def save_authorship(conn: sqlite3.Connection, professor_id: int, arxiv_id: str,
                    matched_name: str, confidence: float, evidence: str) -> None:
    """Insert or refresh an authorship (caller commits)."""
    conn.execute(
        "INSERT INTO authorships (professor_id, arxiv_id, matched_name, confidence, "
        "evidence) VALUES (?, ?, ?, ?, ?) ON CONFLICT(professor_id, arxiv_id) DO "
        "UPDATE SET matched_name=excluded.matched_name, "
        "confidence=excluded.confidence, evidence=excluded.evidence",
        (professor_id, arxiv_id, matched_name, confidence, evidence))


def claims_on(conn: sqlite3.Connection, arxiv_id: str) -> list[Claim]:
    """Every professor's authorship of one paper."""
    return [Claim(int(r[0]), str(r[1]), float(r[2]), str(r[3])) for r in conn.execute(
        "SELECT professor_id, matched_name, confidence, evidence FROM authorships "
        "WHERE arxiv_id = ?", (arxiv_id,))]


def set_claim(conn: sqlite3.Connection, professor_id: int, arxiv_id: str, confidence: float,
              evidence: str) -> None:
    """Change the confidence and evidence of one authorship (caller commits)."""
    conn.execute("UPDATE authorships SET confidence = ?, evidence = ? "
                 "WHERE professor_id = ? AND arxiv_id = ?",
                 (confidence, evidence, professor_id, arxiv_id))


# ------------------------------------------------------------------------------- arxiv_sync
def arxiv_sync(conn: sqlite3.Connection, professor_id: int) -> ArxivSync | None:
    row = conn.execute("SELECT checked_at, newest_published, window_start, status "
                       "FROM arxiv_sync WHERE professor_id = ?", (professor_id,)).fetchone()
    return ArxivSync(row[0], row[1], row[2], row[3]) if row else None


def save_sync(conn: sqlite3.Connection, professor_id: int, checked_at: str,
              newest: str | None, window_start: str, status: str) -> None:
    """Record a lookup; the window kept is the widest ever asked (caller commits)."""
    conn.execute(
        "INSERT INTO arxiv_sync (professor_id, checked_at, newest_published, window_start, "
        "status) VALUES (?, ?, ?, ?, ?) ON CONFLICT(professor_id) DO UPDATE SET "
        "checked_at=excluded.checked_at, newest_published=excluded.newest_published, "
        "window_start=MIN(COALESCE(arxiv_sync.window_start, excluded.window_start), "
        "excluded.window_start), status=excluded.status",
        (professor_id, checked_at, newest, window_start, status))


def set_sync_status(conn: sqlite3.Connection, professor_id: int, checked_at: str,
                    status: str) -> None:
    """Record a professor as accounted for without new papers (caller commits)."""
    conn.execute(
        "INSERT INTO arxiv_sync (professor_id, checked_at, status) VALUES (?, ?, ?) "
        "ON CONFLICT(professor_id) DO UPDATE SET checked_at=excluded.checked_at, "
        "status=excluded.status", (professor_id, checked_at, status))


ANSWERED = ("ok", "no_papers", "unconfirmed")  # sync statuses of a lookup arXiv answered


def newest_answered_check(conn: sqlite3.Connection,
                          people: Iterable[tuple[str, str]]) -> str | None:
    """The newest ``checked_at`` of an answered arXiv lookup among the professors given as
    (name, institution) pairs (failed or skipped lookups do not count); None when none."""
    newest: str | None = None
    marks = ",".join("?" * len(ANSWERED))
    for name, institution in people:
        row = conn.execute(
            "SELECT MAX(s.checked_at) FROM arxiv_sync s JOIN professors p "
            "ON p.id = s.professor_id WHERE p.name = ? AND p.institution = ? "
            f"AND s.status IN ({marks})", (name, institution, *ANSWERED)).fetchone()
        if row and row[0] and (newest is None or row[0] > newest):
            newest = row[0]
    return newest


def mark_unconfirmed(conn: sqlite3.Connection, professor_id: int) -> None:
    """Turn an ``ok`` sync status into ``unconfirmed`` (caller commits)."""
    conn.execute("UPDATE arxiv_sync SET status = 'unconfirmed' WHERE professor_id = ? "
                 "AND status = 'ok'", (professor_id,))


def professor_ids_by_alias(conn: sqlite3.Connection, alias: str) -> list[int]:
    """Professors with this exact CSRankings/DBLP name (``Wei Wang 0028``), key or alias."""
    return [int(r[0]) for r in conn.execute(
        "SELECT id FROM professors WHERE key = ? UNION "
        "SELECT professor_id FROM professor_aliases WHERE alias = ? ORDER BY 1",
        (alias, alias))]


@dataclass(frozen=True)
class DirectoryEntry:
    """One name a professor is known by: the professor's key, display name, institution."""

    professor_id: int
    key: str
    name: str
    institution: str
    alias: str
    display: str


def professor_directory(conn: sqlite3.Connection) -> list[DirectoryEntry]:
    """Every professor once per alias (and once under the key itself), for name look-ups."""
    return [DirectoryEntry(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]))
            for r in conn.execute(
                "SELECT p.id, p.key, p.name, p.institution, a.alias, a.display "
                "FROM professors p JOIN professor_aliases a ON a.professor_id = p.id UNION "
                "SELECT id, key, name, institution, key, name FROM professors ORDER BY 1")]


@dataclass(frozen=True)
class AttributionCounts:
    """How sure the store is of a professor's papers: counted ones and uncertain leads."""

    confirmed: int
    uncertain: int


def attribution_counts(conn: sqlite3.Connection, professor_ids: Sequence[int],
                       min_confidence: float, since: str | None = None
                       ) -> dict[int, AttributionCounts]:
    """Per professor, authorships at or above ``min_confidence`` (confirmed) and below it
    (uncertain leads), of papers published after ``since`` (ISO date) when given."""
    counts = {int(pid): AttributionCounts(0, 0) for pid in professor_ids}
    for pid, confirmed, uncertain in conn.execute(
            "SELECT a.professor_id, SUM(a.confidence >= ?), SUM(a.confidence < ?) "
            "FROM authorships a JOIN papers p USING (arxiv_id) "
            f"WHERE a.professor_id IN {IDS} AND p.published > ? GROUP BY a.professor_id",
            (min_confidence, min_confidence, id_list(professor_ids), since or "")):
        counts[int(pid)] = AttributionCounts(int(confirmed or 0), int(uncertain or 0))
    return counts
