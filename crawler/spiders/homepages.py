"""Spider ``homepages``: each selected professor's homepage plus a few pages one click away.

    scrapy crawl homepages -a jobs=FILE [-a max_pages=4] -s PROFSCOUT_DB=data/profscout.db

The professors to crawl come in ``jobs``, a JSON list of ``{"professor_id", "name", "url"}``
(``crawler.homepages_stage`` writes it from the store: those without a finished crawl, so an
interrupted crawl restarted fetches only what was not finished). The spider knows no store:
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

from crawler.extract import (
    PageFacts,
    candidate_links,
    decode_html,
    is_html_content_type,
    looks_like_html,
    merge_pages,
)
from crawler.items import HomepageItem
from crawler.jobs import read_jobs
from crawler.middlewares import FETCHES_META, HostGivenUp, classify_exception
from crawler.workers import close_executor, extract_response, start_executor

logger = logging.getLogger(__name__)

STATES = ("ok", "not_found", "unreachable", "robots_disallowed", "not_html", "too_large",
          "error")
STAGE = "homepages"


@dataclass
class Job:
    """One professor's crawl in progress."""

    professor_id: int
    name: str
    url: str
    pending: int = 0
    state: str = ""
    final_url: str = ""
    detail: str = ""
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
    custom_settings = {"HTTPERROR_ALLOW_ALL": True}

    def __init__(self, jobs: str, max_pages: str | int = 4, **kwargs: Any):
        super().__init__(**kwargs)
        self.jobs_file = Path(jobs)
        self.max_pages = max(0, int(max_pages))
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
        for professor_id, name, url in selected:
            job = Job(professor_id, name, url)
            self.jobs[professor_id] = job
            if not url.lower().startswith(("http://", "https://")):
                url = "http://" + url
            try:
                request = self._request(job, url, homepage=True)
            except ValueError as exc:  # a homepage that is not a URL
                job.state, job.detail = "error", f"bad URL: {exc}"
                job.pending = 0
                yield self._finish(job)
                continue
            job.pending = 1
            yield request

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
                                                 response.url, job.name, homepage)
        return await asyncio.wrap_future(future)

    async def parse_homepage(self, response: Response) -> AsyncIterator[Any]:
        job = self.jobs[response.meta["professor_id"]]
        self._collect(job, response.request.meta if response.request else response.meta)
        job.final_url = response.url
        state, detail = response_state(response)
        job.state, job.detail = state, detail
        if state == "ok":
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
            job.state, job.detail = state, detail
            job.final_url = request.url
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
            emails=list(facts.emails) if facts else [],
            interests=facts.interests if facts else "",
            keyphrases=list(facts.keyphrases) if facts else [],
            lab_name=facts.lab_name if facts else "",
            lab_url=facts.lab_url if facts else "",
            recruiting=facts.recruiting if facts else "",
            recruiting_evidence=facts.recruiting_evidence if facts else "",
            links=dict(facts.links) if facts else {},
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
