"""A suggested local time to send an email: a weekday morning in the institution's time zone.

The zone comes from the institution's coordinates (``timezonefinder``), else from its country
(the first zone ``zone.tab`` lists for it), else none is suggested.
"""

from __future__ import annotations

import importlib.resources
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SEND_AT = time(9, 30)
SEND_DAYS = "Tue-Thu"


@lru_cache(maxsize=1)
def _finder():  # noqa: ANN202 - timezonefinder's class, imported lazily (it loads data)
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


@lru_cache(maxsize=1)
def country_zones() -> dict[str, str]:
    """Two-letter country code (lower case) -> its first listed IANA zone."""
    text = ""
    try:
        text = (importlib.resources.files("tzdata.zoneinfo") / "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        system = Path("/usr/share/zoneinfo/zone.tab")
        text = system.read_text("utf-8") if system.is_file() else ""
    zones: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) >= 3:
            zones.setdefault(parts[0].lower(), parts[2])
    return zones


def zone_for(latitude: float | None, longitude: float | None, country: str | None) -> str | None:
    """The IANA zone at the coordinates, else the country's, else None."""
    if latitude is not None and longitude is not None:
        try:
            name = _finder().timezone_at(lat=float(latitude), lng=float(longitude))
        except ValueError:
            name = None
        if name:
            return name
    if country:
        return country_zones().get(country.strip().lower())
    return None


def suggest_send_time(latitude: float | None, longitude: float | None, country: str | None,
                      on: date) -> str:
    """e.g. ``"Tue-Thu 09:30 Europe/Zurich (07:30 UTC)"``; ``""`` when no zone is known.

    The UTC time is the one on ``on`` (summer time included).
    """
    name = zone_for(latitude, longitude, country)
    if not name:
        return ""
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    local = datetime.combine(on, SEND_AT, tzinfo=zone)
    offset = local.utcoffset()
    utc = (datetime.combine(on, SEND_AT) - offset).strftime("%H:%M") if offset is not None \
        else ""
    return f"{SEND_DAYS} {SEND_AT.strftime('%H:%M')} {name}" + (f" ({utc} UTC)" if utc else "")
