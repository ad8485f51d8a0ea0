"""The ``profscout`` command line: a click group whose commands load lazily.

User mistakes and failing sources end in one line on stderr and a non-zero exit code,
never a traceback.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys

import click

from profscout import __version__
from profscout.core.errors import SourceError, UserError
from profscout.core.store import StoreVersionError

# name -> (module:attribute, one-line help shown by ``profscout --help``)
COMMANDS: dict[str, tuple[str, str]] = {
    "crawl": ("profscout.cli.commands.crawl:crawl",
              "Crawl CSRankings, homepages and arXiv into the local store."),
    "institutions": ("profscout.cli.commands.institutions:institutions",
                     "Rank institutions by area publications, as CSRankings does."),
    "check": ("profscout.cli.commands.check:check",
              "Has this professor published recently, and on what?"),
    "professors": ("profscout.cli.commands.professors:professors",
                   "Export what the store knows about the selected professors."),
    "rank": ("profscout.cli.commands.rank:rank",
             "Rank professors in the store against your interests."),
    "shortlist": ("profscout.cli.commands.rank:shortlist",
                  "Crawl and rank in one go: the main job."),
    "campaign": ("profscout.cli.commands.campaign:campaign",
                 "Write to the shortlist one lab at a time; follow-ups and a ledger."),
    "evaluate-match": ("profscout.cli.commands.evaluate:evaluate_match",
                       "Score the matcher on a reviewer-expertise gold standard."),
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, _, attr = entry[0].partition(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands from ``COMMANDS`` without importing them."""
        rows = [(name, help_text) for name, (_, help_text) in sorted(COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="profscout")
def cli() -> None:
    """Find professors who actively publish on your topic, and judge the match.

    \b
    Typical use:
      profscout crawl --area vision --region europe
      profscout rank "self-supervised learning for microscopy" -o shortlist.csv
      profscout shortlist "robot learning" -o shortlist.csv     (crawl + rank)
      profscout check "Jane Doe" --institution MIT
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning expected failures into one-line errors."""
    try:
        result = cli.main(args=argv, prog_name="profscout", standalone_mode=False)
        if isinstance(result, int) and result:
            sys.exit(result)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (UserError, SourceError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except StoreVersionError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except sqlite3.DatabaseError as exc:
        click.echo(f"Error: the store could not be used: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted; finished work is saved in the store.", err=True)
        sys.exit(130)
    except OSError as exc:
        click.echo(f"Error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
