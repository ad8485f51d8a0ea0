"""Options shared by several commands, as click decorators, and the settings they build."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from crawler.stages import STAGE_ORDER
from profscout.core import config

F = Callable[..., Any]

# The longest professor name a command accepts (the longest in CSRankings is under 60).
MAX_NAME_LENGTH = 200


class FiniteFloat(click.FloatRange):
    """A float in range that is a real number: ``nan`` and ``inf`` are refused."""

    name = "finite float"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


WEIGHT = FiniteFloat(min=0)


def check_name_length(name: str, limit: int = MAX_NAME_LENGTH) -> str:
    """``name`` unchanged, or click.BadParameter (one line) when it is longer than ``limit``
    characters: no request is sent for it. Use as ``callback=name_callback``."""
    if len(name) > limit:
        raise click.BadParameter(f"a name of {len(name)} characters; names are at most "
                                 f"{limit}")
    return name


def name_callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """click callback bounding a NAME argument's length (see :func:`check_name_length`)."""
    return check_name_length(value) if isinstance(value, str) else value


def apply_options(options: list[Callable[[F], F]]) -> Callable[[F], F]:
    """One decorator applying ``options`` in the order listed (as --help shows them)."""
    def decorator(func: F) -> F:
        for option in reversed(options):
            func = option(func)
        return func

    return decorator


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def db_option(func: F) -> F:
    """``--db PATH`` (env ``PROFSCOUT_DB``)."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar=config.ENV_DB,
        show_envvar=True,
        default=None,
        help=f"SQLite store [default: {_shown(config.DEFAULT_DB)}].",
    )(func)


source_options = apply_options([
    click.option(
        "--csrankings-url",
        envvar=config.ENV_CSRANKINGS_URL,
        show_envvar=True,
        default=None,
        help="Base URL of the CSRankings CSV files [default: the public repository].",
    ),
    click.option(
        "--arxiv-url",
        envvar=config.ENV_ARXIV_URL,
        show_envvar=True,
        default=None,
        help=f"arXiv API query endpoint [default: {config.DEFAULT_ARXIV_URL}].",
    ),
    click.option(
        "--arxiv-delay",
        type=click.FloatRange(min=0.0),
        envvar=config.ENV_ARXIV_DELAY,
        show_envvar=True,
        default=None,
        metavar="SECONDS",
        help=f"Seconds between arXiv calls [default: {config.POLITE_ARXIV_DELAY:g}; "
             "lower only for a non-public endpoint].",
    ),
])

filter_options = apply_options([
    click.option("--area", "areas", multiple=True, metavar="AREA",
                 help="CSRankings area code, parent or friendly name (repeatable)."),
    click.option("--region", "regions", multiple=True, metavar="REGION",
                 help="Region, e.g. europe, us, asia (repeatable)."),
    click.option("--country", "countries", multiple=True, metavar="CC",
                 help="Two-letter country code (repeatable)."),
    click.option("--institution", "institutions", multiple=True, metavar="NAME",
                 help="Institution name as CSRankings spells it (repeatable)."),
    click.option("--since", type=click.IntRange(1970, 2100), default=None, metavar="YEAR",
                 help="Count area publications from this year on."),
    click.option("--min-pubs", type=click.FloatRange(min=0), default=None, metavar="N",
                 help="Keep professors with at least N counted papers in the chosen areas."),
    click.option("--names", "names_file", type=click.Path(exists=True, dir_okay=False,
                 path_type=Path), default=None, metavar="FILE",
                 help="Only the professors named in FILE (one per line)."),
])

crawl_options = apply_options([
    click.option("--stages", default=",".join(STAGE_ORDER), show_default=True,
                 help="Comma-separated crawl stages to run (always in this order)."),
    click.option("--months", type=click.IntRange(1, config.MAX_ARXIV_MONTHS),
                 default=config.DEFAULT_ARXIV_MONTHS, show_default=True,
                 help="arXiv: look this many months back."),
    click.option("--max-pages", type=click.IntRange(1, config.MAX_PAGES_LIMIT),
                 default=config.DEFAULT_MAX_PAGES, show_default=True,
                 help="Homepages: pages fetched per professor."),
    click.option("--keep-going", is_flag=True, default=False,
                 help="arXiv: finish with exit 0 even when some batches failed (their "
                      "professors are marked 'error' and asked again next time)."),
])


def build_settings(**options: Any) -> config.Settings:
    """Settings from the shared options (None = use environment or default)."""
    keys = ("db_path", "csrankings_url", "arxiv_url", "arxiv_delay")
    return config.Settings().with_overrides(**{k: options.get(k) for k in keys})
