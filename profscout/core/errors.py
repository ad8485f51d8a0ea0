"""Exceptions that carry a one-line message meant for the user.

Messages speak of what the library knows (areas, regions, the store), never of command-line
flags: ``field`` names the input at fault by its parameter name (``regions``, ``months``,
``stages``...), and the command line maps it to the option that set it.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake in the user's input: reported as one line, exit code 2."""

    exit_code = 2

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class EmptyStoreError(UserError):
    """The store lacks what was asked for (``needs`` names the crawl stage that fills it)."""

    def __init__(self, message: str, *, needs: str = "csrankings") -> None:
        super().__init__(message)
        self.needs = needs


class SourceError(Exception):
    """A data source (CSRankings, arXiv, a homepage host) failed: one line, exit code 1."""

    exit_code = 1
