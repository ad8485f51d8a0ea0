"""The homepage crawl on the hostile replay world (``--faults 7 --latency-ms 100``).

The crawl must end by itself with every recorded host in the state its fault calls for,
without robots.txt violations or more requests at a time per host than the setting allows,
and a crawl killed mid-way (SIGKILL) then restarted must end with the same store content as
an uninterrupted one. Skipped when ../shared is absent.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from crawler.homepages_stage import crawl_homepages
from crawler.jobs import write_jobs
from crawler.settings import CONCURRENT_REQUESTS_PER_DOMAIN
from profscout.core.store import connect, transaction
from profscout.core.store.homepages import pending_homepages
from tests.world import HOMEPAGE_MANIFEST, WorldServer

pytestmark = [pytest.mark.world, pytest.mark.slow]

FAULT_STATE = {"robots_all": "robots_disallowed", "redirect_loop": "error",
               "huge": "too_large", "binary": "not_html"}
FAST = {"DOWNLOAD_DELAY": 0.3, "AUTOTHROTTLE_START_DELAY": 0.3, "LOG_LEVEL": "WARNING"}
DEAD = 4


def world_rows(world: WorldServer) -> list[dict[str, str]]:
    """CSRankings rows of every recorded homepage (host named) plus a few dead ones."""
    with open(HOMEPAGE_MANIFEST, encoding="utf-8") as f:
        recorded = {(r["name"], r["affiliation"]): r["homepage"] for r in csv.DictReader(f)}
    with urllib.request.urlopen(world.csrankings_url + "csrankings.csv", timeout=60) as resp:
        rows = list(csv.DictReader(resp.read().decode("utf-8").splitlines()))
    chosen, dead = [], []
    for row in rows:
        original = recorded.get((row["name"], row["affiliation"]))
        if original:
            host = original.split("//", 1)[1].split("/", 1)[0]
            chosen.append({**row, "host": host})
        elif len(dead) < DEAD and row["homepage"].startswith("http://127.1"):
            dead.append({**row, "host": ""})
    return chosen + dead


def fill(db: Path, rows: list[dict[str, str]]) -> dict[int, str]:
    conn = connect(db)
    hosts = {}
    with transaction(conn):
        for row in rows:
            conn.execute("INSERT OR IGNORE INTO institutions(name) VALUES (?)",
                         (row["affiliation"],))
            cur = conn.execute(
                "INSERT INTO professors(key, name, institution, homepage) VALUES (?,?,?,?)",
                (row["name"], row["name"], row["affiliation"], row["homepage"]))
            hosts[int(cur.lastrowid)] = row["host"]
    conn.close()
    return hosts


def crawl_pending(db: Path) -> dict:
    """Crawl every homepage of the store not crawled yet (what the stage hands the spider)."""
    conn = connect(db)
    jobs = pending_homepages(conn)
    conn.close()
    return crawl_homepages(db, jobs, settings=FAST)


def store_content(db: Path) -> tuple[list[tuple], set[tuple]]:
    """Homepage rows (without timestamps) and, per professor, each URL's final outcome.

    The world's redirect loop puts a request counter in its URLs, so those are left out.
    """
    conn = connect(db)
    homepages = [tuple(re.sub(r"/loop\d+$", "/loop", v) if isinstance(v, str) else v
                       for v in tuple(r)[:-1]) for r in conn.execute(
        "SELECT professor_id, url, final_url, state, emails, interests, keyphrases, lab_name, "
        "lab_url, recruiting, recruiting_evidence, links_json, pages_fetched, fetched_at "
        "FROM homepages ORDER BY professor_id")]
    final: dict[tuple[int, str], str] = {}
    for r in conn.execute("SELECT professor_id, url, outcome FROM fetch_log ORDER BY id"):
        if "/loop" not in r["url"]:
            final[(r["professor_id"], r["url"])] = r["outcome"]
    conn.close()
    return homepages, {(p, u, o) for (p, u), o in final.items()}


@pytest.fixture(scope="module")
def first_crawl(faulty_world: WorldServer, tmp_path_factory: pytest.TempPathFactory):
    rows = world_rows(faulty_world)
    db = tmp_path_factory.mktemp("world") / "store.db"
    hosts = fill(db, rows)
    started = time.monotonic()
    report = crawl_pending(db)
    return db, rows, hosts, report, time.monotonic() - started


def test_crawl_ends_with_every_host_in_its_state(first_crawl, faulty_world) -> None:
    db, rows, hosts, report, elapsed = first_crawl
    assert report["reason"] == "finished" and report["unfinished"] == 0
    conn = connect(db)
    states = {r["professor_id"]: r["state"] for r in conn.execute("SELECT * FROM homepages")}
    assert len(states) == len(rows)
    faults = faulty_world.faults
    assert set(FAULT_STATE) <= set(faults.values())
    for pid, host in hosts.items():
        want = FAULT_STATE.get(faults.get(host, ""), "ok") if host else "unreachable"
        assert states[pid] == want, (host, faults.get(host))


def test_politeness_seen_by_the_world(first_crawl, faulty_world) -> None:
    stats = faulty_world.stats()
    assert stats["robots_violations"] == []
    peaks = {h: n for h, n in stats["peak_concurrency"].items() if h != "world"}
    assert peaks and max(peaks.values()) <= CONCURRENT_REQUESTS_PER_DOMAIN


def test_latin1_host_is_decoded(first_crawl, faulty_world) -> None:
    db, _, hosts, _, _ = first_crawl
    latin1 = [h for h, kind in faulty_world.faults.items() if kind == "latin1"]
    conn = connect(db)
    for pid, host in hosts.items():
        if host in latin1:
            row = conn.execute("SELECT * FROM homepages WHERE professor_id = ?", (pid,)).fetchone()
            assert row["state"] == "ok" and "\ufffd" not in row["interests"]


def test_killed_crawl_restarted_matches_uninterrupted(first_crawl, tmp_path: Path) -> None:
    db_full, rows, _, _, _ = first_crawl
    db = tmp_path / "killed.db"
    fill(db, rows)
    report = tmp_path / "report.json"
    settings = [arg for k, v in FAST.items() for arg in ("-s", f"{k}={json.dumps(v)}")]
    jobs = tmp_path / "jobs.json"
    conn = connect(db)
    write_jobs(jobs, [(j.professor_id, j.name, j.all_urls()) for j in pending_homepages(conn)])
    conn.close()
    cmd = [sys.executable, "-m", "crawler.runner", "homepages", "--report", str(report),
           "-a", f"jobs={jobs}", "-s", f"PROFSCOUT_DB={json.dumps(str(db))}", *settings]
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=os.environ)
    conn = connect(db)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and child.poll() is None:
            if conn.execute("SELECT count(*) FROM homepages").fetchone()[0] >= len(rows) // 3:
                break
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    done_at_kill = conn.execute("SELECT count(*) FROM homepages").fetchone()[0]
    conn.close()
    assert 0 < done_at_kill < len(rows) and not report.exists()
    again = crawl_pending(db)
    assert again["selected"] == len(rows) - done_at_kill
    assert store_content(db) == store_content(db_full)
