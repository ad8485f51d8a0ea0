"""HTTP(S) download handler that keeps the dead-host count (see ``crawler.middlewares.DeadHosts``).

It wraps Scrapy's HTTP/1.1 handler: a failure is counted before the downloader sends the
host's next queued request, and no request is sent to a host given up, so a dead host gets
exactly ``DEAD_HOST_FAILURES`` attempts when its requests go one at a time.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.middlewares import DeadHosts


class DeadHostAwareDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, refusing hosts given up and counting connection failures."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.hosts = DeadHosts.of(crawler)

    async def download_request(self, request: Request) -> Response:
        self.hosts.check(request)
        try:
            response = await super().download_request(request)
        except Exception as exc:
            self.hosts.failed(request, exc)
            raise
        self.hosts.answered(request)
        return response
