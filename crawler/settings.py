"""Scrapy settings for profscout's spiders: polite by default, tuned for a broad crawl.

Scrapy's defaults suit one site and are not polite when settings come from a script, so
every politeness setting is explicit here:

- robots.txt obeyed, including its ``Crawl-delay`` (``CrawlDelayMiddleware`` reads it,
  ``PoliteDownloadHandler`` keeps it; Scrapy parses it but does not apply it);
- an identifying User-Agent with a contact URL;
- a broad crawl: high global concurrency, at most 2 requests at a time per host, a fixed
  minimum delay between requests to one host (no jitter below it), AutoThrottle above it;
- a download timeout, a page-size cap (bigger pages are cancelled while streaming, so memory
  stays low), a redirect limit;
- retries on 5xx/429 that wait for ``Retry-After`` (``RetryAfterMiddleware``); a refused
  connection or an unknown host is not retried (a dead site stays dead);
- a host is given up after ``DEAD_HOST_FAILURES`` connection-level failures in a row
  (``PoliteDownloadHandler`` counts, ``DeadHostMiddleware`` keeps the rest out of the
  queue): its remaining requests are not sent;
- every waiter for a host's robots.txt is checked against it (``SharedRobotsTxtMiddleware``);
- homepage crawls connect to public addresses only (``AddressGuardMiddleware``): a row or a
  redirect pointing at 169.254.169.254 or a 192.168.x router is refused; loopback only with
  ``PROFSCOUT_ALLOW_LOOPBACK`` (environment variable ``PROFSCOUT_ALLOW_LOOPBACK=1``, for tests
  and the offline replay world);
- no HTTP cache (a cache here would only ever keep pages; errors are never cached).
"""

import os

from scrapy.settings import default_settings as _defaults

from profscout.core.config import USER_AGENT, busy_timeout

BOT_NAME = "profscout"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = USER_AGENT
ROBOTSTXT_OBEY = True
CRAWL_DELAY_MAX = 60.0  # a robots.txt Crawl-delay above this is capped

# Broad crawl: many hosts in parallel, few requests at a time per host.
CONCURRENT_REQUESTS = 64
CONCURRENT_REQUESTS_PER_DOMAIN = 2
CONCURRENT_REQUESTS_PER_IP = 0
DOWNLOAD_DELAY = 2.0  # seconds between two requests to one host, at least
DOWNLOAD_DELAY_JITTER = 0.0  # never go below DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
REACTOR_THREADPOOL_MAXSIZE = 20
DNSCACHE_ENABLED = True
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"

DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_AFTER_MAX = 120.0  # a Retry-After longer than this is not waited for
DEAD_HOST_FAILURES = 3  # consecutive refused/unknown/timed-out connections; 0: never give up
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.DownloadTimeoutError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectionLost",
]
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False

# Components these spiders never use are left out of the base lists: Scrapy imports every
# listed component even when its own setting disables it (remote control pulls in aiohttp,
# cookies pull in tldextract), which slows every crawl's start.
_UNUSED = {
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.memdebug.MemoryDebugger",
    "scrapy.extensions.remote_control.RemoteControl",
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
}
EXTENSIONS_BASE = {k: v for k, v in _defaults.EXTENSIONS_BASE.items() if k not in _UNUSED}
DOWNLOADER_MIDDLEWARES_BASE = {k: v for k, v in _defaults.DOWNLOADER_MIDDLEWARES_BASE.items()
                               if k not in _UNUSED}
STORE_BUSY_TIMEOUT = busy_timeout()  # seconds a write waits for another writer, per try
STORE_WRITE_RETRIES = 3  # tries more when the store stayed busy; then the crawl stops

PROFSCOUT_ALLOW_LOOPBACK = os.environ.get("PROFSCOUT_ALLOW_LOOPBACK", "").strip().lower() in (
    "1", "true", "yes", "on")

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.AddressGuardMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.SharedRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.RetryAfterMiddleware": 550,
    "crawler.middlewares.CrawlDelayMiddleware": 120,
    "crawler.middlewares.DeadHostMiddleware": 940,
    "crawler.middlewares.FetchRecordMiddleware": 950,
}
DOWNLOAD_HANDLERS = {
    "http": "crawler.handlers.PoliteDownloadHandler",
    "https": "crawler.handlers.PoliteDownloadHandler",
}
ITEM_PIPELINES = {
    "crawler.pipelines.CSRankingsPipeline": 300,
    "crawler.pipelines.HomepagePipeline": 310,
}

HTTPCACHE_ENABLED = False
HTTPCACHE_IGNORE_HTTP_CODES = [403, 404, 408, 429, 500, 502, 503, 504, 522, 524]

LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
