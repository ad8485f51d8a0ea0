"""The ``csrankings`` spider: download the CSRankings CSV files and hand them to the pipeline.

Files are fetched one after another (a handful of requests to one host):
``csrankings.csv`` (when absent: ``csrankings-a.csv`` … ``csrankings-z.csv``),
``country-info.csv`` (required), ``geolocation.csv`` and ``generated-author-info.csv``
(optional). Only when every required file arrived does the spider yield one
:class:`~crawler.items.CSRankingsSnapshotItem`; the pipeline imports it in one transaction.
Any failure leaves the store as it was and puts a one-line ``profscout/error`` in the
crawl's stats (the report, see :mod:`crawler.report`). The spider knows no store.

    scrapy crawl csrankings                              # default store, public source
    scrapy crawl csrankings -a url=http://127.0.0.1:8765/csrankings/ -s PROFSCOUT_DB=/tmp/p.db

Base URL: ``-a url=`` > setting ``CSRANKINGS_URL`` > env ``PROFSCOUT_CSRANKINGS_URL`` >
the public repository. Store (the pipeline's): setting ``PROFSCOUT_DB`` > env
``PROFSCOUT_DB`` > ``data/profscout.db``.
"""

from __future__ import annotations

import json
import string
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

from crawler.csrankings import HeaderError, build_snapshot, check_author_info_header
from crawler.items import CSRankingsSnapshotItem
from crawler.report import record
from profscout.core.config import Settings

FACULTY = "csrankings.csv"
FALLBACK = [f"csrankings-{letter}.csv" for letter in string.ascii_lowercase]
COUNTRY = "country-info.csv"
GEO = "geolocation.csv"
AUTHOR_INFO = "generated-author-info.csv"
NOT_FOUND = (404, 410)
MAX_FILE_BYTES = 1024 * 1024 * 1024  # generated-author-info.csv is large


