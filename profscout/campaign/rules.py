"""Campaign states, the transitions between them and the one-at-a-time rule.

An entry moves ``planned -> drafted -> sent -> followed_up`` and ends ``replied``,
``declined`` or ``no_reply``. A conversation is *open* while the entry is ``sent`` or
``followed_up``: the rule allows at most one open conversation per lab or per institution.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from profscout.core.errors import UserError

STATES = ("planned", "drafted", "sent", "followed_up", "replied", "declined", "no_reply")
OPEN_STATES = frozenset({"sent", "followed_up"})
WAITING_STATES = frozenset({"planned", "drafted"})
CLOSED_STATES = frozenset({"replied", "declined", "no_reply"})
RULES = ("institution", "lab", "none")
DEFAULT_RULE = "institution"

# Which state may follow which (a late reply may still come after no_reply).
TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"drafted", "sent", "declined"}),
    "drafted": frozenset({"planned", "sent", "declined"}),
    "sent": frozenset({"followed_up", "replied", "declined", "no_reply"}),
    "followed_up": frozenset({"replied", "declined", "no_reply"}),
    "no_reply": frozenset({"replied", "declined"}),
    "replied": frozenset({"declined"}),
    "declined": frozenset(),
}

# The entry column holding the date a state was reached.
DATE_COLUMN = {"planned": "planned_on", "drafted": "drafted_on", "sent": "sent_on",
               "followed_up": "followed_up_on", "replied": "closed_on",
               "declined": "closed_on", "no_reply": "closed_on"}

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str, what: str = "date") -> date:
    """A ``YYYY-MM-DD`` date, or a UserError naming ``what``."""
    value = (text or "").strip()
    if _DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise UserError(f"{what} {text!r} is not a date of the form YYYY-MM-DD")


def parse_state(text: str) -> str:
    """A known state (``followed-up`` and ``no-reply`` accepted), else a UserError."""
    value = (text or "").strip().lower().replace("-", "_").replace(" ", "_")
    if value not in STATES:
        raise UserError(f"unknown state {text!r}; choose one of: {', '.join(STATES)}")
    return value


@dataclass(frozen=True)
class Entry:
    """One professor in one campaign."""

    id: int
    campaign: str
    professor_id: int
    position: int
    name: str
    institution: str
    lab: str
    state: str
    planned_on: date
    drafted_on: date | None = None
    sent_on: date | None = None
    followed_up_on: date | None = None
    closed_on: date | None = None
    query: str = ""
    why: str = ""
    notes: str = ""
    rule_overridden: bool = False
    revision: int = 1

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Entry:
        def day(key: str) -> date | None:
            value = row.get(key)
            return date.fromisoformat(value) if value else None

        return cls(
            id=int(row["id"]), campaign=row["campaign"], professor_id=int(row["professor_id"]),
            position=int(row["position"]), name=row["name"], institution=row["institution"],
            lab=row.get("lab_name") or "", state=row["state"],
            planned_on=date.fromisoformat(row["planned_on"]), drafted_on=day("drafted_on"),
            sent_on=day("sent_on"), followed_up_on=day("followed_up_on"),
            closed_on=day("closed_on"), query=row.get("query") or "", why=row.get("why") or "",
            notes=row.get("notes") or "", rule_overridden=bool(row.get("rule_overridden")),
            revision=int(row.get("revision") or 1))

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def last_date(self) -> date:
        """The date of the latest state reached."""
        days = [d for d in (self.planned_on, self.drafted_on, self.sent_on,
                            self.followed_up_on, self.closed_on) if d is not None]
        return max(days)


def group_key(entry: Entry, rule: str) -> str | None:
    """What the rule groups by: the institution, or the lab (a professor without a named lab
    is a lab of their own); None when no rule applies."""
    if rule == "none":
        return None
    if rule == "institution":
        return "inst:" + entry.institution.casefold()
    if rule == "lab":
        if entry.lab.strip():
            return f"lab:{entry.institution.casefold()}:{entry.lab.strip().casefold()}"
        return f"prof:{entry.professor_id}"
    raise UserError(f"unknown rule {rule!r}; choose one of: {', '.join(RULES)}")


def conflicting(entry: Entry, others: Iterable[Entry], rule: str) -> Entry | None:
    """The open conversation that writing to ``entry`` now would break the rule with."""
    key = group_key(entry, rule)
    if key is None:
        return None
    for other in others:
        if other.id != entry.id and other.is_open and group_key(other, rule) == key:
            return other
    return None


def check_transition(entry: Entry, new_state: str, on: date) -> None:
    """Refuse a move the state machine does not allow, or one dated before the last state."""
    if new_state == entry.state:
        raise UserError(f"{entry.name} is already {new_state}")
    allowed = TRANSITIONS[entry.state]
    if new_state not in allowed:
        choices = ", ".join(s for s in STATES if s in allowed) or "none: it is closed"
        raise UserError(f"{entry.name} is {entry.state}; it can become: {choices}")
    if on < entry.last_date:
        raise UserError(f"{on.isoformat()} is before {entry.name}'s last change "
                        f"({entry.last_date.isoformat()})")


def transition_changes(entry: Entry, new_state: str, on: date) -> dict[str, Any]:
    """The column values that moving ``entry`` to ``new_state`` on ``on`` sets."""
    changes: dict[str, Any] = {"state": new_state, DATE_COLUMN[new_state]: on.isoformat()}
    if new_state == "planned":  # back from drafted
        changes["drafted_on"] = None
    return changes


def next_up(entries: Iterable[Entry], rule: str, count: int) -> list[Entry]:
    """Who to write to now: waiting entries in shortlist order whose lab/institution has no
    open conversation, at most one per group among those picked."""
    pool = list(entries)
    busy = {group_key(e, rule) for e in pool if e.is_open}
    picked: list[Entry] = []
    for entry in sorted(pool, key=lambda e: (e.position, e.id)):
        if len(picked) >= count:
            break
        if entry.state not in WAITING_STATES:
            continue
        key = group_key(entry, rule)
        if key is not None and key in busy:
            continue
        picked.append(entry)
        if key is not None:
            busy.add(key)
    return picked
