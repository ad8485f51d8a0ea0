"""The matcher registry: every matcher the commands can run, by name.

Each entry maps a name to ``"module:Class"``; the module is imported only when that matcher
is made, so optional extras (sentence-transformers) cost nothing unless used. Adding a matcher
is one line here.
"""

from __future__ import annotations

import importlib
from typing import Any

from profscout.core.errors import UserError
from ranking.base import ProfileMatcher

MATCHERS: dict[str, str] = {
    "tfidf": "ranking.match:TfidfMatcher",
    "semantic": "ranking.semantic:SemanticMatcher",
    "hybrid": "ranking.semantic:HybridMatcher",
}
DEFAULT_MATCHER = "tfidf"


def matcher_class(name: str) -> type:
    """The class registered as ``name``; UserError naming the choices when unknown."""
    target = MATCHERS.get(name)
    if target is None:
        raise UserError(f"unknown matcher {name!r}; choose one of: {', '.join(MATCHERS)}")
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def make_matcher(name: str = DEFAULT_MATCHER, **kwargs: Any) -> ProfileMatcher:
    """A new, unfitted matcher ``name`` built with ``kwargs``."""
    return matcher_class(name)(**kwargs)
