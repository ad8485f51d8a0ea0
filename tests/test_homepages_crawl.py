"""A real ``homepages`` crawl (child process) against small sites served by our own server.

Each site listens on a loopback address of its own (127.0.0.2, ...) so per-host politeness
is observable: the server logs every request with its arrival time.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rich.console import Console
from scrapy.exceptions import IgnoreRequest

from crawler.homepages_stage import crawl_homepages
from crawler.homepages_stage import run as run_stage
from crawler.middlewares import DeadHosts
from crawler.stages import StageContext
from profscout.core.config import Settings
from profscout.core.store import connect, transaction
from profscout.core.store.homepages import pending_homepages

PAGES = Path(__file__).parent / "fixtures" / "homepages"

ROBOTS_DELAY = "User-agent: *\nCrawl-delay: 1\nDisallow: /private/\n"
SITES: dict[str, dict[str, tuple[int, str, bytes]]] = {
    # host A: robots with Crawl-delay and a disallowed subpage
    "127.0.0.2": {
        "/robots.txt": (200, "text/plain", ROBOTS_DELAY.encode()),
        "/": (200, "text/html", (PAGES / "profile.html").read_bytes().replace(
            b'href="group/"', b'href="private/group.html"')),
        "/research.html": (200, "text/html", b"<html><body><h2>Research</h2><p>Scenes.</p>"
                                             b"<h3>Publications</h3><ul><li>D. Whitfield. "
                                             b"<b>Learning robust scene graphs from noisy 3D "
                                             b"scans</b>. CVPR 2025. arXiv:2501.01234</li>"
                                             b"</ul></body></html>"),
        "/join.html": (200, "text/html", b"<html><body><p>We are hiring postdocs in 3D "
                                         b"vision for 2026.</p></body></html>"),
        "/contact.html": (200, "text/html; charset=utf-8",
                          b"<html><body><p>Office 12</p></body></html>"),
        "/private/group.html": (200, "text/html", b"<html><body>secret</body></html>"),
    },
    # host B: 500 once, then fine
    "127.0.0.3": {"/": (200, "text/html", (PAGES / "obfuscated.html").read_bytes())},
    # host C: a PDF as homepage
    "127.0.0.4": {"/": (200, "application/pdf", b"%PDF-1.4 not a page")},
    # host D: a page above the size cap
    "127.0.0.5": {"/": (200, "text/html", b"<html><body>" + b"<p>filler</p>" * 500_000)},
    # host E: 404
    "127.0.0.6": {},
    # host F: everything disallowed
    "127.0.0.7": {"/robots.txt": (200, "text/plain", b"User-agent: *\nDisallow: /\n"),
                  "/": (200, "text/html", b"<html><body>hidden</body></html>")},
    # host G: 429 with Retry-After once, then fine
    "127.0.0.8": {"/": (200, "text/html", (PAGES / "cloudflare.html").read_bytes())},
    # host H: two plain pages, crawled beside a dead host
    "127.0.0.10": {f"/{who}.html": (200, "text/html", b"<html><body><h2>Research</h2><p>"
                                    b"Robot learning.</p></body></html>") for who in "ab"},
}
FLAKY = {"127.0.0.3": [500], "127.0.0.8": [429]}
DEAD = "127.0.0.9"  # nothing listens there
DEAD_MANY = "127.0.0.11"  # nothing listens there either


class Log:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: dict[str, list[tuple[float, str, int]]] = defaultdict(list)
        self.flaky = {k: list(v) for k, v in FLAKY.items()}


def make_handler(log: Log) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            host = self.connection.getsockname()[0]
            path = self.path.split("?", 1)[0]
            status, ctype, body, headers = 404, "text/html", b"<html>not found</html>", []
            with log.lock:
                pending = log.flaky.get(host)
                if path != "/robots.txt" and pending:
                    status = pending.pop(0)
                    body = b"try again"
                    if status == 429:
                        headers.append(("Retry-After", "1"))
            if status == 404:
                site = SITES.get(host, {})
                if path in site:
                    status, ctype, body = site[path]
                elif path == "/robots.txt":
                    status, ctype, body = 200, "text/plain", b"User-agent: *\nAllow: /\n"
            with log.lock:
                log.hits[host].append((time.monotonic(), path, status))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers:
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[int, Log]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = Log()
    servers = [ThreadingHTTPServer((host, port), make_handler(log)) for host in SITES]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield port, log
    for server in servers:
        server.shutdown()
        server.server_close()


def fill_store(db: Path, port: int) -> dict[str, int]:
    """One professor per host (and one on a dead host); name -> id."""
    people = [("Dana Whitfield", "127.0.0.2"), ("Lena Hartwig", "127.0.0.3"),
              ("Pdf Person", "127.0.0.4"), ("Big Page", "127.0.0.5"),
              ("Gone Away", "127.0.0.6"), ("Robots Shy", "127.0.0.7"),
              ("Mara Lind", "127.0.0.8"), ("Dead Host", DEAD)]
    conn = connect(db)
    ids = {}
    with transaction(conn):
        conn.execute("INSERT INTO institutions(name) VALUES ('Northfield University')")
        for name, host in people:
            cur = conn.execute(
                "INSERT INTO professors(key, name, institution, homepage) VALUES (?,?,?,?)",
                (name, name, "Northfield University", f"http://{host}:{port}/"))
            ids[name] = int(cur.lastrowid)
        conn.execute("INSERT INTO professors(key, name, institution) "
                     "VALUES ('No Page', 'No Page', 'Northfield University')")
    conn.close()
    return ids


@pytest.fixture(scope="module")
def crawled(sites: tuple[int, Log], tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[Path, dict[str, int], dict, Log]:
    port, log = sites
    db = tmp_path_factory.mktemp("crawl") / "store.db"
    ids = fill_store(db, port)
    conn = connect(db)
    all_ids = [int(r[0]) for r in conn.execute("SELECT id FROM professors")]
    ctx = StageContext(conn=conn, settings=Settings(db_path=db), console=Console(quiet=True),
                       professor_ids=all_ids, options={"max_pages": 4, "download_delay": 0.2},
                       show_progress=False)
    report = run_stage(ctx).to_dict()
    conn.close()
    return db, ids, report, log


def test_every_professor_ends_in_its_state(crawled) -> None:
    db, ids, report, _ = crawled
    conn = connect(db)
    states = {r["professor_id"]: r["state"] for r in conn.execute("SELECT * FROM homepages")}
    assert states == {
        ids["Dana Whitfield"]: "ok", ids["Lena Hartwig"]: "ok", ids["Pdf Person"]: "not_html",
        ids["Big Page"]: "too_large", ids["Gone Away"]: "not_found",
        ids["Robots Shy"]: "robots_disallowed", ids["Mara Lind"]: "ok",
        ids["Dead Host"]: "unreachable",
    }
    assert report["states"] == {"not_found": 1, "not_html": 1, "ok": 3, "robots_disallowed": 1,
                                "too_large": 1, "unreachable": 1}
    assert report["skipped"] == {"no homepage": 1}
    assert report["selected"] == 9 and report["crawled_now"] == 8


def test_extracted_facts_are_stored(crawled) -> None:
    db, ids, _, _ = crawled
    conn = connect(db)
    row = conn.execute("SELECT * FROM homepages WHERE professor_id = ?",
                       (ids["Dana Whitfield"],)).fetchone()
    assert row["emails"] == "dana.whitfield@cs.northfield.edu"
    assert row["lab_name"] == "Robust Perception and Learning (RPL) Lab"
    assert row["recruiting"] == "yes"
    assert "3D scene understanding" in row["keyphrases"].split(";")
    assert row["pages_fetched"] == 4  # homepage, join, contact, research (group: disallowed)
    listed = {(r["kind"], r["value"]) for r in conn.execute(
        "SELECT kind, value FROM listed_publications WHERE professor_id = ? AND source_url "
        "LIKE '%/research.html'", (ids["Dana Whitfield"],))}
    assert ("arxiv_id", "2501.01234") in listed  # the person's own list, kept as evidence
    assert ("title", "Learning robust scene graphs from noisy 3D scans") in listed
    mara = conn.execute("SELECT emails FROM homepages WHERE professor_id = ?",
                        (ids["Mara Lind"],)).fetchone()
    assert mara["emails"] == "mara.lind@cs.northfield.edu"


def test_robots_rules_and_crawl_delay_obeyed(crawled) -> None:
    _, ids, _, log = crawled
    hits_a = log.hits["127.0.0.2"]
    assert all(not path.startswith("/private/") for _, path, _ in hits_a)
    assert [p for _, p, _ in log.hits["127.0.0.7"]] == ["/robots.txt"]
    times = sorted(t for t, _, _ in hits_a)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert gaps and min(gaps) >= 0.95  # Crawl-delay: 1 beats DOWNLOAD_DELAY 0.2


def test_retry_after_and_5xx_retry(crawled) -> None:
    db, ids, _, log = crawled
    g = [(t, s) for t, p, s in log.hits["127.0.0.8"] if p == "/"]
    assert [s for _, s in g] == [429, 200] and g[1][0] - g[0][0] >= 0.95
    assert [s for _, p, s in log.hits["127.0.0.3"] if p == "/"] == [500, 200]
    conn = connect(db)
    outcomes = [(r["status"], r["outcome"]) for r in conn.execute(
        "SELECT status, outcome FROM fetch_log WHERE professor_id = ? ORDER BY id",
        (ids["Lena Hartwig"],))]
    assert outcomes == [(500, "http_error"), (200, "ok")]


def test_fetch_log_has_every_page_and_the_disallowed_one(crawled) -> None:
    db, ids, _, log = crawled
    conn = connect(db)
    rows = conn.execute("SELECT url, status, outcome FROM fetch_log WHERE professor_id = ?",
                        (ids["Dana Whitfield"],)).fetchall()
    logged = {(r["url"].split("/", 3)[3], r["outcome"]) for r in rows}
    served = {(p.lstrip("/"), "ok" if s == 200 else "not_found")
              for _, p, s in log.hits["127.0.0.2"] if p != "/robots.txt"}
    assert served <= logged
    assert ("private/group.html", "robots_disallowed") in logged
    too_large = conn.execute("SELECT outcome FROM fetch_log WHERE professor_id = ?",
                             (ids["Big Page"],)).fetchall()
    assert [r["outcome"] for r in too_large] == ["too_large"]


def test_restart_fetches_nothing_when_all_finished(crawled, sites) -> None:
    db, _, _, log = crawled
    before = sum(len(v) for v in log.hits.values())
    conn = connect(db)
    report = crawl_homepages(db, pending_homepages(conn), settings={"LOG_LEVEL": "WARNING"})
    conn.close()
    assert report["selected"] == 0 and report["finished"] == 0
    assert sum(len(v) for v in log.hits.values()) == before


def test_dead_host_is_given_up_after_three_refusals(sites, tmp_path: Path) -> None:
    port, log = sites
    db = tmp_path / "dead.db"
    conn = connect(db)
    people = [(f"Dead {i}", f"http://{DEAD_MANY}:{port}/~p{i}/") for i in range(8)]
    people += [(f"Live {who}", f"http://127.0.0.10:{port}/{who}.html") for who in "ab"]
    with transaction(conn):
        conn.execute("INSERT INTO institutions(name) VALUES ('Northfield University')")
        ids = {name: int(conn.execute(
            "INSERT INTO professors(key, name, institution, homepage) VALUES (?,?,?,?)",
            (name, name, "Northfield University", url)).lastrowid) for name, url in people}
    # A refusal takes Twisted ~0.3 s to report; with a shorter delay a fourth request would
    # already be on its way when the third fails (at most N + per-host concurrency - 1).
    report = crawl_homepages(db, pending_homepages(conn), max_pages=0,
                             settings={"LOG_LEVEL": "ERROR", "DOWNLOAD_DELAY": 0.5,
                                       "AUTOTHROTTLE_START_DELAY": 0.5})
    assert report["reason"] == "finished" and report["states"] == {"ok": 2, "unreachable": 8}
    rows = {r["professor_id"]: r for r in conn.execute("SELECT * FROM homepages")}
    log_rows = conn.execute("SELECT professor_id, outcome, detail FROM fetch_log").fetchall()
    dead = [r for r in log_rows if r["professor_id"] in
            {ids[f"Dead {i}"] for i in range(8)}]
    # every dead-host professor is in the fetch log once: three refused, five not sent
    assert sorted(r["professor_id"] for r in dead) == sorted(ids[f"Dead {i}"] for i in range(8))
    assert sorted(r["outcome"] for r in dead) == ["given_up"] * 5 + ["refused"] * 3
    given_up = [r["detail"] for r in dead if r["outcome"] == "given_up"]
    assert all(f"host {DEAD_MANY} given up after 3 connection failures" in d for d in given_up)
    assert {rows[ids[f"Dead {i}"]]["state"] for i in range(8)} == {"unreachable"}
    assert {rows[ids[f"Live {w}"]]["state"] for w in "ab"} == {"ok"}
    assert sorted(p for _, p, s in log.hits["127.0.0.10"] if s == 200) == [
        "/a.html", "/b.html", "/robots.txt"]
    # unreachable is a finished state: a restart selects none of them again
    assert pending_homepages(conn) == []
    conn.close()


def test_dead_host_count_resets_on_an_answer() -> None:
    from scrapy import Request
    from scrapy.exceptions import DownloadConnectionRefusedError
    from scrapy.utils.test import get_crawler

    hosts = DeadHosts(get_crawler(settings_dict={"DEAD_HOST_FAILURES": 3}))

    def request(path: str) -> Request:
        return Request(f"http://10.0.0.1/{path}", meta={"profscout_fetches": []})

    def refuse(path: str) -> None:
        hosts.check(request(path))
        hosts.failed(request(path), DownloadConnectionRefusedError("refused"))

    refuse("a")
    refuse("b")
    hosts.answered(request("c"))  # an answer, even an HTTP error, resets the count
    refuse("d")
    refuse("e")
    hosts.check(request("f"))
    refuse("f")  # third refusal in a row
    with pytest.raises(IgnoreRequest, match="given up after 3 connection failures"):
        hosts.check(request("g"))
    hosts.check(Request("http://10.0.0.1/robots.txt"))  # unlogged requests are not held back
    hosts.check(request("x").replace(url="http://10.0.0.2/x"))  # other hosts neither


def test_host_pacing_keeps_crawl_delay_and_retry_after_per_host() -> None:
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import HostPacing

    now = [100.0]
    pacing = HostPacing(get_crawler(settings_dict={"CRAWL_DELAY_MAX": 5.0}),
                        clock=lambda: now[0])
    pacing.take_turn("a")  # robots.txt went out before its Crawl-delay was known
    assert pacing.set_crawl_delay("a", 30) == 5.0  # capped
    assert pacing.ready_in("a") == 5.0 and pacing.ready_in("b") == 0.0
    now[0] += 5.0
    pacing.take_turn("a")
    now[0] += 1.0
    assert pacing.ready_in("a") == 4.0
    pacing.pause("b", 2.0)  # Retry-After: 2 for host b only
    assert pacing.ready_in("b") == 2.0 and pacing.ready_in("c") == 0.0
    pacing.pause("a", 10.0)  # a pause longer than the delay wins
    assert pacing.ready_in("a") == 10.0
