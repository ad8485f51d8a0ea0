"""Item pipelines: write what the spiders yield into the SQLite store, through the store API.

The store is the setting ``PROFSCOUT_DB`` (default: ``profscout.core.config.Settings().db_path``,
which follows the ``PROFSCOUT_DB`` environment variable). What they wrote goes to
``crawler.stats`` under ``profscout/`` (see :mod:`crawler.report`).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro

from crawler.items import CSRankingsSnapshotItem, HomepageItem
from crawler.report import record
from crawler.text import clean_value
from profscout.core.config import Settings
from profscout.core.store import connect, is_busy
from profscout.core.store.csrankings import import_snapshot
from profscout.core.store.homepages import EmailRecord, Fetch, HomepageRecord, save_homepage

logger = logging.getLogger(__name__)


def db_path_from(settings: BaseSettings) -> Path:
    """The store a crawl writes into: setting ``PROFSCOUT_DB``, else the default store."""
    return Path(settings.get("PROFSCOUT_DB") or Settings().db_path)


class CSRankingsPipeline:
    """Import the CSRankings snapshot item into the store, in one transaction.

    Stats: ``profscout/imported/...`` (per-table counts), ``profscout/skipped/...``,
    ``profscout/professors``, ``profscout/institutions``; on failure the store is unchanged
    and ``profscout/error`` holds one line.
    """

    def __init__(self, crawler: Crawler, db_path: Path) -> None:
        self.stats = crawler.stats
        self.db_path = db_path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CSRankingsPipeline:
        return cls(crawler, db_path_from(crawler.settings))

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, CSRankingsSnapshotItem):
            return item
        snapshot = item["snapshot"]
        try:
            conn = connect(self.db_path)
            try:
                counts = import_snapshot(conn, snapshot)
            finally:
                conn.close()
        except Exception as exc:  # the transaction rolled back; report one line
            self.stats.set_value("profscout/error", f"import into {self.db_path} failed: {exc}")
            raise
        record(self.stats, "profscout/imported", counts)
        record(self.stats, "profscout/skipped", dict(snapshot.skipped))
        self.stats.set_value("profscout/professors", len(snapshot.people))
        self.stats.set_value("profscout/institutions", len(snapshot.institutions))
        logger.info("CSRankings import: %s", json.dumps(counts))
        return item


def homepage_record(item: HomepageItem) -> tuple[HomepageRecord, list[Fetch]]:
    """The store records of a homepage item, with control characters stripped from every
    text (see :func:`crawler.text.clean_text`)."""
    data = clean_value(dict(item))
    records = [EmailRecord(address=e["address"], url=e.get("url", ""),
                           source=e.get("source", ""), evidence=e.get("evidence", ""),
                           institutional=bool(e.get("institutional")))
               for e in data.get("email_records") or []]
    homepage = HomepageRecord(
        professor_id=data["professor_id"], url=data["url"], final_url=data["final_url"],
        state=data["state"], fetched_at=data["fetched_at"], emails=list(data["emails"]),
        interests=data["interests"], keyphrases=list(data["keyphrases"]),
        lab_name=data["lab_name"], lab_url=data["lab_url"], recruiting=data["recruiting"],
        recruiting_evidence=data["recruiting_evidence"], links=dict(data["links"]),
        pages_fetched=data["pages_fetched"], email_records=records,
        email_evidence=email_evidence(records, data.get("email_doubts") or []),
        recruiting_url=(data.get("sources") or {}).get("recruiting", ""),
        note=data.get("note") or "", sources=dict(data.get("sources") or {}))
    fetches = [Fetch(url=f["url"], outcome=f["outcome"], status=f["status"], bytes=f["bytes"],
                     detail=f.get("detail") or "") for f in data["fetches"]]
    return homepage, fetches


def email_evidence(records: list[EmailRecord], doubts: list[dict[str, Any]]) -> str:
    """One line per address (``address: "text it was read from" <page URL>``), or, when no
    address was read, per doubt (``uncertain (reason): "text" <page URL>``); `` | ``-joined."""
    if records:
        lines = [f'{r.address}: "{r.evidence or r.address}" <{r.url}>' for r in records]
    else:
        lines = [f'uncertain ({d.get("reason", "")}): "{d.get("text", "")}" <{d.get("url", "")}>'
                 for d in doubts]
    return " | ".join(line.replace("\n", " ") for line in lines)


def listed_pages(item: Any) -> list[tuple[str, list[str], list[str]]]:
    """``(page url, titles, arXiv ids)`` of the publications a homepage item's pages list."""
    return [(str(p["url"]), list(p["titles"]), list(p["arxiv_ids"]))
            for p in item.get("listed_publications") or []]


class HomepagePipeline:
    """Commit each finished professor (homepage row + fetch log) as soon as it arrives, so
    an interrupted crawl keeps everything finished before the interruption.

    A write that finds the store busy (beyond the connection's busy timeout,
    ``STORE_BUSY_TIMEOUT`` seconds) is retried ``STORE_WRITE_RETRIES`` times; any other
    failure, or one still busy, stops the crawl: ``profscout/error`` holds one line (the
    crawl's report carries it, the run fails).

    Stats: ``profscout/written`` (professors written), ``profscout/write_retries``.
    """

    def __init__(self, crawler: Crawler, db_path: Path) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = db_path
        self.retries = crawler.settings.getint("STORE_WRITE_RETRIES", 3)
        self.busy_timeout = crawler.settings.getfloat("STORE_BUSY_TIMEOUT", 30.0)
        self.conn: sqlite3.Connection | None = None
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HomepagePipeline:
        return cls(crawler, db_path_from(crawler.settings))

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, HomepageItem):
            return item
        if self.failed:
            raise DropItem("the store could not be written; the crawl is stopping")
        record, fetches = homepage_record(item)
        for attempt in range(self.retries + 1):
            try:
                if self.conn is None:
                    self.conn = connect(self.db_path, timeout=self.busy_timeout)
                save_homepage(self.conn, record, fetches, listed=listed_pages(item))
                break
            except (sqlite3.Error, OSError) as exc:
                if is_busy(exc) and attempt < self.retries:
                    self.stats.inc_value("profscout/write_retries")
                    logger.warning("store %s busy, retrying: %s", self.db_path, exc)
                    continue
                self._stop(f"writing to the store failed (professor {record.professor_id}, "
                           f"{self.db_path}): {exc}")
                raise DropItem(str(exc)) from exc
        self.stats.inc_value("profscout/written")
        return item

    def _stop(self, message: str) -> None:
        self.failed = True
        self.stats.set_value("profscout/error", message)
        logger.error("%s; stopping the crawl", message)
        engine = self.crawler.engine
        if engine is not None:
            deferred_from_coro(engine.close_spider_async(reason="store_error"))

    def close_spider(self, spider: Any = None) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
