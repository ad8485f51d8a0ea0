"""The homepage crawl, truthful and polite: every homepage a person has, what each page said
(emails with their evidence), robots.txt for many professors on one host, refused addresses,
oversized pages and a store that refuses writes. Real crawls (child processes) against a
local server that records what it served.
"""

from __future__ import annotations

import csv
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rich.console import Console

from crawler.csrankings import FacultyRow, merge_people, normalize_url
from crawler.homepages_stage import crawl_homepages
from crawler.homepages_stage import run as run_stage
from crawler.middlewares import address_refusal
from crawler.stages import StageContext
from crawler.text import clean_text
from profscout.core.config import Settings
from profscout.core.errors import SourceError
from profscout.core.store import MIGRATIONS, SCHEMA_VERSION, _split_sql, connect, transaction
from profscout.core.store.homepages import email_records, pending_homepages
from tests.helpers import invoke

DEPT = "127.0.0.40"  # one department server, many professors
SITE = "127.0.0.41"  # individual pages
OTHER = "127.0.0.42"  # where a homepage redirects to
DEAD = "127.0.0.49"  # nothing listens there
FAST = {"DOWNLOAD_DELAY": 0.0, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"}
PRIVATE = 12
PUBLIC = 6

PROFILE = ("<html><body><h1>{name}</h1><h2>Research interests</h2><p>Robot learning and "
           "3D\x07 perception.</p><p>Email: {local}@cs.northfield.edu</p>"
           "<p>Personal: {local}.home@gmail.com</p><p>I am looking for PhD students for "
           "Fall 2026.</p></body></html>")


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def page(name: str) -> bytes:
    local = name.lower().replace(" ", ".")
    return PROFILE.format(name=name, local=local).encode()


class Served:
    """What the server answered: (host, path) of every request."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: list[tuple[str, str]] = []

    def paths(self, host: str) -> list[str]:
        with self.lock:
            return [p for h, p in self.hits if h == host]

    def clear(self) -> None:
        with self.lock:
            self.hits.clear()


def make_handler(served: Served, port: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            host = self.server.server_address[0]
            path = self.path
            with served.lock:
                served.hits.append((host, path))
            if path == "/robots.txt":
                body = (b"User-agent: *\nDisallow: /private/\n" if host == DEPT
                        else b"User-agent: *\nAllow: /\n")
                return self._send(200, "text/plain", body)
            if path == "/moved":
                self.send_response(302)
                self.send_header("Location", f"http://{OTHER}:{port}/people/moved.html")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if path == "/huge":  # 30 MB, no Content-Length: read until the connection ends
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"<p>" + b"x" * 1_048_573
                try:
                    self.wfile.write(b"<html><body>")
                    for _ in range(30):
                        self.wfile.write(chunk)
                except OSError:  # the crawler hung up once it had enough
                    pass
                self.close_connection = True
                return None
            if path.startswith(("/private/", "/people/")) and path.endswith(".html"):
                name = path.rsplit("/", 1)[1].removesuffix(".html").replace("-", " ").title()
                return self._send(200, "text/html; charset=utf-8", page(name))
            return self._send(404, "text/html", b"<html><body>gone</body></html>")

        def _send(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[int, Served]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    served = Served()
    servers = [ThreadingHTTPServer((host, port), make_handler(served, port))
               for host in (DEPT, SITE, OTHER)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    yield port, served
    for s in servers:
        s.shutdown()
        s.server_close()


def fill(db: Path, people: list[tuple[str, list[str]]]) -> dict[str, int]:
    """Professors with their homepages (the first is ``professors.homepage``); name -> id."""
    conn = connect(db)
    ids = {}
    with transaction(conn):
        conn.execute("INSERT INTO institutions(name) VALUES ('Northfield University')")
        for name, urls in people:
            cur = conn.execute(
                "INSERT INTO professors(key, name, institution, homepage) VALUES (?,?,?,?)",
                (name, name, "Northfield University", urls[0]))
            pid = int(cur.lastrowid or 0)
            conn.executemany("INSERT INTO professor_homepages(professor_id, position, url) "
                             "VALUES (?, ?, ?)", [(pid, i, u) for i, u in enumerate(urls)])
            ids[name] = pid
    conn.close()
    return ids


def crawl(db: Path, **settings: object) -> dict:
    conn = connect(db)
    jobs = pending_homepages(conn)
    conn.close()
    return crawl_homepages(db, jobs, max_pages=0, settings={**FAST, **settings})


def states(db: Path) -> dict[int, str]:
    conn = connect(db)
    try:
        return {r[0]: r[1] for r in conn.execute("SELECT professor_id, state FROM homepages")}
    finally:
        conn.close()


# --- robots.txt for many professors on one host ---------------------------------------------

def department(port: int) -> list[tuple[str, list[str]]]:
    hidden = [(f"Hidden Person{i}", [f"http://{DEPT}:{port}/private/hidden-person{i}.html"])
              for i in range(PRIVATE)]
    shown = [(f"Shown Person{i}", [f"http://{DEPT}:{port}/people/shown-person{i}.html"])
             for i in range(PUBLIC)]
    return hidden + shown


def test_robots_disallow_holds_for_every_professor_on_one_host(server, tmp_path: Path) -> None:
    port, served = server
    for run in range(3):
        served.clear()
        db = tmp_path / f"dept{run}.db"
        fill(db, department(port))
        report = crawl(db)
        paths = served.paths(DEPT)
        assert [p for p in paths if p.startswith("/private/")] == []
        assert paths.count("/robots.txt") == 1
        assert report["states"] == {"ok": PUBLIC, "robots_disallowed": PRIVATE}
        assert len([p for p in paths if p.startswith("/people/")]) == PUBLIC


# --- every homepage a person has -----------------------------------------------------------

def test_next_homepage_is_crawled_when_the_first_is_dead(server, tmp_path: Path) -> None:
    port, _ = server
    db = tmp_path / "two.db"
    live = f"http://{SITE}:{port}/people/mira-castell.html"
    ids = fill(db, [("Mira Castell", [f"http://{DEAD}:{port}/", live]),
                    ("Only Dead", [f"http://{DEAD}:{port}/x"])])
    report = crawl(db, DEAD_HOST_FAILURES=0)
    assert report["fallback_homepages"] == 1
    conn = connect(db)
    row = conn.execute("SELECT * FROM homepages WHERE professor_id = ?",
                       (ids["Mira Castell"],)).fetchone()
    assert row["state"] == "ok" and row["url"] == live and row["final_url"] == live
    assert "earlier homepage failed" in row["note"] and DEAD in row["note"]
    outcomes = [(r["url"], r["outcome"]) for r in conn.execute(
        "SELECT url, outcome FROM fetch_log WHERE professor_id = ? ORDER BY id",
        (ids["Mira Castell"],))]
    assert outcomes[0] == (f"http://{DEAD}:{port}/", "refused") and (live, "ok") in outcomes
    assert states(db)[ids["Only Dead"]] == "unreachable"


def test_homepage_without_scheme_is_repaired(server, tmp_path: Path) -> None:
    port, _ = server
    db = tmp_path / "scheme.db"
    ids = fill(db, [("Mira Castell", [f"{SITE}:{port}/people/mira-castell.html"]),
                    ("Not Aurl", ["not a url at all"])])
    crawl(db)
    assert states(db) == {ids["Mira Castell"]: "ok", ids["Not Aurl"]: "error"}


def test_normalize_url_repairs_a_homepage_glued_to_a_base_address() -> None:
    assert normalize_url("cs.univie.ac.at/kathrin.hanauer") == \
        "http://cs.univie.ac.at/kathrin.hanauer"
    assert normalize_url("http://127.134.163.240:18765cs.univie.ac.at/kathrin.hanauer") == \
        "http://127.134.163.240:18765/kathrin.hanauer"
    assert normalize_url("http://cs.example.edu:8080/people") == \
        "http://cs.example.edu:8080/people"


def test_rows_of_one_person_keep_every_homepage(tmp_path: Path) -> None:
    rows = [FacultyRow("Mira Castell", "Northfield University", "http://old.example.edu/~jd",
                       "AbCdEfGhIjKl"),
            FacultyRow("Mira Castell 0001", "Northfield University", "https://jd.example.org/",
                       "AbCdEfGhIjKl"),
            FacultyRow("J. Doe", "Northfield University", "http://www.old.example.edu/~jd/",
                       "AbCdEfGhIjKl")]
    [person] = merge_people(rows)
    assert person.homepage == "http://old.example.edu/~jd"
    assert person.homepages == ["http://old.example.edu/~jd", "https://jd.example.org/"]

    from profscout.core.store.csrankings import import_snapshot

    class Snapshot:
        institutions: list = []
        people = [person]
        area_counts = None

    conn = connect(tmp_path / "import.db")
    conn.execute("INSERT INTO institutions(name) VALUES ('Northfield University')")
    import_snapshot(conn, Snapshot())
    [job] = pending_homepages(conn)
    assert job.all_urls() == person.homepages
    person.homepages = ["https://jd.example.org/"]
    import_snapshot(conn, Snapshot())
    assert pending_homepages(conn)[0].all_urls() == ["http://old.example.edu/~jd",
                                                     "https://jd.example.org/"]


def test_migration_keeps_existing_homepages(tmp_path: Path) -> None:
    db = tmp_path / "v3.db"
    raw = sqlite3.connect(db)
    for step in MIGRATIONS[:3]:
        for statement in _split_sql(step):
            raw.execute(statement)
    raw.execute("INSERT INTO institutions(name) VALUES ('U')")
    raw.execute("INSERT INTO professors(key, name, institution, homepage) "
                "VALUES ('A B', 'A B', 'U', ' http://a.example.edu/ ')")
    raw.execute("INSERT INTO homepages(professor_id, state, fetched_at) "
                "VALUES (1, 'ok', '2026-01-01T00:00:00Z')")
    raw.execute("PRAGMA user_version = 3")
    raw.commit()
    raw.close()
    conn = connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [tuple(r) for r in conn.execute("SELECT * FROM professor_homepages")] == [
        (1, 0, "http://a.example.edu/")]
    row = conn.execute("SELECT note, email_evidence, sources_json FROM homepages").fetchone()
    assert tuple(row) == ("", "", "{}")


# --- what the pages said, with evidence ------------------------------------------------------

def test_emails_evidence_and_sources_are_stored_and_exported(server, tmp_path: Path) -> None:
    port, _ = server
    db = tmp_path / "facts.db"
    url = f"http://{SITE}:{port}/people/mira-castell.html"
    ids = fill(db, [("Mira Castell", [url]),
                    ("Moved Away", [f"http://{SITE}:{port}/moved"])])
    crawl(db)
    conn = connect(db)
    jane = ids["Mira Castell"]
    records = email_records(conn, [jane])[jane]
    assert [(r.address, r.institutional, r.url) for r in records] == [
        ("mira.castell@cs.northfield.edu", True, url), ("mira.castell.home@gmail.com", False, url)]
    assert "Email: mira.castell@cs.northfield.edu" in records[0].evidence
    row = conn.execute("SELECT * FROM homepages WHERE professor_id = ?", (jane,)).fetchone()
    assert row["emails"] == "mira.castell@cs.northfield.edu"  # the chosen one
    assert f"<{url}>" in row["email_evidence"]
    assert row["recruiting"] == "yes" and row["recruiting_url"] == url
    assert "\x07" not in row["interests"] and "3D perception." in row["interests"]
    for r in conn.execute("SELECT * FROM homepages"):
        assert all(clean_text(v) == v for v in tuple(r) if isinstance(v, str))
    moved = conn.execute("SELECT * FROM homepages WHERE professor_id = ?",
                         (ids["Moved Away"],)).fetchone()
    assert moved["state"] == "ok" and moved["final_url"].startswith(f"http://{OTHER}:")
    assert moved["note"] == f"redirected to another host: {OTHER}"
    conn.close()

    out = tmp_path / "professors.csv"
    result = invoke("professors", "--db", str(db), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    exported = {r["name"]: r for r in read_csv_rows(out)}
    assert exported["Mira Castell"]["email"] == \
        "mira.castell@cs.northfield.edu;mira.castell.home@gmail.com"
    assert exported["Mira Castell"]["email_evidence"] == row["email_evidence"]
    assert exported["Mira Castell"]["recruiting_url"] == url
    assert exported["Moved Away"]["homepage_note"] == moved["note"]


# --- refused addresses, oversized pages ------------------------------------------------------

@pytest.mark.parametrize(("address", "allow_loopback", "reason"), [
    ("169.254.169.254", False, "link-local address"),
    ("192.168.1.1", False, "private address"),
    ("10.0.0.8", False, "private address"),
    ("127.0.0.1", False, "loopback address"),
    ("127.0.0.1", True, None),
    ("::1", False, "loopback address"),
    ("::ffff:169.254.169.254", True, "link-local address"),
    ("fe80::1", True, "link-local address"),
    ("0.0.0.0", True, "unspecified address"),
    ("224.0.0.1", False, "multicast address"),
    ("8.8.8.8", False, None),
    ("2606:4700::1111", False, None),
])
def test_address_refusal(address: str, allow_loopback: bool, reason: str | None) -> None:
    got = address_refusal(address, allow_loopback)
    assert got == reason if reason is None else got is not None and got.startswith(
        reason.split()[0])


def test_loopback_refused_when_not_allowed(server, tmp_path: Path) -> None:
    port, served = server
    served.clear()
    db = tmp_path / "guard.db"
    ids = fill(db, [("Mira Castell", [f"http://{SITE}:{port}/people/mira-castell.html"])])
    report = crawl(db, PROFSCOUT_ALLOW_LOOPBACK=False)
    assert served.paths(SITE) == []  # not even robots.txt
    assert report["refused_addresses"] >= 1
    conn = connect(db)
    row = conn.execute("SELECT state FROM homepages").fetchone()
    assert row["state"] == "refused_address"
    [(outcome, detail)] = [tuple(r) for r in conn.execute(
        "SELECT outcome, detail FROM fetch_log WHERE professor_id = ?", (ids["Mira Castell"],))]
    assert outcome == "refused_address" and "loopback address" in detail


def test_a_30_mb_page_is_too_large(server, tmp_path: Path) -> None:
    port, _ = server
    db = tmp_path / "huge.db"
    fill(db, [("Big Page", [f"http://{SITE}:{port}/huge"])])
    crawl(db)
    conn = connect(db)
    log = [tuple(r) for r in conn.execute("SELECT outcome, detail FROM fetch_log")]
    conn.close()
    assert list(states(db).values()) == ["too_large"], log
    assert [outcome for outcome, _ in log] == ["too_large"]


# --- a store that refuses writes -------------------------------------------------------------

def refusing_store(db: Path, port: int) -> None:
    fill(db, department(port)[PRIVATE:])
    conn = connect(db)
    conn.execute("CREATE TRIGGER no_writes BEFORE INSERT ON homepages "
                 "BEGIN SELECT RAISE(ABORT, 'store refuses writes'); END")
    conn.close()


def test_store_write_failure_stops_the_crawl_and_is_reported(server, tmp_path: Path) -> None:
    port, _ = server
    db = tmp_path / "refusing.db"
    refusing_store(db, port)
    report = crawl(db)
    assert "store refuses writes" in report["error"]
    assert report.get("written", 0) == 0 and report["reason"] == "store_error"
    conn = connect(db)
    ids = [int(r[0]) for r in conn.execute("SELECT id FROM professors")]
    ctx = StageContext(conn=conn, settings=Settings(db_path=db), console=Console(quiet=True),
                       professor_ids=ids, options={"max_pages": 0, "download_delay": 0.0},
                       show_progress=False)
    with pytest.raises(SourceError, match="store refuses writes"):
        run_stage(ctx)


def test_busy_store_is_retried_not_dropped(server, tmp_path: Path) -> None:
    port, served = server
    served.clear()
    db = tmp_path / "busy.db"
    fill(db, [("Mira Castell", [f"http://{SITE}:{port}/people/mira-castell.html"])])
    conn = connect(db)
    jobs = pending_homepages(conn)
    conn.execute("BEGIN IMMEDIATE")  # another writer holds the store
    reports: list[dict] = []
    crawling = threading.Thread(target=lambda: reports.append(crawl_homepages(
        db, jobs, max_pages=0,
        settings={**FAST, "STORE_BUSY_TIMEOUT": 0.5, "STORE_WRITE_RETRIES": 20})))
    crawling.start()
    deadline = time.monotonic() + 60
    while not served.paths(SITE) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(2.5)  # the page is fetched: its write now finds the store busy
    conn.execute("COMMIT")
    crawling.join()
    conn.close()
    [report] = reports
    assert report["write_retries"] >= 1 and report["written"] == 1 and "error" not in report
    assert list(states(db).values()) == ["ok"]


def test_read_only_store_file_is_reported(server, tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root writes read-only files")
    port, _ = server
    db = tmp_path / "ro.db"
    fill(db, department(port)[PRIVATE:])
    conn = connect(db)
    jobs = pending_homepages(conn)
    conn.close()
    db.chmod(0o444)
    report = crawl_homepages(db, jobs, max_pages=0, settings=FAST)
    assert report.get("error") and report.get("written", 0) == 0


def test_pages_are_read_as_of_the_crawl_date(server, tmp_path: Path) -> None:
    port, _ = server
    url = f"http://{SITE}:{port}/people/mira-castell.html"  # "PhD students for Fall 2026"
    found = {}
    for as_of in ("2026-03-01", "2031-03-01"):
        db = tmp_path / f"asof{as_of}.db"
        fill(db, [("Mira Castell", [url])])
        conn = connect(db)
        jobs = pending_homepages(conn)
        conn.close()
        crawl_homepages(db, jobs, max_pages=0, settings=FAST, as_of=as_of)
        conn = connect(db)
        found[as_of] = conn.execute("SELECT recruiting FROM homepages").fetchone()[0]
        conn.close()
    assert found == {"2026-03-01": "yes", "2031-03-01": ""}
