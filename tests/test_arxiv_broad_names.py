"""A name whose given name is a frequent surname ("Chen Chen") finds every author with the
surname: it is asked only in the person's fields, and never excluded from later queries."""

from __future__ import annotations

import json
from datetime import date

import pytest
from rich.console import Console

from crawler.arxiv_batches import Carry, category_terms, finds_every_bearer, floods
from crawler.arxiv_client import ArxivClient, authors_query, category_term
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


def test_only_a_frequent_surname_floods_the_answer():
    assert floods("chen chen") and floods("li li li")
    assert not floods("mustafa mustafa")  # every Mustafa: a few hundred papers, asked whole
    assert not floods("wei chen")


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
def test_on_the_world_a_narrowed_query_returns_exactly_the_papers_in_the_field(world):
    """"jia jia" finds every Jia; asked in cs.LG and stat.ML it returns exactly the papers of
    the whole query that are in those categories."""
    since, until = date(2025, 6, 1), date(2026, 12, 7)
    client = ArxivClient(world.arxiv_url, 0.0)
    whole = client.search_groups([["jia jia"]], since, until)
    field = client.search_groups([["jia jia"]], since, until,
                                 within={"jia jia": {"cs.LG", "stat.ML"}})
    in_field = {p.arxiv_id for p in whole.papers if {"cs.LG", "stat.ML"} & set(p.categories)}
    assert whole.complete and field.complete
    assert in_field and {p.arxiv_id for p in field.papers} == in_field
    assert len(in_field) < len(whole.papers)


def _stage_run(world, db, name: str, institution: str, areas: tuple[str, ...]):
    conn = connect(db)
    with transaction(conn):
        pid = add_professor(conn, name, institution, areas=areas)
    ctx = StageContext(conn, Settings(arxiv_url=world.arxiv_url, arxiv_delay=0.05),
                       Console(quiet=True), [pid], {"months": 24}, show_progress=False)
    report = run(ctx).to_dict()
    papers = {r[0]: set(r[1].split()) for r in conn.execute(
        "SELECT a.arxiv_id, p.categories FROM authorships a JOIN papers p USING (arxiv_id)")}
    conn.close()
    return report, papers


@pytest.mark.world
def test_on_the_world_the_stage_narrows_a_frequent_doubled_name_only(world, tmp_path):
    report, papers = _stage_run(world, tmp_path / "jia.db", "Jia Jia", "Tsinghua University",
                                ("mlmining",))
    assert report["broad_names_in_fields"] == 1 and report["broad_names_whole"] == 0
    assert papers and all({"cs.LG", "stat.ML"} & cats for cats in papers.values())
    # Mustafa Asan Mustafa: "mustafa mustafa" finds every Mustafa, but only a few hundred
    # papers: asked whole whatever his area, so nothing outside the area is lost
    report, papers = _stage_run(world, tmp_path / "m.db", "Mustafa Asan Mustafa",
                                "University of Manchester", ("sec",))
    assert report["broad_names_in_fields"] == 0 and report["broad_names_whole"] == 0
    assert any("cs.CR" not in cats for cats in papers.values())


@pytest.mark.world
def test_check_says_which_forms_it_asked_only_in_the_persons_fields(world, tmp_path):
    env = {"PROFSCOUT_ARXIV_URL": world.arxiv_url, "PROFSCOUT_ARXIV_DELAY": "0.05"}
    db = tmp_path / "absent.db"
    out = invoke("check", "Jia Jia", "--area", "mlmining", "--months", "24", "--json",
                 "--db", db, env=env)
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["name_forms_within_categories"] == {"jia jia": ["cs.LG", "stat.ML"]}
    found = data["papers"] + data["unconfirmed_leads"]
    assert found and all({"cs.LG", "stat.ML"} & set(p["categories"]) for p in found)
    text = invoke("check", "Jia Jia", "--area", "mlmining", "--db", db, env=env)
    assert '"jia jia" finds every author with that surname' in text.stdout
    assert "only in cs.LG, stat.ML" in text.stdout
    whole = json.loads(invoke("check", "Jia Jia", "--months", "24", "--json", "--db", db,
                              env=env).stdout)
    assert whole["name_forms_within_categories"] == {}
