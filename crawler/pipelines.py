"""Item pipelines: write what the spiders yield into the SQLite store."""

from __future__ import annotations

import sqlite3
from typing import Any

from scrapy.crawler import Crawler

from crawler.items import CSRankingsSnapshotItem


class CSRankingsPipeline:
    """Import the CSRankings snapshot item into the store, in one transaction.

    The store is the spider's ``db_path``; the counts go to the spider's report under
    ``imported``. On failure the store is unchanged and the report gets an ``error``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CSRankingsPipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, CSRankingsSnapshotItem):
            return item
        from crawler.csrankings_store import import_snapshot
        from profscout.core.store import connect

        spider = self.crawler.spider
        snapshot = item["snapshot"]
        try:
            conn = connect(spider.db_path)
            try:
                counts = import_snapshot(conn, snapshot)
            finally:
                conn.close()
        except Exception as exc:  # the transaction rolled back; report one line
            spider.profscout_report["error"] = f"import into {spider.db_path} failed: {exc}"
            raise
        spider.profscout_report.update(imported=counts, skipped=dict(snapshot.skipped),
                                       professors=len(snapshot.people),
                                       institutions=len(snapshot.institutions))
        return item


def write_homepage(conn: Any, item: Any) -> None:
    """Write one professor's homepage row and its fetch log in one transaction."""
    import json

    from profscout.core.store import transaction

    with transaction(conn):
        conn.executemany(
            "INSERT INTO fetch_log(stage, url, professor_id, status, outcome, detail, bytes, "
            "fetched_at) VALUES ('homepages', ?, ?, ?, ?, ?, ?, ?)",
            [(f["url"], item["professor_id"], f["status"], f["outcome"], f.get("detail") or "",
              f["bytes"], item["fetched_at"]) for f in item["fetches"]],
        )
        conn.execute(
            "INSERT OR REPLACE INTO homepages(professor_id, url, final_url, state, emails, "
            "interests, keyphrases, lab_name, lab_url, recruiting, recruiting_evidence, "
            "links_json, pages_fetched, fetched_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (item["professor_id"], item["url"], item["final_url"], item["state"],
             ";".join(item["emails"]), item["interests"], ";".join(item["keyphrases"]),
             item["lab_name"], item["lab_url"], item["recruiting"], item["recruiting_evidence"],
             json.dumps(item["links"], sort_keys=True), item["pages_fetched"],
             item["fetched_at"]),
        )


class HomepagePipeline:
    """Commit each finished professor (homepage row + fetch log) as soon as it arrives, so
    an interrupted crawl keeps everything finished before the interruption."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.conn: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HomepagePipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        from crawler.items import HomepageItem

        if not isinstance(item, HomepageItem):
            return item
        if self.conn is None:
            from profscout.core.store import connect

            self.conn = connect(self.crawler.spider.db_path)
        try:
            write_homepage(self.conn, item)
        except sqlite3.Error as exc:  # unsaved work fails the stage instead of being counted
            report: Any = getattr(self.crawler.spider, "profscout_report", {})
            report.setdefault("error", f"writing to the store failed: {exc}")
            raise
        return item

    def close_spider(self, spider: Any = None) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
