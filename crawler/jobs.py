"""The homepage spider's input: the professors to crawl, as a small JSON file."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path


def read_jobs(path: Path) -> list[tuple[int, str, list[str]]]:
    """``(professor id, name, homepages)`` of a jobs file, sorted by id. Each job holds
    ``urls`` (every homepage, tried in order) or a single ``url``."""
    jobs = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for job in jobs:
        urls = job.get("urls") or [job.get("url", "")]
        cleaned = list(dict.fromkeys(str(u).strip() for u in urls if str(u).strip()))
        out.append((int(job["professor_id"]), str(job["name"]), cleaned))
    return sorted(out)


def write_jobs(path: Path, jobs: Iterable[tuple[int, str, Sequence[str]]]) -> None:
    """Write a jobs file for :func:`read_jobs`."""
    path.write_text(json.dumps([{"professor_id": pid, "name": name, "urls": list(urls)}
                                for pid, name, urls in jobs]), encoding="utf-8")
