"""Activity counts, trend and verdicts; counted papers read from a real SQLite store."""

from __future__ import annotations

from datetime import date, timedelta

from profscout.core.activity import MIN_CONFIDENCE, compute_activity, months_ago, verdict
from profscout.core.store import connect, transaction
from profscout.core.store.papers import counted_published
from tests.local_arxiv import add_professor

TODAY = date(2026, 11, 23)


def test_months_ago_clamps_to_month_end():
    assert months_ago(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_ago(TODAY, 24) == date(2024, 11, 23)
    assert months_ago(date(2026, 1, 15), 13) == date(2024, 12, 15)


def test_compute_activity_counts_windows_latest_and_trend():
    dates = ["2026-11-01", "2026-06-01", "2026-01-10", date(2025, 6, 1), "2025-01-01",
             "2024-01-01", "2027-01-01"]
    act = compute_activity(dates, TODAY)
    assert (act.papers_6m, act.papers_12m, act.papers_24m) == (2, 3, 5)
    assert act.latest == date(2026, 11, 1)  # the future date is ignored
    assert act.trend == round((3 - 2) / 5, 3)
    empty = compute_activity([], TODAY)
    assert empty.papers_24m == 0 and empty.latest is None and empty.trend is None


def test_verdicts():
    assert verdict(["2026-10-02", "2026-05-01", "2024-01-01"], TODAY, 12) == \
        "active: 2 papers in the last 12 months, latest 2026-10-02"
    assert verdict(["2026-11-02"], TODAY, 1) == \
        "active: 1 paper in the last 1 month, latest 2026-11-02"
    assert verdict(["2024-01-01"], TODAY, 12) == \
        "inactive: no papers in the last 12 months, latest 2024-01-01"
    assert verdict([], TODAY, 6) == "inactive: no arXiv papers in the last 6 months"


def test_activity_counts_only_confident_authorships(tmp_path):
    conn = connect(tmp_path / "s.db")
    with transaction(conn):
        pid = add_professor(conn, "Jane Doe", "MIT")
        for i, (day, confidence) in enumerate([("2026-10-01", 1.0), ("2026-02-01", 0.75),
                                               ("2026-09-01", 0.45)]):
            conn.execute("INSERT INTO papers (arxiv_id, title, published) VALUES (?, ?, ?)",
                         (f"26{i}", f"t{i}", day))
            conn.execute("INSERT INTO authorships VALUES (?, ?, 'Jane Doe', ?, '')",
                         (pid, f"26{i}", confidence))
    act = compute_activity(counted_published(conn, pid, MIN_CONFIDENCE), TODAY)
    assert (act.papers_6m, act.papers_12m, act.latest) == (1, 2, date(2026, 10, 1))
    assert act.papers_24m == 2


def test_activity_rows_equal_activity_row_bit_for_bit():
    import random

    from ranking.activity import activity_row, activity_rows

    rng = random.Random(3)
    as_of = date(2026, 6, 1)
    ids: list[int] = []
    days: list[str] = []
    for pid in (7, 3, 11, 5):
        for _ in range(rng.randint(1, 40)):
            ids.append(pid)
            days.append((as_of - timedelta(days=rng.randint(-60, 900))).isoformat())
    ids.append(9)  # a professor whose only paper is after as_of
    days.append("2026-07-01")
    shuffled = list(zip(ids, days, strict=True))
    rng.shuffle(shuffled)
    got = activity_rows([p for p, _ in shuffled], [d for _, d in shuffled], as_of)
    want = {}
    for pid in dict.fromkeys(ids):
        want[pid] = activity_row([date.fromisoformat(d) for p, d in zip(ids, days, strict=True)
                                  if p == pid], as_of)
    assert got == want  # dataclass equality: exact floats, counts and dates
    assert got[9].latest is None and got[9].score == 0.0
    assert activity_rows([], [], as_of) == {}


def test_cached_publication_days_follow_the_store(tmp_path):
    from ranking.activity import store_activity_rows
    from tests.ranking_store import AS_OF, build_store

    conn = connect(build_store(tmp_path / "store.db"))
    read = store_activity_rows(conn, AS_OF)
    assert store_activity_rows(conn, AS_OF, use_cache=True) == read  # stored
    assert store_activity_rows(conn, AS_OF, use_cache=True) == read  # read back
    keys = [k for (k,) in conn.execute("SELECT key FROM ranking_cache")]
    assert len(keys) == 1 and keys[0].startswith("paper-days:")
    pid, arxiv_id = conn.execute("SELECT professor_id, arxiv_id FROM authorships "
                                 "ORDER BY professor_id LIMIT 1").fetchone()
    with transaction(conn):  # the store changes: the cached days no longer hold
        conn.execute("DELETE FROM authorships WHERE professor_id = ? AND arxiv_id = ?",
                     (pid, arxiv_id))
    changed = store_activity_rows(conn, AS_OF, use_cache=True)
    assert changed == store_activity_rows(conn, AS_OF) != read
    conn.close()
