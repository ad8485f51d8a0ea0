"""A store that cannot take a write makes the run fail loudly; one crawl per store at a time.

Real SQLite files, other real processes holding the store's locks, a local HTTP server for
homepages, the CLI in-process (and as another user where the file mode must bite).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from profscout.core import config
from profscout.core.store import (
    StoreBusyError,
    StoreReadOnlyError,
    connect,
    is_read_only,
    transaction,
)
from profscout.core.store.lock import StoreLockedError, lock_path, read_holder, writer_lock
from tests.helpers import REPO_ROOT, add_professor, invoke, table_rows


class _Counting(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        type(self).hits.append(self.path)
        body = b"<html><body><h2>Research</h2><p>Robot learning.</p></body></html>"
        status = 404 if self.path == "/robots.txt" else 200
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def homepage_server() -> Iterator[tuple[str, list[str]]]:
    """A homepage host on 127.0.0.1; yields (base URL, the paths requested)."""
    handler = type("Handler", (_Counting,), {"hits": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", handler.hits
    finally:
        server.shutdown()
        server.server_close()


def homepage_store(path: Path, base: str) -> Path:
    """A store with one professor whose homepage is on ``base``."""
    conn = connect(path)
    with transaction(conn):
        pid = add_professor(conn, "Ada Lovelace", "Test University", areas=("robotics",))
        conn.execute("UPDATE professors SET homepage = ? WHERE id = ?", (f"{base}ada", pid))
    conn.close()
    return path


@contextmanager
def write_lock_held(db: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process holding ``db``'s SQLite write lock (BEGIN IMMEDIATE) for ``seconds``."""
    code = ("import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE'); print('held', flush=True)\n"
            "time.sleep(float(sys.argv[2])); c.execute('ROLLBACK')\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(db), str(seconds)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    try:
        yield child
    finally:
        child.kill()
        child.wait()


# --- A: busy timeout, read-only store ------------------------------------------------------

def test_default_busy_timeout_outlasts_a_long_transaction() -> None:
    assert config.DEFAULT_BUSY_TIMEOUT >= 60
    assert config.busy_timeout() == config.DEFAULT_BUSY_TIMEOUT


def test_a_write_waits_for_another_process_then_succeeds(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "s.db"
    connect(db).close()
    monkeypatch.setenv(config.ENV_BUSY_TIMEOUT, "20")
    with write_lock_held(db, 2.0):
        conn = connect(db)
        start = time.monotonic()
        with transaction(conn):
            conn.execute("INSERT INTO institutions (name) VALUES ('Waited University')")
        waited = time.monotonic() - start
        conn.close()
    assert waited >= 1.0
    assert table_rows(db, "SELECT name FROM institutions") == [("Waited University",)]


def test_a_lock_held_past_the_timeout_is_a_named_error(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "s.db"
    connect(db).close()
    monkeypatch.setenv(config.ENV_BUSY_TIMEOUT, "0.5")
    with write_lock_held(db, 30.0):
        conn = connect(db)
        start = time.monotonic()
        with (pytest.raises(StoreBusyError, match="locked by another process for more than 0.5 s"),
              transaction(conn)):
            conn.execute("INSERT INTO institutions (name) VALUES ('Lost University')")
        assert time.monotonic() - start < 10
        assert not conn.in_transaction
        conn.close()


def test_a_bad_busy_timeout_is_one_line(tmp_path: Path) -> None:
    result = invoke("crawl", "--stages", "homepages", "--db", tmp_path / "s.db",
                    env={config.ENV_BUSY_TIMEOUT: "soon"})
    assert result.exit_code == 2
    assert result.error_lines == [f"Error: {config.ENV_BUSY_TIMEOUT} must be a number of "
                                  "seconds (0 or more), got 'soon'"]


def test_crawl_fails_when_its_homepage_writes_fail(tmp_path: Path) -> None:
    """The homepage row cannot be written (another process keeps the store locked past the
    busy timeout): the crawl ends non-zero with one line, not 'crawled 1'."""
    with homepage_server() as (base, hits):
        db = homepage_store(tmp_path / "s.db", base)
        with write_lock_held(db, 60.0):
            result = invoke("crawl", "--stages", "homepages", "--db", db, "--json",
                            env={config.ENV_BUSY_TIMEOUT: "1"})
        assert hits, "the homepage was fetched"
    assert result.exit_code == 1, result.stdout
    assert len(result.error_lines) == 1
    assert "writing to the store failed" in result.error_lines[0]
    assert result.stdout == ""  # no summary claiming work that was not saved
    assert table_rows(db, "SELECT count(*) FROM homepages") == [(0,)]


def _nobody_available() -> bool:
    return os.geteuid() != 0 or shutil.which("setpriv") is not None


@pytest.mark.skipif(not _nobody_available(), reason="needs a non-root user to make a file "
                                                     "read-only")
def test_crawl_of_a_read_only_store_fails_before_fetching() -> None:
    """chmod 444 store, run by a user the mode binds: one line, exit 1, nothing fetched."""
    folder = Path(tempfile.mkdtemp(prefix="profscout-ro-"))
    try:
        os.chmod(folder, 0o755)
        with homepage_server() as (base, hits):
            db = homepage_store(folder / "s.db", base)
            os.chmod(db, 0o444)
            for extra in ("-wal", "-shm"):
                Path(f"{db}{extra}").unlink(missing_ok=True)
            os.chmod(folder, 0o555)
            command = [sys.executable, "-m", "profscout", "crawl", "--stages", "homepages",
                       "--db", str(db)]
            if os.geteuid() == 0:
                command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           *command]
            done = subprocess.run(command, capture_output=True, text=True, timeout=300,
                                  cwd=REPO_ROOT, env={**os.environ, "HOME": str(folder),
                                                      "PYTHONPATH": str(REPO_ROOT)})
            assert hits == []
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert done.returncode == 1, done.stderr
        assert lines == [f"Error: the store {db} is read-only: nothing could be saved "
                         "(make it writable or use a copy)"]
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder)


def test_is_read_only_reads_the_file_mode(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    assert not is_read_only(db)  # no store yet: it will be created
    connect(db).close()
    assert not is_read_only(db)


def test_a_read_only_connection_reads_and_refuses_writes(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    conn = connect(db)
    with transaction(conn):
        conn.execute("INSERT INTO institutions (name) VALUES ('Read University')")
    conn.close()
    ro = connect(db, read_only=True)
    assert [tuple(r) for r in ro.execute("SELECT name FROM institutions")] == [
        ("Read University",)]
    with pytest.raises(StoreReadOnlyError), transaction(ro):
        ro.execute("INSERT INTO institutions (name) VALUES ('Other')")
    ro.close()
    with pytest.raises(FileNotFoundError):
        connect(tmp_path / "none.db", read_only=True)


# --- B: one writer per store ---------------------------------------------------------------

@contextmanager
def writer_lock_held(db: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process holding ``db``'s profscout writer lock for ``seconds``."""
    code = ("import sys, time\n"
            "from profscout.core.store.lock import writer_lock\n"
            "with writer_lock(sys.argv[1], 'profscout crawl --area robotics'):\n"
            "    print('held', flush=True); time.sleep(float(sys.argv[2]))\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(db), str(seconds)],
                             stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT,
                             env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    try:
        yield child
    finally:
        child.kill()
        child.wait()


def test_a_second_crawl_says_who_holds_the_store(tmp_path: Path) -> None:
    with homepage_server() as (base, hits):
        db = homepage_store(tmp_path / "s.db", base)
        with writer_lock_held(db, 60.0) as holder:
            holder_info = read_holder(db)
            result = invoke("crawl", "--stages", "homepages", "--db", db,
                            env={config.ENV_LOCK_WAIT: "1"})
        assert hits == []  # nothing fetched a second time
    assert holder_info.pid == holder.pid
    assert result.exit_code == 1
    assert len(result.error_lines) == 2  # the waiting note, then the failure
    assert result.error_lines[0].startswith(
        f"Warning: the store is in use by pid {holder.pid} (profscout crawl --area robotics), "
        "since ")
    assert result.error_lines[-1].startswith(
        f"Error: the store {db} is in use by pid {holder.pid} (profscout crawl --area "
        "robotics), since ")


def test_a_second_crawl_waits_for_the_first_then_runs(tmp_path: Path) -> None:
    with homepage_server() as (base, hits):
        db = homepage_store(tmp_path / "s.db", base)
        with writer_lock_held(db, 2.0) as holder:
            result = invoke("crawl", "--stages", "homepages", "--db", db, "--json",
                            env={config.ENV_LOCK_WAIT: "60"})
            holder.wait(timeout=5)
    assert result.exit_code == 0, result.stderr
    assert "waiting up to 60 s" in result.stderr
    assert result.json()["homepages"]["crawled_now"] == 1
    assert table_rows(db, "SELECT state FROM homepages") != []
    assert read_holder(db).pid is None  # released: the file names nobody


def test_writer_lock_in_one_process_blocks_another(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with (writer_lock_held(db, 60.0) as holder,
          pytest.raises(StoreLockedError, match=f"pid {holder.pid}"),
          writer_lock(db, "test", wait=0.3)):
        pass
    holder.wait(timeout=5)
    with writer_lock(db, "test") as path:  # free once the holder is gone
        assert path == lock_path(db)
        assert read_holder(db).pid == os.getpid()


def test_failed_first_crawl_leaves_no_lock_file(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    result = invoke("crawl", "--stages", "homepages", "--db", db)
    assert result.exit_code != 0
    assert not db.exists() and not lock_path(db).exists()


def test_sqlite_errors_stay_sqlite_errors(tmp_path: Path) -> None:
    """Code that catches sqlite3.Error keeps catching the named store errors."""
    assert issubclass(StoreBusyError, sqlite3.OperationalError)
    assert issubclass(StoreReadOnlyError, sqlite3.OperationalError)
