"""A small arXiv API of our own for tests: real Atom format, scripted faults, a request log.

It understands what profscout sends: ``au:"phrase"`` terms joined by OR (in parentheses),
``AND submittedDate:[A TO B]``, an exclusion ``((...) ANDNOT (...))`` of other ``au:`` terms,
``sortBy``/``sortOrder``, ``start`` and ``max_results``. An
author phrase matches when each of its words is a word of one author's name (case and
accents folded). Anything else in the query is a syntax error (HTTP 400 with an error feed).

Queries come as GET or as POST (a form-encoded body, as the real API takes them); ``methods``
logs which. Limits make it refuse what a real service may refuse: ``max_terms`` (a query with
more ``au:`` terms gets HTTP 400 and an error feed), ``max_body`` (a bigger POST body gets
413), ``max_url`` (a longer GET request target gets 414), ``max_start`` (a page starting at or
beyond it gets 400, like the API's 30,000-result window); ``refusals`` logs (status, terms).

``script`` holds actions for the next requests, one per request: ``"503:2"`` (503 with
Retry-After 2), ``"429:1"``, ``"500"``, ``"empty"`` (200 with no entries), ``"html"``,
``"error"`` (200 with an arXiv error feed), ``"sleep:S"`` (answer after S seconds),
``"trickle:S"`` (the normal answer, one byte every S seconds until the client hangs up), or
``None`` (answer normally).
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.helpers import add_professor

__all__ = ["Entry", "LocalArxiv", "add_professor", "atom", "error_feed", "fold_words"]

TERM = re.compile(r'au:"([^"]*)"')
DATE = re.compile(r"submittedDate:\[(\d{12}) TO (\d{12})\]")
ANY = r'(?:\()?au:"[^"]*"(?: OR au:"[^"]*")*(?:\))?'
SHAPE = re.compile(rf'^(?:{ANY}|\({ANY} ANDNOT {ANY}\))( AND submittedDate:\[\d{{12}} TO '
                   r'\d{12}\])?$')


def fold_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.findall(r"[a-z0-9]+", text)


@dataclass
class Entry:
    arxiv_id: str
    title: str
    authors: list[str]
    published: str  # YYYY-MM-DD
    categories: list[str] = field(default_factory=lambda: ["cs.LG"])
    affiliations: dict[str, str] = field(default_factory=dict)


def atom(entries: list[Entry], total: int, start: int, query: str) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
           f'  <link href="http://arxiv.org/api/query?{escape(query)}" rel="self" '
           'type="application/atom+xml"/>',
           f'  <title type="html">ArXiv Query: {escape(query)}</title>',
           "  <id>http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id>",
           "  <updated>2026-11-23T00:00:00-05:00</updated>",
           '  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
           f"{total}</opensearch:totalResults>",
           '  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
           f"{start}</opensearch:startIndex>",
           '  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
           f"{len(entries)}</opensearch:itemsPerPage>"]
    for e in entries:
        out += ["  <entry>", f"    <id>http://arxiv.org/abs/{e.arxiv_id}v1</id>",
                f"    <updated>{e.published}T12:00:00Z</updated>",
                f"    <published>{e.published}T12:00:00Z</published>",
                f"    <title>{escape(e.title)}</title>",
                f"    <summary>  Abstract of {escape(e.title)}.\n</summary>"]
        for a in e.authors:
            out.append(f"    <author>\n      <name>{escape(a)}</name>")
            if a in e.affiliations:
                out.append('      <arxiv:affiliation xmlns:arxiv="http://arxiv.org/schemas/atom">'
                           f"{escape(e.affiliations[a])}</arxiv:affiliation>")
            out.append("    </author>")
        out += [f'    <link href="http://arxiv.org/abs/{e.arxiv_id}v1" rel="alternate" '
                'type="text/html"/>',
                f'    <link title="pdf" href="http://arxiv.org/pdf/{e.arxiv_id}v1" '
                'rel="related" type="application/pdf"/>',
                '    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" '
                f'term="{e.categories[0]}" scheme="http://arxiv.org/schemas/atom"/>']
        out += [f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>'
                for c in e.categories]
        out.append("  </entry>")
    out.append("</feed>\n")
    return "\n".join(out).encode()


def error_feed(message: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            '<opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1'
            "</opensearch:totalResults><entry><id>http://arxiv.org/api/errors#bad_query</id>"
            f"<title>Error</title><summary>{escape(message)}</summary>"
            "<updated>2026-11-23T00:00:00-05:00</updated></entry></feed>\n").encode()


class LocalArxiv:
    """The server; ``url`` is its query endpoint; ``requests`` logs (time, params)."""

    def __init__(self, entries: list[Entry], honour_dates: bool = True, *,
                 max_terms: int = 0, max_body: int = 0, max_url: int = 0,
                 max_start: int = 0) -> None:
        self.entries: list[Entry] = []
        self.add(*entries)
        self.honour_dates = honour_dates
        self.max_terms, self.max_body, self.max_url = max_terms, max_body, max_url
        self.max_start = max_start
        self.script: list[str | None] = []
        self.requests: list[tuple[float, dict[str, str]]] = []
        self.methods: list[str] = []
        self.refusals: list[tuple[int, int]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                owner.handle(self)

            def do_POST(self) -> None:  # noqa: N802
                owner.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/query"

    def __enter__(self) -> LocalArxiv:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add(self, *entries: Entry) -> None:
        """Papers that appear on the server, kept newest first as arXiv lists them."""
        self.entries = sorted([*self.entries, *entries], key=lambda e: (e.published, e.arxiv_id),
                              reverse=True)

    def search(self, query: str) -> list[Entry]:
        if not SHAPE.match(query):
            raise ValueError(f"syntax error in {query!r}")
        wanted, _, unwanted = query.split(" AND submittedDate")[0].partition(" ANDNOT ")

        def finds(part: str, e: Entry) -> bool:
            phrases = [fold_words(p) for p in TERM.findall(part)]
            return any(all(w in fold_words(a) for w in words) for a in e.authors
                       for words in phrases if words)

        hits = [e for e in self.entries if finds(wanted, e) and not finds(unwanted, e)]
        m = DATE.search(query)
        if m and self.honour_dates:
            lo, hi = m.group(1)[:8], m.group(2)[:8]
            hits = [e for e in hits if lo <= e.published.replace("-", "") <= hi]
        return hits

    def handle(self, req: BaseHTTPRequestHandler) -> None:
        now = time.monotonic()
        if req.command == "POST":
            size = int(req.headers.get("Content-Length") or 0)
            if self.max_body and size > self.max_body:
                self.requests.append((now, {}))
                self.methods.append("POST")
                self.refusals.append((413, 0))
                return self.send(req, 413, b"Request Entity Too Large", "text/plain")
            query_string = req.rfile.read(size).decode()
        else:
            if self.max_url and len(req.path) > self.max_url:
                self.requests.append((now, {}))
                self.methods.append("GET")
                self.refusals.append((414, 0))
                return self.send(req, 414, b"Request-URI Too Long", "text/plain")
            query_string = urlsplit(req.path).query
        params = {k: v[0] for k, v in parse_qs(query_string, keep_blank_values=True).items()}
        self.requests.append((now, params))
        self.methods.append(req.command)
        action = self.script.pop(0) if self.script else None
        kind, _, arg = (action or "").partition(":")
        if kind == "sleep":
            time.sleep(float(arg))
        if kind in ("503", "429", "500"):
            headers = {"Retry-After": arg} if arg else {}
            return self.send(req, int(kind), b"busy", "text/plain", headers)
        if kind == "html":
            return self.send(req, 200, b"<!DOCTYPE html><html><body>Maintenance</body></html>",
                             "text/html")
        if kind == "error":
            return self.send(req, 200, error_feed("incorrect id format"),
                             "application/atom+xml")
        query = params.get("search_query", "")
        terms = len(TERM.findall(query))
        if self.max_terms and terms > self.max_terms:
            self.refusals.append((400, terms))
            return self.send(req, 400, error_feed(f"query has {terms} terms; at most "
                                                  f"{self.max_terms} allowed"),
                             "application/atom+xml")
        if self.max_start and int(params.get("start", 0)) >= self.max_start:
            self.refusals.append((400, terms))
            return self.send(req, 400, error_feed("start is beyond the result window"),
                             "application/atom+xml")
        try:
            hits = self.search(query)
        except ValueError as exc:
            return self.send(req, 400, error_feed(str(exc)), "application/atom+xml")
        start, size = int(params.get("start", 0)), int(params.get("max_results", 10))
        page = [] if kind == "empty" else hits[start:start + size]
        body = atom(page, len(hits), start, query)
        if kind == "trickle":
            return self.trickle(req, body, float(arg))
        self.send(req, 200, body, "application/atom+xml")

    @staticmethod
    def trickle(req: BaseHTTPRequestHandler, body: bytes, every: float) -> None:
        """A 200 answer whose body comes one byte per ``every`` seconds (bounded by its
        length; stops when the client hangs up)."""
        req.send_response(200)
        req.send_header("Content-Type", "application/atom+xml")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.flush()
        try:
            for i in range(len(body)):
                req.wfile.write(body[i:i + 1])
                req.wfile.flush()
                time.sleep(every)
        except OSError:
            pass  # the client gave up

    @staticmethod
    def send(req: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str,
             headers: dict[str, str] | None = None) -> None:
        req.send_response(status)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            req.send_header(k, v)
        req.end_headers()
        req.wfile.write(body)
