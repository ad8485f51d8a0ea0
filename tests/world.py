"""Start and stop the replay world (``../shared/world/serve.py``) for tests and benchmarks.

The world loads ~270k papers (~30 s, ~2 GB), so tests share one instance per configuration
for the whole session; each instance gets a port of its own, so its counters start at zero.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PROFSCOUT_SHARED", REPO_ROOT.parent / "shared"))
SERVE_PY = SHARED / "world" / "serve.py"
EVAL_DIR = SHARED / "eval"
HOMEPAGE_LABELS = SHARED / "world" / "homepages" / "labels.csv"
HOMEPAGE_MANIFEST = SHARED / "world" / "homepages" / "manifest.csv"


def world_available() -> bool:
    return SERVE_PY.is_file()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class WorldServer:
    """A running replay world; ``info`` is the JSON line it printed on start."""

    process: subprocess.Popen[str]
    port: int
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def csrankings_url(self) -> str:
        return self.info["csrankings_url"]

    @property
    def arxiv_url(self) -> str:
        return self.info["arxiv_api_url"]

    @property
    def faults(self) -> dict[str, str]:
        return self.info.get("faults", {})

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.info["stats_url"], timeout=30) as resp:
            return json.loads(resp.read())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_world(*extra_args: str, port: int | None = None, timeout: float = 180.0) -> WorldServer:
    """Start ``serve.py`` with ``extra_args`` and wait for its info line."""
    if not world_available():
        raise RuntimeError(f"replay world not found at {SERVE_PY}")
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, str(SERVE_PY), "--port", str(port), *extra_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line or time.monotonic() > deadline:
        process.kill()
        raise RuntimeError("replay world did not start")
    return WorldServer(process=process, port=port, info=json.loads(line))
