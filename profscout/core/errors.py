"""Exceptions that carry a one-line message meant for the user."""


class UserError(Exception):
    """A mistake in the user's input: reported as one line, exit code 2."""

    exit_code = 2


class SourceError(Exception):
    """A data source (CSRankings, arXiv, a homepage host) failed: one line, exit code 1."""

    exit_code = 1
