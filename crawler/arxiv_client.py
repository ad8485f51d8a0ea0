"""A polite arXiv API client on the ``arxiv`` package: batched author queries, paging to a window.

The ``arxiv`` package builds URLs, pages through results and parses Atom. What it lacks is
supplied by :class:`PoliteSession`, the ``requests`` session it is given:

* one call per ``delay`` seconds across the whole process (per host), counted from the end
  of the previous answer; below 3 s is refused for the public ``arxiv.org`` API;
* a timeout on every HTTP call and a total deadline on each attempt (a server that trickles
  bytes is cut off and retried);
* retries with exponential backoff that honour ``Retry-After`` on 429/5xx and on network
  errors (the package's own retries are off: they fire at once and ignore Retry-After);
* a page that comes back empty in the middle of a result set is asked for again;
* an HTML page, a non-Atom answer or an arXiv error feed raises :class:`SourceError` with a
  clear message instead of looking like "0 papers".

Author queries OR several quoted names into one ``search_query``, restricted with
``submittedDate:[A TO B]`` and sorted newest first; paging stops at the first paper older
than the window. Names are folded to letters, digits and spaces before they are quoted, so
quotes, parentheses and AND/OR/ANDNOT cannot reach the query. A query whose URL would be long
is sent as a POST form body (the API's manual suggests POST for long parameter lists), so a
batch is bounded by the results it brings, not by URL length (see :mod:`crawler.arxiv_batches`).
A query may also exclude other names (``(...) ANDNOT (...)``), whose papers the caller
already has.

:meth:`ArxivClient.search_groups` asks for several people at once and adapts: when the
service refuses a query (an error feed, 413, 414, a 5xx that persists) the batch is split
(people kept whole; an exclusion is halved before people are split) and the size that
worked caps later batches for the rest of the run. A
query with more results than one query may page through (30,000) is continued over an earlier
date range (:meth:`ArxivClient.search_window`), so no result fetched is thrown away.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import arxiv
import requests
import urllib3
from lxml import etree

from crawler.arxiv_batches import AdaptiveLimits, category_terms, split_evenly, unique_terms
from crawler.retry_after import retry_after_seconds
from profscout.core.config import (
    DEFAULT_ARXIV_URL,
    POLITE_ARXIV_DELAY,
    USER_AGENT,
    arxiv_turns_dir,
)
from profscout.core.errors import SourceError, UserError

log = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
MAX_URL_LENGTH = 4000
DEFAULT_DEADLINE = 60.0  # seconds one attempt may take in all, however the bytes trickle
CHUNK = 65_536
MAX_PAGE_SIZE = 2000  # the API's limit per call; big pages keep calls per professor low
MAX_QUERY_RESULTS = 30_000  # the API pages through at most this many results of one query
EARLIEST = date(1991, 1, 1)  # before arXiv's first paper: the start of an open window
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REFUSAL_STATUSES = frozenset({400, 413, 414})  # the query itself is refused (too big/complex)
MAX_5XX_SPLITS = 3  # halvings tried when a big query keeps failing with 5xx
_SAFE_FORM = re.compile(r"[^\w ]+")
_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[A-Za-z]+)?)?")


class EndpointError(SourceError):
    """The endpoint answered, but not with an arXiv feed (HTML, error feed, HTTP 4xx)."""


class QueryRefused(EndpointError):
    """The service refused this query (error feed, 413, 414): a smaller one may pass."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RetriesExhausted(SourceError):
    """Every try failed; ``status`` is the last HTTP status (None for network errors)."""

    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message)
        self.status = status




def is_public_host(url: str) -> bool:
    """True for arXiv's own API hosts, where the 3-second rule is enforced."""
    host = (urlsplit(url).hostname or "").lower()
    return host == "arxiv.org" or host.endswith(".arxiv.org")


def check_delay(url: str, delay: float) -> float:
    """``delay`` if allowed for ``url``; UserError below 3 s for the public API."""
    if delay < 0:
        raise UserError("--arxiv-delay must not be negative")
    if delay < POLITE_ARXIV_DELAY and is_public_host(url):
        raise UserError(f"--arxiv-delay below {POLITE_ARXIV_DELAY:g} s is not allowed for "
                        f"the public arXiv API ({urlsplit(url).hostname}); its terms ask for "
                        "one call every 3 seconds")
    return delay


