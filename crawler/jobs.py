"""The homepage spider's input: the professors to crawl, as a small JSON file."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path


def read_jobs(path: Path) -> list[tuple[int, str, str]]:
    """``(professor id, name, homepage)`` of a jobs file, sorted by id."""
    jobs = json.loads(path.read_text(encoding="utf-8"))
    return sorted((int(j["professor_id"]), str(j["name"]), str(j["url"]).strip()) for j in jobs)


def write_jobs(path: Path, jobs: Iterable[tuple[int, str, str]]) -> None:
    """Write a jobs file for :func:`read_jobs`."""
    path.write_text(json.dumps([{"professor_id": pid, "name": name, "url": url}
                                for pid, name, url in jobs]), encoding="utf-8")
