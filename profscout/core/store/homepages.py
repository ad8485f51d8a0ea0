"""Tables ``homepages``, ``homepage_emails``, ``professor_homepages`` and ``fetch_log``: every
homepage of a person, what the homepage crawl found (with the page each fact came from), and
every fetch."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from profscout.core.store import IDS, id_list, transaction
from profscout.core.store.publications import save_listed_publications

# Every address read for professor ``p.id`` (comment-only ones left out), ``;``-joined in
# stored order (institutional first), else the homepage row's chosen address; for reads that
# join ``professors p`` and ``homepages h``.
ALL_EMAILS_SQL = (
    "COALESCE((SELECT group_concat(address, ';') FROM (SELECT e.address FROM homepage_emails e "
    "WHERE e.professor_id = p.id AND e.source != 'comment' ORDER BY e.position)), h.emails)")


@dataclass(frozen=True)
class HomepageJob:
    """A professor whose homepage is still to crawl: ``urls`` every homepage they have, the
    first one first (``url``); the crawl tries the next when one fails."""

    professor_id: int
    name: str
    url: str
    urls: tuple[str, ...] = ()

    def all_urls(self) -> list[str]:
        """``url`` then the other homepages, each once."""
        return list(dict.fromkeys([self.url, *self.urls]))


@dataclass(frozen=True)
class EmailRecord:
    """One address read on a homepage: the page, how it was read, the text it came from."""

    address: str
    url: str = ""
    source: str = ""
    evidence: str = ""
    institutional: bool = False


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
    email_records: Sequence[EmailRecord] = ()
    email_evidence: str = ""
    recruiting_url: str = ""
    note: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)


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
    an ISO time), among ``ids`` when given; sorted by id. Each job carries every homepage of
    the professor (``professor_homepages``), the main one first."""
    query = ("SELECT p.id, p.name, p.homepage FROM professors p LEFT JOIN homepages h "
             "ON h.professor_id = p.id WHERE p.homepage IS NOT NULL AND trim(p.homepage) != '' "
             "AND (h.professor_id IS NULL" + (" OR h.fetched_at < ?)" if fetched_before else ")"))
    params: list[Any] = [fetched_before] if fetched_before else []
    rows = [(int(r[0]), str(r[1]), str(r[2]).strip()) for r in conn.execute(query, params)]
    if ids is not None:
        wanted = set(ids)
        rows = [r for r in rows if r[0] in wanted]
    others = professor_homepages(conn, [r[0] for r in rows])
    jobs = [HomepageJob(pid, name, url, tuple(u for u in others.get(pid, []) if u != url))
            for pid, name, url in rows]
    return sorted(jobs, key=lambda j: j.professor_id)


def professor_homepages(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, list[str]]:
    """Every homepage of each of ``ids`` (those with any), in order."""
    found: dict[int, list[str]] = {}
    for pid, url in conn.execute(
            f"SELECT professor_id, url FROM professor_homepages WHERE professor_id IN {IDS} "
            "ORDER BY professor_id, position", (id_list(ids),)):
        found.setdefault(int(pid), []).append(str(url))
    return found


def set_professor_homepages(conn: sqlite3.Connection, professor_id: int,
                            urls: Sequence[str]) -> bool:
    """Make ``urls`` (distinct, in order) the professor's homepages; whether anything changed.
    Runs inside the caller's transaction."""
    wanted = list(dict.fromkeys(u.strip() for u in urls if u and u.strip()))
    have = [str(r[0]) for r in conn.execute(
        "SELECT url FROM professor_homepages WHERE professor_id = ? ORDER BY position",
        (professor_id,))]
    if have == wanted:
        return False
    conn.execute("DELETE FROM professor_homepages WHERE professor_id = ?", (professor_id,))
    conn.executemany("INSERT INTO professor_homepages (professor_id, position, url) "
                     "VALUES (?, ?, ?)", [(professor_id, i, u) for i, u in enumerate(wanted)])
    return True


def email_records(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, list[EmailRecord]]:
    """Every address the crawl read for each of ``ids``, institutional first, then best first."""
    found: dict[int, list[EmailRecord]] = {}
    for r in conn.execute(
            "SELECT professor_id, address, url, source, evidence, institutional "
            f"FROM homepage_emails WHERE professor_id IN {IDS} "
            "ORDER BY professor_id, position", (id_list(ids),)):
        found.setdefault(int(r[0]), []).append(
            EmailRecord(str(r[1]), str(r[2]), str(r[3]), str(r[4]), bool(r[5])))
    return found


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
                  stage: str = "homepages",
                  listed: Iterable[tuple[str, Sequence[str], Sequence[str]]] = ()) -> None:
    """Write one professor's homepage row, its addresses, its fetch log and what its pages
    list (``listed``: ``(page url, titles, arXiv ids)``), in one transaction. The row's
    ``emails`` holds the chosen address(es) (``record.emails``); ``homepage_emails`` every
    address, institutional first (see :func:`ordered_emails`)."""
    emails = ordered_emails(record)
    with transaction(conn):
        for url, titles, arxiv_ids in listed:
            save_listed_publications(conn, record.professor_id, url, titles, arxiv_ids)
        conn.executemany(
            "INSERT INTO fetch_log(stage, url, professor_id, status, outcome, detail, bytes, "
            "fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(stage, f.url, record.professor_id, f.status, f.outcome, f.detail or "", f.bytes,
              record.fetched_at) for f in fetches])
        conn.execute(
            "INSERT OR REPLACE INTO homepages(professor_id, url, final_url, state, emails, "
            "interests, keyphrases, lab_name, lab_url, recruiting, recruiting_evidence, "
            "links_json, pages_fetched, fetched_at, note, email_evidence, recruiting_url, "
            "sources_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (record.professor_id, record.url, record.final_url, record.state,
             ";".join(record.emails), record.interests,
             ";".join(record.keyphrases), record.lab_name, record.lab_url, record.recruiting,
             record.recruiting_evidence, json.dumps(dict(record.links), sort_keys=True),
             record.pages_fetched, record.fetched_at, record.note, record.email_evidence,
             record.recruiting_url, json.dumps(dict(record.sources), sort_keys=True)))
        conn.execute("DELETE FROM homepage_emails WHERE professor_id = ?",
                     (record.professor_id,))
        conn.executemany(
            "INSERT OR IGNORE INTO homepage_emails (professor_id, position, address, url, "
            "source, evidence, institutional) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(record.professor_id, i, e.address, e.url, e.source, e.evidence,
              int(e.institutional)) for i, e in enumerate(emails)])


def ordered_emails(record: HomepageRecord) -> list[EmailRecord]:
    """The record's addresses, institutional first (best first within each group), those
    read only from HTML comments last; a plain address of ``emails`` without a record is
    kept after the records."""
    records = list(record.email_records)
    known = {e.address for e in records}
    records += [EmailRecord(a) for a in record.emails if a not in known]
    return sorted(records, key=lambda e: (e.source == "comment", not e.institutional))
