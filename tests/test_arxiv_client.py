"""The arXiv client against a local arXiv API (real HTTP, real Atom, the real arxiv package)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crawler.arxiv_client import (
    ArxivClient,
    EndpointError,
    author_term,
    authors_query,
    check_delay,
)
from profscout.core.errors import SourceError, UserError
from tests.local_arxiv import Entry, LocalArxiv

TODAY = date(2026, 11, 23)


def _corpus() -> list[Entry]:
    entries = []
    for i in range(30):  # one paper a month for Ada Lovelace, newest first
        day = TODAY - timedelta(days=30 * i + 1)
        entries.append(Entry(f"2611.{i:05d}", f"Engines {i}", ["Ada Lovelace", "C. Babbage"],
                             day.isoformat(), ["cs.LG"]))
    entries.append(Entry("2610.10001", "Circuits", ["Grace Hopper"], "2026-10-01", ["cs.PL"]))
    entries.append(Entry("2610.10002", "Networks", ["Alan Turing", "Grace B. Hopper"],
                         "2026-09-01", ["cs.NI"]))
    return entries


def _client(server: LocalArxiv, **kwargs) -> ArxivClient:
    kwargs.setdefault("backoff", 0.01)
    return ArxivClient(server.url, kwargs.pop("delay", 0.0), **kwargs)


def test_one_query_for_several_names_paged_to_the_window():
    with LocalArxiv(_corpus()) as server:
        client = _client(server, page_size=5)
        since = date(2025, 11, 23)
        result = client.search_authors(["ada lovelace", "grace hopper"], since, TODAY)
        expected = [e.arxiv_id for e in server.entries if e.published > since.isoformat()
                    and ("Ada Lovelace" in e.authors or "Grace Hopper" in e.authors
                         or "Grace B. Hopper" in e.authors)]
        assert [p.arxiv_id for p in result.papers] == expected
        assert result.total == len(expected)
        assert result.calls == client.calls == -(-len(expected) // 5)
        q = server.requests[0][1]
        assert q["sortBy"] == "submittedDate" and q["sortOrder"] == "descending"
        assert q["search_query"].startswith('(au:"ada lovelace" OR au:"grace hopper") AND '
                                            "submittedDate:[202511230000 TO 202611232359]")
        first = result.papers[0]
        assert first.url == f"https://arxiv.org/abs/{first.arxiv_id}"
        assert first.authors == ("Ada Lovelace", "C. Babbage") and first.categories == ("cs.LG",)


def test_paging_stops_at_the_first_paper_older_than_the_window():
    with LocalArxiv(_corpus(), honour_dates=False) as server:  # a server ignoring the dates
        client = _client(server, page_size=5)
        since = TODAY - timedelta(days=100)
        result = client.search_authors(["ada lovelace"], since, TODAY)
        assert [p.published.date() > since for p in result.papers] == [True] * 4
        assert len(result.papers) == 4
        assert client.calls == 1  # 30 results exist; the first page already reached the end


def test_retry_after_is_honoured_on_503_and_429():
    with LocalArxiv(_corpus()) as server:
        server.script = ["503:1", "429:1"]
        client = _client(server)
        result = client.search_authors(["grace hopper"], date(2026, 1, 1), TODAY)
        assert len(result.papers) == 2
        times = [t for t, _ in server.requests]
        assert len(times) == 3 and client.calls == 3
        assert times[1] - times[0] >= 0.95 and times[2] - times[1] >= 0.95


def test_an_empty_page_in_the_middle_is_asked_again():
    with LocalArxiv(_corpus()) as server:
        server.script = [None, "empty", "500"]
        client = _client(server, page_size=10)
        result = client.search_authors(["ada lovelace"], None)
        assert len(result.papers) == 30
        starts = [int(p["start"]) for _, p in server.requests]
        assert starts == [0, 10, 10, 10, 20]
        assert client.session.empty_page_retries == 1


def test_gives_up_with_a_clear_error_after_the_retries():
    with LocalArxiv(_corpus()) as server:
        server.script = ["503"] * 3
        client = _client(server, max_retries=2)
        with pytest.raises(SourceError, match="after 3 tries: HTTP 503"):
            client.search_authors(["grace hopper"], None)


def test_a_slow_answer_times_out_and_is_retried():
    with LocalArxiv(_corpus()) as server:
        server.script = ["sleep:1.0"]
        client = _client(server, timeout=0.3, max_retries=1)
        result = client.search_authors(["grace hopper"], None)
        assert len(result.papers) == 2 and client.calls == 2


@pytest.mark.parametrize(("action", "message"), [
    ("html", "HTML page"),
    ("error", "arXiv rejected the query: incorrect id format"),
])
def test_html_or_error_feed_is_an_error_not_zero_papers(action, message):
    with LocalArxiv(_corpus()) as server:
        server.script = [action]
        with pytest.raises(EndpointError, match=message):
            _client(server).search_authors(["grace hopper"], None)


def test_a_query_the_server_cannot_parse_gives_its_message():
    with LocalArxiv(_corpus()) as server:
        client = _client(server)
        with pytest.raises(EndpointError, match="syntax error"):
            client.search('au:"grace hopper" AND (ti:x')


def test_zero_results_is_logged(caplog):
    with LocalArxiv(_corpus()) as server, caplog.at_level("INFO", "crawler.arxiv_client"):
        result = _client(server).search_authors(["nobody here"], None)
    assert result.papers == [] and result.total == 0
    assert "no results" in caplog.text


def test_names_cannot_inject_query_syntax():
    assert author_term('Jane "Doe") OR au:x') == 'au:"jane doe or au x"'
    assert author_term("(O'Brien) ANDNOT Smith") == 'au:"o brien andnot smith"'
    with pytest.raises(ValueError):
        author_term('"()"')
    q = authors_query(['Jane "Doe"', "x) OR (y"], date(2025, 1, 1), date(2026, 1, 1))
    assert q == ('(au:"jane doe" OR au:"x or y") AND '
                 "submittedDate:[202501010000 TO 202601012359]")
    with LocalArxiv(_corpus()) as server:  # the server's grammar accepts it as two phrases
        result = _client(server).search(q)
        assert result.total == 0 and len(server.requests) == 1


def test_delay_between_calls_and_the_public_api_rule():
    with LocalArxiv(_corpus()) as server:
        client = ArxivClient(server.url, 0.3)
        for _ in range(3):
            client.search_authors(["grace hopper"], None)
        times = [t for t, _ in server.requests]
        assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.29
    with pytest.raises(UserError, match="not allowed"):
        check_delay("https://export.arxiv.org/api/query", 1.0)
    assert check_delay("https://export.arxiv.org/api/query", 3.0) == 3.0
    assert check_delay("http://127.0.0.1:8765/arxiv/api/query", 0.2) == 0.2


# ------------------------------------------------------------------------------- big batches
def _people(n: int) -> tuple[list[Entry], list[list[str]]]:
    """``n`` people with two papers each (one shared with the next person) and their forms."""
    entries, groups = [], []
    for i in range(n):
        name = f"Given{i} Surname{i}"
        groups.append([f"given{i} surname{i}"])
        entries.append(Entry(f"2610.{i:05d}", f"Solo {i}", [name], (TODAY - timedelta(
            days=i + 1)).isoformat()))
        entries.append(Entry(f"2609.{i:05d}", f"Pair {i}", [name, f"Given{i + 1} Surname{i + 1}"],
                             (TODAY - timedelta(days=i + 40)).isoformat()))
    return entries, groups


def _per_person(server: LocalArxiv, groups: list[list[str]], since: date) -> set[str]:
    client = _client(server)
    return {p.arxiv_id for g in groups for p in client.search_authors(g, since, TODAY).papers}


def test_long_queries_are_posted_short_ones_are_not():
    entries, groups = _people(30)
    with LocalArxiv(entries, max_url=600) as server:
        client = _client(server, max_url_length=500)
        since = TODAY - timedelta(days=365)
        result = client.search_groups(groups, since, TODAY)
        assert server.methods == ["POST"] and client.session.posts == 1
        assert server.refusals == []
        assert {p.arxiv_id for p in result.papers} == {e.arxiv_id for e in entries}
        assert server.requests[0][1]["search_query"].count("au:") == 30
        client.search_authors(groups[0], since, TODAY)
        assert server.methods[-1] == "GET"


def test_a_refused_batch_splits_the_size_is_remembered_and_no_one_is_lost():
    entries, groups = _people(40)
    since = TODAY - timedelta(days=365)
    with LocalArxiv(entries, max_terms=12) as server:
        client = _client(server, delay=0.1)
        result = client.search_groups(groups, since, TODAY)
        found = {p.arxiv_id for p in result.papers}
        assert found == _per_person(server, groups, since)
        assert len(found) == len(result.papers) == 80  # shared papers come back once
        refused = [terms for status, terms in server.refusals]
        assert refused[:2] == [40, 20] and all(t > 12 for t in refused)
        assert client.limits.refused_terms == 20 and client.limits.max_terms == 10
        times = [t for t, _ in server.requests[:len(refused) + 4]]
        assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.095

        # the next batch is cut to the size that worked before it is sent
        server.refusals.clear()
        calls = client.calls
        again = client.search_groups(groups, since, TODAY)
        assert server.refusals == [] and client.calls - calls == 4
        assert {p.arxiv_id for p in again.papers} == found


@pytest.mark.parametrize("limit", [{"max_body": 400}, {"max_url": 400}])
def test_413_and_414_split_the_batch_too(limit):
    entries, groups = _people(24)
    since = TODAY - timedelta(days=365)
    with LocalArxiv(entries, **limit) as server:
        # a client that would always GET meets the URL limit, one that POSTs the body limit
        client = _client(server, max_url_length=100_000 if "max_url" in limit else 200)
        result = client.search_groups(groups, since, TODAY)
        assert server.refusals and {s for s, _ in server.refusals} == (
            {414} if "max_url" in limit else {413})
        assert {p.arxiv_id for p in result.papers} == {e.arxiv_id for e in entries}
        assert client.limits.max_terms is not None and client.limits.max_terms < 24


def test_a_5xx_that_persists_on_a_big_query_splits_it_but_not_without_end():
    entries, groups = _people(8)
    since = TODAY - timedelta(days=365)
    with LocalArxiv(entries) as server:
        server.script = ["503", "503"]  # the query of eight fails twice, halves pass
        client = _client(server, max_retries=1)
        result = client.search_groups(groups, since, TODAY)
        assert len(result.papers) == 16 and len(server.requests) == 4
        server.script = ["503"] * 40  # the service is down: a few halvings, then an error
        with pytest.raises(SourceError, match="HTTP 503"):
            _client(server, max_retries=1).search_groups(groups, since, TODAY)
        assert len(server.requests) - 4 <= 2 * 4


def test_more_results_than_one_query_pages_are_asked_for_by_earlier_dates():
    with LocalArxiv(_corpus(), max_start=6) as server:  # 30 papers by Ada, 6 per query
        client = _client(server, page_size=3, max_query_results=6)
        result = client.search_window(["ada lovelace"], None, TODAY)
        ada = [e.arxiv_id for e in server.entries if "Ada Lovelace" in e.authors]
        assert [p.arxiv_id for p in result.papers] == ada and result.total == 30
        assert server.refusals == []
        uppers = [q["search_query"].split(" TO ")[1][:8] for _, q in server.requests]
        assert uppers == sorted(uppers, reverse=True) and len(set(uppers)) == 6
