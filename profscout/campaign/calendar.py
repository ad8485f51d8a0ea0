"""Follow-up reminders as iCalendar (RFC 5545) all-day events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar, Event

from profscout.campaign.due import FOLLOW_UP, Action

PRODID = "-//profscout//campaign//EN"


def reminders(actions: Iterable[Action], stamp: date) -> bytes:
    """One event per action on its due day; ``stamp`` dates the calendar (DTSTAMP)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "profscout follow-ups")
    for action in actions:
        entry = action.entry
        event = Event()
        what = "Follow up with" if action.kind == FOLLOW_UP else "Close (no reply):"
        event.add("uid", f"{entry.campaign}-{entry.id}-{action.kind}@profscout")
        event.add("summary", f"{what} {entry.name} ({entry.institution})")
        event.add("dtstart", action.due_on)
        event.add("dtend", action.due_on + timedelta(days=1))
        event.add("dtstamp", datetime.combine(stamp, time(0, 0), tzinfo=UTC))
        description = (f"Campaign {entry.campaign}: {entry.state} since "
                       f"{entry.last_date.isoformat()}, first written "
                       f"{action.waiting_since.isoformat()}.")
        if action.kind == FOLLOW_UP:
            description += " One short follow-up, then move on."
        else:
            description += " No answer after the follow-up: mark it no_reply."
        event.add("description", description)
        event.add("categories", ["profscout", action.kind])
        calendar.add_component(event)
    return calendar.to_ical()
