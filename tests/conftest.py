"""Shared fixtures: replay worlds (one per configuration per session) and temporary stores.

Running commands, stores and servers for tests are in :mod:`tests.helpers`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import csrankings_store
from tests.world import WorldServer, start_world, world_available

FIXTURES = Path(__file__).parent / "fixtures"

# Test sites and the replay world listen on 127.x: crawls started by tests may reach loopback.
os.environ.setdefault("PROFSCOUT_ALLOW_LOOPBACK", "1")
# arXiv turns shared by this test session's processes, not by the user's real crawls
os.environ.setdefault("PROFSCOUT_ARXIV_TURNS", tempfile.mkdtemp(prefix="profscout-turns-"))

_worlds: dict[tuple[str, ...], WorldServer] = {}


def get_world(*args: str) -> WorldServer:
    """The session's replay world started with ``args`` (started on first use)."""
    if not world_available():
        pytest.skip("replay world (../shared/world) not available")
    key = tuple(args)
    if key not in _worlds:
        _worlds[key] = start_world(*args)
    return _worlds[key]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for world in _worlds.values():
        world.stop()
    _worlds.clear()


@pytest.fixture(autouse=True)
def tfidf_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands and library calls that name no matcher run TF-IDF (the behaviour most tests
    pin down); tests of the default itself remove ``PROFSCOUT_MATCHER``. The embedding model,
    precision and threads are the defaults."""
    monkeypatch.setenv("PROFSCOUT_MATCHER", "tfidf")
    for name in ("PROFSCOUT_EMBEDDING_MODEL", "PROFSCOUT_EMBEDDING_PRECISION",
                 "PROFSCOUT_EMBEDDING_THREADS"):  # the defaults, whatever the shell says
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def world() -> WorldServer:
    """The plain replay world (no faults, no latency)."""
    return get_world()


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def db_path(tmp_path: Path) -> Iterator[Path]:
    """Where a test's store goes (not created)."""
    yield tmp_path / "profscout.db"


@pytest.fixture
def csrankings_db(db_path: Path) -> Path:
    """A temporary store holding the CSRankings fixture snapshot (with area counts)."""
    return csrankings_store(db_path)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """A run in which no test passed is a failure (for CI): say so."""
    if not terminalreporter.stats.get("passed") and exitstatus == 0:
        terminalreporter.write_line("no test passed: failing the run", red=True)
        terminalreporter._session.exitstatus = 1


# The replay-world configurations the suite uses; each starts once per session.
WORLD_FAULTS_ARGS = ("--faults", "7", "--latency-ms", "100")
WORLD_MIN_GAP_ARGS = ("--arxiv-min-gap", "3")


@pytest.fixture(scope="session")
def faulty_world() -> WorldServer:
    """The hostile world: ``--faults 7 --latency-ms 100``."""
    return get_world(*WORLD_FAULTS_ARGS)


@pytest.fixture(scope="session")
def strict_arxiv_world() -> WorldServer:
    """A world whose arXiv API refuses calls closer than 3 s (``--arxiv-min-gap 3``)."""
    return get_world(*WORLD_MIN_GAP_ARGS)
