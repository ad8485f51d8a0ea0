"""Ranking: profiles from the store, TF-IDF (and optional semantic) matching, activity,
filters, explanations and the shortlist export.

Python API::

    import ranking
    frame = ranking.shortlist("data/profscout.db", "robot learning", regions=["europe"])

``ranking.shortlist`` is the function; the module of the same name is
``sys.modules["ranking.shortlist"]`` (``from ranking.shortlist import ...`` works as usual).
"""

from ranking.shortlist import COLUMNS, ShortlistRequest, build_shortlist, shortlist

__all__ = ["COLUMNS", "ShortlistRequest", "build_shortlist", "shortlist"]