# ------------------------------------------------------------------------------- queries
def author_term(form: str) -> str:
    """``au:"form"`` for a folded name form; anything but letters, digits and spaces is removed."""
    clean = " ".join(_SAFE_FORM.sub(" ", form).split()).lower()
    if not clean:
        raise ValueError(f"nothing left of name {form!r} to search for")
    return f'au:"{clean}"'


def date_term(since: date | datetime, until: date | datetime | None = None) -> str:
    """``submittedDate:[YYYYMMDDHHMM TO YYYYMMDDHHMM]`` (GMT), inclusive of both days."""
    until = until or datetime.now(UTC)
    return (f"submittedDate:[{since.strftime('%Y%m%d')}0000 TO "
            f"{until.strftime('%Y%m%d')}2359]")


def is_category(text: str) -> bool:
    """Whether ``text`` is written as an arXiv category (``cs.LG``, ``hep-th``), not as the
    ACM or MSC classes (``I.2.6``, ``68T05``) that some papers' category lists carry."""
    return bool(_CATEGORY.fullmatch(text))


def category_term(category: str) -> str:
    """``cat:category`` for an arXiv category such as ``cs.LG`` (ValueError otherwise)."""
    if not is_category(category):
        raise ValueError(f"not an arXiv category: {category!r}")
    return f"cat:{category}"


def _one_of(terms: Sequence[str]) -> str:
    return f"({' OR '.join(terms)})" if len(terms) > 1 else terms[0]


def _any_of(forms: Sequence[str],
            within: Mapping[str, Collection[str]] | None = None) -> str:
    within = within or {}
    terms: list[str] = []
    narrowed: dict[frozenset[str], list[str]] = {}  # forms asked in one set of categories
    for form in forms:
        if within.get(form):
            narrowed.setdefault(frozenset(within[form]), []).append(form)
        else:
            terms.append(author_term(form))
    for cats, group in narrowed.items():
        terms.append(f"({_one_of([author_term(f) for f in group])} AND "
                     f"{_one_of([category_term(c) for c in sorted(cats)])})")
    return _one_of(terms)


def authors_query(forms: Sequence[str], since: date | datetime | None = None,
                  until: date | datetime | None = None, exclude: Sequence[str] = (),
                  within: Mapping[str, Collection[str]] | None = None) -> str:
    """The search_query for papers by any of ``forms`` (OR-ed) and by none of ``exclude``
    (``ANDNOT``), optionally since a date; a form in ``within`` is asked only in the arXiv
    categories it maps to."""
    if not forms:
        raise ValueError("no name forms to search for")
    query = _any_of(forms, within)
    if exclude:
        query = f"({query} ANDNOT {_any_of(exclude)})"
    if since is not None:
        query = f"{query} AND {date_term(since, until)}"
    return query


# ------------------------------------------------------------------------------- papers
@dataclass(frozen=True)
class Paper:
    """One arXiv paper, as stored."""

    arxiv_id: str  # without version
    title: str
    abstract: str
    authors: tuple[str, ...]
    affiliations: tuple[tuple[str, ...], ...]  # per author
    categories: tuple[str, ...]
    primary_category: str
    published: datetime
    updated: datetime | None

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @classmethod
    def from_result(cls, result: arxiv.Result) -> Paper:
        short = result.get_short_id()
        return cls(
            arxiv_id=re.sub(r"v\d+$", "", short),
            title=" ".join((result.title or "").split()),
            abstract=" ".join((result.summary or "").split()),
            authors=tuple(a.name for a in result.authors),
            affiliations=tuple(tuple(getattr(a, "affiliation", None) or ())
                               for a in result.authors),
            categories=tuple(result.categories),
            primary_category=result.primary_category or "",
            published=result.published,
            updated=result.updated,
        )


@dataclass
class SearchResult:
    """What one search returned: papers in the window (newest first), total, calls made."""

    query: str
    papers: list[Paper]
    total: int
    calls: int
    complete: bool = True  # every result in the window was paged through


