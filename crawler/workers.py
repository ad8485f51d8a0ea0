"""Extraction worker processes for the ``homepages`` spider.

Workers are spawned (not forked: the crawl process runs a reactor and threads) and import
only :mod:`crawler.extract` (and what it stands on), not Scrapy, so they start fast
(started with the first page, not when the spider opens: on a small machine their start-up
would delay the robots.txt requests); each one exits as soon as the crawl process is gone
(even SIGKILLed).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import date

from crawler.extract import PageFacts, decode_html, extract_page
from crawler.publications import extract_publications


def exit_with_parent(parent_pid: int) -> None:
    """In a worker: exit as soon as the process that started it is gone."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def extract_response(body: bytes, content_type: str | None, url: str, name: str,
                     homepage: bool, as_of: date | None = None) -> PageFacts:
    """Decode and extract one page (runs in a worker). ``as_of``: the date the crawl reads
    the page as of; the day it runs when not given (pages are read as they are served)."""
    text, _ = decode_html(body, content_type)
    facts = extract_page(text, url, name, is_homepage=homepage, max_candidates=0,
                         as_of=as_of or date.today())
    listed = extract_publications(text)  # the person's own list: attribution evidence
    facts.listed_titles, facts.listed_arxiv_ids = listed.titles, listed.arxiv_ids
    return facts


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def close_executor(executor: Executor, wait: bool) -> float | None:
    """Stop a worker. With ``wait`` (the crawl finished, the worker is idle), first read a
    worker process's peak memory (MB, returned) and wait for it to exit; otherwise cancel
    what is queued and return at once."""
    peak = None
    if wait and isinstance(executor, ProcessPoolExecutor):
        try:
            peak = round(executor.submit(peak_rss_mb).result(timeout=10), 1)
        except Exception:  # a broken or busy worker: no figure
            peak = None
    executor.shutdown(wait=wait, cancel_futures=True)
    return peak


def start_executor(in_processes: bool = True) -> Executor:
    """One extraction worker: a spawned process, or a thread when ``in_processes`` is
    false."""
    executor: Executor
    if in_processes:
        executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=exit_with_parent, initargs=(os.getpid(),))
    else:
        executor = ThreadPoolExecutor(1)
    return executor
