"""Batches sized by expected results (pure planning) and the arxiv stage on a refusing API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from crawler.arxiv_batches import (
    AdaptiveLimits,
    expected_results,
    plan_by_results,
    split_evenly,
)
from crawler.arxiv_client import ArxivClient
from crawler.arxiv_stage import load_people, plan_lookup, run
from crawler.stages import StageContext
from profscout.core.activity import months_ago
from profscout.core.config import Settings
from profscout.core.store import connect, transaction
from profscout.core.store.arxiv_estimates import papers_since
from tests.local_arxiv import Entry, LocalArxiv, add_professor

TODAY = datetime.now(UTC).date()


def test_expected_results_use_the_known_rate_never_below_the_prior():
    assert expected_results(730) == pytest.approx(8.0, rel=0.01)  # prior: 4 a year
    assert expected_results(730, known_papers=40, known_days=730) == pytest.approx(40, rel=0.01)
    assert expected_results(730, known_papers=1, known_days=730) == pytest.approx(8.0, rel=0.01)
    assert expected_results(73, known_papers=40, known_days=730) == pytest.approx(4, rel=0.01)


def test_batches_close_at_the_target_or_the_term_limit_and_keep_people_whole():
    groups = [[f"a{i} b{i}", f"a{i} c b{i}"] for i in range(10)]
    expected = [3.0, 3.0, 3.0, 10.0, 1.0, 1.0, 1.0, 1.0, 1.0, 25.0]
    batches = plan_by_results(groups, expected, target=9.0)
    assert batches == [[0, 1, 2], [3], [4, 5, 6, 7, 8], [9]]  # a big one alone, still asked
    assert plan_by_results(groups, expected, target=100, max_terms=6) == [
        [0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    with pytest.raises(ValueError):
        plan_by_results(groups, expected[:3])
    assert split_evenly(range(7), 3) == [[0, 1, 2], [3, 4], [5, 6]]
    assert split_evenly(range(2), 5) == [[0], [1]]


def test_limits_remember_the_size_that_worked_and_scale_up_estimates():
    limits = AdaptiveLimits(target=100)
    assert limits.max_terms is None and limits.scale == 1.0
    limits.refused(40)
    assert limits.max_terms == 20  # nothing accepted yet: half the refused size
    limits.accepted(20, expected=10, observed=30)
    limits.accepted(10, expected=10, observed=30)
    assert limits.max_terms == 20 and limits.scale == 3.0
    groups = [[f"n{i}"] for i in range(30)]
    pieces = limits.presplit(groups, [10.0] * 30)  # 30 terms > 20; 10 x 3 per person
    assert all(len(p) <= 3 for p in pieces) and sum(map(len, pieces)) == 30


def _ctx(conn, server, ids):
    return StageContext(conn, Settings(arxiv_url=server.url, arxiv_delay=0.05),
                        Console(quiet=True), ids, {"months": 24}, show_progress=False)


def test_stage_on_an_api_that_refuses_big_queries_loses_no_one(tmp_path):
    conn = connect(tmp_path / "s.db")
    entries, ids = [], []
    with transaction(conn):
        for i in range(30):
            name = f"Given{i} Surname{i}"
            ids.append(add_professor(conn, name, f"U{i % 3}"))
            entries.append(Entry(f"2610.{i:05d}", f"Paper {i}", [name],
                                 (TODAY - timedelta(days=i + 1)).isoformat(), ["cs.LG"]))
    with LocalArxiv(entries, max_terms=8) as server:
        report = run(_ctx(conn, server, ids)).to_dict()
        assert report["errors"] == [] and report["professors_with_papers"] == 30
        assert report["batches"] == 1 and server.refusals  # one planned batch, split on refusal
        pairs = conn.execute("SELECT professor_id, arxiv_id FROM authorships").fetchall()
        assert sorted(tuple(p) for p in pairs) == sorted(
            (pid, f"2610.{i:05d}") for i, pid in enumerate(ids))
        times = [t for t, _ in server.requests]
        assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.045
        assert papers_since(conn, ids, TODAY - timedelta(days=5)) == {
            pid: 1 for pid in ids[:5]}


def test_stage_sizes_batches_from_what_the_store_knows(tmp_path):
    conn = connect(tmp_path / "s.db")
    with transaction(conn):
        ids = [add_professor(conn, f"Given{i} Surname{i}", "U") for i in range(6)]
    entries = [Entry(f"2610.{i:03d}{k:02d}", f"Paper {i}.{k}", [f"Given{i} Surname{i}"],
                     (TODAY - timedelta(days=30 + 10 * k)).isoformat()) for i in range(6)
               for k in range(20)]
    window = months_ago(TODAY, 24)
    with LocalArxiv(entries) as server:
        client = ArxivClient(server.url, 0.0)
        client.limits.target = 45.0
        people = load_people(conn, ids, window)
        assert [len(b.people) for b in plan_lookup(client, people, window, today=TODAY)] == [
            5, 1]  # nothing known: the prior, 8 results a person
        report = run(_ctx(conn, server, ids)).to_dict()
        assert report["authorships"] == 120
    known = papers_since(conn, ids, window)
    assert known == {pid: 20 for pid in ids}
    people = load_people(conn, ids, window)
    for person in people:
        person.since = None  # as for a fresh crawl of the window
    assert [len(b.people) for b in plan_lookup(client, people, window, today=TODAY,
                                               known=known)] == [2, 2, 2]  # 20 a person
