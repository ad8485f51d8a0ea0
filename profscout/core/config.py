"""Configuration: every network source and the store location, from options or environment.

Precedence: command-line option > environment variable > default.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from profscout.core.errors import UserError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_SOURCE_DATA = PROJECT_ROOT / "data"


def _installed_from_source() -> bool:
    """True for a checkout or an editable install (``data/`` sits beside the packages)."""
    return (_SOURCE_DATA / "areas.csv").is_file()


def _user_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    return Path(base) / "profscout"


# Our reference tables (areas.csv): data/ in a checkout, <prefix>/share/profscout once installed.
_INSTALLED_DATA = Path(sys.prefix) / "share" / "profscout"
REFERENCE_DIR = _SOURCE_DATA if _installed_from_source() else _INSTALLED_DATA
# Where the default store lives: data/ in a checkout, the user's data folder once installed.
DATA_DIR = _SOURCE_DATA if _installed_from_source() else _user_data_dir()

DEFAULT_DB = DATA_DIR / "profscout.db"
DEFAULT_CSRANKINGS_URL = "https://raw.githubusercontent.com/emeryberger/CSrankings/gh-pages/"
DEFAULT_ARXIV_URL = "https://export.arxiv.org/api/query"
PUBLIC_ARXIV_HOST = "export.arxiv.org"
POLITE_ARXIV_DELAY = 3.0
CONTACT_URL = "https://github.com/profscout/profscout"
USER_AGENT = f"profscout/0.1 (+{CONTACT_URL})"

# Where CSRankings puts an institution it lists no region or country for (its US default).
DEFAULT_REGION = "us"
DEFAULT_COUNTRY = "us"

# Crawl knobs: the command line shows and reuses these defaults.
DEFAULT_ARXIV_MONTHS = 24  # arXiv: how many months back a professor's papers are fetched
MAX_ARXIV_MONTHS = 240
DEFAULT_MAX_PAGES = 4  # homepages: pages fetched per professor (the homepage included)
MAX_PAGES_LIMIT = 50

ENV_DB = "PROFSCOUT_DB"
ENV_CSRANKINGS_URL = "PROFSCOUT_CSRANKINGS_URL"
ENV_ARXIV_URL = "PROFSCOUT_ARXIV_URL"
ENV_ARXIV_DELAY = "PROFSCOUT_ARXIV_DELAY"
ENV_USER_AGENT = "PROFSCOUT_USER_AGENT"
ENV_BUSY_TIMEOUT = "PROFSCOUT_BUSY_TIMEOUT"
ENV_LOCK_WAIT = "PROFSCOUT_LOCK_WAIT"

# Seconds a store write waits for another process's transaction before failing.
DEFAULT_BUSY_TIMEOUT = 120.0
# Seconds a crawl waits for another crawl of the same store to finish before giving up.
DEFAULT_LOCK_WAIT = 30.0
ENV_MATCHER = "PROFSCOUT_MATCHER"
ENV_ARXIV_TURNS = "PROFSCOUT_ARXIV_TURNS"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def env_seconds(name: str, default: float) -> float:
    """A non-negative, finite number of seconds from environment variable ``name``.

    Raises UserError (one line naming the variable) for anything else.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise UserError(f"{name} must be a number of seconds (0 or more), got {raw!r}")
    return value


def busy_timeout() -> float:
    """Seconds a store write waits for a lock (env ``PROFSCOUT_BUSY_TIMEOUT``)."""
    return env_seconds(ENV_BUSY_TIMEOUT, DEFAULT_BUSY_TIMEOUT)


def arxiv_turns_dir() -> Path:
    """Where every profscout process of this user records its last arXiv call per endpoint,
    so the polite spacing holds across processes (env ``PROFSCOUT_ARXIV_TURNS``, else the
    user's cache folder)."""
    value = os.environ.get(ENV_ARXIV_TURNS, "").strip()
    if value:
        return Path(value)
    cache = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(cache) / "profscout"


def lock_wait() -> float:
    """Seconds a crawl waits for another crawl of its store (env ``PROFSCOUT_LOCK_WAIT``)."""
    return env_seconds(ENV_LOCK_WAIT, DEFAULT_LOCK_WAIT)


@dataclass(frozen=True)
class Settings:
    """Where the data comes from and where it goes."""

    db_path: Path = field(default_factory=lambda: Path(_env(ENV_DB, str(DEFAULT_DB))))
    csrankings_url: str = field(
        default_factory=lambda: _env(ENV_CSRANKINGS_URL, DEFAULT_CSRANKINGS_URL)
    )
    arxiv_url: str = field(default_factory=lambda: _env(ENV_ARXIV_URL, DEFAULT_ARXIV_URL))
    arxiv_delay: float = field(
        default_factory=lambda: env_seconds(ENV_ARXIV_DELAY, POLITE_ARXIV_DELAY)
    )
    user_agent: str = field(default_factory=lambda: _env(ENV_USER_AGENT, USER_AGENT))

    def with_overrides(self, **overrides: object) -> Settings:
        """A copy with every override that is not None applied."""
        values = {k: v for k, v in overrides.items() if v is not None}
        if "db_path" in values:
            values["db_path"] = Path(str(values["db_path"]))
        return Settings(**{**self.__dict__, **values})


# -- Ranking defaults ----------------------------------------------------------------------
# Read by ranking (the library) and by the CLI (without importing ranking, so that --help
# stays light). ranking.matchers.MATCHERS registers exactly MATCHER_NAMES.
RANK_TOP = 25
RANK_PER_INSTITUTION = 2  # 0: no cap
RANK_MATCH_WEIGHT = 0.7
RANK_ACTIVITY_WEIGHT = 0.3
MATCHER_NAMES = ("tfidf", "semantic", "hybrid")
# The best cross-validated matcher on the expertise gold standard (``evaluate-match --folds``)
# when the semantic extra is installed; else TF-IDF, which needs nothing more.
PREFERRED_MATCHER = "hybrid"
FALLBACK_MATCHER = "tfidf"
DEFAULT_MATCHER = FALLBACK_MATCHER  # the matcher that always works (see default_matcher())


def default_matcher() -> str:
    """``$PROFSCOUT_MATCHER`` if set; else :data:`PREFERRED_MATCHER` when sentence-transformers
    can be imported, else :data:`FALLBACK_MATCHER`. The package is only located, not
    imported (no torch)."""
    chosen = os.environ.get(ENV_MATCHER, "").strip()
    if chosen:
        return chosen
    try:
        found = importlib.util.find_spec("sentence_transformers") is not None
    except (ImportError, ValueError):  # e.g. blocked with sys.modules[name] = None
        found = False
    return PREFERRED_MATCHER if found else FALLBACK_MATCHER
# -- end of ranking defaults ---------------------------------------------------------------
