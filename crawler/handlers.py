"""HTTP(S) download handler that applies the crawl's per-host politeness right before sending.

It wraps Scrapy's HTTP/1.1 handler: no request is sent to a host given up
(``crawler.middlewares.DeadHosts``), a failure is counted before the downloader sends the
host's next queued request (so a dead host gets exactly ``DEAD_HOST_FAILURES`` attempts when
its requests go one at a time), and each request waits for its host's turn
(``crawler.middlewares.HostPacing``: robots.txt ``Crawl-delay``, ``Retry-After``).

A page cancelled while streaming because it grew past ``DOWNLOAD_MAXSIZE`` (no
``Content-Length`` to refuse it by) fails with :class:`PageTooLarge`, so it reads as
``too_large`` rather than a bare cancellation: the handler counts the bytes each request
received (the ``bytes_received`` signal).
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from scrapy import Request, signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError
from scrapy.http import Response

from crawler.middlewares import DeadHosts, HostPacing, PageTooLarge


class PoliteDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, refusing hosts given up, counting connection failures and
    waiting for each host's turn."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.hosts = DeadHosts.of(crawler)
        self.pacing = HostPacing.of(crawler)
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.received: WeakKeyDictionary[Request, int] = WeakKeyDictionary()
        crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)

    def _bytes_received(self, data: bytes, request: Request, spider: object = None) -> None:
        self.received[request] = self.received.get(request, 0) + len(data)

    async def download_request(self, request: Request) -> Response:
        self.hosts.check(request)
        await self.pacing.wait_turn(request)
        self.hosts.check(request)  # the host may have been given up meanwhile
        try:
            response = await super().download_request(request)
        except DownloadCancelledError as cancelled:
            limit = int(request.meta.get("download_maxsize", self.maxsize) or 0)
            received = self.received.pop(request, 0)
            if not (limit and received > limit):
                self.hosts.failed(request, cancelled)
                raise
            too_large = PageTooLarge(f"received {received} bytes, above the download max "
                                     f"size ({limit})")
            self.hosts.failed(request, too_large)
            raise too_large from None
        except Exception as exc:
            self.hosts.failed(request, exc)
            raise
        self.received.pop(request, None)
        self.hosts.answered(request)
        return response
