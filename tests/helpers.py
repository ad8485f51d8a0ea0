"""What the tests share: temporary stores, local servers, and running the CLI.

Running commands
    ``invoke("crawl", "--db", db, ...)`` runs ``profscout`` in this process with click's
    ``CliRunner`` (the way sqlite-utils tests its CLI) and returns a :class:`Result` with the
    exit code, stdout and stderr apart. Use it for every command: the crawl stages start their
    Scrapy crawls in child processes of their own.
    ``run_module("scrapy", "crawl", ...)`` runs ``python -m MODULE`` in a child process; only
    for code that starts a Twisted reactor in its own process (a reactor cannot restart).

Stores
    ``csrankings_store(path)``: the CSRankings fixture snapshot imported (8 professors at 5
    institutions, with area counts unless ``area_counts=False``).
    ``ranking_store(path)``: the small ranking store of :mod:`tests.ranking_store`.
    ``add_professor(conn, key, institution, aliases, areas)``: one professor by hand.

Servers
    ``static_server(folder)``: a context manager serving ``folder`` over HTTP on 127.0.0.1;
    yields its base URL. The arXiv API of our own is :class:`tests.local_arxiv.LocalArxiv`;
    the replay world is the ``world`` fixture of ``tests/conftest.py``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from click.testing import CliRunner

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Result:
    """How a command ended: exit code, what it printed on stdout and on stderr."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None

    def json(self) -> Any:
        """Stdout parsed as JSON."""
        return json.loads(self.stdout)

    @property
    def error_lines(self) -> list[str]:
        """The non-empty lines on stderr."""
        return [line for line in self.stderr.splitlines() if line.strip()]


def invoke(*args: str | Path, env: Mapping[str, str] | None = None,
           input: str | None = None) -> Result:
    """Run ``profscout ARGS`` in this process; ``env`` is set for the run only.

    An exception the CLI did not turn into an exit code is raised again, with its traceback.
    """
    from profscout.cli.app import cli

    runner = CliRunner()
    result = runner.invoke(cli, [str(a) for a in args], env=dict(env or {}), input=input,
                           prog_name="profscout", catch_exceptions=True)
    unexpected = result.exception
    if unexpected is not None and not isinstance(unexpected, SystemExit):
        raise unexpected
    return Result(result.exit_code, result.stdout, result.stderr)


def run_module(module: str, *args: str | Path, env: Mapping[str, str] | None = None,
               timeout: float = 600) -> Result:
    """Run ``python -m MODULE ARGS`` in a child process from the repository root."""
    completed = subprocess.run(
        [sys.executable, "-m", module, *map(str, args)], capture_output=True, text=True,
        timeout=timeout, cwd=REPO_ROOT, env={**os.environ, **(env or {})})
    return Result(completed.returncode, completed.stdout, completed.stderr)


# --- stores -------------------------------------------------------------------------------

def csrankings_store(path: Path, *, area_counts: bool = True) -> Path:
    """A store at ``path`` with the CSRankings fixture snapshot imported; its path."""
    from profscout.core.store import connect
    from profscout.core.store.csrankings import import_snapshot
    from tests.test_csrankings_parse import full_snapshot

    snapshot = full_snapshot()
    if not area_counts:
        snapshot = dataclasses.replace(snapshot, area_counts=None)
    conn = connect(path)
    try:
        import_snapshot(conn, snapshot)
    finally:
        conn.close()
    return path


def ranking_store(path: Path) -> Path:
    """The small ranking store (professors, papers, homepages) at ``path``; its path."""
    from tests.ranking_store import build_store

    return build_store(path)


def add_professor(conn: sqlite3.Connection, key: str, institution: str,
                  aliases: tuple[str, ...] = (), areas: tuple[str, ...] = ()) -> int:
    """Insert a professor with aliases (and one area count per area); return the id.

    Names are stored as the CSRankings import stores them (DBLP numbers dropped)."""
    from crawler.csrankings import display_name

    conn.execute("INSERT INTO professors (key, name, institution) VALUES (?, ?, ?)",
                 (key, display_name(key), institution))
    pid = int(conn.execute("SELECT id FROM professors WHERE key = ?", (key,)).fetchone()[0])
    for alias in (key, *aliases):
        conn.execute("INSERT INTO professor_aliases VALUES (?, ?, ?)",
                     (pid, alias, display_name(alias)))
    for area in areas:
        conn.execute("INSERT INTO area_counts VALUES (?, ?, 2025, 1, 0.5)", (pid, area))
    return pid


def table_rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on the store file ``db`` (read with a connection of its own)."""
    conn = sqlite3.connect(db)
    try:
        return [tuple(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


# --- servers ------------------------------------------------------------------------------

class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free port of 127.0.0.1; yields the base URL (ending in /)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
