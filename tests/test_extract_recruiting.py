"""Recruiting statements judged as of a given date (never the wall clock), future-tense and
"open PhD positions" phrasings, and openings pages chosen even when only a commented-out
section links them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crawler.extract import (
    candidate_links,
    decode_html,
    extract_page,
    is_dated_before,
    merge_pages,
    recruiting_signal,
)

PAGES = Path(__file__).parent / "fixtures" / "homepages"
BASE = "http://prof.northfield.test/~mokafor/"
AS_OF = date(2026, 6, 1)


@pytest.mark.parametrize(("text", "expected"), [
    ("I am looking for two PhD students starting in Fall 2018.", ""),
    ("I am looking for two PhD students starting in Fall 2026.", "yes"),
    ("I am looking for two PhD students starting in Fall 2027.", "yes"),
    ("2019: we are recruiting postdocs for the new project.", ""),
    ("I will hire a PhD student to start in February 2027.", "yes"),
    ("We plan to recruit two postdocs next year.", "yes"),
    ("I have several open PhD positions.", "yes"),
    ("There are open research assistant positions in my lab.", "yes"),
    ("I will not hire new PhD students this year.", "no"),
    ("I am no longer looking for postdocs.", "no"),
    ("I was recruiting PhD students when the project started.", ""),
    ("Our PhD positions have been filled.", "no"),
])
def test_recruiting_as_of_a_date(text: str, expected: str) -> None:
    assert recruiting_signal(text, AS_OF)[0] == expected


def test_dates_count_only_against_the_given_as_of_year() -> None:
    sentence = "I am looking for two PhD students starting in Fall 2018."
    assert recruiting_signal(sentence, date(2018, 3, 1))[0] == "yes"
    assert recruiting_signal(sentence, date(2019, 3, 1))[0] == ""
    assert recruiting_signal(sentence)[0] == "yes"  # no as-of date: no date rule
    assert not is_dated_before("Room 2017, Building 3", None)
    assert not is_dated_before("Call 555-2012 for PhD positions", AS_OF)


def test_stale_openings_page_is_not_recruiting() -> None:
    text, _ = decode_html((PAGES / "dated_openings.html").read_bytes(), "text/html")
    page = extract_page(text, BASE, "Mira Okafor", as_of=AS_OF)
    assert merge_pages([page]).recruiting == ""
    fresh = extract_page(text, BASE, "Mira Okafor", as_of=date(2018, 1, 15))
    assert fresh.recruiting == "yes" and "Fall 2018" in fresh.recruiting_evidence


def test_openings_page_linked_only_from_a_comment_is_chosen_after_visible_links() -> None:
    html = (PAGES / "commented_openings.html").read_text()
    links = candidate_links(html, "http://prof.northfield.test/", 4)
    assert links[-1] == "http://prof.northfield.test/pages/openings"
    assert "http://prof.northfield.test/pages/news" not in links  # only openings pages
    assert links[0] == "http://prof.northfield.test/publications/"
    from crawler.extract import parse

    assert candidate_links(parse(html), "http://prof.northfield.test/", 4) == links


@pytest.mark.parametrize("label", ["Prospective students", "Join us", "Work with me",
                                   "Open positions", "Vacancies"])
def test_openings_links_come_first(label: str) -> None:
    html = (f'<html><body><a href="/research.html">Research</a>'
            f'<a href="/publications.html">Publications</a>'
            f'<a href="/x/page.html">{label}</a></body></html>')
    assert candidate_links(html, "http://prof.northfield.test/", 4)[0] == \
        "http://prof.northfield.test/x/page.html"


@pytest.mark.parametrize(("sentence", "dated"), [
    ("I am looking for PhD students starting in Fall 2018.", True),
    ("Postdoc positions for the 2019-2020 academic year.", True),
    ("2019: we are recruiting postdocs.", True),
    ("Applications by March 1, 2020 are welcome.", True),
    ("Since 2015 I have been looking for strong PhD students.", False),
    ("I am looking for PhD students to extend our 2023 paper.", False),
    ("I am looking for PhD students starting in Fall 2027.", False),
])
def test_which_years_date_a_statement(sentence: str, dated: bool) -> None:
    assert is_dated_before(sentence, AS_OF) is dated
