"""Extraction workers: a real spawned process extracts a page, reports its memory and exits."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from crawler.workers import close_executor, extract_response, start_executor

URL = "http://uni-north.edu/~aquill/"
PAGE = (b"<html><head><title>Ada Quill</title></head><body><h1>Ada Quill</h1>"
        b"<p>Email: ada.quill [at] uni-north [dot] edu</p></body></html>")


def test_worker_process_extracts_reports_memory_and_exits() -> None:
    executor = start_executor(in_processes=True)
    assert isinstance(executor, ProcessPoolExecutor)
    facts = executor.submit(extract_response, PAGE, "text/html; charset=utf-8",
                            URL, "Ada Quill", True).result(timeout=60)
    assert [c.address for c in facts.emails] == ["ada.quill@uni-north.edu"]
    processes = list(executor._processes.values())  # the pool's own worker processes
    peak = close_executor(executor, wait=True)
    assert peak is not None and 5 < peak < 500
    assert processes and all(not p.is_alive() for p in processes)


def test_thread_worker_reports_no_memory_figure() -> None:
    executor = start_executor(in_processes=False)
    facts = executor.submit(extract_response, PAGE, None, URL, "Ada Quill",
                            True).result(timeout=60)
    assert [c.address for c in facts.emails] == ["ada.quill@uni-north.edu"]
    assert close_executor(executor, wait=True) is None
