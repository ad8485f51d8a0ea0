"""Parsing, validating and merging CSRankings files (pure functions, fixture files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler import csrankings as csr
from profscout.core.areas import (
    area_of_venue,
    arxiv_categories_for,
    load_areas,
    resolve_area,
    resolve_areas,
    suggest_areas,
    venues_for,
)
from profscout.core.errors import UserError

FULL = Path(__file__).parent / "fixtures" / "csrankings" / "full"
SPLIT = Path(__file__).parent / "fixtures" / "csrankings" / "split"


def full_snapshot() -> csr.Snapshot:
    return csr.build_snapshot(
        [(FULL / "csrankings.csv").read_bytes()], (FULL / "country-info.csv").read_bytes(),
        (FULL / "geolocation.csv").read_bytes(),
        (FULL / "generated-author-info.csv").read_bytes())


def test_malformed_rows_are_skipped_and_counted_by_reason():
    rows, skipped, read = csr.parse_faculty((FULL / "csrankings.csv").read_bytes())
    rows = csr.dedupe_faculty(rows, skipped)
    assert read == 16
    assert {k: v for k, v in skipped.items() if v} == {
        "not_utf8": 1, "missing_field": 2, "bad_url": 1, "duplicate": 1, "extra_fields": 1}
    assert len(rows) == 16 - 6
    first = rows[0]
    assert first.name == "Ada Lovelace"  # the BOM did not end up in the header or the name
    turing = next(r for r in rows if r.name == "Alan M. Turing 0001")
    assert turing.affiliation == "Cambridge Example"  # stray and doubled spaces
    assert turing.homepage == "https://turing.example.ac.uk/"
    lone = next(r for r in rows if r.name == "Lone Prof")
    assert lone.homepage == "http://tiny.example.edu/~lone"  # "http:/" repaired
    assert next(r for r in rows if r.name == "Grace Hopper").scholar_id is None


def test_header_without_required_columns_is_an_error():
    with pytest.raises(csr.HeaderError, match="affiliation"):
        csr.parse_faculty(b"name,homepage\nA B,https://a.example.org\n")


@pytest.mark.parametrize("url, expected", [
    ("https://a.example.org/~x", "https://a.example.org/~x"),
    ("http:/a.example.org", "http://a.example.org"),
    ("http://https://a.example.org", "https://a.example.org"),
    ("a.example.org/people/x", "http://a.example.org/people/x"),
    ("javascript:alert(1)", None),
    ("ftp://a.example.org", None),
    ("http://a.example.org/x y", None),
    ("", None),
])
def test_normalize_url(url, expected):
    assert csr.normalize_url(url) == expected


def test_scholar_id():
    assert csr.scholar_id(" vGhH7RQAAAAJ&hl ") == "vGhH7RQAAAAJ"
    assert csr.scholar_id("NOSCHOLARPAGE") is None and csr.scholar_id("no way!") is None


def test_display_name_drops_dblp_number_only_at_the_end():
    assert csr.display_name("Wei Wang 0001") == "Wei Wang"
    assert csr.display_name("Agent 0001 Smith") == "Agent 0001 Smith"


@pytest.mark.parametrize("a, b, same", [
    ("Allan P. Engsig-Karup", "Allan Peter Engsig-Karup", True),
    ("Abdelhakim Hafid", "Abdelhakim Senhaji Hafid", True),
    ("A. Turing", "Alan Turing 0001", True),
    ("Paulo Drews Jr.", "Paulo Lilles Jorge Drews", True),
    ("Grace Hopper", "Edsger Dijkstra", False),
    ("Wei Wang", "Lei Wang", False),
])
def test_same_person_names(a, b, same):
    assert csr.same_person_names(a, b) is same


def test_rows_of_one_person_merge_and_department_pages_do_not():
    snapshot = full_snapshot()
    by_key = {p.key: p for p in snapshot.people}
    assert len(snapshot.people) == 8
    ada = by_key["Ada Lovelace"]
    assert ada.aliases == ["Ada King Lovelace", "Ada Lovelace"]  # shared Scholar id
    turing = by_key["Alan Turing 0001"]
    assert turing.name == "Alan Turing"  # number stays in the key only
    assert turing.aliases == ["Alan M. Turing 0001", "Alan Turing 0001"]  # homepage + surname
    assert "Grace Hopper" in by_key and "Edsger Dijkstra" in by_key  # one page, two people
    assert by_key["Wei Wang 0001"].name == by_key["Wei Wang 0002"].name == "Wei Wang"


def test_shared_homepage_with_different_scholar_ids_does_not_merge():
    rows = [csr.FacultyRow("Wei Wang", "U", "https://u.example.edu/faculty", "AAAAAAAAAAAA"),
            csr.FacultyRow("W. Wang", "U", "https://u.example.edu/faculty", "BBBBBBBBBBBB")]
    assert len(csr.merge_people(rows)) == 2
    rows[1] = csr.FacultyRow("W. Wang", "U", "https://u.example.edu/faculty", None)
    assert len(csr.merge_people(rows)) == 1


def test_institutions_get_region_country_and_coordinates():
    snapshot = full_snapshot()
    places = {i.name: i for i in snapshot.institutions}
    assert set(places) == {"Example University", "Cambridge Example", "Université Exemple",
                           "Eastern Example University", "Tiny College"}
    assert (places["Cambridge Example"].region, places["Cambridge Example"].country) == (
        "europe", "uk")
    assert (places["Tiny College"].region, places["Tiny College"].country) == ("us", "us")
    assert places["Tiny College"].latitude is None
    assert places["Université Exemple"].latitude == pytest.approx(48.85)
    assert snapshot.skipped["country_info_duplicate"] == 1
    assert snapshot.skipped["geolocation_bad_coordinates"] == 1


def test_author_info_is_summed_over_aliases_and_validated():
    snapshot = full_snapshot()
    counts = snapshot.area_counts
    assert counts is not None
    assert counts[("Ada Lovelace", "cvpr", 2020)] == pytest.approx((3.0, 1.25))
    assert counts[("Alan Turing 0001", "focs", 2019)] == pytest.approx((3.0, 1.5))
    assert snapshot.skipped["author_info_unknown_author"] == 1
    assert snapshot.skipped["author_info_bad_number"] == 1
    assert snapshot.author_info_format == "current"


def test_author_info_headers_both_formats_and_bad_ones():
    assert csr.check_author_info_header((FULL / "generated-author-info.csv").read_bytes()) \
        == "current"
    old = (SPLIT / "generated-author-info.csv").read_bytes()
    assert csr.check_author_info_header(old) == "old"
    counts, _, _ = csr.parse_author_info(old)
    assert {(c.name, c.area) for c in counts} == {("Ada Lovelace", "vision"),
                                                   ("Alan Turing 0001", "act")}
    with pytest.raises(csr.HeaderError, match="expected header"):
        csr.check_author_info_header(b"name,dept,venue,papers\n")


def test_split_faculty_files_combine():
    snapshot = csr.build_snapshot([(SPLIT / "csrankings-a.csv").read_bytes(),
                                   (SPLIT / "csrankings-t.csv").read_bytes()],
                                  (SPLIT / "country-info.csv").read_bytes())
    assert sorted(p.key for p in snapshot.people) == ["Ada Lovelace", "Alan Turing 0001"]
    assert snapshot.rows_read == 4 and snapshot.area_counts is None


def test_areas_table_covers_every_csrankings_area():
    areas = load_areas()
    expected = {"ai", "vision", "mlmining", "nlp", "inforet", "arch", "comm", "sec", "mod",
                "da", "bed", "hpc", "mobile", "metrics", "ops", "plan", "soft", "act",
                "crypt", "log", "bio", "graph", "csed", "ecom", "chi", "robotics",
                "visualization"}
    assert set(areas) == expected
    for area in areas.values():
        assert area.venues and area.arxiv_categories and area.keywords, area.code
    assert venues_for(["vision"]) == {"vision", "cvpr", "eccv", "iccv"}
    assert area_of_venue()["nips"] == "mlmining"
    assert arxiv_categories_for(["nlp"]) == {"cs.CL"}


@pytest.mark.parametrize("value, codes", [
    ("vision", ("vision",)),
    ("Computer Vision", ("vision",)),
    ("AI", ("ai", "vision", "mlmining", "nlp", "inforet")),
    ("ai", ("ai",)),
    ("theory", ("act", "crypt", "log")),
    ("machine learning", ("mlmining",)),
    ("HCI", ("chi",)),
])
def test_resolve_area(value, codes):
    assert resolve_area(value) == codes


def test_unknown_area_names_valid_values():
    with pytest.raises(UserError) as exc:
        resolve_areas(["vision", "astrology"])
    message = str(exc.value)
    assert "astrology" in message and "mlmining" in message and "\n" not in message


def test_suggest_areas_from_free_text():
    assert suggest_areas("robot learning for grasping")[0][0] == "robotics"
    assert suggest_areas("large language models for question answering")[0][0] == "nlp"
    assert suggest_areas("zzz qqq") == []
