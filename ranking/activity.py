"""How active a professor is now, as a score in [0, 1).

Each paper counts ``0.5 ** (age in days / half life)`` (half life 12 months), so a paper from
last month counts almost 1 and one from two years ago a quarter. The decayed count ``c``
becomes ``1 - exp(-c / saturation)``: the first few recent papers matter most, a very prolific
lab does not drown everyone else (with the default saturation of 3, three fresh papers give
0.63, ten give 0.96). The paper counts and latest date are
:func:`profscout.core.activity.compute_activity`'s, the one computation of them.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from profscout.core.activity import MIN_CONFIDENCE, compute_activity, months_ago
from profscout.core.store.profiles import (
    attributed_paper_dates,
    attributed_paper_days,
    profile_sources_revision,
)
from ranking.arrays import unique
from ranking.cache import cached_arrays

HALF_LIFE_DAYS = 365.0
SATURATION = 3.0
PAPER_DAYS = "paper-days"  # key prefix of the cached publication days


@dataclass(frozen=True)
class ActivityRow:
    """What the shortlist shows about a professor's activity."""

    score: float
    papers_12m: int
    papers_24m: int
    latest: date | None


def decayed_count(dates: Iterable[date], as_of: date, half_life_days: float = HALF_LIFE_DAYS
                  ) -> float:
    """Sum of ``0.5 ** (age / half life)`` over papers not newer than ``as_of``."""
    return sum(0.5 ** ((as_of - d).days / half_life_days) for d in dates if d <= as_of)


def activity_score(dates: Iterable[date], as_of: date, half_life_days: float = HALF_LIFE_DAYS,
                   saturation: float = SATURATION) -> float:
    """``1 - exp(-decayed count / saturation)``: 0 without papers, towards 1 when prolific."""
    return 1.0 - math.exp(-decayed_count(dates, as_of, half_life_days) / saturation)


def activity_row(dates: Iterable[date], as_of: date) -> ActivityRow:
    """Score, counts over 12 and 24 months and latest date of one professor."""
    past = sorted((d for d in dates if d <= as_of), reverse=True)
    counts = compute_activity(past, as_of)
    return ActivityRow(
        score=activity_score(past, as_of),
        papers_12m=counts.papers_12m,
        papers_24m=counts.papers_24m,
        latest=counts.latest,
    )


def paper_dates(conn: sqlite3.Connection, min_confidence: float = MIN_CONFIDENCE
                ) -> dict[int, list[date]]:
    """Publication dates of each professor's confidently attributed papers."""
    return attributed_paper_dates(conn, min_confidence)


def activity_rows(professor_ids: Sequence[int] | np.ndarray, days: Sequence[str] | np.ndarray,
                  as_of: date) -> dict[int, ActivityRow]:
    """:func:`activity_row` of each professor from parallel columns of professor ids and
    publication days ('YYYY-MM-DD', or a ``datetime64[D]`` array), computed as arrays: the
    same figures, bit for bit (each paper's decay is computed once per distinct age, and a
    professor's decays are summed newest first, as :func:`activity_row` sums them)."""
    if len(professor_ids) == 0:
        return {}
    published = np.asarray(days, dtype="datetime64[D]")
    age = (np.datetime64(as_of, "D") - published).astype(np.int64)
    pids = np.asarray(professor_ids, dtype=np.int64)
    newest_first = np.lexsort((age, pids))  # by professor, then age ascending
    pids, published, age = pids[newest_first], published[newest_first], age[newest_first]
    owners, group = unique(pids, return_inverse=True)
    group = group.reshape(-1)
    past = ~np.isnat(published) & (age >= 0)
    ages, age_of = unique(age[past], return_inverse=True)
    decay = np.array([0.5 ** (int(a) / HALF_LIFE_DAYS) for a in ages], dtype=np.float64)
    n = len(owners)
    decayed = np.bincount(group[past], weights=decay[age_of.reshape(-1)], minlength=n)
    counts = {}
    for months in (12, 24):
        boundary = np.datetime64(months_ago(as_of, months), "D")
        counts[months] = np.bincount(group[past & (published > boundary)], minlength=n)
    has_past = np.bincount(group[past], minlength=n) > 0
    latest_at = np.full(n, -1, dtype=np.int64)
    past_rows = np.flatnonzero(past)
    latest_at[group[past_rows[::-1]]] = past_rows[::-1]  # the first past row of each
    latest = published[np.where(has_past, latest_at, 0)].astype(object).tolist()
    rows: dict[int, ActivityRow] = {}
    for g, (owner, total, n12, n24, past_paper) in enumerate(zip(
            owners.tolist(), decayed.tolist(), counts[12].tolist(), counts[24].tolist(),
            has_past.tolist(), strict=True)):
        rows[owner] = ActivityRow(score=1.0 - math.exp(-total / SATURATION), papers_12m=n12,
                                  papers_24m=n24, latest=latest[g] if past_paper else None)
    return rows


def store_activity_rows(conn: sqlite3.Connection, as_of: date,
                        min_confidence: float = MIN_CONFIDENCE, use_cache: bool = False
                        ) -> dict[int, ActivityRow]:
    """:func:`activity_row` for every professor with at least one attributed paper; with
    ``use_cache`` the publication days are kept in the store's ranking cache (by the
    store's revision of papers and authorships), so a re-rank does not read them again."""
    days = store_paper_days(conn, min_confidence, use_cache)
    return activity_rows(days["professor_ids"], days["days"].astype("datetime64[D]"), as_of)


def store_paper_days(conn: sqlite3.Connection, min_confidence: float = MIN_CONFIDENCE,
                     use_cache: bool = False) -> dict[str, np.ndarray]:
    """``professor_ids`` (int32) and ``days`` (int32 days since 1970-01-01) of every
    attributed paper at or above ``min_confidence``: :func:`attributed_paper_days` as
    arrays, from the cache when ``use_cache`` and the store has not changed since."""
    def read() -> dict[str, np.ndarray]:
        pids, days = attributed_paper_days(conn, min_confidence)
        return {"professor_ids": np.asarray(pids, dtype=np.int32),
                "days": np.asarray(days, dtype="datetime64[D]").astype(np.int32)}

    revision = profile_sources_revision(conn) if use_cache else None
    if revision is None:
        return read()
    return cached_arrays(conn, f"{PAPER_DAYS}:{revision}:{min_confidence!r}", PAPER_DAYS, read)