# ------------------------------------------------------------------------------- HTTP layer
@contextmanager
def shared_turn(endpoint: str, delay: float, sleep: Callable[[float], None]) -> Iterator[None]:
    """One arXiv call at a time to ``endpoint`` across all of this user's processes, each
    starting at least ``delay`` seconds after the previous one ended.

    The turn is an advisory lock on a small file (in :func:`arxiv_turns_dir`) holding the
    wall-clock end of the last call; it is held for the whole call. Where that folder cannot
    be written the spacing holds within this process only.
    """
    folder = arxiv_turns_dir()
    path = folder / f"arxiv-{hashlib.sha1(endpoint.encode()).hexdigest()[:16]}.turn"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")  # noqa: SIM115 - held across the yield
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            try:
                last = float(handle.read().strip() or "nan")
            except ValueError:
                last = math.nan
            wait = delay - (time.time() - last)
            if wait > 0 and not math.isnan(wait):
                sleep(min(wait, delay))
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.write(repr(time.time()))
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Throttle:
    """One call per ``delay`` seconds per host, across threads and client instances."""

    _registry: dict[str, _Throttle] = {}
    _registry_lock = threading.Lock()

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_done: float | None = None

    @classmethod
    def for_host(cls, host: str) -> _Throttle:
        with cls._registry_lock:
            return cls._registry.setdefault(host, cls())


@dataclass
class FeedInfo:
    """The header of an Atom answer: total, start, entries on this page."""

    total: int
    start: int
    entries: int


def inspect_feed(content: bytes, content_type: str, url: str, status: int = 200) -> FeedInfo:
    """Check an answer is an arXiv Atom feed and not an error; SourceError otherwise."""
    head = content[:512].lstrip().lower()
    if "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html")):
        raise EndpointError(f"the arXiv endpoint answered an HTML page, not an Atom feed ({url})")
    try:
        root = etree.fromstring(content, parser=etree.XMLParser(
            resolve_entities=False, no_network=True, recover=False))
    except etree.XMLSyntaxError as exc:
        raise EndpointError(f"the arXiv endpoint answered something that is not XML ({exc})") \
            from None
    if root is None or root.tag != f"{{{ATOM}}}feed":
        raise EndpointError(f"the arXiv endpoint answered XML that is not an Atom feed ({url})")
    entries = root.findall(f"{{{ATOM}}}entry")
    for entry in entries:
        entry_id = entry.findtext(f"{{{ATOM}}}id") or ""
        title = (entry.findtext(f"{{{ATOM}}}title") or "").strip()
        if "/api/errors" in entry_id or (title == "Error" and "/abs/" not in entry_id):
            message = " ".join((entry.findtext(f"{{{ATOM}}}summary") or "").split())
            raise QueryRefused(f"arXiv rejected the query: {message or 'error feed'}", status)

    def number(tag: str) -> int:
        text = root.findtext(f"{{{OPENSEARCH}}}{tag}")
        try:
            return int((text or "0").strip())
        except ValueError:
            return 0

    return FeedInfo(number("totalResults"), number("startIndex"), len(entries))