class CSRankingsSpider(scrapy.Spider):
    """Fetch the CSRankings files; yield one snapshot item when all required ones arrived."""

    name = "csrankings"
    custom_settings = {
        "ITEM_PIPELINES": {"crawler.pipelines.CSRankingsPipeline": 300},
        "DOWNLOAD_MAXSIZE": MAX_FILE_BYTES,
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOAD_TIMEOUT": 120,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": 1.0,  # a few static files from one host, one at a time
        "AUTOTHROTTLE_START_DELAY": 1.0,
    }

    def __init__(self, url: str | None = None, progress: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url_arg = url
        self.progress_path = Path(progress) if progress else None
        self.bodies: dict[str, bytes] = {}
        self.missing: list[str] = []
        self.warnings: list[str] = []

    @property
    def base_url(self) -> str:
        url = (self.url_arg or self.settings.get("CSRANKINGS_URL")
               or Settings().csrankings_url)
        return url if url.endswith("/") else url + "/"

    @property
    def stats(self) -> StatsCollector:
        return self.crawler.stats

    # --- requests ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.stats.set_value("profscout/base_url", self.base_url)
        self._progress("downloading " + FACULTY)
        yield self._request(FACULTY)

    def _request(self, filename: str) -> scrapy.Request:
        return scrapy.Request(
            urljoin(self.base_url, filename), callback=self.parse_file, errback=self.failed,
            dont_filter=True,
            meta={"file": filename, "handle_httpstatus_all": True,
                  "download_maxsize": MAX_FILE_BYTES},
        )

    def parse_file(self, response: Response) -> Iterator[Any]:
        name = response.meta["file"]
        if response.status == 200:
            self.bodies[name] = response.body
            self._progress(f"downloaded {name} ({len(response.body):,} bytes)")
            yield from self._after(name, ok=True, status=200, why="")
        else:
            yield from self._after(name, ok=False, status=response.status,
                                   why=f"HTTP {response.status}")

    def failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        why = failure.getErrorMessage() or failure.type.__name__
        yield from self._after(request.meta["file"], ok=False, status=None,
                               why=why.splitlines()[0][:200])

    # --- the sequence of files ----------------------------------------------------------------

    def _after(self, name: str, ok: bool, status: int | None, why: str) -> Iterator[Any]:
        """Decide what comes after the answer for ``name``: next file, snapshot, or failure."""
        url = urljoin(self.base_url, name)
        if name == FACULTY:
            if ok:
                yield self._next(COUNTRY)
            elif status in NOT_FOUND:
                self.missing.append(name)
                yield self._next(FALLBACK[0])
            else:
                self._fail(f"cannot download {url}: {why}")
        elif name in FALLBACK:
            if not ok and status not in NOT_FOUND:
                self._fail(f"cannot download {url}: {why}")
                return
            if not ok:
                self.missing.append(name)
            position = FALLBACK.index(name)
            if position + 1 < len(FALLBACK):
                yield self._next(FALLBACK[position + 1])
            elif any(f in self.bodies for f in FALLBACK):
                yield self._next(COUNTRY)
            else:
                self._fail(f"no {FACULTY} nor csrankings-[a-z].csv at {self.base_url}")
        elif name == COUNTRY:
            if ok:
                yield self._next(GEO)
            else:
                self._fail(f"cannot download {url}: {why}")
        elif name == GEO:
            if not ok:
                self._optional_missing(name, status, why)
            yield self._next(AUTHOR_INFO)
        elif name == AUTHOR_INFO:
            if not ok:
                self._optional_missing(name, status, why)
            yield from self._snapshot()

    def _next(self, filename: str) -> scrapy.Request:
        self._progress("downloading " + filename)
        return self._request(filename)

    def _optional_missing(self, name: str, status: int | None, why: str) -> None:
        self.missing.append(name)
        if status not in NOT_FOUND:
            self.warnings.append(f"{name} not used: {why}")

    def _fail(self, message: str) -> None:
        self.stats.set_value("profscout/error", message)
        self.logger.error(message)
        self._progress("failed")

    def _snapshot(self) -> Iterator[CSRankingsSnapshotItem]:
        faculty = ([self.bodies[FACULTY]] if FACULTY in self.bodies
                   else [self.bodies[f] for f in FALLBACK if f in self.bodies])
        author_info = self.bodies.get(AUTHOR_INFO)
        self._progress("parsing")
        if author_info is not None:
            try:
                check_author_info_header(author_info)
            except HeaderError as exc:
                self.warnings.append(f"{AUTHOR_INFO} not used: {exc}")
                self.missing.append(AUTHOR_INFO)
                author_info = None
        try:
            snapshot = build_snapshot(faculty, self.bodies[COUNTRY], self.bodies.get(GEO),
                                      author_info)
        except HeaderError as exc:
            self._fail(f"unexpected CSRankings file format: {exc}")
            return
        record(self.stats, "profscout/files", {name: len(body)
                                               for name, body in self.bodies.items()})
        self.stats.set_value("profscout/missing", [m for m in self.missing if m not in FALLBACK])
        self.stats.set_value("profscout/rows_read", snapshot.rows_read)
        self.stats.set_value("profscout/area_data", snapshot.area_counts is not None)
        self.stats.set_value("profscout/author_info_format", snapshot.author_info_format)
        files = sorted(self.bodies)
        self._progress("importing")
        self.bodies.clear()  # the snapshot holds what is needed
        yield CSRankingsSnapshotItem(snapshot=snapshot, files=files)

    # --- reporting ----------------------------------------------------------------------------

    def _progress(self, phase: str) -> None:
        if self.progress_path is None:
            return
        state = {"phase": phase, "files": sorted(self.bodies), "time": time.time()}
        tmp = self.progress_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self.progress_path)

    def closed(self, reason: str) -> None:
        self.stats.set_value("profscout/warnings", list(self.warnings))
        imported = self.stats.get_value("profscout/professors") is not None
        if self.stats.get_value("profscout/error") is None and not imported:
            self.stats.set_value("profscout/error", f"the csrankings crawl ended early ({reason})")
        error = self.stats.get_value("profscout/error")
        if error is not None:
            self.logger.error("CSRankings import not done: %s", error)
