"""Later batches exclude (ANDNOT) what earlier batches fetched, and still attribute it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from rich.console import Console

from crawler.arxiv_batches import Carry, form_matches, name_words
from crawler.arxiv_client import ArxivClient, get_client
from crawler.arxiv_stage import run
from crawler.stages import StageContext
from profscout.core.config import Settings
from profscout.core.store import connect, transaction
from tests.local_arxiv import Entry, LocalArxiv, add_professor

TODAY = datetime.now(UTC).date()
DAY = (TODAY - timedelta(days=10)).isoformat()


def _paper(arxiv_id: str, *authors: str, day: str = DAY) -> tuple[str, tuple[str, ...], str,
                                                                   str]:
    return arxiv_id, authors, day, arxiv_id


def test_form_matching_follows_the_author_search_rule():
    assert form_matches(["ada", "lovelace"], name_words("Ada King-Lovelace"))
    assert form_matches(["a", "lovelace"], name_words("Ada Lovelace"))
    assert form_matches(["jose", "garcia"], name_words("José García"))
    assert not form_matches(["ada", "lovelace"], name_words("Ada Byron"))
    assert not form_matches(["b", "lovelace"], name_words("Ada Lovelace"))


def test_carry_holds_only_what_later_forms_find_and_excludes_complete_batches_only():
    carry: Carry[str] = Carry([["ada lovelace"], ["grace hopper"], ["alan turing"]])
    since = date(2025, 1, 1)
    carry.finished(["ada lovelace"], since, [
        _paper("1", "Ada Lovelace", "Grace Hopper"),   # Hopper's batch would bring it again
        _paper("2", "Ada Lovelace"),                   # nobody later: not held
        _paper("3", "Ada Lovelace", "Alan Turing", day="2024-06-01"),
    ], complete=True)
    assert len(carry) == 2
    assert carry.carried(["grace hopper"], since) == ["1"]
    assert carry.exclusion(["grace hopper"], since, cap=5) == ["ada lovelace"]
    assert carry.exclusion(["grace hopper"], since, cap=0) == []
    # a batch asked from a later day only: the paper of 2024 is not in its window
    assert carry.carried(["alan turing"], date(2025, 1, 1)) == []
    assert carry.carried(["alan turing"], date(2024, 1, 1)) == ["3"]
    # a batch asked from before Lovelace's window: her form does not cover it
    assert carry.exclusion(["alan turing"], date(2024, 1, 1), cap=5) == []

    carry.finished(["grace hopper"], since, [_paper("4", "Grace Hopper", "Alan Turing")],
                   complete=False)  # cut short: its form must not be excluded
    assert carry.exclusion(["alan turing"], since, cap=5) == []
    assert carry.carried(["alan turing"], since) == ["4"]
    assert len(carry) == 2  # "1" no longer needed: Hopper has been asked for


def test_exclusion_takes_the_forms_that_cover_most_first():
    carry: Carry[str] = Carry([["a x", "b x", "c x"], ["dora y"]])
    since = date(2025, 1, 1)
    carry.finished(["a x", "b x", "c x"], since, [
        _paper("1", "A X", "Dora Y"), _paper("2", "B X", "Dora Y"),
        _paper("3", "B X", "Dora Y"), _paper("4", "B X", "C X", "Dora Y")], complete=True)
    assert carry.exclusion(["dora y"], since, cap=1) == ["b x"]
    assert carry.exclusion(["dora y"], since, cap=5) == ["b x", "a x"]


def _ctx(conn, server, ids, **options):
    return StageContext(conn, Settings(arxiv_url=server.url, arxiv_delay=0.05),
                        Console(quiet=True), ids, {"months": 24, **options},
                        show_progress=False)


def _store(tmp_path, names):
    tmp_path.mkdir(exist_ok=True)
    conn = connect(tmp_path / "s.db")
    with transaction(conn):
        ids = [add_professor(conn, name, "U") for name in names]
    return conn, ids


def _pairs(conn):
    return sorted(tuple(r) for r in conn.execute(
        "SELECT professor_id, arxiv_id FROM authorships"))


def test_a_later_batch_excludes_an_earlier_one_and_still_gets_the_shared_paper(tmp_path):
    conn, (ada, grace) = _store(tmp_path, ["Ada Lovelace", "Grace Hopper"])
    entries = [Entry("2611.00001", "Shared", ["Ada Lovelace", "Grace Hopper"], DAY),
               Entry("2611.00002", "Hers", ["Grace Hopper"], DAY),
               Entry("2611.00003", "Engines", ["Ada Lovelace"], DAY)]
    with LocalArxiv(entries) as server:
        report = run(_ctx(conn, server, [ada, grace], arxiv_max_names=1)).to_dict()
        queries = [q["search_query"] for _, q in server.requests]
    assert report["batches"] == 2 and report["errors"] == []
    assert "ANDNOT" not in queries[0]
    assert queries[1].startswith('(au:"grace hopper" ANDNOT au:"ada lovelace") AND ')
    assert report["papers_returned"] == 3  # the shared paper is fetched once
    assert _pairs(conn) == sorted([(ada, "2611.00001"), (ada, "2611.00003"),
                                   (grace, "2611.00001"), (grace, "2611.00002")])

    again, _ = _store(tmp_path / "plain", ["Ada Lovelace", "Grace Hopper"])
    with LocalArxiv(entries) as server:  # the same without exclusion: the same attributions
        report = run(_ctx(again, server, [ada, grace], arxiv_max_names=1,
                          arxiv_exclude=False)).to_dict()
        assert all("ANDNOT" not in q["search_query"] for _, q in server.requests)
    assert report["papers_returned"] == 4 and _pairs(again) == _pairs(conn)


def test_a_batch_cut_at_the_cap_is_not_excluded(tmp_path):
    conn, (ada, grace) = _store(tmp_path, ["Ada Lovelace", "Grace Hopper"])
    today = TODAY.isoformat()  # three of her papers on one day: more than one query may page
    entries = [Entry("2611.00001", "Shared", ["Ada Lovelace", "Grace Hopper"], today),
               Entry("2611.00002", "More", ["Ada Lovelace"], today),
               Entry("2611.00003", "Engines", ["Ada Lovelace"], today),
               Entry("2611.00004", "Hers", ["Grace Hopper"], DAY)]
    with LocalArxiv(entries) as server:
        get_client(server.url, 0.05, max_query_results=2, page_size=2)
        report = run(_ctx(conn, server, [ada, grace], arxiv_max_names=1,
                          keep_going=True)).to_dict()
        queries = [q["search_query"] for _, q in server.requests]
    assert report["batches"] == 2 and len(report["errors"]) == 1
    assert all("ANDNOT" not in q for q in queries)
    assert _pairs(conn) == [(grace, "2611.00001"), (grace, "2611.00004")]


def test_a_search_cut_at_its_limit_says_it_is_incomplete():
    entries = [Entry(f"2611.0000{i}", f"P{i}", ["Ada Lovelace"], DAY) for i in range(3)]
    with LocalArxiv(entries) as server:
        client = ArxivClient(server.url, 0.0, page_size=2)
        assert not client.search('au:"ada lovelace"', limit=2).complete
        assert client.search('au:"ada lovelace"').complete
        assert client.search_window(["ada lovelace"], TODAY - timedelta(days=30)).complete


def test_a_refused_query_first_excludes_fewer_then_splits_people():
    entries = [Entry("2611.00001", "Shared", ["Ada Lovelace", "C1 X"], DAY),
               Entry("2611.00002", "Hers", ["Grace Hopper"], DAY),
               Entry("2611.00003", "Other", ["Ada Lovelace", "C3 X"], DAY)]
    exclude = ["c1 x", "c2 x", "c3 x", "c4 x"]
    since = TODAY - timedelta(days=30)
    with LocalArxiv(entries, max_terms=3) as server:
        client = ArxivClient(server.url, 0.0, backoff=0.01)
        result = client.search_groups([["ada lovelace"], ["grace hopper"]], since, TODAY,
                                      exclude=exclude)
        # the exclusion is halved until the query passes; the two people stay in one query
        assert [t for _, t in server.refusals] == [6, 4]
        assert client.limits.max_terms is None  # how many people a query takes: unchanged
        assert client.splits == 0
        last = server.requests[-1][1]["search_query"]
        assert last.startswith('((au:"ada lovelace" OR au:"grace hopper") ANDNOT '
                               'au:"c1 x") AND ')
        assert sorted(p.arxiv_id for p in result.papers) == ["2611.00002", "2611.00003"]
        client.search_groups([["ada lovelace"], ["grace hopper"]], since, TODAY,
                             exclude=exclude)
        assert len(server.refusals) == 2  # the size that worked is used at once

    with LocalArxiv(entries, max_terms=1) as server:  # not even one exclusion fits
        client = ArxivClient(server.url, 0.0, backoff=0.01)
        result = client.search_groups([["ada lovelace"], ["grace hopper"]], since, TODAY,
                                      exclude=exclude)
        assert [t for _, t in server.refusals] == [6, 4, 3, 2]  # no exclusion left: split
        assert client.splits == 1
        assert sorted(p.arxiv_id for p in result.papers) == [
            "2611.00001", "2611.00002", "2611.00003"]
