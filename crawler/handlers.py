"""HTTP(S) download handler that applies the crawl's per-host politeness right before sending.

It wraps Scrapy's HTTP/1.1 handler: no request is sent to a host given up
(``crawler.middlewares.DeadHosts``), a failure is counted before the downloader sends the
host's next queued request (so a dead host gets exactly ``DEAD_HOST_FAILURES`` attempts when
its requests go one at a time), and each request waits for its host's turn
(``crawler.middlewares.HostPacing``: robots.txt ``Crawl-delay``, ``Retry-After``).
"""

from __future__ import annotations

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.middlewares import DeadHosts, HostPacing


class PoliteDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, refusing hosts given up, counting connection failures and
    waiting for each host's turn."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.hosts = DeadHosts.of(crawler)
        self.pacing = HostPacing.of(crawler)

    async def download_request(self, request: Request) -> Response:
        self.hosts.check(request)
        await self.pacing.wait_turn(request)
        self.hosts.check(request)  # the host may have been given up meanwhile
        try:
            response = await super().download_request(request)
        except Exception as exc:
            self.hosts.failed(request, exc)
            raise
        self.hosts.answered(request)
        return response
