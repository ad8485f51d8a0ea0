"""Small pure helpers on text and URLs shared by the homepage spider and its pipeline."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

# C0 controls but tab/newline, DEL, C1 controls, and the Unicode line/paragraph separators
# and bidirectional controls that make stored text lie about itself when shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                      "\u2028\u2029]")


def clean_text(text: str) -> str:
    """``text`` without control characters (tab and newline kept; a removed character
    between two words becomes nothing, so ``a\\x00b`` reads ``ab``)."""
    return _CONTROL.sub("", text)


def clean_value(value: Any) -> Any:
    """``value`` with :func:`clean_text` applied to every string inside it (lists, tuples,
    dicts, recursively)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean_value(v) for v in value)
    return value


def host_of(url: str) -> str:
    """The URL's host name, lower case, without ``www.`` ("" when it has none)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")
