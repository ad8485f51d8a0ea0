"""The arXiv stage never silently wrong: failed batches, deadlines, incremental reruns."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from crawler.arxiv_client import get_client
from crawler.arxiv_stage import run
from crawler.stages import StageContext
from profscout.core.config import Settings
from profscout.core.errors import SourceError
from profscout.core.store import connect, transaction
from tests.helpers import invoke, table_rows
from tests.local_arxiv import Entry, LocalArxiv, add_professor

TODAY = datetime.now(UTC).date()


def _day(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


CORPUS = [
    Entry("2601.00001", "Paper A", ["Ada Lovelace", "Grace Hopper"], _day(10)),
    Entry("2601.00002", "Paper B", ["Ada Lovelace"], _day(100)),
    Entry("2601.00003", "Paper C", ["Grace Hopper"], _day(200)),
]


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"


def _store(path, names=("Ada Lovelace", "Grace Hopper")):
    conn = connect(path)
    with transaction(conn):
        ids = [add_professor(conn, name, f"U{i}") for i, name in enumerate(names)]
    return conn, ids


def _ctx(conn, url, ids, **options):
    return StageContext(conn, Settings(arxiv_url=url, arxiv_delay=0.0), Console(quiet=True),
                        ids, {"months": 24, **options}, show_progress=False)


def test_one_failed_batch_makes_the_stage_fail_after_saving_the_rest(tmp_path):
    conn, ids = _store(tmp_path / "s.db")
    with LocalArxiv(CORPUS) as server:
        get_client(server.url, 0.0, backoff=0.01, max_retries=1)  # quick retries
        server.script = [None, "html"]  # the second of two batches fails
        with pytest.raises(SourceError, match=r"1 of 2 batches failed"):
            run(_ctx(conn, server.url, ids, arxiv_max_names=1))
        status = dict(conn.execute("SELECT professor_id, status FROM arxiv_sync").fetchall())
        assert sorted(status.values()) == ["error", "ok"]  # the first batch was saved
        server.script = ["500", "500"]  # the rerun asks only the failed one: it fails again
        report = run(_ctx(conn, server.url, ids, arxiv_max_names=1, keep_going=True))
        assert report.errors and report.counts["professors_failed"] == 1
        assert report.skipped["checked_today"] == 1


def test_unreachable_arxiv_fails_the_crawl_in_one_line_unless_keep_going(tmp_path):
    db = tmp_path / "s.db"
    _store(db)[0].close()
    url = _closed_port_url()
    get_client(url, 0.0, backoff=0.01, max_retries=1)  # the process's client: quick retries
    args = ["crawl", "--stages", "arxiv", "--db", str(db), "--arxiv-url", url,
            "--arxiv-delay", "0"]
    failed = invoke(*args)
    assert failed.exit_code != 0
    errors = [line for line in failed.error_lines if line.startswith("Error:")]
    assert len(errors) == 1 and "1 of 1 batches failed" in errors[0]
    assert {r[0] for r in table_rows(db, "SELECT status FROM arxiv_sync")} == {"error"}
    going = invoke(*args, "--keep-going")
    assert going.exit_code == 0, going.stderr


def test_rank_says_how_old_the_arxiv_data_of_the_ranked_professors_is(tmp_path):
    from profscout.core.store.papers import save_sync, set_sync_status
    from tests.ranking_store import build_store

    db = build_store(tmp_path / "r.db")
    out = tmp_path / "list.csv"
    args = ["rank", "deep reinforcement learning for robot manipulation", "--db", str(db),
            "-o", str(out)]
    unchecked = invoke(*args)
    assert unchecked.exit_code == 0, unchecked.stderr
    assert "none of the ranked professors has been checked on arXiv" in unchecked.stderr
    conn = connect(db)
    two_days = (datetime.now(UTC) - timedelta(days=2, hours=1)).isoformat(timespec="seconds")
    with transaction(conn):
        save_sync(conn, 1, two_days, None, _day(700), "ok")
        set_sync_status(conn, 2, datetime.now(UTC).isoformat(), "error")  # failed: not counted
    conn.close()
    dated = invoke(*args)
    assert dated.exit_code == 0, dated.stderr
    assert f"arXiv data checked {two_days[:10]}, 2 days old" in dated.stderr
    assert "arXiv data" not in dated.stdout  # the age goes to stderr only


def test_a_trickling_server_is_cut_off_at_the_deadline_and_retried(tmp_path):
    import time

    from crawler.arxiv_client import ArxivClient

    with LocalArxiv(CORPUS) as server:
        client = ArxivClient(server.url, 0.0, backoff=0.01, max_retries=1, deadline=0.5)
        server.script = ["trickle:0.05"]  # the first attempt trickles; the retry answers
        started = time.monotonic()
        result = client.search_groups([["Ada Lovelace"]], TODAY - timedelta(days=365), TODAY)
        assert time.monotonic() - started < 5
        assert {p.arxiv_id for p in result.papers} == {"2601.00001", "2601.00002"}
        assert client.session.retries == 1 and len(server.requests) == 2

        server.script = ["trickle:0.05", "trickle:0.05"]  # every attempt trickles
        started = time.monotonic()
        with pytest.raises(SourceError, match="within 0.5 s"):
            client.search_groups([["Grace Hopper"]], TODAY - timedelta(days=365), TODAY)
        assert time.monotonic() - started < 5


def test_a_trickling_arxiv_ends_the_crawl_in_one_line(tmp_path):
    db = tmp_path / "s.db"
    _store(db)[0].close()
    with LocalArxiv(CORPUS) as server:
        get_client(server.url, 0.0, backoff=0.01, max_retries=1, deadline=0.5)
        server.script = ["trickle:0.05", "trickle:0.05"]
        result = invoke("crawl", "--stages", "arxiv", "--db", str(db), "--arxiv-url",
                        server.url, "--arxiv-delay", "0")
        errors = [line for line in result.error_lines if line.startswith("Error:")]
        assert result.exit_code == 1 and len(errors) == 1
        assert "no complete answer within 0.5 s" in errors[0]


MANY = [Entry(f"2601.1{i:04d}", f"Paper {i}", [f"Author{chr(97 + i)} Person{chr(97 + i)}"],
              _day(20 + i)) for i in range(6)]


def _statuses(conn):
    return dict(conn.execute("SELECT professor_id, status FROM arxiv_sync").fetchall())


def test_a_rerun_after_an_interruption_asks_only_the_rest_then_nothing(tmp_path):
    names = [f"Author{chr(97 + i)} Person{chr(97 + i)}" for i in range(6)] + ["Zyx Qwvut"]
    conn, ids = _store(tmp_path / "s.db", names)
    with LocalArxiv(MANY) as server:
        server.script = [None, None, "html", "html", "html"]  # breaks after 2 good calls
        with pytest.raises(SourceError):
            run(_ctx(conn, server.url, ids, arxiv_max_names=1))
        first = len(server.requests)
        assert first == 5
        assert sorted(_statuses(conn).values()).count("ok") == 2
        rerun = run(_ctx(conn, server.url, ids, arxiv_max_names=1)).to_dict()
        assert len(server.requests) - first == 5 == rerun["arxiv_calls"]  # the 5 not done
        assert rerun["skipped"]["checked_today"] == 2
        statuses = _statuses(conn)
        assert sorted(statuses.values()) == ["no_papers"] + ["ok"] * 6
        again = run(_ctx(conn, server.url, ids, arxiv_max_names=1)).to_dict()
        assert again["arxiv_calls"] == 0 and len(server.requests) == first + 5
        assert _statuses(conn) == statuses


def test_an_unconfirmed_professor_stays_unconfirmed_when_a_later_rerun_asks_a_narrower_window(
        tmp_path):
    conn = connect(tmp_path / "s.db")
    with transaction(conn):
        ucla = add_professor(conn, "Wei Wang 0010", "UCLA", areas=("mod",))
        nanjing = add_professor(conn, "Wei Wang 0002", "Nanjing University", areas=("bio",))
    corpus = [Entry(f"2605.{i:05d}", f"Vision {i}", ["Wei Wang", f"Other {chr(97 + i)}"],
                    _day(30 + i), ["cs.CV"]) for i in range(3)]
    with LocalArxiv(corpus) as server:
        report = run(_ctx(conn, server.url, [ucla, nanjing])).to_dict()
        assert report["rejected_ambiguous"] > 0
        before = _statuses(conn)
        assert before == {ucla: "unconfirmed", nanjing: "unconfirmed"}
        later = TODAY + timedelta(days=3)  # a plain rerun days later asks only newer papers
        again = run(_ctx(conn, server.url, [ucla, nanjing], today=later)).to_dict()
        assert again["arxiv_calls"] == 1 and again["incremental"] == 2
        assert _statuses(conn) == before


def test_an_incremental_rerun_reports_only_papers_new_to_the_store(tmp_path):
    from crawler.crawl import CrawlSummary
    from profscout.cli.render import render_summary

    conn, ids = _store(tmp_path / "s.db")
    with LocalArxiv(CORPUS) as server:
        first = run(_ctx(conn, server.url, ids)).to_dict()
        assert first["papers_new"] == first["papers_found"] == first["papers_matched"] == 3
        papers = conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0]
        tomorrow = TODAY + timedelta(days=1)  # asks again from a week before the newest paper
        again_report = run(_ctx(conn, server.url, ids, today=tomorrow))
        again = again_report.to_dict()
        assert again["papers_returned"] >= 1 and again["papers_matched"] >= 1
        assert again["papers_new"] == again["papers_found"] == 0
        assert conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == papers
        server.add(Entry("2601.00009", "Fresh", ["Ada Lovelace"], tomorrow.isoformat()))
        later = run(_ctx(conn, server.url, ids, today=tomorrow + timedelta(days=1),
                         arxiv_refresh=True)).to_dict()
        assert later["papers_new"] == 1 and later["papers_matched"] >= 2
    console = Console(record=True, width=200)
    render_summary(CrawlSummary(db="s.db", reports={"arxiv": again_report}), console)
    text = console.export_text()
    assert (f"0 new papers ({again['papers_matched']} matched of "
            f"{again['papers_returned']} returned) in 1 API calls") in text



def test_the_failure_line_counts_those_left_unasked_after_repeated_failures(tmp_path):
    names = [f"Author{chr(97 + i)} Person{chr(97 + i)}" for i in range(6)]
    conn, ids = _store(tmp_path / "s.db", names)
    with LocalArxiv(MANY) as server:
        server.script = [None, "html", "html", "html"]
        with pytest.raises(SourceError, match=r"3 of 6 batches failed .*the 3 professors of "
                                              r"those and 2 more not asked"):
            run(_ctx(conn, server.url, ids, arxiv_max_names=1))
        assert sorted(_statuses(conn).values()) == ["error"] * 3 + ["not_checked"] * 2 + ["ok"]
