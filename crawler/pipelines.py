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
from scrapy.settings import BaseSettings

from crawler.items import CSRankingsSnapshotItem, HomepageItem
from crawler.report import record
from profscout.core.config import Settings
from profscout.core.store import connect
from profscout.core.store.csrankings import import_snapshot
from profscout.core.store.homepages import Fetch, HomepageRecord, save_homepage

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
    """The store records of a homepage item."""
    homepage = HomepageRecord(
        professor_id=item["professor_id"], url=item["url"], final_url=item["final_url"],
        state=item["state"], fetched_at=item["fetched_at"], emails=list(item["emails"]),
        interests=item["interests"], keyphrases=list(item["keyphrases"]),
        lab_name=item["lab_name"], lab_url=item["lab_url"], recruiting=item["recruiting"],
        recruiting_evidence=item["recruiting_evidence"], links=dict(item["links"]),
        pages_fetched=item["pages_fetched"])
    fetches = [Fetch(url=f["url"], outcome=f["outcome"], status=f["status"], bytes=f["bytes"],
                     detail=f.get("detail") or "") for f in item["fetches"]]
    return homepage, fetches


class HomepagePipeline:
    """Commit each finished professor (homepage row + fetch log) as soon as it arrives, so
    an interrupted crawl keeps everything finished before the interruption.

    Stats: ``profscout/written`` (professors written).
    """

    def __init__(self, crawler: Crawler, db_path: Path) -> None:
        self.stats = crawler.stats
        self.db_path = db_path
        self.conn: sqlite3.Connection | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HomepagePipeline:
        return cls(crawler, db_path_from(crawler.settings))

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, HomepageItem):
            return item
        if self.conn is None:
            self.conn = connect(self.db_path)
        try:
            save_homepage(self.conn, *homepage_record(item))
        except sqlite3.Error as exc:  # unsaved work fails the stage instead of being counted
            if not self.stats.get_value("profscout/error"):
                self.stats.set_value("profscout/error", f"writing to the store failed: {exc}")
            raise
        self.stats.inc_value("profscout/written")
        return item

    def close_spider(self, spider: Any = None) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
