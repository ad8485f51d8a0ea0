"""``Retry-After`` parsing, shared by the homepage crawl and the arXiv client."""

from __future__ import annotations

from crawler.retry_after import retry_after_seconds


def test_delta_seconds_and_http_dates() -> None:
    assert retry_after_seconds(b"7") == 7.0 and retry_after_seconds(" 12 ") == 12.0
    now = 784111777.0  # Sun, 06 Nov 1994 08:49:37 GMT
    assert retry_after_seconds("Sun, 06 Nov 1994 08:49:47 GMT", now=now) == 10.0
    assert retry_after_seconds("Sun, 06 Nov 1994 08:49:47 -0000", now=now) == 10.0
    assert retry_after_seconds("Sun, 06 Nov 1994 08:49:00 GMT", now=now) == 0.0  # past


def test_missing_or_unreadable_values_give_none() -> None:
    for value in (None, "", b"  ", "soon", "Sun, 99 Foo 1994"):
        assert retry_after_seconds(value) is None
