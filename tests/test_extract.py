"""Extraction on small homepages we wrote, one pattern per fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract import (
    candidate_links,
    decode_cfemail,
    decode_html,
    extract_page,
    keyphrases,
    looks_like_html,
    merge_pages,
    parse,
    recruiting_signal,
)

PAGES = Path(__file__).parent / "fixtures" / "homepages"
BASE = "http://prof.northfield.test/~dana/"


def page(name: str, person: str | None = None, url: str = BASE, homepage: bool = True):
    text, _ = decode_html((PAGES / name).read_bytes(), "text/html")
    return extract_page(text, url, person, is_homepage=homepage)


def emails(name: str, person: str | None = None) -> list[str]:
    return merge_pages([page(name, person)], person).emails


@pytest.mark.parametrize(("fixture", "person", "expected"), [
    ("obfuscated.html", "Lena Hartwig", ["lhartwig@cs.northfield.edu"]),
    ("spelled_at.html", "Tomas Ekberg", ["tekberg@dsv.lakeside.se"]),
    ("spaced_at.html", "Rolf Voss", ["rvoss@cs.northfield.edu"]),
    ("parens_at.html", "Wei Chen", ["wei.chen.2@northfield.edu"]),
    ("mailto_encoded.html", "Omar Haddad", ["omar.haddad@eecs.lakeside.edu"]),
    ("cloudflare.html", "Mara Lind", ["mara.lind@cs.northfield.edu"]),
    ("placeholder.html", "Abel Kuria", ["abel@cse.northfield.ac.in"]),
    ("image_email.html", "Ines Moreau", []),
    ("many_emails.html", "Priya Raman", ["praman@cs.lakeside.edu"]),
])
def test_email_patterns(fixture: str, person: str, expected: list[str]) -> None:
    assert emails(fixture, person) == expected


def test_generic_and_demo_addresses_are_never_chosen() -> None:
    found = {c.address for c in page("obfuscated.html", "Lena Hartwig").emails}
    assert found == {"lhartwig@cs.northfield.edu"}


def test_bracket_at_and_dot_spellings_all_read() -> None:
    found = {c.address for c in page("parens_at.html").emails}
    assert found == {"wei.chen.2@northfield.edu", "psu9@lakeside.edu"}


def test_students_addresses_lose_to_the_persons_own() -> None:
    facts = page("many_emails.html", "Priya Raman")
    found = [c.address for c in facts.emails]
    assert "jblank@cs.lakeside.edu" in found and "info@cs.lakeside.edu" not in found
    assert merge_pages([facts], "Priya Raman").emails == ["praman@cs.lakeside.edu"]


def test_cloudflare_decoding() -> None:
    assert decode_cfemail("5a373b283b743633343e1a3929743435282e323c333f363e743f3e2f") == \
        "mara.lind@cs.northfield.edu"
    assert decode_cfemail("zz") is None
    assert decode_cfemail("42") is None


def test_profile_page_interests_lab_recruiting_links() -> None:
    facts = page("profile.html", "Dana Whitfield")
    merged = merge_pages([facts], "Dana Whitfield")
    assert "3D scene understanding" in merged.keyphrases
    assert "Self-supervised representation learning" in merged.keyphrases
    assert merged.lab_name == "Robust Perception and Learning (RPL) Lab"
    assert merged.recruiting == "yes"
    assert "looking for motivated Ph.D. students" in merged.recruiting_evidence
    assert merged.links["scholar"].endswith("user=AbCdEf0000AJ")
    assert merged.links["dblp"] == "https://dblp.org/pid/00/0000.html"
    assert merged.links["github"] == "https://github.com/dwhitfield"
    assert merged.links["cv"] == BASE + "cv.pdf"
    assert merged.emails == ["dana.whitfield@cs.northfield.edu"]


def test_candidate_pages_are_same_site_and_ranked() -> None:
    soup = parse((PAGES / "profile.html").read_text())
    links = candidate_links(soup, BASE, 4)
    assert links == [BASE + "join.html", BASE + "contact.html", BASE + "group/",
                     BASE + "research.html"]
    assert all("other.example.org" not in u and not u.endswith(".pdf") for u in
               candidate_links(soup, BASE, 10))
    assert candidate_links(soup, BASE, 0) == []


def test_negative_recruiting_statement_counts_as_no() -> None:
    merged = merge_pages([page("not_recruiting.html", "Gordon Pike")], "Gordon Pike")
    assert merged.recruiting == "no"
    assert "not taking new PhD students" in merged.recruiting_evidence


@pytest.mark.parametrize(("text", "expected"), [
    ("We are hiring! Two fully funded PhD positions are available in my group.", "yes"),
    ("I am always looking for strong postdocs and research interns.", "yes"),
    ("Unfortunately I have no open positions for students at the moment.", "no"),
    ("I am no longer accepting PhD students.", "no"),
    ("Our paper on graph learning won the best student paper award.", ""),
    ("She was previously a postdoc at Lakeside University.", ""),
])
def test_recruiting_sentences(text: str, expected: str) -> None:
    assert recruiting_signal(text)[0] == expected


def test_interests_from_bio_sentence_and_lab_membership() -> None:
    merged = merge_pages([page("bio_interests.html", "Hana Sato")], "Hana Sato")
    assert "program synthesis" in merged.keyphrases
    assert "verified compilers" in merged.keyphrases
    assert merged.lab_name == "Programming Languages Group"


def test_keyphrases_split_lists_and_sentences() -> None:
    assert keyphrases("Robotics\nMachine learning") == ["Robotics", "Machine learning"]
    assert keyphrases("My research interests include databases, query optimization and "
                      "data cleaning.") == ["databases", "query optimization", "data cleaning"]


def test_latin1_page_that_claims_utf8_is_decoded() -> None:
    body = (PAGES / "latin1_misdeclared.html").read_bytes()
    text, encoding = decode_html(body, "text/html; charset=utf-8")
    assert "José Muñoz" in text and "\ufffd" not in text
    assert encoding.lower().replace("-", "").replace("_", "") in {"cp1252", "latin1",
                                                                   "iso88591", "windows1252"}


def test_utf8_without_any_declaration() -> None:
    body = "<html><body><p>Université de Montréal — Zoë</p></body></html>".encode()
    text, _ = decode_html(body, None)
    assert "Montréal — Zoë" in text


def test_binary_bytes_are_not_html() -> None:
    import random

    noise = bytes(random.Random(1).getrandbits(8) for _ in range(5000))
    assert not looks_like_html(noise)
    assert not looks_like_html(b"")
    assert looks_like_html((PAGES / "profile.html").read_bytes())