class PoliteSession(requests.Session):
    """The ``requests`` session handed to ``arxiv.Client``: throttle, timeout, retries, checks."""

    def __init__(self, delay: float, *, timeout: float = 30.0, max_retries: int = 4,
                 backoff: float = 2.0, max_wait: float = 120.0, user_agent: str = USER_AGENT,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 post_over: int = MAX_URL_LENGTH, deadline: float = DEFAULT_DEADLINE) -> None:
        super().__init__()
        self.delay = delay
        self.deadline = deadline
        self.post_over = post_over
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self.headers["User-Agent"] = f"{user_agent} arxiv.py/{arxiv.__version__}"
        self.calls = 0
        self.posts = 0
        self.retries = 0
        self.empty_page_retries = 0
        self.last_feed: FeedInfo | None = None

    def _wait_turn(self, throttle: _Throttle, extra: float = 0.0) -> None:
        """Sleep until ``max(delay, extra)`` seconds have passed since the last answer."""
        if throttle.last_done is None:
            wait = extra
        else:
            wait = max(self.delay, extra) - (self.clock() - throttle.last_done)
        if wait > 0:
            self.sleep(wait)

    def _read_by(self, response: requests.Response, deadline_at: float) -> bytes:
        """The body of a streamed ``response``, read chunk by chunk; requests.Timeout when
        it is not complete by ``deadline_at`` (``time.monotonic``), however slowly it comes."""
        chunks = []
        try:
            while chunk := response.raw.read1(CHUNK, decode_content=True):
                chunks.append(chunk)
                if time.monotonic() > deadline_at:
                    raise requests.Timeout(f"no complete answer within {self.deadline:g} s")
        finally:
            response.close()
        content = b"".join(chunks)
        response._content = content  # what requests keeps for ``response.content``
        return content

    def request(self, method: str, url: str | bytes,
                *args: Any, **kwargs: Any) -> requests.Response:
        """One logical request: throttled attempts until a valid page or SourceError.

        A GET longer than ``post_over`` is sent as a POST of the same parameters. Each
        attempt must be answered in full within ``deadline`` seconds (a server trickling
        bytes is cut off and the attempt retried).
        """
        url = url.decode() if isinstance(url, bytes) else url
        kwargs.setdefault("timeout", self.timeout)
        headers = dict(kwargs.pop("headers", None) or {})
        headers.pop("user-agent", None)  # the package's own; ours names the project
        kwargs["headers"] = headers
        parts = urlsplit(url)
        throttle = _Throttle.for_host(parts.netloc)
        start = int(parse_qs(parts.query).get("start", ["0"])[0] or 0)
        if method.upper() == "GET" and len(url) > self.post_over and parts.query:
            # the same parameters as a form body: no URL length limit applies
            method, url = "POST", parts._replace(query="").geturl()
            kwargs["data"] = parts.query
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        wait_before = 0.0
        last_problem = ""
        last_status: int | None = None
        for attempt in range(self.max_retries + 1):
            with throttle.lock, shared_turn(f"{parts.scheme}://{parts.netloc}{parts.path}",
                                            self.delay, self.sleep):
                self._wait_turn(throttle, wait_before)
                self.calls += 1
                self.posts += method == "POST"
                try:
                    deadline_at = time.monotonic() + self.deadline
                    kwargs["stream"] = True
                    response = super().request(method, url, *args, **kwargs)
                    content = self._read_by(response, deadline_at)
                except (requests.ConnectionError, requests.Timeout,
                        urllib3.exceptions.HTTPError) as exc:
                    response, content = None, b""
                    last_problem = f"{type(exc).__name__}: {exc}"
                finally:
                    throttle.last_done = self.clock()
            backoff = min(self.backoff * (2 ** attempt), self.max_wait)
            last_status = None if response is None else response.status_code
            if response is None:
                wait_before = backoff
            elif response.status_code in RETRY_STATUSES:
                last_problem = f"HTTP {response.status_code}"
                hint = retry_after_seconds(response.headers.get("Retry-After"))
                wait_before = min(max(hint, backoff) if hint is not None else backoff,
                                  self.max_wait)
            elif response.status_code != 200:
                status = response.status_code
                if content.lstrip().startswith(b"<?xml") or b"<feed" in content[:500]:
                    inspect_feed(content, response.headers.get("Content-Type", ""), url, status)
                message = f"the arXiv endpoint answered HTTP {status} ({url[:200]})"
                if status in REFUSAL_STATUSES:
                    raise QueryRefused(message, status)
                raise EndpointError(message)
            else:
                info = inspect_feed(content, response.headers.get("Content-Type", ""), url)
                if info.entries == 0 and info.total > start:
                    self.empty_page_retries += 1
                    last_problem = f"empty page at start={start} of {info.total}"
                    wait_before = backoff
                else:
                    self.last_feed = info
                    return response
            if attempt < self.max_retries:
                self.retries += 1
                log.info("arXiv: %s; retry %d in %.1f s", last_problem, attempt + 1, wait_before)
        raise RetriesExhausted(f"arXiv failed after {self.max_retries + 1} tries: {last_problem}",
                               last_status)


