"""Downloader middlewares for polite, accountable crawling.

They keep their own per-host state (no Scrapy internals are touched); the download handler
``crawler.handlers.PoliteDownloadHandler`` consults it right before each request is sent.

- :class:`HostPacing` holds, per host, the robots.txt ``Crawl-delay`` and the earliest time
  the next request may be sent; :class:`CrawlDelayMiddleware` fills in the ``Crawl-delay``
  (Scrapy parses it but does not apply it). The delay is kept between two requests sent to
  the host, on top of the download slot's own delay (DOWNLOAD_DELAY, AutoThrottle).
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
from typing import Any
from weakref import WeakKeyDictionary

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached

from crawler.retry_after import retry_after_seconds

logger = logging.getLogger(__name__)

FETCHES_META = "profscout_fetches"


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))  # type: ignore[arg-type]


class HostPacing:
    """Per crawl: when each host may be sent its next request.

    A host's ``Crawl-delay`` (from its robots.txt, capped at ``CRAWL_DELAY_MAX``) spaces the
    requests sent to it; a ``Retry-After`` pauses it. :meth:`wait_turn` is awaited right
    before a request goes out (by the download handler), so requests waiting in the host's
    download slot wait too.
    """

    def __init__(self, crawler: Crawler, clock: Any = time.monotonic) -> None:
        self.max_delay = crawler.settings.getfloat("CRAWL_DELAY_MAX", 60.0)
        self.clock = clock
        self.crawl_delays: dict[str, float] = {}
        self.paused_until: dict[str, float] = {}
        self.last_sent: dict[str, float] = {}

    @classmethod
    def of(cls, crawler: Crawler) -> HostPacing:
        """The crawl's one pacing state, shared by the middlewares and the download handlers."""
        if crawler not in _PACING:
            _PACING[crawler] = cls(crawler)
        return _PACING[crawler]

    def set_crawl_delay(self, host: str, seconds: float) -> float:
        """Keep ``seconds`` (capped) between requests to ``host``; return the delay kept."""
        delay = min(float(seconds), self.max_delay)
        self.crawl_delays[host] = delay
        return delay

    def pause(self, host: str, seconds: float) -> None:
        """Send nothing to ``host`` for ``seconds`` from now."""
        self.paused_until[host] = max(self.paused_until.get(host, 0.0), self.clock() + seconds)

    def ready_in(self, host: str) -> float:
        """Seconds until ``host`` may be sent a request (0: now)."""
        ready = self.paused_until.get(host, 0.0)
        delay = self.crawl_delays.get(host)
        if delay and host in self.last_sent:
            ready = max(ready, self.last_sent[host] + delay)
        return max(0.0, ready - self.clock())

    def take_turn(self, host: str) -> None:
        """A request goes to ``host`` now (the next one waits for its ``Crawl-delay``)."""
        self.last_sent[host] = self.clock()

    async def wait_turn(self, request: Request) -> None:
        """Wait until the request's host may be sent it, then take that turn."""
        host = _host(request)
        while (wait := self.ready_in(host)) > 0:
            await _sleep(wait)
        self.take_turn(host)


_PACING: WeakKeyDictionary[Crawler, HostPacing] = WeakKeyDictionary()


class CrawlDelayMiddleware:
    """Apply robots.txt ``Crawl-delay`` per host (see :class:`HostPacing`)."""

    def __init__(self, crawler: Crawler):
        self.pacing = HostPacing.of(crawler)
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or \
            crawler.settings.get("USER_AGENT")
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
        host = _host(request)
        kept = self.pacing.set_crawl_delay(host, float(delay))
        logger.info("robots.txt of %s asks for Crawl-delay %.1fs", host, kept)


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, honouring ``Retry-After`` by pausing the host's slot first.

    A ``Retry-After`` beyond ``RETRY_AFTER_MAX`` seconds is not waited for: the response is
    given up on (the spider records the status).
    """

    def __init__(self, settings: Any):
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX", 120.0)
        self.pacing: HostPacing | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        middleware = super().from_crawler(crawler)
        middleware.pacing = HostPacing.of(crawler)
        return middleware

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None:
            if wait > self.max_wait:
                return response
            if self.pacing is not None:
                self.pacing.pause(_host(request), wait)
        return super().process_response(request, response)


class HostGivenUp(IgnoreRequest):
    """A request not sent: its host failed to connect too many times in a row."""


CONNECTION_FAILURES = frozenset({"refused", "dns", "timeout"})


class DeadHosts:
    """Per crawl: consecutive connection-level failures per host, and the hosts given up.

    Only requests whose fetches are logged (``profscout_fetches`` in meta) count, so the rule
    can be read back from the fetch log: a refused connection, an unknown host or a timeout
    adds one to the host's count; any answer (an HTTP error too) or any other failure sets it
    back to zero. At ``DEAD_HOST_FAILURES`` the host is given up: every later request to it
    fails with :class:`HostGivenUp` without a connection (those already waiting in its download
    slot when they come out of it). ``DEAD_HOST_FAILURES = 0`` turns this off.
    """

    def __init__(self, crawler: Crawler):
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


_DEAD_HOSTS: WeakKeyDictionary[Crawler, DeadHosts] = WeakKeyDictionary()


class DeadHostMiddleware:
    """Fail requests to a host given up (see :class:`DeadHosts`) before they are queued.

    The counting happens in ``crawler.handlers.PoliteDownloadHandler``, which sees a
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
                            "detail": (response.headers.get(b"Location") or b"").decode(
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
