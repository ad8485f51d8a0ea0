"""A name whose given name is its surname ("Chen Chen") finds every author with the surname:
it is asked only in the person's fields, and never excluded from later queries."""

from __future__ import annotations

import json
from datetime import date

import pytest
from rich.console import Console

from crawler.arxiv_batches import Carry, category_terms, finds_every_bearer
from crawler.arxiv_client import authors_query, category_term
from crawler.arxiv_stage import LookupBatch, Person, run
from crawler.stages import StageContext
from profscout.core.config import Settings
from profscout.core.names import PersonEvidence
from profscout.core.store import connect, transaction
from tests.helpers import invoke
from tests.local_arxiv import add_professor


def test_only_a_name_of_one_repeated_word_finds_every_bearer():
    assert finds_every_bearer("chen chen")
    assert finds_every_bearer("li li li")
    assert not finds_every_bearer("wei chen")
    assert not finds_every_bearer("yang yang li")  # needs "li" as well
    assert not finds_every_bearer("chen")


def test_a_narrowed_form_is_asked_within_its_categories_in_parentheses():
    query = authors_query(["wei chen", "chen chen", "li li"], date(2025, 1, 1),
                          date(2026, 1, 1), within={"chen chen": {"cs.RO", "cs.LG"},
                                                    "li li": {"cs.LG", "cs.RO"}})
    assert query.startswith('(au:"wei chen" OR ((au:"chen chen" OR au:"li li") AND '
                            '(cat:cs.LG OR cat:cs.RO))) AND submittedDate:[')
    one = authors_query(["chen chen"], within={"chen chen": ["cs.CV"]})
    assert one == '(au:"chen chen" AND cat:cs.CV)'
    assert category_terms(["wei chen", "chen chen", "li li"],
                          {"chen chen": {"cs.RO", "cs.LG"}, "li li": {"cs.LG", "cs.RO"}}) == 2


@pytest.mark.parametrize("bad", ["cs.LG) OR all:x", "cs LG", "", 'cs."LG"'])
def test_a_category_cannot_inject_query_syntax(bad):
    with pytest.raises(ValueError):
        category_term(bad)
    assert category_term("q-bio.QM") == "cat:q-bio.QM"
    assert category_term("astro-ph") == "cat:astro-ph"


def test_a_form_asked_in_part_is_never_excluded_later():
    carry: Carry[str] = Carry([["chen chen"], ["wei chen"]])
    since = date(2025, 1, 1)
    carry.finished(["chen chen"], since, [("1", ("Chen Chen", "Wei Chen"), "2025-06-01", "1")],
                   complete=True, partial={"chen chen"})
    assert carry.carried(["wei chen"], since) == ["1"]
    assert carry.exclusion(["wei chen"], since, cap=5) == []


def _person(name: str, areas: frozenset[str] = frozenset()) -> Person:
    return Person(name, [name], evidence=PersonEvidence(area_categories=areas))


def test_a_batch_narrows_a_broad_form_only_when_everyone_who_has_it_has_a_field():
    since = date(2025, 1, 1)
    robotics = _person("Chen Chen", frozenset({"cs.RO"}))
    vision = _person("Chen Chen", frozenset({"cs.CV"}))
    unknown = _person("Chen Chen")
    other = _person("Wei Chen", frozenset({"cs.LG"}))
    assert LookupBatch([robotics, other], since).within == {"chen chen": {"cs.RO"}}
    assert LookupBatch([robotics, vision], since).within == {"chen chen": {"cs.RO", "cs.CV"}}
    assert LookupBatch([robotics, unknown], since).within == {}
    assert LookupBatch([unknown, other], since).within == {}
    classes = Person("Chen Chen", ["Chen Chen"], evidence=PersonEvidence(
        confirmed_categories=frozenset({"I.2.6", "68T05", "cs.CV"})))  # ACM, MSC, arXiv
    assert LookupBatch([classes], since).within == {"chen chen": {"cs.CV"}}


@pytest.mark.world
def test_on_the_world_narrowing_keeps_exactly_the_papers_in_the_field(world, tmp_path):
    """Mustafa Asan Mustafa: "mustafa mustafa" finds every Mustafa. Asked in his area's
    categories (security: cs.CR), the run returns fewer results and attributes exactly the
    papers of the whole run that are in cs.CR."""
    runs = {}
    for label, areas in (("whole", ()), ("field", ("sec",))):
        conn = connect(tmp_path / f"{label}.db")
        with transaction(conn):
            pid = add_professor(conn, "Mustafa Asan Mustafa", "University of Manchester",
                                areas=areas)
        ctx = StageContext(conn, Settings(arxiv_url=world.arxiv_url, arxiv_delay=0.05),
                           Console(quiet=True), [pid], {"months": 24}, show_progress=False)
        report = run(ctx).to_dict()
        pairs = {r[0]: set(r[1].split()) for r in conn.execute(
            "SELECT a.arxiv_id, p.categories FROM authorships a JOIN papers p USING (arxiv_id)")}
        runs[label] = (report, pairs)
        conn.close()
    whole, field = runs["whole"], runs["field"]
    assert whole[0]["broad_names_whole"] == 1 and whole[0]["broad_names_in_fields"] == 0
    assert field[0]["broad_names_in_fields"] == 1 and field[0]["broad_names_whole"] == 0
    assert field[0]["papers_returned"] < whole[0]["papers_returned"]
    in_field = {i for i, cats in whole[1].items() if "cs.CR" in cats}
    assert in_field and set(field[1]) == in_field
    assert set(whole[1]) - in_field  # something outside the field is the price


@pytest.mark.world
def test_check_says_which_forms_it_asked_only_in_the_persons_fields(world, tmp_path):
    env = {"PROFSCOUT_ARXIV_URL": world.arxiv_url, "PROFSCOUT_ARXIV_DELAY": "0.05"}
    db = tmp_path / "absent.db"
    out = invoke("check", "Mustafa Asan Mustafa", "--area", "sec", "--months", "24", "--json",
                 "--db", db, env=env)
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["name_forms_within_categories"] == {"mustafa mustafa": ["cs.CR"]}
    assert data["papers"] and all("cs.CR" in p["categories"] for p in data["papers"])
    text = invoke("check", "Mustafa Asan Mustafa", "--area", "sec", "--db", db, env=env)
    assert '"mustafa mustafa" finds every author with that surname' in text.stdout
    assert "only in cs.CR" in text.stdout
    whole = json.loads(invoke("check", "Mustafa Asan Mustafa", "--months", "24", "--json",
                              "--db", db, env=env).stdout)
    assert whole["name_forms_within_categories"] == {}
    assert {p["arxiv_id"] for p in data["papers"]} < {p["arxiv_id"] for p in whole["papers"]}
