"""The polite arXiv spacing holds across all of a user's processes, not only within one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.local_arxiv import Entry, LocalArxiv

DELAY = 0.6
CALLS_EACH = 3

CHILD = """
import sys
from crawler.arxiv_client import ArxivClient
client = ArxivClient(sys.argv[1], float(sys.argv[2]))
for _ in range(int(sys.argv[3])):
    client.search('au:"Ada Lovelace"')
"""


def test_two_processes_share_one_arxiv_turn(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PROFSCOUT_ARXIV_TURNS", str(tmp_path / "turns"))
    entries = [Entry("2611.00001", "Engines", ["Ada Lovelace"], "2026-11-01", ["cs.LG"])]
    with LocalArxiv(entries) as server:
        children = [subprocess.Popen([sys.executable, "-c", CHILD, server.url, str(DELAY),
                                      str(CALLS_EACH)], cwd=Path(__file__).parent.parent)
                    for _ in range(2)]
        assert [child.wait(timeout=120) for child in children] == [0, 0]
        times = sorted(t for t, _ in server.requests)
    assert len(times) == 2 * CALLS_EACH
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= DELAY * 0.9, gaps  # each call waits for the other process's last
    assert list((tmp_path / "turns").glob("arxiv-*.turn"))


def test_an_unwritable_turn_folder_keeps_the_in_process_spacing(tmp_path: Path,
                                                                monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PROFSCOUT_ARXIV_TURNS", str(blocker / "turns"))
    entries = [Entry("2611.00001", "Engines", ["Ada Lovelace"], "2026-11-01", ["cs.LG"])]
    from crawler.arxiv_client import ArxivClient

    with LocalArxiv(entries) as server:
        client = ArxivClient(server.url, 0.3)
        for _ in range(2):
            assert client.search('au:"Ada Lovelace"').papers
        times = [t for t, _ in server.requests]
    assert times[1] - times[0] >= 0.27
