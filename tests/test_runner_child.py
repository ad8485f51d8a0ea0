"""The spider child dies with its parent: killed, or interrupted with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PARENT = """
import sys
from profscout.cli.app import install_signal_handlers
from crawler.runner import run_spider_in_child
if sys.argv[3] == "handlers":
    install_signal_handlers()
run_spider_in_child("csrankings", {"url": sys.argv[1]},
                    {"PROFSCOUT_DB": sys.argv[2], "LOG_LEVEL": "WARNING"})
"""


class _Hanging(BaseHTTPRequestHandler):
    """Answers nothing for a while (bounded): a crawl that is still running."""

    hits = 0

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits += 1
        time.sleep(30)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", ["kill", "term"])
def test_the_spider_child_ends_when_its_parent_does(tmp_path, how):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hanging)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen([sys.executable, "-c", PARENT, url, str(tmp_path / "s.db"),
                               "handlers" if how == "term" else "plain"], cwd=ROOT, env=env)
    children: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not (_Hanging.hits and _children(parent.pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        children = _children(parent.pid)
        assert _Hanging.hits and children, "the child crawl did not start"
        parent.send_signal(signal.SIGKILL if how == "kill" else signal.SIGTERM)
        parent.wait(20)  # an interrupted parent stops its child and exits
        deadline = time.monotonic() + 15
        while any(_alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(c) for c in children)
    finally:
        for pid in [parent.pid, *children]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        parent.wait()
        server.shutdown()
        server.server_close()
        _Hanging.hits = 0
