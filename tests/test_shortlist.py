"""The shortlist on a small store: ranking, filters, cap, explanations, cache, activity."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

import ranking
from profscout.core.errors import UserError
from profscout.core.store import connect
from ranking.activity import activity_row, activity_score
from ranking.profiles import build_profiles, recency_weight
from ranking.sendtime import suggest_send_time
from ranking.shortlist import (
    COLUMNS,
    ShortlistRequest,
    build_shortlist,
    cap_per_group,
    combine,
)
from tests.ranking_store import AS_OF, build_store

QUERY = "deep reinforcement learning for robot manipulation"


@pytest.fixture
def store(tmp_path):
    return build_store(tmp_path / "store.db")


def test_active_roboticists_come_first_with_evidence(store):
    frame = ranking.shortlist(store, QUERY, as_of=AS_OF)
    assert list(frame.columns) == COLUMNS
    assert list(frame["rank"]) == list(range(1, len(frame) + 1))
    assert frame.iloc[0]["name"] == "Alice Roboto"
    assert frame["score"].is_monotonic_decreasing
    top = frame.iloc[0]
    assert "https://arxiv.org/abs/" in top["top_papers"]
    assert top["top_papers"].startswith("Deep reinforcement learning for robot manipulation")
    assert top["top_papers"].count("https://arxiv.org/abs/") == 3
    assert "robot manipulation" in top["why"]
    assert top["recruiting"] == "yes" and "PhD students" in top["recruiting_evidence"]
    assert top["scholar"].endswith("user=aliceR1")
    assert top["dblp"] == "https://dblp.org/pid/00/0001.html"
    assert top["papers_12m"] == 3 and top["papers_24m"] == 4
    assert top["latest_paper"] == (AS_OF - timedelta(days=20)).isoformat()
    assert top["send_time"].startswith("Tue-Thu 09:30 Europe/Zurich")
    # the inactive roboticist ranks below the active ones, however well he matches
    names = list(frame["name"])
    assert names.index("Frank Oldbot") > names.index("Bruno Greifer")
    # nobody who shares no word with the query
    assert "Heidi Lattice" not in names and "Grace Graph" not in names


def test_at_most_two_per_institution_by_default(store):
    frame = ranking.shortlist(store, QUERY, as_of=AS_OF)
    assert frame["institution"].value_counts().max() == 2
    assert "Carla Arm" not in set(frame["name"])
    uncapped = ranking.shortlist(store, QUERY, as_of=AS_OF, per_institution=0)
    assert (uncapped["institution"] == "ETH Zurich").sum() == 3


def test_filters(store):
    europe = ranking.shortlist(store, QUERY, as_of=AS_OF, regions=["europe"])
    assert set(europe["region"]) == {"europe"}
    us = ranking.shortlist(store, QUERY, as_of=AS_OF, countries=["us"])
    assert set(us["country"]) == {"us"}
    cmu = ranking.shortlist(store, QUERY, as_of=AS_OF, institutions=["carnegie mellon university"])
    assert set(cmu["name"]) == {"Frank Oldbot", "Ivan Interests"}
    active = ranking.shortlist(store, QUERY, as_of=AS_OF, active_months=12)
    assert "Frank Oldbot" not in set(active["name"]) and "Alice Roboto" in set(active["name"])
    recruiting = ranking.shortlist(store, QUERY, as_of=AS_OF, recruiting_only=True)
    assert list(recruiting["name"]) == ["Alice Roboto"]
    top1 = ranking.shortlist(store, QUERY, as_of=AS_OF, top=1)
    assert len(top1) == 1
    with pytest.raises(UserError, match="unknown region"):
        ranking.shortlist(store, QUERY, as_of=AS_OF, regions=["atlantis"])
    with pytest.raises(UserError, match="unknown institution"):
        ranking.shortlist(store, QUERY, as_of=AS_OF, institutions=["Hogwarts"])


def test_weights_change_the_order(store):
    match_only = ranking.shortlist(store, QUERY, as_of=AS_OF, activity_weight=0,
                                   per_institution=0)
    assert match_only.iloc[0]["name"] in {"Ivan Interests", "Frank Oldbot"}
    np.testing.assert_allclose(match_only["score"], match_only["match"], atol=1e-4)
    activity_only = ranking.shortlist(store, QUERY, as_of=AS_OF, match_weight=0,
                                      per_institution=0)
    np.testing.assert_allclose(activity_only["score"], activity_only["activity"], atol=1e-4)


def test_interests_text_joins_the_query(store, tmp_path):
    sop = tmp_path / "sop.txt"
    sop.write_text("I want to work on machine translation with language models.\n")
    frame = ranking.shortlist(store, "", interests_file=sop, as_of=AS_OF)
    assert frame.iloc[0]["name"] == "Eve Wordsmith"


def test_fitted_index_is_cached_in_the_store(store):
    conn = connect(store)
    request = ShortlistRequest(query=QUERY, as_of=AS_OF)
    first = build_shortlist(conn, request)
    second = build_shortlist(conn, ShortlistRequest(query="image segmentation", as_of=AS_OF))
    assert (first.cached, second.cached) == (False, True)
    assert _cached_kinds(conn) == {"tfidf": 1, "paper-days": 1}
    # new papers: a new fingerprint, a refit, and the old entry kept as the previous one
    conn.execute("UPDATE papers SET title = 'Robot manipulation revisited' "
                 "WHERE title = 'Robot manipulation benchmarks'")
    third = build_shortlist(conn, request)
    assert third.cached is False
    assert _cached_kinds(conn) == {"tfidf": 2, "paper-days": 2}
    conn.close()


def _cached_kinds(conn) -> dict[str, int]:
    """Entries of the ranking cache by kind (the key's part before the first colon)."""
    return dict(conn.execute("SELECT substr(key, 1, instr(key, ':') - 1), COUNT(*) "
                             "FROM ranking_cache GROUP BY 1").fetchall())


def test_bad_input_is_one_user_error(store, tmp_path):
    with pytest.raises(UserError, match="empty query"):
        ranking.shortlist(store, "   ")
    with pytest.raises(UserError, match="nothing to match on"):
        ranking.shortlist(store, "zyxwv qwertz", as_of=AS_OF)
    with pytest.raises(UserError, match="run `profscout crawl` first"):
        ranking.shortlist(tmp_path / "missing.db", QUERY)
    empty = tmp_path / "empty.db"
    connect(empty).close()
    with pytest.raises(UserError, match="run `profscout crawl` first"):
        ranking.shortlist(empty, QUERY)


def test_profiles_weight_recent_papers_more(store):
    conn = connect(store)
    ids, profiles = build_profiles(conn, AS_OF)
    conn.close()
    assert len(ids) == len(profiles) == 9
    alice = profiles[ids.index(1)]
    weights = [d.weight for d in alice.documents]
    assert weights == sorted(weights, reverse=True) and weights[0] > weights[-1]
    ivan = profiles[ids.index(9)]
    assert ivan.documents == [] and "robot manipulation" in ivan.interests
    assert recency_weight(date(2024, 6, 15), date(2026, 6, 1), 24) == 0.5


def test_activity_score_rewards_recent_papers():
    fresh = [AS_OF - timedelta(days=d) for d in (10, 40, 70)]
    old = [AS_OF - timedelta(days=d) for d in (800, 900, 1000)]
    assert activity_score([], AS_OF) == 0
    assert activity_score(fresh, AS_OF) > activity_score(old, AS_OF) > 0
    assert 0.6 < activity_score(fresh, AS_OF) < 0.65  # three fresh papers: about 1 - 1/e
    row = activity_row(fresh + old, AS_OF)
    assert (row.papers_12m, row.papers_24m, row.latest) == (3, 3, fresh[0])


def test_combine_and_cap_are_pure():
    assert combine(np.array([1.0, 0.5]), np.array([0.0, 1.0]), 1, 1).tolist() == [
        0.0, pytest.approx(np.sqrt(0.5))]
    assert cap_per_group([0, 1, 2, 3], ["a", "a", "a", "b"], 2, 10) == [0, 1, 3]
    assert cap_per_group([0, 1, 2, 3], ["a", "a", "a", "b"], 0, 2) == [0, 1]


def test_send_time_from_coordinates_or_country():
    assert suggest_send_time(47.376, 8.548, "ch", date(2026, 1, 15)) == \
        "Tue-Thu 09:30 Europe/Zurich (08:30 UTC)"
    assert suggest_send_time(None, None, "cn", date(2026, 1, 15)) == \
        "Tue-Thu 09:30 Asia/Shanghai (01:30 UTC)"
    assert suggest_send_time(None, None, "", date(2026, 1, 15)) == ""


def test_rows_say_how_sure_the_papers_are(store):
    """Confirmed papers count; an uncertain lead (below the confidence threshold) is shown
    apart, and only papers of the last 24 months are counted."""
    conn = connect(store)
    (alice,) = conn.execute("SELECT id FROM professors WHERE name = 'Alice Roboto'").fetchone()
    conn.execute("UPDATE authorships SET confidence = 0.3 WHERE professor_id = ? AND arxiv_id ="
                 " (SELECT arxiv_id FROM papers WHERE title LIKE 'Tactile%')", (alice,))
    conn.close()
    frame = ranking.shortlist(store, QUERY, as_of=AS_OF, matcher="tfidf")
    rows = {r["name"]: r for _, r in frame.iterrows()}
    assert (rows["Alice Roboto"]["papers_confirmed"], rows["Alice Roboto"]["papers_uncertain"]) \
        == (3, 1)
    assert (rows["Frank Oldbot"]["papers_confirmed"], rows["Frank Oldbot"]["papers_uncertain"]) \
        == (0, 0)  # his one paper is 1500 days old


def test_rows_carry_the_email_evidence(store):
    """The shortlist shows where each address was read, as the professors export does."""
    conn = connect(store)
    (alice,) = conn.execute("SELECT id FROM professors WHERE name = 'Alice Roboto'").fetchone()
    with conn:
        conn.execute("INSERT OR REPLACE INTO homepages (professor_id, url, state, emails, "
                     "email_evidence, fetched_at) VALUES (?, 'http://a.example/', 'ok', "
                     "'alice@ethz.ch', 'alice [at] ethz [dot] ch <http://a.example/>', "
                     "'2026-05-01')", (alice,))
    conn.close()
    frame = ranking.shortlist(store, QUERY, as_of=AS_OF, matcher="tfidf")
    rows = {r["name"]: r for _, r in frame.iterrows()}
    assert frame.columns[-1] == "email_evidence"
    assert rows["Alice Roboto"]["email_evidence"] == \
        "alice [at] ethz [dot] ch <http://a.example/>"
    assert rows["Bruno Greifer"]["email_evidence"] == ""
