"""Tables ``homepages`` and ``fetch_log``: what the homepage crawl found, and every fetch."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from profscout.core.store import IDS, id_list, transaction


@dataclass(frozen=True)
class HomepageJob:
    """A professor whose homepage is still to crawl."""

    professor_id: int
    name: str
    url: str


@dataclass
class HomepageRecord:
    """One professor's finished homepage crawl, as written to ``homepages``."""

    professor_id: int
    url: str
    final_url: str
    state: str
    fetched_at: str
    emails: Sequence[str] = ()
    interests: str = ""
    keyphrases: Sequence[str] = ()
    lab_name: str = ""
    lab_url: str = ""
    recruiting: str = ""
    recruiting_evidence: str = ""
    links: Mapping[str, Any] = field(default_factory=dict)
    pages_fetched: int = 0


@dataclass(frozen=True)
class Fetch:
    """One download attempt, as written to ``fetch_log``."""

    url: str
    outcome: str
    status: int | None = None
    bytes: int | None = None
    detail: str = ""


def pending_homepages(conn: sqlite3.Connection, ids: Iterable[int] | None = None,
                      fetched_before: str | None = None) -> list[HomepageJob]:
    """Professors with a homepage and no finished crawl (or one older than ``fetched_before``,
    an ISO time), among ``ids`` when given; sorted by id."""
    query = ("SELECT p.id, p.name, p.homepage FROM professors p LEFT JOIN homepages h "
             "ON h.professor_id = p.id WHERE p.homepage IS NOT NULL AND trim(p.homepage) != '' "
             "AND (h.professor_id IS NULL" + (" OR h.fetched_at < ?)" if fetched_before else ")"))
    params: list[Any] = [fetched_before] if fetched_before else []
    jobs = [HomepageJob(int(r[0]), str(r[1]), str(r[2]).strip())
            for r in conn.execute(query, params)]
    if ids is not None:
        wanted = set(ids)
        jobs = [j for j in jobs if j.professor_id in wanted]
    return sorted(jobs, key=lambda j: j.professor_id)


def with_homepage(conn: sqlite3.Connection, ids: Iterable[int]) -> list[int]:
    """Those of ``ids`` whose professor has a homepage, sorted."""
    return sorted(int(r[0]) for r in conn.execute(
        f"SELECT id FROM professors WHERE id IN {IDS} AND homepage IS NOT NULL "
        "AND trim(homepage) != ''", (id_list(ids),)))


def homepage_states(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[str, int]:
    """How many of ``ids`` ended in each homepage state (those not crawled are left out)."""
    rows = conn.execute(
        f"SELECT state, count(*) FROM homepages WHERE professor_id IN {IDS} GROUP BY state",
        (id_list(ids),))
    return dict(sorted((str(state), int(n)) for state, n in rows))


def save_homepage(conn: sqlite3.Connection, record: HomepageRecord, fetches: Iterable[Fetch],
                  stage: str = "homepages") -> None:
    """Write one professor's homepage row and its fetch log, in one transaction."""
    with transaction(conn):
        conn.executemany(
            "INSERT INTO fetch_log(stage, url, professor_id, status, outcome, detail, bytes, "
            "fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(stage, f.url, record.professor_id, f.status, f.outcome, f.detail or "", f.bytes,
              record.fetched_at) for f in fetches])
        conn.execute(
            "INSERT OR REPLACE INTO homepages(professor_id, url, final_url, state, emails, "
            "interests, keyphrases, lab_name, lab_url, recruiting, recruiting_evidence, "
            "links_json, pages_fetched, fetched_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (record.professor_id, record.url, record.final_url, record.state,
             ";".join(record.emails), record.interests, ";".join(record.keyphrases),
             record.lab_name, record.lab_url, record.recruiting, record.recruiting_evidence,
             json.dumps(dict(record.links), sort_keys=True), record.pages_fetched,
             record.fetched_at))
