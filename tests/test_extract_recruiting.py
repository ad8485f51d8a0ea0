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


@pytest.mark.parametrize(("text", "expected"), [
    ("Undergrads, graduate students, and postdocs: if you'd like to work with me, "
     "shoot me an email!", "yes"),
    ("If you would like to join my group as a PhD student, write to me.", "yes"),
    ("PhD applicants: if you wish to work with us, apply through the department.", "yes"),
    ("Two of my former students would like to join industry next year.", ""),
])
def test_an_invitation_to_the_reader_to_work_with_the_person(text: str, expected: str) -> None:
    assert recruiting_signal(text, AS_OF)[0] == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a "no" about interns leaves the PhD and postdoc openings standing
    ("PHD POSITION. I recruit one or two PhD students every year. INTERNSHIP POSITION. "
     "NO. We do NOT take ANY interns.", "yes"),
    ("I have one postdoc opening in robot learning. I cannot take undergraduate interns.",
     "yes"),
    # a "no" about everyone, or about the people the "yes" names, wins
    ("I am not taking new students. Funded PhD positions are available in my group.", "no"),
    ("I have no open PhD positions. We are looking for PhD students with a strong "
     "background.", "no"),
    # a "yes" that names nobody in particular does not stand beside any "no"
    ("We do not take interns. Prospective students are welcome to apply.", "no"),
])
def test_a_no_counts_for_the_people_it_names(text: str, expected: str) -> None:
    verdict, evidence = recruiting_signal(text, AS_OF)
    assert verdict == expected
    if expected == "yes":
        assert "intern" not in evidence.lower()


def test_statements_are_judged_across_pages() -> None:
    def page(url: str, body: str):
        return extract_page(f"<html><body><p>{body}</p></body></html>", url, "Mira Okafor",
                            as_of=AS_OF)

    home = page(BASE, "I do not take summer interns.")
    openings = page(BASE + "openings.html", "I am looking for a postdoc in program analysis.")
    facts = merge_pages([home, openings])
    assert facts.recruiting == "yes" and "postdoc" in facts.recruiting_evidence
    closed = page(BASE + "openings.html", "I am not recruiting at the moment, students or "
                                          "postdocs.")
    assert merge_pages([openings, closed]).recruiting == "no"
    assert merge_pages([home]).recruiting == "no"


@pytest.mark.parametrize(("text", "expected"), [
    ("I constantly recruit 1-2 PhD students every year.", "yes"),
    ("We hire postdocs whenever a grant starts.", "yes"),
    ("We do not recruit PhD students this year.", "no"),
    ("Our study recruited 40 students as participants.", ""),
])
def test_present_tense_recruiting_by_the_person(text: str, expected: str) -> None:
    assert recruiting_signal(text, AS_OF)[0] == expected
