"""Spider ``homepages``: each selected professor's homepage plus a few pages one click away.

    scrapy crawl homepages -a jobs=FILE [-a max_pages=4] [-a as_of=2026-01-31] \
        -s PROFSCOUT_DB=data/profscout.db

The professors to crawl come in ``jobs``, a JSON list of ``{"professor_id", "name", "urls"}``
(``crawler.homepages_stage`` writes it from the store: those without a finished crawl, so an
interrupted crawl restarted fetches only what was not finished). A professor with several
homepages gets the next one tried when one fails; the first that works gives the facts.
Pages are read as of ``as_of`` (default: the day the crawl starts). The spider knows no store:
each professor ends in exactly one state (see ``STATES``) and is yielded as one
:class:`~crawler.items.HomepageItem`, which ``HomepagePipeline`` writes with its fetch log in
one transaction. Counts go to the crawl's stats under ``profscout/``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

from crawler.csrankings import normalize_url
from crawler.extract import (
    HomepageFacts,
    PageFacts,
    candidate_links,
    decode_html,
    is_html_content_type,
    looks_like_html,
    merge_pages,
)
from crawler.items import HomepageItem
from crawler.jobs import read_jobs
from crawler.middlewares import FETCHES_META, HostGivenUp, UnsafeAddress, classify_exception
from crawler.text import clean_text, host_of
from crawler.workers import close_executor, extract_response, start_executor

logger = logging.getLogger(__name__)

STATES = ("ok", "not_found", "unreachable", "robots_disallowed", "refused_address", "not_html",
          "too_large", "error")
STAGE = "homepages"


@dataclass
class Job:
    """One professor's crawl in progress."""

    professor_id: int
    name: str
    url: str
    others: list[str] = field(default_factory=list)  # homepages to try if this one fails
    tried: list[str] = field(default_factory=list)  # "URL: state (detail)" of those failed
    pending: int = 0
    state: str = ""
    final_url: str = ""
    detail: str = ""
    note: str = ""
    pages: list[PageFacts] = field(default_factory=list)
    fetches: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def failure_state(failure: Failure) -> tuple[str, str]:
    """The homepage state and a detail for a download that failed."""
    exc = failure.value
    text = str(exc)
    if isinstance(exc, HostGivenUp):
        return "unreachable", text[:300]
    if isinstance(exc, UnsafeAddress):
        return "refused_address", text[:300]
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in text:
            return "robots_disallowed", text
        if "redirect" in text.lower():
            return "error", f"redirect loop: {text}"
        return "error", text
    outcome = classify_exception(exc)
    if outcome == "too_large":
        return "too_large", text[:300]
    if outcome in ("refused", "dns", "timeout"):
        return "unreachable", f"{outcome}: {text}"[:300]
    return "error", f"{type(exc).__name__}: {text}"[:300]


def _content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") or None if value else None


def response_state(response: Response) -> tuple[str, str]:
    """``("ok", "")`` for a usable HTML page, else the state it puts the homepage in."""
    status = response.status
    if status in (404, 410):
        return "not_found", f"HTTP {status}"
    if status >= 400:
        return "error", f"HTTP {status}"
    content_type = _content_type(response)
    if not is_html_content_type(content_type):
        return "not_html", content_type or ""
    if not looks_like_html(response.body):
        return "not_html", f"{content_type or 'no content type'}, body is not HTML"
    return "ok", ""


