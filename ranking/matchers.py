"""The matcher registry: every matcher the commands can run, by name.

Each entry maps a name to ``"module:Class"`` (a :class:`ranking.base.Matcher`); the module is
imported only when that matcher is made, so optional extras (sentence-transformers) cost
nothing unless used. The names are :data:`profscout.core.config.MATCHER_NAMES` (the CLI offers
them without importing ranking).
"""

from __future__ import annotations

import importlib
from typing import Any

from profscout.core.config import DEFAULT_MATCHER
from profscout.core.errors import UserError
from ranking.base import Matcher

__all__ = ["DEFAULT_MATCHER", "MATCHERS", "make_matcher", "matcher_class"]

MATCHERS: dict[str, str] = {
    "tfidf": "ranking.match:TfidfMatcher",
    "semantic": "ranking.semantic:SemanticMatcher",
    "hybrid": "ranking.semantic:HybridMatcher",
}


class UnknownMatcher(UserError):
    """A matcher name that is not registered."""

    field = "matcher"


def matcher_class(name: str) -> type[Matcher]:
    """The class registered as ``name``; :class:`UnknownMatcher` naming the choices."""
    target = MATCHERS.get(name)
    if target is None:
        raise UnknownMatcher(f"unknown matcher {name!r}; choose one of: {', '.join(MATCHERS)}")
    module_name, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    if not (isinstance(cls, type) and issubclass(cls, Matcher)):
        raise TypeError(f"{target} is not a ranking.base.Matcher")
    return cls


def make_matcher(name: str = DEFAULT_MATCHER, **kwargs: Any) -> Matcher:
    """A new, unfitted matcher ``name`` built with ``kwargs``."""
    return matcher_class(name)(**kwargs)
