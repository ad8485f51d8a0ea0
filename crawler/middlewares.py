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
- :class:`SharedRobotsTxtMiddleware` is Scrapy's robots.txt middleware where every request
  waiting for a host's robots.txt gets its parser (Scrapy's hands it to the first waiters
  only and lets the others through unchecked).
- :class:`AddressGuardMiddleware` refuses requests (homepages, redirects, robots.txt) whose
  host is or resolves to a link-local, private, loopback or otherwise non-public address
  (:func:`address_refusal`); loopback is allowed by ``PROFSCOUT_ALLOW_LOOPBACK``.
- :class:`FetchRecordMiddleware` records every download attempt (URL, status, bytes, outcome)
  in ``request.meta["profscout_fetches"]`` so spiders can log each fetch.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from typing import Any
from weakref import WeakKeyDictionary

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

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


class PageTooLarge(DownloadCancelledError):
    """A download cancelled because the page grew past the download max size."""


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
    if isinstance(exc, UnsafeAddress):
        return "refused_address"
    if isinstance(exc, PageTooLarge):
        return "too_large"
    from scrapy.exceptions import (
        CannotResolveHostError,
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


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with one robots.txt download per host whose parser
    every waiting request receives.

    Scrapy's own keeps one Deferred per host that every waiter awaits; the first waiter on it
    receives the parser and passes None down the Deferred's chain, so the later ones get None
    and go unchecked. Here the first request of a host fetches
    (through Scrapy's ``robot_parser``) and each later one awaits a Deferred of its own,
    fired with the same parser.
    """

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.robots_known: dict[str, Any] = {}
        self.robots_waiting: dict[str, list[Deferred[Any]]] = {}

    async def robot_parser(self, request: Request) -> Any:
        netloc = urlparse_cached(request).netloc
        if netloc in self.robots_known:
            return self.robots_known[netloc]
        waiting = self.robots_waiting.get(netloc)
        if waiting is not None:
            mine: Deferred[Any] = Deferred()
            waiting.append(mine)
            return await maybe_deferred_to_future(mine)
        self.robots_waiting[netloc] = []
        try:
            parser = await super().robot_parser(request)
        except Exception as exc:
            for waiter in self.robots_waiting.pop(netloc):
                waiter.errback(exc)
            raise
        self.robots_known[netloc] = parser
        for waiter in self.robots_waiting.pop(netloc):
            waiter.callback(parser)
        return parser


class UnsafeAddress(IgnoreRequest):
    """A request not sent: its host is or resolves to an address a crawl must not reach."""


def address_refusal(address: str, allow_loopback: bool = False) -> str | None:
    """Why a crawl must not connect to ``address`` (an IPv4/IPv6 literal), or None when it
    may: link-local (cloud metadata at 169.254.169.254), private (a 192.168.x router),
    loopback (unless ``allow_loopback``), multicast, reserved, unspecified."""
    ip = ipaddress.ip_address(address.strip("[]"))
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if allow_loopback else "loopback address"
    for kind in ("link_local", "unspecified", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return f"{kind.replace('_', '-')} address"
    if not ip.is_global:
        return "non-public address"
    return None


class AddressGuardMiddleware:
    """Refuse requests to non-public addresses (see :func:`address_refusal`), before
    robots.txt is fetched for them; redirects come back through here, so a public page
    redirecting to 169.254.169.254 is refused too.

    On for spiders whose settings have ``PROFSCOUT_GUARD_ADDRESSES``; loopback allowed by
    ``PROFSCOUT_ALLOW_LOOPBACK`` (tests and the replay world). Counted under
    ``profscout/refused_addresses``.
    """

    def __init__(self, crawler: Crawler):
        if not crawler.settings.getbool("PROFSCOUT_GUARD_ADDRESSES"):
            raise NotConfigured
        self.allow_loopback = crawler.settings.getbool("PROFSCOUT_ALLOW_LOOPBACK")
        self.stats = crawler.stats
        self.verdicts: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if not request.url.startswith(("http://", "https://")):
            return
        host = _host(request)
        if host not in self.verdicts:
            self.verdicts[host] = await self._verdict(host)
        reason = self.verdicts[host]
        if reason is not None:
            logger.warning("refused %s: %s", request.url, reason)
            if self.stats is not None:
                self.stats.inc_value("profscout/refused_addresses")
            raise UnsafeAddress(f"refused: {host} is a {reason}")

    async def _verdict(self, host: str) -> str | None:
        try:
            return address_refusal(host, self.allow_loopback)
        except ValueError:  # a name: ask the resolver
            pass
        from twisted.internet import reactor

        try:
            address = await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[attr-defined,arg-type]
        except Exception:  # unknown host: the download fails on its own
            return None
        reason = address_refusal(str(address), self.allow_loopback)
        return f"{reason} ({address})" if reason else None


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
