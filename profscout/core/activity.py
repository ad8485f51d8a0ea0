"""Publication activity per professor: counts over 6/12/24 months, latest date, trend.

Everything here is pure: callers read publication dates from the store (authorships at or
above :data:`MIN_CONFIDENCE`, the one threshold for "counts as the professor's paper") and
compute activity at the date they need it for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

MIN_CONFIDENCE = 0.5  # authorships below this do not count as the professor's papers


def months_ago(today: date, months: int) -> date:
    """The same day ``months`` calendar months before ``today`` (clamped to month end)."""
    month = today.month - months
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(today.day, (nxt - timedelta(days=1)).day))


@dataclass(frozen=True)
class Activity:
    """Papers in the last 6, 12 and 24 months, the latest date, and a trend in [-1, 1].

    ``trend`` compares the last 12 months with the 12 before: (recent - older) /
    (recent + older); None when both are zero.
    """

    papers_6m: int
    papers_12m: int
    papers_24m: int
    latest: date | None
    trend: float | None

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["latest"] = self.latest.isoformat() if self.latest else None
        return data


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def compute_activity(published: Iterable[date | datetime | str], today: date) -> Activity:
    """Activity from the publication dates of a professor's papers (future dates ignored)."""
    dates = [d for d in (_as_date(v) for v in published) if d <= today]
    b6, b12, b24 = (months_ago(today, m) for m in (6, 12, 24))
    n6 = sum(d > b6 for d in dates)
    n12 = sum(d > b12 for d in dates)
    n24 = sum(d > b24 for d in dates)
    older = n24 - n12
    trend = None if n24 == 0 else round((n12 - older) / n24, 3)
    return Activity(n6, n12, n24, max(dates) if dates else None, trend)


def count_since(published: Iterable[date | datetime | str], today: date, months: int) -> int:
    """Papers published in the last ``months`` months."""
    boundary = months_ago(today, months)
    return sum(boundary < _as_date(d) <= today for d in published)


def verdict(published: Iterable[date | datetime | str], today: date, months: int) -> str:
    """One line: "active: 7 papers in the last 12 months, latest 2026-10-02" or why not."""
    dates = sorted((_as_date(d) for d in published), reverse=True)
    n = count_since(dates, today, months)
    latest = f"latest {dates[0].isoformat()}" if dates else "none found"
    span = f"in the last {months} month{'s' if months != 1 else ''}"
    if n:
        return f"active: {n} paper{'s' if n != 1 else ''} {span}, {latest}"
    if dates:
        return f"inactive: no papers {span}, {latest}"
    return f"inactive: no arXiv papers {span}"
