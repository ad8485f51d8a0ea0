"""Tables ``institutions``, ``professors``, ``professor_aliases`` and ``area_counts``:
import a CSRankings snapshot in one transaction.

Upserts are idempotent: importing the same snapshot twice changes nothing the second time.
Every distinct homepage of a person (its rows can differ) goes to ``professor_homepages``,
the main one (``professors.homepage``) first. A professor is found again by any of its
aliases, so a person keeps their row id (and what later stages stored about them) when
CSRankings adds or renames an alias. Professors that
vanished from the source are kept and counted as ``not_in_source``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from profscout.core.names import display_name
from profscout.core.store import transaction
from profscout.core.store.homepages import set_professor_homepages

TABLES = ("institutions", "professors", "aliases", "area_counts")


class InstitutionRecord(Protocol):
    """An institution as the importer reads it (``crawler.csrankings.Institution``)."""

    @property
    def name(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def latitude(self) -> float | None: ...
    @property
    def longitude(self) -> float | None: ...


class PersonRecord(Protocol):
    """A person as the importer reads it (``crawler.csrankings.Person``)."""

    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def institution(self) -> str: ...
    @property
    def homepage(self) -> str | None: ...
    @property
    def homepages(self) -> Sequence[str]: ...
    @property
    def scholar_id(self) -> str | None: ...
    @property
    def aliases(self) -> list[str]: ...


class SnapshotRecord(Protocol):
    """What one CSRankings crawl yields (``crawler.csrankings.Snapshot``)."""

    @property
    def institutions(self) -> Sequence[InstitutionRecord]: ...
    @property
    def people(self) -> Sequence[PersonRecord]: ...
    @property
    def area_counts(self) -> Mapping[tuple[str, str, int], tuple[float, float]] | None: ...


def _counter() -> dict[str, int]:
    return {"added": 0, "updated": 0, "unchanged": 0, "removed": 0}


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) < 1e-9


def import_snapshot(conn: sqlite3.Connection, snapshot: SnapshotRecord) -> dict[str, Any]:
    """Upsert a snapshot; return per-table counts (added/updated/unchanged/removed).

    Everything happens in one transaction: on any error the store is left as it was.
    """
    counts: dict[str, Any] = {table: _counter() for table in TABLES}
    with transaction(conn):
        _upsert_institutions(conn, snapshot, counts["institutions"])
        ids = _upsert_professors(conn, snapshot, counts)
        if snapshot.area_counts is not None:
            _sync_area_counts(conn, snapshot, ids, counts["area_counts"])
        counts["not_in_source"] = conn.execute(
            "SELECT COUNT(*) FROM professors").fetchone()[0] - len(set(ids.values()))
    return counts


def _upsert_institutions(conn: sqlite3.Connection, snapshot: SnapshotRecord,
                         counts: dict[str, int]) -> None:
    existing = {r["name"]: (r["region"], r["country"], r["latitude"], r["longitude"])
                for r in conn.execute("SELECT * FROM institutions")}
    inserts, updates = [], []
    for inst in snapshot.institutions:
        new = (inst.region, inst.country, inst.latitude, inst.longitude)
        old = existing.get(inst.name)
        if old is None:
            inserts.append((inst.name, *new))
        elif old[:2] != new[:2] or not (_same(old[2], new[2]) and _same(old[3], new[3])):
            updates.append((*new, inst.name))
        else:
            counts["unchanged"] += 1
    conn.executemany("INSERT INTO institutions (name, region, country, latitude, longitude) "
                     "VALUES (?, ?, ?, ?, ?)", inserts)
    conn.executemany("UPDATE institutions SET region = ?, country = ?, latitude = ?, "
                     "longitude = ? WHERE name = ?", updates)
    counts["added"] += len(inserts)
    counts["updated"] += len(updates)


def _upsert_professors(conn: sqlite3.Connection, snapshot: SnapshotRecord,
                       counts: dict[str, Any]) -> dict[str, int]:
    """Upsert professors and their aliases; return person key → professor id."""
    rows = {r["id"]: r for r in conn.execute(
        "SELECT id, key, name, institution, homepage, scholar_id FROM professors")}
    id_of_key = {r["key"]: pid for pid, r in rows.items()}
    owner: dict[str, int] = {}
    current: dict[int, set[str]] = {}
    for r in conn.execute("SELECT professor_id, alias FROM professor_aliases"):
        owner[r["alias"]] = r["professor_id"]
        current.setdefault(r["professor_id"], set()).add(r["alias"])

    ids: dict[str, int] = {}
    used: set[int] = set()  # a row serves one person per import (a split person gets a new one)
    pc, ac = counts["professors"], counts["aliases"]
    for person in snapshot.people:
        pid = id_of_key.get(person.key)
        if pid is None or pid in used:
            candidates = [owner[a] for a in person.aliases
                          if a in owner and owner[a] not in used]
            pid = min(candidates) if candidates else None
        if pid is None:
            cur = conn.execute(
                "INSERT INTO professors (key, name, institution, homepage, scholar_id) "
                "VALUES (?, ?, ?, ?, ?)",
                (person.key, person.name, person.institution, person.homepage,
                 person.scholar_id))
            pid = int(cur.lastrowid or 0)
            id_of_key[person.key] = pid
            pc["added"] += 1
        else:
            old = rows[pid]
            key = old["key"] if old["key"] in person.aliases else person.key
            new = (key, display_name(key), person.institution, person.homepage,
                   person.scholar_id)
            if tuple(old[c] for c in ("key", "name", "institution", "homepage",
                                      "scholar_id")) != new:
                conn.execute("UPDATE professors SET key = ?, name = ?, institution = ?, "
                             "homepage = ?, scholar_id = ? WHERE id = ?", (*new, pid))
                pc["updated"] += 1
            else:
                pc["unchanged"] += 1
        ids[person.key] = pid
        used.add(pid)
        set_professor_homepages(conn, pid, _homepages(person))
        _sync_aliases(conn, pid, person.aliases, owner, current, ac)
    return ids


def _homepages(person: PersonRecord) -> list[str]:
    """Every homepage of ``person``, the main one first."""
    main = [person.homepage] if person.homepage else []
    return list(dict.fromkeys([*main, *(getattr(person, "homepages", None) or ())]))


def _sync_aliases(conn: sqlite3.Connection, pid: int, aliases: Sequence[str],
                  owner: dict[str, int], current: dict[int, set[str]],
                  counts: dict[str, int]) -> None:
    have = current.setdefault(pid, set())
    wanted = set(aliases)
    for alias in sorted(wanted - have):
        previous = owner.get(alias)
        if previous is not None and previous != pid:  # the alias moved to this person
            conn.execute("DELETE FROM professor_aliases WHERE professor_id = ? AND alias = ?",
                         (previous, alias))
            current[previous].discard(alias)
            counts["updated"] += 1
        else:
            counts["added"] += 1
        conn.execute("INSERT INTO professor_aliases (professor_id, alias, display) "
                     "VALUES (?, ?, ?)", (pid, alias, display_name(alias)))
        owner[alias] = pid
    gone = have - wanted
    for alias in sorted(gone):
        conn.execute("DELETE FROM professor_aliases WHERE professor_id = ? AND alias = ?",
                     (pid, alias))
        owner.pop(alias, None)
    counts["removed"] += len(gone)
    counts["unchanged"] += len(have & wanted)
    current[pid] = wanted


def _sync_area_counts(conn: sqlite3.Connection, snapshot: SnapshotRecord, ids: dict[str, int],
                      counts: dict[str, int]) -> None:
    assert snapshot.area_counts is not None
    existing = {(r[0], r[1], r[2]): (r[3], r[4]) for r in conn.execute(
        "SELECT professor_id, area, year, count, adjusted_count FROM area_counts")}
    new = {(ids[key], area, year): value
           for (key, area, year), value in snapshot.area_counts.items()}
    inserts, updates = [], []
    for k, (count, adjusted) in new.items():
        old = existing.get(k)
        if old is None:
            inserts.append((*k, count, adjusted))
        elif not (_same(old[0], count) and _same(old[1], adjusted)):
            updates.append((count, adjusted, *k))
        else:
            counts["unchanged"] += 1
    in_source = set(ids.values())
    gone = [k for k in existing if k not in new and k[0] in in_source]
    conn.executemany("INSERT INTO area_counts (professor_id, area, year, count, "
                     "adjusted_count) VALUES (?, ?, ?, ?, ?)", inserts)
    conn.executemany("UPDATE area_counts SET count = ?, adjusted_count = ? "
                     "WHERE professor_id = ? AND area = ? AND year = ?", updates)
    conn.executemany("DELETE FROM area_counts WHERE professor_id = ? AND area = ? "
                     "AND year = ?", gone)
    counts["added"] += len(inserts)
    counts["updated"] += len(updates)
    counts["removed"] += len(gone)
