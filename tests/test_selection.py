"""Selecting professors by area, region, country, institution, year, counts and names."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from profscout.core import store
from profscout.core.errors import UserError
from profscout.core.selection import (
    AREA_SOURCE_ARXIV,
    AREA_SOURCE_COUNTS,
    AREA_SOURCE_NONE,
    Filters,
    read_names,
    resolve_region,
    select,
    select_professors,
)
from profscout.core.store.csrankings import import_snapshot
from tests.test_csrankings_parse import full_snapshot


def keys(conn: sqlite3.Connection, ids: list[int]) -> set[str]:
    marks = ",".join("?" * len(ids))
    return {r[0] for r in conn.execute(f"SELECT key FROM professors WHERE id IN ({marks})",
                                       ids)}


@pytest.fixture
def conn(db_path: Path) -> sqlite3.Connection:
    connection = store.connect(db_path)
    import_snapshot(connection, full_snapshot())
    return connection


@pytest.fixture
def conn_without_areas(db_path: Path) -> sqlite3.Connection:
    connection = store.connect(db_path)
    import_snapshot(connection, dataclasses.replace(full_snapshot(), area_counts=None))
    return connection


ALL = {"Ada Lovelace", "Alan Turing 0001", "Grace Hopper", "Edsger Dijkstra", "Gérard Huet",
       "Wei Wang 0001", "Wei Wang 0002", "Lone Prof"}


def test_no_filter_selects_everyone(conn):
    assert keys(conn, select_professors(conn, Filters())) == ALL


@pytest.mark.parametrize("regions, expected", [
    (["europe"], {"Alan Turing 0001", "Gérard Huet"}),
    (["asia"], {"Wei Wang 0002"}),
    (["us"], {"Ada Lovelace", "Grace Hopper", "Edsger Dijkstra", "Wei Wang 0001",
              "Lone Prof"}),
    (["northamerica"], {"Ada Lovelace", "Grace Hopper", "Edsger Dijkstra", "Wei Wang 0001",
                        "Lone Prof"}),
    (["Europe", "asia"], {"Alan Turing 0001", "Gérard Huet", "Wei Wang 0002"}),
    (["world"], ALL),
])
def test_regions(conn, regions, expected):
    assert keys(conn, select_professors(conn, Filters(regions=regions))) == expected


def test_countries_and_institutions(conn):
    assert keys(conn, select_professors(conn, Filters(countries=["FR"]))) == {"Gérard Huet"}
    assert keys(conn, select_professors(conn, Filters(countries=["gb"]))) == {
        "Alan Turing 0001"}
    assert keys(conn, select_professors(conn, Filters(institutions=["cambridge example"]))) \
        == {"Alan Turing 0001"}
    assert keys(conn, select_professors(conn, Filters(institutions=["Universite Exemple"]))) \
        == {"Gérard Huet"}


def test_bad_region_country_institution_are_one_line_user_errors(conn):
    with pytest.raises(UserError, match="valid regions: us, canada, northamerica"):
        select(conn, Filters(regions=["mars"]))
    with pytest.raises(UserError, match="valid countries: cn, fr, uk, us"):
        select(conn, Filters(countries=["de"]))
    with pytest.raises(UserError, match="did you mean: Cambridge Example"):
        select(conn, Filters(institutions=["Cambridge Exampel"]))
    with pytest.raises(UserError, match="unknown area"):
        select(conn, Filters(areas=["astrology"]))
    assert resolve_region("North America") == "northamerica"


def test_areas_use_csrankings_counts(conn):
    selection = select(conn, Filters(areas=["computer vision"]))
    assert selection.area_source == AREA_SOURCE_COUNTS and not selection.warnings
    assert keys(conn, selection.ids) == {"Ada Lovelace", "Gérard Huet", "Wei Wang 0001",
                                         "Wei Wang 0002"}
    assert keys(conn, select_professors(conn, Filters(areas=["vision"], since=2020))) == {
        "Ada Lovelace", "Gérard Huet", "Wei Wang 0002"}
    assert keys(conn, select_professors(conn, Filters(areas=["vision"], min_pubs=3))) == {
        "Ada Lovelace", "Wei Wang 0002"}
    assert keys(conn, select_professors(conn, Filters(areas=["Theory"], regions=["europe"]))) \
        == {"Alan Turing 0001", "Gérard Huet"}


def test_areas_fall_back_to_arxiv_categories(conn_without_areas):
    conn = conn_without_areas
    ada = conn.execute("SELECT id FROM professors WHERE key = 'Ada Lovelace'").fetchone()[0]
    grace = conn.execute("SELECT id FROM professors WHERE key = 'Grace Hopper'").fetchone()[0]
    with store.transaction(conn):
        conn.executemany(
            "INSERT INTO papers (arxiv_id, title, categories, primary_category, published) "
            "VALUES (?, ?, ?, ?, ?)",
            [("2501.00001", "Seeing things", "cs.CV cs.LG", "cs.CV", "2025-01-02"),
             ("2201.00002", "Compilers", "cs.PL", "cs.PL", "2022-01-02")])
        conn.executemany(
            "INSERT INTO authorships (professor_id, arxiv_id, matched_name, confidence) "
            "VALUES (?, ?, ?, ?)",
            [(ada, "2501.00001", "Ada Lovelace", 0.9), (grace, "2201.00002", "G. Hopper", 0.9)])
    turing = conn.execute("SELECT id FROM professors WHERE key = 'Alan Turing 0001'"
                          ).fetchone()[0]
    with store.transaction(conn):  # checked on arXiv, nothing found
        conn.execute("INSERT INTO arxiv_sync (professor_id, checked_at) VALUES (?, ?)",
                     (turing, "2026-01-01T00:00:00"))
    selection = select(conn, Filters(areas=["vision"]))
    assert selection.area_source == AREA_SOURCE_ARXIV and selection.warnings
    # Ada has a cs.CV paper; Grace and Turing were checked and have none; the rest were
    # never checked on arXiv, so there is no evidence to drop them
    assert keys(conn, selection.ids) == ALL - {"Grace Hopper", "Alan Turing 0001"}
    recent_pl = select_professors(conn, Filters(areas=["plan"], since=2023))
    assert keys(conn, recent_pl) == ALL - {"Grace Hopper", "Alan Turing 0001", "Ada Lovelace"}


def test_without_any_area_data_the_area_filter_is_not_applied_and_says_so(conn_without_areas):
    selection = select(conn_without_areas, Filters(areas=["vision"], regions=["europe"]))
    assert selection.area_source == AREA_SOURCE_NONE
    assert keys(conn_without_areas, selection.ids) == {"Alan Turing 0001", "Gérard Huet"}
    assert "not applied" in selection.warnings[0]


def test_names_file_folds_case_accents_and_dblp_numbers(conn, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("# my list\nada lovelace\nGERARD HUET\tParis\n\nTuring, Alan\n"
                     "Wei Wang 0002\nNobody Here\n", encoding="utf-8")
    selection = select(conn, Filters(names_file=names))
    assert keys(conn, selection.ids) == {"Ada Lovelace", "Gérard Huet", "Alan Turing 0001",
                                         "Wei Wang 0002"}
    assert selection.unmatched_names == ["Nobody Here"]
    assert "Nobody Here" in selection.warnings[0]


def test_ambiguous_name_selects_every_namesake(conn, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("Wei Wang\n")
    assert keys(conn, select_professors(conn, Filters(names_file=names))) == {
        "Wei Wang 0001", "Wei Wang 0002"}


def test_read_names_from_spreadsheet_rows():
    assert read_names(["\ufeffJane Doe,MIT", "Doe, Jane", '"John Roe";ETH', "  ", "# x"]) == [
        "Jane Doe", "Jane Doe", "John Roe"]


@pytest.mark.parametrize("filters, field", [
    (Filters(regions=["mars"]), "regions"),
    (Filters(countries=["Germany"]), "countries"),
    (Filters(countries=["de"]), "countries"),
    (Filters(institutions=["Nowhere Polytechnic"]), "institutions"),
])
def test_errors_name_the_input_at_fault_in_the_library_words(conn, filters, field):
    with pytest.raises(UserError) as info:
        select(conn, filters)
    assert info.value.field == field
    assert "--" not in str(info.value) and "profscout" not in str(info.value)


def test_warnings_speak_of_filters_not_of_flags(conn_without_areas, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("Nobody Here\n", encoding="utf-8")
    selection = select(conn_without_areas, Filters(areas=["vision"], since=2020,
                                                   names_file=names))
    assert len(selection.warnings) == 2
    assert not [w for w in selection.warnings if "--" in w]
