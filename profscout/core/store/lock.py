"""One writer per store: an advisory lock file beside the store (``<store>.lock``).

A crawl holds the lock for its whole run, so a second crawl of the same store waits for it
(bounded) instead of fetching everything a second time. The lock is ``fcntl.flock`` on the
file, so it is released by the kernel when the holder exits, even on a crash; the file keeps
who holds it (pid, command, since when) as one JSON object, to say so to whoever waits.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from profscout.core.store import StoreError

POLL_SECONDS = 0.2


class StoreLockedError(StoreError):
    """Another process held the store's lock for longer than we were willing to wait."""


@dataclass(frozen=True)
class Holder:
    """Who holds a store's lock."""

    pid: int | None
    command: str
    since: str

    def describe(self) -> str:
        pid = f"pid {self.pid}" if self.pid else "another process"
        what = f" ({self.command})" if self.command else ""
        since = f", since {self.since}" if self.since else ""
        return f"{pid}{what}{since}"


def lock_path(store: str | Path) -> Path:
    """The lock file of the store at ``store``."""
    return Path(f"{store}.lock")


def read_holder(store: str | Path) -> Holder:
    """What the lock file says about its holder (fields empty when it says nothing)."""
    try:
        data = json.loads(lock_path(store).read_text() or "{}")
    except (OSError, ValueError):
        data = {}
    pid = data.get("pid")
    return Holder(int(pid) if isinstance(pid, int) else None, str(data.get("command", "")),
                  str(data.get("since", "")))


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def writer_lock(store: str | Path, command: str = "", *, wait: float = 0.0,
                on_wait: Callable[[Holder], None] | None = None) -> Iterator[Path]:
    """Hold the store's writer lock for the ``with`` block; yields the lock file's path.

    When another process holds it, ``on_wait`` hears who (once) and this waits up to ``wait``
    seconds for it; then StoreLockedError names the holder. ``command`` is what this process
    is doing (shown to the next one).
    """
    path = lock_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        if not _try_lock(fd):
            holder = read_holder(store)
            if on_wait is not None and wait > 0:
                on_wait(holder)
            deadline = time.monotonic() + wait
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    raise StoreLockedError(
                        f"the store {store} is in use by {read_holder(store).describe()}; "
                        "wait for it to finish or use another store")
                time.sleep(POLL_SECONDS)
        me = {"pid": os.getpid(), "command": command or " ".join(sys.argv[:1]),
              "since": datetime.now(UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
