"""Lab names: the cue must lead straight to the name, sentences about the past do not count,
a standalone top heading or paragraph names the lab, and lists do not."""

from __future__ import annotations

import pytest

from crawler.extract import extract_page, lab_from_text, merge_pages

URL = "http://prof.lakeside.test/"


@pytest.mark.parametrize(("text", "expected"), [
    ("I lead the Northfield Robotics (NR) Lab at Lakeside University.",
     "Northfield Robotics (NR) Lab"),
    ("He is a professor at Lakeside University in the Human Aspects of Computing Lab.",
     "Human Aspects of Computing Lab"),
    ("During my PhD I worked at Acme Research Labs. I lead V-Lab, a group on 3D vision.",
     "V-Lab"),
    ("She is the director of HyperGraphix at Lakeside University.", "HyperGraphix"),
    ("I am a member of the research team CASCADE at the institute.", "CASCADE"),
    ("I received my Ph.D. from Lakeside, where I was in the Vision Systems Lab.", ""),
    ("I was a research associate at the Speech Lab of Lakeside (2015-2018).", ""),
    ("Giving a talk at the Data Systems Lab of Lakeside.", ""),
    ("Join the Lab if you like robots.", ""),
])
def test_lab_from_sentences(text: str, expected: str) -> None:
    assert lab_from_text(text) == expected


def facts(html: str, url: str = URL, homepage: bool = True):
    return extract_page(f"<html><body>{html}</body></html>", url, "Ada Quill",
                        is_homepage=homepage, max_candidates=0)


def test_standalone_heading_on_a_subpage_beats_a_weak_cue_and_acronym_form_is_kept() -> None:
    home = facts("<p>Ada Quill is a professor in the Quantum Software Group.</p>"
                 "<h3>Air Force Research Laboratory (AFRL)</h3><ul><li>A grant</li></ul>")
    group = facts("<h1>Open Reasoning and Knowledge (ORK) Lab</h1><p>We build agents.</p>",
                  URL + "group.html", homepage=False)
    assert merge_pages([home, group]).lab_name == "Open Reasoning and Knowledge (ORK) Lab"
    header = facts('<p><a href="http://nds.lakeside.test/">Network Data (ND) Lab</a></p>'
                   "<p>Ada Quill is the director of the Network Data Lab.</p>")
    assert (header.lab_name, header.lab_url) == ("Network Data (ND) Lab",
                                                 "http://nds.lakeside.test/")


def test_lab_links_in_lists_and_past_sentences_are_not_the_persons_lab() -> None:
    page = facts('<ul><li><a href="http://ai.lakeside.test/">Lakeside AI Lab</a></li></ul>'
                 '<p>I received my PhD as a member of the <a href="http://x.test/">Formal '
                 "Methods Group</a>.</p>")
    assert page.lab_name == ""
    linked = facts('<p>Professor, <a href="http://ldi.test/">Language Data Lab</a>, '
                   "Department of Computing</p>")
    assert (linked.lab_name, linked.lab_url) == ("Language Data Lab", "http://ldi.test/")
