"""Scrapy settings for profscout's spiders: polite by default, tuned for a broad crawl.

Scrapy's defaults suit one site and are not polite when settings come from a script, so
every politeness setting is explicit here: robots.txt obeyed, an identifying User-Agent with
a contact URL, few requests at a time per host, AutoThrottle, a timeout, a page-size cap,
retries on 5xx/429 and an HTTP cache that keeps no errors.
"""

from profscout.config import USER_AGENT

BOT_NAME = "profscout"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = USER_AGENT
ROBOTSTXT_OBEY = True

# Broad crawl: many hosts in parallel, few requests at a time per host.
CONCURRENT_REQUESTS = 64
CONCURRENT_REQUESTS_PER_DOMAIN = 2
CONCURRENT_REQUESTS_PER_IP = 0
DOWNLOAD_DELAY = 0.5
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
REACTOR_THREADPOOL_MAXSIZE = 20
DNSCACHE_ENABLED = True

DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False

HTTPCACHE_ENABLED = False
HTTPCACHE_IGNORE_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]

LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
