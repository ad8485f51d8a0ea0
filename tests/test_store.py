"""The store: migrations, idempotent CSRankings upserts, all-or-nothing imports, reads."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

import pytest

from crawler import csrankings as csr
from profscout.core import config, store
from profscout.core.store import selection as reads
from profscout.core.store.csrankings import import_snapshot
from tests.helpers import add_professor
from tests.test_csrankings_parse import full_snapshot


def dump(conn: sqlite3.Connection) -> list[str]:
    return list(conn.iterdump())


def test_fresh_store_is_at_the_current_version_with_every_table(db_path):
    conn = store.connect(db_path)
    assert store.schema_version(conn) == store.SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"institutions", "professors", "professor_aliases", "area_counts", "homepages",
            "fetch_log", "papers", "authorships", "arxiv_sync"} <= tables
    assert "activity" not in tables  # dropped in version 2
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    again = store.connect(db_path)  # reopening applies nothing
    assert store.schema_version(again) == store.SCHEMA_VERSION


def test_pending_migration_is_applied_and_a_failing_one_rolls_back(db_path, monkeypatch):
    store.connect(db_path).close()
    version = store.SCHEMA_VERSION
    good = [*store.MIGRATIONS, "ALTER TABLE professors ADD COLUMN note TEXT"]
    monkeypatch.setattr(store, "MIGRATIONS", good)
    monkeypatch.setattr(store, "SCHEMA_VERSION", len(good))
    conn = store.connect(db_path)
    assert store.schema_version(conn) == version + 1
    assert "note" in {r[1] for r in conn.execute("PRAGMA table_info(professors)")}
    conn.close()

    bad = [*good, "CREATE TABLE extra (x INTEGER); ALTER TABLE no_such_table ADD COLUMN y"]
    monkeypatch.setattr(store, "MIGRATIONS", bad)
    monkeypatch.setattr(store, "SCHEMA_VERSION", len(bad))
    with pytest.raises(sqlite3.OperationalError):
        store.connect(db_path)
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == version + 1
    assert raw.execute("SELECT name FROM sqlite_master WHERE name='extra'").fetchone() is None


def test_store_from_a_newer_profscout_is_refused(db_path):
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {store.SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(store.StoreVersionError):
        store.connect(db_path)


def test_same_import_twice_changes_nothing(db_path):
    conn = store.connect(db_path)
    first = import_snapshot(conn, full_snapshot())
    assert first["professors"]["added"] == 8
    assert first["institutions"]["added"] == 5
    assert first["aliases"]["added"] == 10
    assert first["area_counts"]["added"] == 7
    before = dump(conn)
    second = import_snapshot(conn, full_snapshot())
    for table in ("institutions", "professors", "aliases", "area_counts"):
        assert second[table]["added"] == second[table]["updated"] == 0, table
        assert second[table]["removed"] == 0, table
        assert second[table]["unchanged"] == first[table]["added"], table
    assert dump(conn) == before


def test_changes_update_rows_in_place_and_keep_ids(db_path):
    conn = store.connect(db_path)
    import_snapshot(conn, full_snapshot())
    ada_id = conn.execute("SELECT id FROM professors WHERE key = 'Ada Lovelace'").fetchone()[0]
    snapshot = full_snapshot()
    for person in snapshot.people:
        if person.key == "Ada Lovelace":
            person.homepage = "https://ada.example.org"
            person.aliases.append("A. Lovelace")
    counts = import_snapshot(conn, snapshot)
    assert counts["professors"]["updated"] == 1
    assert counts["aliases"]["added"] == 1
    row = conn.execute("SELECT id, homepage FROM professors WHERE key = 'Ada Lovelace'"
                       ).fetchone()
    assert tuple(row) == (ada_id, "https://ada.example.org")
    aliases = {r[0] for r in conn.execute(
        "SELECT alias FROM professor_aliases WHERE professor_id = ?", (ada_id,))}
    assert aliases == {"Ada Lovelace", "Ada King Lovelace", "A. Lovelace"}


def test_a_failing_import_leaves_the_store_as_it_was(db_path):
    conn = store.connect(db_path)
    import_snapshot(conn, full_snapshot())
    before = dump(conn)
    broken = full_snapshot()
    broken.people[0].homepage = "https://changed.example.org"
    broken.institutions.append(csr.Institution("New Place", "asia", "jp"))
    assert broken.area_counts is not None
    broken.area_counts[("Nobody 0001", "cvpr", 2020)] = (1.0, 1.0)  # no such professor
    with pytest.raises(KeyError):
        import_snapshot(conn, broken)
    assert dump(conn) == before


def test_area_counts_absent_from_a_new_snapshot_are_removed(db_path):
    conn = store.connect(db_path)
    import_snapshot(conn, full_snapshot())
    snapshot = full_snapshot()
    assert snapshot.area_counts is not None
    del snapshot.area_counts[("Ada Lovelace", "icml", 2021)]
    counts = import_snapshot(conn, snapshot)
    assert counts["area_counts"]["removed"] == 1
    without = dataclasses.replace(full_snapshot(), area_counts=None)
    counts = import_snapshot(conn, without)  # no author info this time: counts kept
    assert counts["area_counts"] == {"added": 0, "updated": 0, "unchanged": 0, "removed": 0}
    assert conn.execute("SELECT COUNT(*) FROM area_counts").fetchone()[0] == 6


# --- the selection reads (profscout.core.store.selection) -----------------------------------

def test_a_list_of_ids_is_one_parameter_of_any_length(db_path):
    conn = store.connect(db_path)
    import_snapshot(conn, full_snapshot())
    ids = [r[0] for r in conn.execute("SELECT id FROM professors")]
    many = [*ids, *range(10_000, 50_000)]  # more than SQLite allows as separate variables
    assert json.loads(store.id_list(reversed(many))) == sorted(many)
    assert reads.institution_count(conn, many) == 5
    assert reads.institution_count(conn, []) == 0
    assert [r.id for r in reads.professor_records(conn, many)] == \
        [r.id for r in reads.professor_records(conn)]
    assert reads.professor_records(conn, []) == []


def test_an_institution_the_store_does_not_know_is_in_the_default_region(db_path):
    conn = store.connect(db_path)
    import_snapshot(conn, full_snapshot())
    with store.transaction(conn):
        add_professor(conn, "Nomad Prof", "Unlisted College")
    nomad = conn.execute("SELECT id FROM professors WHERE key = 'Nomad Prof'").fetchone()[0]
    assert nomad in reads.professors_at(conn, regions={config.DEFAULT_REGION})
    assert nomad in reads.professors_at(conn, countries={config.DEFAULT_COUNTRY})
    assert nomad not in reads.professors_at(conn, regions={"europe"})
    assert reads.professors_at(conn, institutions={"Unlisted College"}) == {nomad}
    assert reads.professors_at(conn) == {r[0] for r in conn.execute("SELECT id FROM professors")}


def test_professor_records_read_the_homepage_crawl(db_path):
    conn = store.connect(db_path)
    import_snapshot(conn, full_snapshot())
    ada = conn.execute("SELECT id FROM professors WHERE key = 'Ada Lovelace'").fetchone()[0]
    with store.transaction(conn):
        conn.execute("INSERT INTO homepages (professor_id, state, emails, links_json, "
                     "fetched_at) VALUES (?, 'ok', 'a@x.org', 'not json', '2026-01-01')", (ada,))
    (record,) = reads.professor_records(conn, [ada])
    assert (record.name, record.homepage_state, record.emails) == ("Ada Lovelace", "ok",
                                                                    "a@x.org")
    assert record.links == {} and record.pages_fetched == 0 and record.fetched_at
    others = [r for r in reads.professor_records(conn) if r.id != ada]
    assert all(r.homepage_state == "" and r.pages_fetched is None for r in others)
