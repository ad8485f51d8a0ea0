"""Downloader middlewares for polite, accountable crawling.

- :class:`CrawlDelayMiddleware` applies robots.txt ``Crawl-delay`` to the host's download
  slot (Scrapy parses it but does not apply it), and keeps it as a floor under AutoThrottle.
- :class:`RetryAfterMiddleware` retries 5xx/429 like Scrapy's RetryMiddleware, but first
  pauses the whole host for the ``Retry-After`` the server asked for (capped).
- :class:`DeadHosts` / :class:`DeadHostMiddleware` stop sending requests to a host after a
  few connection-level failures in a row (refused, unknown host, timeout): they fail with
  :class:`HostGivenUp`.
- :class:`FetchRecordMiddleware` records every download attempt (URL, status, bytes, outcome)
  in ``request.meta["profscout_fetches"]`` so spiders can log each fetch.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any
from weakref import WeakKeyDictionary

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from twisted.python.failure import Failure

from crawler.retry_after import retry_after_seconds

logger = logging.getLogger(__name__)

FETCHES_META = "profscout_fetches"


def _slot(crawler: Crawler, request: Request) -> Any | None:
    try:
        engine = crawler.engine
    except RuntimeError:  # the crawl has not started
        return None
    if engine is None:
        return None
    downloader = engine.downloader
    key = downloader.get_slot_key(request)
    return downloader.slots.get(key)


class CrawlDelayMiddleware:
    """Apply robots.txt ``Crawl-delay`` per host (never below the configured delay)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or \
            crawler.settings.get("USER_AGENT")
        self.max_delay = crawler.settings.getfloat("CRAWL_DELAY_MAX", 60.0)
        self.delays: dict[str, float] = {}
        crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        return cls(crawler)

    def _robots_parsed(self, robotparser: Any, request: Request) -> None:
        try:
            delay = robotparser.crawl_delay(self.user_agent)
        except Exception:  # a parser without Crawl-delay support
            delay = None
        if not delay:
            return
        host = urlparse_cached(request).hostname or ""
        self.delays[host] = min(float(delay), self.max_delay)
        logger.info("robots.txt of %s asks for Crawl-delay %.1fs", host, self.delays[host])
        self._apply(request)

    def _apply(self, request: Request) -> None:
        delay = self.delays.get(urlparse_cached(request).hostname or "")
        if not delay:
            return
        slot = _slot(self.crawler, request)
        if slot is not None and slot.delay < delay:
            slot.delay = delay

    def process_request(self, request: Request) -> None:
        self._apply(request)

    def process_response(self, request: Request, response: Response) -> Response:
        self._apply(request)  # AutoThrottle may have lowered it
        return response


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, honouring ``Retry-After`` by pausing the host's slot first.

    A ``Retry-After`` beyond ``RETRY_AFTER_MAX`` seconds is not waited for: the response is
    given up on (the spider records the status).
    """

    def __init__(self, settings: Any):
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX", 120.0)

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None:
            if wait > self.max_wait:
                return response
            self._pause_host(request, wait)
        return super().process_response(request, response)

    def _pause_host(self, request: Request, seconds: float) -> None:
        slot = _slot(self.crawler, request)
        if slot is None:
            return
        # Scrapy sends the next request of a slot once ``delay`` has passed since lastseen.
        slot.lastseen = max(slot.lastseen, time.monotonic() + seconds - slot.delay)


class HostGivenUp(IgnoreRequest):
    """A request not sent: its host failed to connect too many times in a row."""


CONNECTION_FAILURES = frozenset({"refused", "dns", "timeout"})


class DeadHosts:
    """Per crawl: consecutive connection-level failures per host, and the hosts given up.

    Only requests whose fetches are logged (``profscout_fetches`` in meta) count, so the rule
    can be read back from the fetch log: a refused connection, an unknown host or a timeout
    adds one to the host's count; any answer (an HTTP error too) or any other failure sets it
    back to zero. At ``DEAD_HOST_FAILURES`` the host is given up: its requests waiting in its
    download slot fail at once with :class:`HostGivenUp` (no connection, no waiting for the
    host's delay), and so does every later one. ``DEAD_HOST_FAILURES = 0`` turns this off.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.limit = crawler.settings.getint("DEAD_HOST_FAILURES", 3)
        self.failures: dict[str, int] = {}
        self.dead: dict[str, str] = {}  # host -> why it was given up

    @classmethod
    def of(cls, crawler: Crawler) -> DeadHosts:
        """The crawl's one tracker, shared by the middleware and the download handlers."""
        if crawler not in _DEAD_HOSTS:
            _DEAD_HOSTS[crawler] = cls(crawler)
        return _DEAD_HOSTS[crawler]

    def counted(self, request: Request) -> bool:
        return self.limit > 0 and FETCHES_META in request.meta

    def check(self, request: Request) -> None:
        """Raise :class:`HostGivenUp` for a counted request to a host given up."""
        if self.counted(request):
            reason = self.dead.get(_host(request))
            if reason is not None:
                raise HostGivenUp(reason)

    def answered(self, request: Request) -> None:
        if self.counted(request):
            self.failures.pop(_host(request), None)

    def failed(self, request: Request, exception: BaseException) -> None:
        if not self.counted(request) or isinstance(exception, HostGivenUp):
            return
        host = _host(request)
        outcome = classify_exception(exception)
        if outcome not in CONNECTION_FAILURES:
            self.failures.pop(host, None)
            return
        count = self.failures.get(host, 0) + 1
        self.failures[host] = count
        if count >= self.limit and host not in self.dead:
            reason = (f"host {host} given up after {count} connection failures in a row "
                      f"(last: {outcome})")
            self.dead[host] = reason
            logger.warning("%s; its remaining requests are not sent", reason)
            self._fail_queued(request, host, reason)

    def _fail_queued(self, request: Request, host: str, reason: str) -> None:
        """Fail the host's requests already waiting in its download slot."""
        slot = _slot(self.crawler, request)
        if slot is None:
            return
        keep: deque[Any] = deque()
        given_up = []
        while slot.queue:
            entry = slot.queue.popleft()
            if FETCHES_META in entry[0].meta and _host(entry[0]) == host:
                given_up.append(entry[1])
            else:
                keep.append(entry)
        slot.queue.extend(keep)
        for deferred in given_up:
            deferred.errback(Failure(HostGivenUp(reason)))


_DEAD_HOSTS: WeakKeyDictionary[Crawler, DeadHosts] = WeakKeyDictionary()


class DeadHostMiddleware:
    """Fail requests to a host given up (see :class:`DeadHosts`) before they are queued.

    The counting happens in ``crawler.handlers.DeadHostAwareDownloadHandler``, which sees a
    failure before the host's next queued request is sent and refuses to send one to a host
    given up; this middleware only keeps later requests out of the host's slot.
    """

    def __init__(self, crawler: Crawler):
        self.hosts = DeadHosts.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeadHostMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        self.hosts.check(request)


def _host(request: Request) -> str:
    return urlparse_cached(request).hostname or ""


def classify_exception(exc: BaseException) -> str:
    """A short outcome name for a failed download."""
    if isinstance(exc, HostGivenUp):
        return "given_up"
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadCancelledError,
        DownloadConnectionRefusedError,
        DownloadTimeoutError,
    )
    from twisted.internet import error as tx_error
    from twisted.internet.defer import CancelledError

    if isinstance(exc, DownloadCancelledError | CancelledError):
        return "too_large" if "maxsize" in str(exc).lower() or "size" in str(exc).lower() \
            else "cancelled"
    if isinstance(exc, DownloadConnectionRefusedError | tx_error.ConnectionRefusedError):
        return "refused"
    if isinstance(exc, CannotResolveHostError | tx_error.DNSLookupError):
        return "dns"
    if isinstance(exc, DownloadTimeoutError | tx_error.TimeoutError | TimeoutError):
        return "timeout"
    return "error"


class FetchRecordMiddleware:
    """Record each download attempt of requests that carry ``profscout_fetches`` in meta.

    Placed next to the downloader, it sees every attempt: retries, redirects, failures.
    """

    def process_response(self, request: Request, response: Response) -> Response:
        fetches = request.meta.get(FETCHES_META)
        if fetches is not None:
            fetches.append({"url": request.url, "status": response.status,
                            "bytes": len(response.body), "outcome": _status_outcome(response),
                            "detail": response.headers.get(b"Location", b"").decode(
                                "latin-1")[:300]})
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        fetches = request.meta.get(FETCHES_META)
        if fetches is not None:
            fetches.append({"url": request.url, "status": None, "bytes": None,
                            "outcome": classify_exception(exception),
                            "detail": f"{type(exception).__name__}: {exception}"[:300]})


def _status_outcome(response: Response) -> str:
    status = response.status
    if 200 <= status < 300:
        return "ok"
    if 300 <= status < 400:
        return "redirect"
    if status in (404, 410):
        return "not_found"
    if status == 429:
        return "throttled"
    return "http_error"
