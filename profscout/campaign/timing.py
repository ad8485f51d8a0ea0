"""The next good moment to send: a Tuesday-to-Thursday morning in the professor's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ranking.sendtime import SEND_AT, zone_for

SEND_WEEKDAYS = (1, 2, 3)  # Tuesday, Wednesday, Thursday


def next_slot(zone_name: str | None, today: date) -> datetime | None:
    """The first send morning on or after ``today`` in ``zone_name`` (aware), else None."""
    if not zone_name:
        return None
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    day = today
    while day.weekday() not in SEND_WEEKDAYS:
        day += timedelta(days=1)
    return datetime.combine(day, SEND_AT, tzinfo=zone)


def describe_slot(latitude: float | None, longitude: float | None, country: str | None,
                  today: date) -> str:
    """e.g. ``"Tue 2026-06-02 09:30 Europe/Zurich (07:30 UTC)"``; ``""`` without a zone."""
    zone_name = zone_for(latitude, longitude, country)
    slot = next_slot(zone_name, today)
    if slot is None:
        return ""
    utc = slot.astimezone(UTC).strftime("%H:%M")
    return f"{slot.strftime('%a %Y-%m-%d %H:%M')} {zone_name} ({utc} UTC)"
