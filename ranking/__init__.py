"""Ranking: profiles from the store, TF-IDF (and optional semantic) matching, activity,
filters, explanations and the shortlist export.

Python API::

    import ranking
    frame = ranking.shortlist("data/profscout.db", "robot learning", regions=["europe"])

``ranking.shortlist`` is the function; the module of the same name is
``sys.modules["ranking.shortlist"]`` (``from ranking.shortlist import ...`` works as usual).
Bad requests raise :class:`InvalidRequest` (a ``UserError`` naming the request field).
"""

from ranking.shortlist import (
    COLUMNS,
    InvalidRequest,
    ShortlistRequest,
    build_shortlist,
    shortlist,
)

__all__ = ["COLUMNS", "InvalidRequest", "ShortlistRequest", "build_shortlist", "shortlist"]