# ------------------------------------------------------------------------------- the client
class ArxivClient:
    """Batched, windowed author searches against one arXiv API endpoint."""

    def __init__(self, url: str = DEFAULT_ARXIV_URL, delay: float = POLITE_ARXIV_DELAY, *,
                 page_size: int = MAX_PAGE_SIZE, timeout: float = 30.0, max_retries: int = 4,
                 backoff: float = 2.0, max_wait: float = 120.0,
                 max_url_length: int = MAX_URL_LENGTH, user_agent: str = USER_AGENT,
                 sleep: Callable[[float], None] = time.sleep,
                 max_query_results: int = MAX_QUERY_RESULTS,
                 limits: AdaptiveLimits | None = None,
                 deadline: float = DEFAULT_DEADLINE) -> None:
        check_delay(url, delay)
        if not urlsplit(url).scheme.startswith("http") or not urlsplit(url).netloc:
            raise UserError(f"not an http(s) URL for the arXiv API: {url!r}")
        self.url = url
        self.delay = delay
        self.max_url_length = max_url_length
        self.max_query_results = max_query_results
        self.limits = limits or AdaptiveLimits()
        self.splits = 0
        self.seen_ids: set[str] | None = None  # when a set: every arXiv id answered is added
        self.session = PoliteSession(delay, timeout=timeout, max_retries=max_retries,
                                     backoff=backoff, max_wait=max_wait,
                                     user_agent=user_agent, sleep=sleep,
                                     post_over=max_url_length, deadline=deadline)
        self._client = arxiv.Client(page_size=page_size, delay_seconds=0.0, num_retries=0)
        self._client.query_url_format = url + ("&" if "?" in url else "?") + "{}"
        self._client._session = self.session  # the package exposes no other hook

    @property
    def calls(self) -> int:
        """HTTP calls made so far (retries included)."""
        return self.session.calls

    def search(self, query: str, since: date | datetime | None = None,
               limit: int | None = None) -> SearchResult:
        """Every paper of ``query`` newest first, stopping before ``since`` (all if None).

        With ``limit``, at most that many results are paged through.
        """
        calls_before = self.calls
        self.session.last_feed = None
        search = arxiv.Search(query=query, max_results=limit,
                              sort_by=arxiv.SortCriterion.SubmittedDate,
                              sort_order=arxiv.SortOrder.Descending)
        cutoff = _as_datetime(since) if since is not None else None
        papers: list[Paper] = []
        seen: set[str] = set()
        paged = 0
        complete = False  # until the window's start or the last result is reached
        try:
            for result in self._results(search):
                paged += 1
                if cutoff is not None and result.published < cutoff:
                    complete = True
                    break
                paper = Paper.from_result(result)
                if paper.arxiv_id not in seen:
                    seen.add(paper.arxiv_id)
                    papers.append(paper)
        except arxiv.UnexpectedEmptyPageError as exc:  # only if the session let one through
            raise SourceError(f"arXiv kept answering an empty page ({exc.url[:200]})") from None
        except arxiv.HTTPError as exc:
            raise SourceError(f"the arXiv endpoint answered HTTP {exc.status}") from None
        total = self.session.last_feed.total if self.session.last_feed else 0
        complete = complete or paged >= total
        if self.seen_ids is not None:
            self.seen_ids.update(seen)
        if not papers:
            log.info("arXiv: no results for %s", query[:300])
        return SearchResult(query, papers, total, self.calls - calls_before, complete)

    def _results(self, search: arxiv.Search) -> Iterator[arxiv.Result]:
        return self._client.results(search)

    def search_authors(self, forms: Sequence[str], since: date | datetime | None = None,
                       until: date | datetime | None = None) -> SearchResult:
        """Papers by any of the name ``forms`` since ``since`` (one query, paged)."""
        if not forms:
            raise ValueError("no name forms to search for")
        return self.search(authors_query(forms, since, until), since)

    def search_window(self, forms: Sequence[str], since: date | datetime | None = None,
                      until: date | datetime | None = None,
                      exclude: Sequence[str] = (),
                      within: Mapping[str, Collection[str]] | None = None) -> SearchResult:
        """Every paper of ``forms`` in the window, however many there are.

        One query pages through at most ``max_query_results``; beyond that the query is
        asked again with the window's end moved back to the oldest day fetched so far (that
        day asked again, duplicates dropped), so no call is spent on results thrown away.
        """
        calls_before = self.calls
        start = since if since is not None else EARLIEST
        upper = _as_datetime(until) if until is not None else datetime.now(UTC)
        papers: dict[str, Paper] = {}
        queries: list[str] = []
        total: int | None = None
        while True:
            query = authors_query(forms, start, upper, exclude, within)
            result = self.search(query, since, limit=self.max_query_results)
            queries.append(query)
            total = result.total if total is None else total
            for paper in result.papers:
                papers.setdefault(paper.arxiv_id, paper)
            if result.total <= self.max_query_results or not result.papers:
                break
            oldest = result.papers[-1].published
            if oldest.date() >= upper.date():
                raise SourceError(f"arXiv has more than {self.max_query_results} results on "
                                  f"{oldest.date()} for one query; ask for fewer names")
            log.info("arXiv: %d results for one query; continuing before %s", result.total,
                     oldest.date())
            upper = oldest
        merged = sorted(papers.values(), key=lambda p: (p.published, p.arxiv_id), reverse=True)
        return SearchResult(" | ".join(queries), merged, total or 0, self.calls - calls_before,
                            result.complete)

    def search_groups(self, groups: Sequence[Sequence[str]], since: date | datetime | None = None,
                      until: date | datetime | None = None,
                      expected: Sequence[float] | None = None,
                      exclude: Sequence[str] = (),
                      within: Mapping[str, Collection[str]] | None = None) -> SearchResult:
        """Papers of several people (one group of name forms each), in as few queries as the
        service takes.

        The batch is first cut to what the run has learnt (:class:`AdaptiveLimits`); a query
        the service refuses is split (people kept whole) and the sizes that worked are
        remembered. ``expected`` holds the results expected per group (for sizing; unknown
        ones count as 0). ``exclude``: name forms whose papers are not wanted (``ANDNOT``),
        most useful first; a query carries as many of them as the learnt size leaves room
        for, and a refused query first drops the second half of them, then splits people.
        ``within``: name forms asked only in the arXiv categories they map to.
        The papers of all queries come back merged, newest first.
        """
        if not groups or not all(groups):
            raise ValueError("every group needs name forms to search for")
        exp = list(expected) if expected is not None else [0.0] * len(groups)
        calls_before = self.calls
        parts = [self._search_part([groups[i] for i in idx], [exp[i] for i in idx], since,
                                   until, 0, list(exclude), within or {})
                 for idx in self.limits.presplit(groups, exp)]
        papers = {p.arxiv_id: p for part in parts for p in part.papers}
        merged = sorted(papers.values(), key=lambda p: (p.published, p.arxiv_id), reverse=True)
        return SearchResult(" | ".join(part.query for part in parts), merged,
                            sum(part.total for part in parts), self.calls - calls_before,
                            all(part.complete for part in parts))

    def _search_part(self, groups: list[Sequence[str]], expected: list[float],
                     since: date | datetime | None, until: date | datetime | None,
                     failing: int, exclude: list[str],
                     within: Mapping[str, Collection[str]]) -> SearchResult:
        """One query for ``groups``; when the service will not answer it whole, the
        exclusion is halved first (down to none), then the people are split in two."""
        forms = list(dict.fromkeys(f for g in groups for f in g))
        terms = unique_terms(groups) + category_terms(forms, within)
        room = self.limits.query_terms
        if room is not None:
            exclude = exclude[:max(0, room - terms)]
        sent = terms + len(exclude)
        try:
            result = self.search_window(forms, since, until, exclude, within)
        except QueryRefused as exc:
            if exclude:
                log.info("arXiv refused a query of %d terms (%s); excluding fewer", sent, exc)
                self.limits.refused_exclusion(sent)
                return self._search_part(groups, expected, since, until, failing,
                                         exclude[:len(exclude) // 2], within)
            if len(groups) == 1:
                raise
            log.info("arXiv refused a query of %d names (%s); splitting it", terms, exc)
            self.limits.refused(terms)
            pieces = split_evenly(range(len(groups)), 2)
        except RetriesExhausted as exc:
            persistent_5xx = exc.status is not None and exc.status >= 500
            if exclude and persistent_5xx and failing < MAX_5XX_SPLITS \
                    and sent > self.limits.largest_accepted:
                log.info("arXiv kept failing on a query of %d terms (%s); excluding fewer",
                         sent, exc)
                self.limits.refused_exclusion(sent)
                return self._search_part(groups, expected, since, until, failing + 1,
                                         exclude[:len(exclude) // 2], within)
            if (len(groups) == 1 or not persistent_5xx or failing >= MAX_5XX_SPLITS
                    or terms <= self.limits.largest_accepted):
                raise
            log.info("arXiv kept failing on a query of %d names (%s); splitting it", terms, exc)
            self.limits.refused(terms)
            failing += 1
            pieces = split_evenly(range(len(groups)), 2)
        else:
            self.limits.accepted(sent, sum(expected), result.total)
            return result
        self.splits += 1
        parts = [self._search_part([groups[i] for i in idx], [expected[i] for i in idx],
                                   since, until, failing, exclude, within) for idx in pieces]
        return SearchResult(" | ".join(p.query for p in parts),
                            [paper for p in parts for paper in p.papers],
                            sum(p.total for p in parts), sum(p.calls for p in parts),
                            all(p.complete for p in parts))


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


_clients: dict[tuple[str, float], ArxivClient] = {}
_clients_lock = threading.Lock()


def get_client(url: str, delay: float, **kwargs: Any) -> ArxivClient:
    """The process's client for ``url`` (one per endpoint and delay; the throttle is per host)."""
    with _clients_lock:
        key = (url, delay)
        if key not in _clients:
            _clients[key] = ArxivClient(url, delay, **kwargs)
        return _clients[key]
