"""When a follow-up is due and when a conversation should be closed as ``no_reply``.

A ``sent`` entry is due for its (single) follow-up ``after`` days after it was sent; a
``followed_up`` entry is due to be closed as ``no_reply`` ``after`` days after the follow-up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from profscout.campaign.rules import Entry

DEFAULT_AFTER_DAYS = 7
FOLLOW_UP = "follow_up"
CLOSE = "close_no_reply"


@dataclass(frozen=True)
class Action:
    """Something to do about an entry on or after ``due_on``."""

    entry: Entry
    kind: str  # FOLLOW_UP or CLOSE
    due_on: date
    waiting_since: date

    def days_overdue(self, today: date) -> int:
        return (today - self.due_on).days


def pending_actions(entries: Iterable[Entry], after_days: int = DEFAULT_AFTER_DAYS
                    ) -> list[Action]:
    """Every open entry's next action with its due date, earliest first."""
    actions = []
    step = timedelta(days=after_days)
    for entry in entries:
        if entry.state == "sent" and entry.sent_on is not None:
            actions.append(Action(entry, FOLLOW_UP, entry.sent_on + step, entry.sent_on))
        elif entry.state == "followed_up" and entry.followed_up_on is not None:
            actions.append(Action(entry, CLOSE, entry.followed_up_on + step,
                                  entry.sent_on or entry.followed_up_on))
    return sorted(actions, key=lambda a: (a.due_on, a.entry.position, a.entry.id))


def due_actions(entries: Iterable[Entry], today: date, after_days: int = DEFAULT_AFTER_DAYS
                ) -> list[Action]:
    """The actions due on or before ``today``."""
    return [a for a in pending_actions(entries, after_days) if a.due_on <= today]