class HomepagesSpider(scrapy.Spider):
    """Crawl selected professors' homepages and the relevant pages one click away."""

    name = "homepages"
    # Every status reaches the callback: the state machine decides, nothing is dropped.
    # Homepages come from rows anyone can edit: only public addresses are fetched.
    custom_settings = {"HTTPERROR_ALLOW_ALL": True, "PROFSCOUT_GUARD_ADDRESSES": True}

    def __init__(self, jobs: str, max_pages: str | int = 4, as_of: str | date | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.jobs_file = Path(jobs)
        self.max_pages = max(0, int(max_pages))
        self.as_of = (as_of if isinstance(as_of, date) else
                      date.fromisoformat(as_of) if as_of else datetime.now(UTC).date())
        self.jobs: dict[int, Job] = {}
        self.executors: dict[bool, Executor] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> HomepagesSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    @property
    def stats(self) -> StatsCollector:
        return self.crawler.stats

    # ------------------------------------------------------------------ start

    async def start(self) -> AsyncIterator[Any]:
        selected = read_jobs(self.jobs_file)
        self.stats.set_value("profscout/selected", len(selected))
        self.stats.set_value("profscout/finished", 0)
        for professor_id, name, urls in selected:
            job = Job(professor_id, name, urls[0] if urls else "", others=urls[1:])
            self.jobs[professor_id] = job
            request = self._next_homepage(job)
            if request is None:
                yield self._finish(job)
            else:
                yield request

    def _next_homepage(self, job: Job) -> scrapy.Request | None:
        """The request for the job's current homepage (repaired when written without a
        scheme); a homepage that is not a URL fails and the next one is tried; None when
        none is left (the job is then finished with the first failure's state)."""
        while True:
            url = normalize_url(job.url) if job.url else None
            if url is not None:
                try:
                    request = self._request(job, url, homepage=True)
                except ValueError as exc:
                    self._homepage_failed(job, "error", f"bad URL: {exc}")
                else:
                    job.pending = 1
                    return request
            else:
                self._homepage_failed(job, "error", f"bad URL: {job.url!r}")
            if not self._advance(job):
                return None

    def _homepage_failed(self, job: Job, state: str, detail: str) -> None:
        if not job.tried:
            job.state, job.detail = state, detail
            job.final_url = job.final_url or job.url
        job.tried.append(f"{job.url}: {state}" + (f" ({detail})" if detail else ""))

    def _advance(self, job: Job) -> bool:
        """Move to the job's next homepage after the current one failed; False when none."""
        job.pending = 0
        if not job.others:
            if len(job.tried) > 1:
                job.detail = "; ".join(job.tried)[:600]
            return False
        job.url = job.others.pop(0)
        job.pages.clear()
        return True

    def _retry_elsewhere(self, job: Job) -> Iterator[Any]:
        """After the current homepage failed: the next homepage's request, or the item."""
        if self._advance(job):
            request = self._next_homepage(job)
            if request is not None:
                self.stats.inc_value("profscout/fallback_homepages")
                yield request
                return
        yield from self._maybe_finish(job)

    def _request(self, job: Job, url: str, homepage: bool) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_homepage if homepage else self.parse_subpage,
            errback=self.failed,
            dont_filter=True,
            priority=0 if homepage else 1,
            meta={"professor_id": job.professor_id, "homepage": homepage, FETCHES_META: []},
        )

    # ------------------------------------------------------------------ callbacks

    def _executor(self, homepage: bool) -> Executor:
        """Extraction runs in worker processes, keeping the reactor free for downloads;
        homepages get a worker of their own since their links gate the next requests."""
        if homepage not in self.executors:
            self.executors[homepage] = start_executor(
                self.settings.getbool("HOMEPAGE_EXTRACT_IN_PROCESSES", True))
        return self.executors[homepage]

    async def _page(self, job: Job, response: Response, homepage: bool) -> PageFacts:
        content_type = _content_type(response)
        future = self._executor(homepage).submit(extract_response, response.body, content_type,
                                                 response.url, job.name, homepage, self.as_of)
        return await asyncio.wrap_future(future)

    async def parse_homepage(self, response: Response) -> AsyncIterator[Any]:
        job = self.jobs[response.meta["professor_id"]]
        self._collect(job, response.request.meta if response.request else response.meta)
        state, detail = response_state(response)
        if state != "ok":
            job.final_url = job.final_url or response.url
            self._homepage_failed(job, state, detail)
            for item in self._retry_elsewhere(job):
                yield item
            return
        job.state, job.detail, job.final_url = state, "", response.url
        if host_of(response.url) != host_of(job.url):
            job.note = f"redirected to another host: {host_of(response.url)}"
        if job.tried:
            job.note = "; ".join(filter(None, [job.note, "earlier homepage failed: "
                                               + "; ".join(job.tried)]))[:600]
        # Links are read here, quickly, so the next requests go out at once; the full
        # extraction runs in a worker meanwhile.
        content_type = _content_type(response)
        text, _ = decode_html(response.body, content_type)
        for url in candidate_links(text, response.url, self.max_pages):
            job.pending += 1
            yield self._request(job, url, homepage=False)
        job.pages.insert(0, await self._page(job, response, homepage=True))
        job.pending -= 1
        for item in self._maybe_finish(job):
            yield item

    async def parse_subpage(self, response: Response) -> AsyncIterator[Any]:
        job = self.jobs[response.meta["professor_id"]]
        self._collect(job, response.request.meta if response.request else response.meta)
        if response_state(response)[0] == "ok":
            job.pages.append(await self._page(job, response, homepage=False))
        job.pending -= 1
        for item in self._maybe_finish(job):
            yield item

    def failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        job = self.jobs.get(request.meta.get("professor_id"))
        if job is None or job.done:
            return
        recorded = bool(request.meta.get(FETCHES_META))
        self._collect(job, request.meta)
        state, detail = failure_state(failure)
        if not recorded or state == "robots_disallowed":
            job.fetches.append({"url": request.url, "status": None, "bytes": None,
                                "outcome": state,
                                "detail": detail[:300]})
        if request.meta.get("homepage"):
            job.final_url = job.final_url or request.url
            self._homepage_failed(job, state, detail)
            yield from self._retry_elsewhere(job)
            return
        job.pending -= 1
        yield from self._maybe_finish(job)

    def _collect(self, job: Job, meta: dict[str, Any]) -> None:
        fetches = meta.get(FETCHES_META) or []
        job.fetches.extend(fetches)
        meta[FETCHES_META] = []

    def _request_dropped(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        job = self.jobs.get(request.meta.get("professor_id", -1))
        if job is None or job.done:
            return
        job.fetches.append({"url": request.url, "status": None, "bytes": None,
                            "outcome": "dropped", "detail": "dropped by the scheduler"})
        if request.meta.get("homepage"):
            job.state, job.detail = "error", "request dropped"
        job.pending -= 1  # finished when the crawl goes idle (see ``_idle``)

    def _idle(self, spider: scrapy.Spider) -> None:
        """Nothing is in flight: a job still open lost a request (dropped, or an answer that
        never came back); finish it now, so nothing disappears. Its item is yielded from a
        local ``data:`` request, since only callbacks hand items to the pipelines."""
        lost = [job for job in self.jobs.values() if not job.done]
        if not lost:
            return
        for job in lost:
            job.state = job.state or "error"
            job.detail = job.detail or "crawl ended before this homepage finished"
            job.pending = 0
        self.crawler.engine.crawl(scrapy.Request(
            "data:,", callback=self._finish_lost, dont_filter=True,
            meta={"dont_obey_robotstxt": True, "lost": [job.professor_id for job in lost]}))
        raise DontCloseSpider

    def _finish_lost(self, response: Response) -> Iterator[HomepageItem]:
        for professor_id in response.meta["lost"]:
            job = self.jobs.get(professor_id)
            if job is not None and not job.done:
                yield self._finish(job)

    # ------------------------------------------------------------------ finishing

    def _maybe_finish(self, job: Job) -> Iterator[HomepageItem]:
        if job.pending <= 0 and not job.done:
            yield self._finish(job)

    def _finish(self, job: Job) -> HomepageItem:
        job.done = True
        state = job.state or "error"
        self.stats.inc_value(f"profscout/states/{state}")
        self.stats.inc_value("profscout/finished")
        facts = merge_pages(job.pages, job.name) if state == "ok" else None
        item = HomepageItem(
            professor_id=job.professor_id,
            url=job.url,
            final_url=job.final_url or job.url,
            state=state,
            detail=job.detail,
            note=job.note,
            emails=list(facts.emails) if facts else [],
            email_records=[vars(e) for e in facts.email_records] if facts else [],
            email_doubts=[vars(d) for d in facts.email_doubts] if facts else [],
            interests=facts.interests if facts else "",
            keyphrases=list(facts.keyphrases) if facts else [],
            lab_name=facts.lab_name if facts else "",
            lab_url=facts.lab_url if facts else "",
            recruiting=facts.recruiting if facts else "",
            recruiting_evidence=facts.recruiting_evidence if facts else "",
            links=dict(facts.links) if facts else {},
            sources=fact_sources(job.pages, facts) if facts else {},
            listed_publications=[
                {"url": p.url, "titles": p.listed_titles, "arxiv_ids": p.listed_arxiv_ids}
                for p in job.pages if p.listed_titles or p.listed_arxiv_ids],
            pages_fetched=len(job.pages),
            fetches=list(job.fetches),
            fetched_at=now_iso(),
        )
        self.jobs.pop(job.professor_id, None)
        return item

    def _closed(self, spider: scrapy.Spider, reason: str) -> None:
        started = time.monotonic()
        peaks = [close_executor(executor, wait=reason == "finished")
                 for executor in self.executors.values()]
        logger.debug("extraction workers stopped in %.3fs", time.monotonic() - started)
        self.stats.set_value("profscout/unfinished",
                             sum(1 for job in self.jobs.values() if not job.done))
        self.stats.set_value("profscout/reason", reason)
        self.stats.set_value("profscout/worker_peak_rss_mb", [p for p in peaks if p is not None])


def fact_sources(pages: list[PageFacts], facts: HomepageFacts) -> dict[str, str]:
    """Which page (URL) gave each merged fact: ``interests``, ``lab``, ``recruiting`` and
    ``email`` (the chosen address); facts that are empty are left out."""
    sources: dict[str, str] = {}
    for fact, found in (
            ("interests", lambda p: p.interests and p.interests == facts.interests),
            ("lab", lambda p: p.lab_name and p.lab_name == facts.lab_name),
            ("recruiting", lambda p: p.recruiting and
             p.recruiting_evidence == facts.recruiting_evidence)):
        page = next((p for p in pages if found(p)), None)
        if page is not None:
            sources[fact] = page.url
    if facts.emails:
        record = next((r for r in facts.email_records if r.address == facts.emails[0]), None)
        if record is not None:
            sources["email"] = record.url
    return {k: clean_text(v) for k, v in sources.items()}
