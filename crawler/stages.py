"""The contract between ``profscout crawl`` and its stages.

A stage is a function ``run(ctx: StageContext) -> StageReport`` registered in ``STAGES`` by
dotted path (imported lazily so ``--help`` stays fast). Stages run in the order the user gives,
each on the professors the filters selected (``ctx.professor_ids``; the ``csrankings`` stage
imports everything and runs before selection).
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from profscout.core.config import Settings

STAGES: dict[str, str] = {
    "csrankings": "crawler.csrankings_stage:run",
    "homepages": "crawler.homepages_stage:run",
    "arxiv": "crawler.arxiv_stage:run",
}
STAGE_ORDER = ("csrankings", "homepages", "arxiv")


@dataclass
class StageContext:
    """What a stage gets: the open store, settings, the selection and the user's options.

    ``options`` holds ``months`` (arXiv window; default ``config.DEFAULT_ARXIV_MONTHS``),
    ``max_pages`` (homepages; default ``config.DEFAULT_MAX_PAGES``) and ``areas`` (the
    selection's resolved area codes), plus whatever a caller adds for one stage. ``console``
    is where progress is drawn (when ``show_progress``); stages render nothing else.
    """

    conn: sqlite3.Connection
    settings: Settings
    console: Console
    professor_ids: list[int] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    show_progress: bool = True


@dataclass
class StageReport:
    """What a stage did, for the closing summary and ``--json``.

    ``counts`` holds the stage's own figures (rows added, updated, papers found, states...);
    ``skipped`` maps a reason to how many items were skipped for it.
    """

    stage: str
    counts: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, **self.counts, "skipped": dict(self.skipped),
                "errors": list(self.errors)}


StageFunction = Callable[[StageContext], StageReport]


def load_stage(name: str) -> StageFunction:
    """The run function of stage ``name`` (a key of ``STAGES``)."""
    module_name, _, attr = STAGES[name].partition(":")
    return getattr(importlib.import_module(module_name), attr)
