"""The ``profscout`` command line: a click group whose commands load lazily.

User mistakes and failing sources end in one line on stderr and a non-zero exit code,
never a traceback; a library error that names the input at fault (``UserError.field``) is
reported with the option that set it.
"""

from __future__ import annotations

import importlib
import signal
import sqlite3
import threading
from typing import IO, Any

import click

from profscout import __version__
from profscout.core.errors import EmptyStoreError, SourceError, UserError
from profscout.core.store import StoreError

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


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so cleanups run (atomic writes drop their
    temporary files, child crawls are waited for) and the exit is the usual 143."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def install_signal_handlers() -> None:
    """Turn SIGTERM into :class:`Terminated` (main thread only; a no-op elsewhere)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)


class Failure(click.ClickException):
    """An expected failure: one line on stderr (``prefix`` + message) and ``exit_code``."""

    def __init__(self, message: str, exit_code: int, prefix: str = "Error: ") -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click reads it per instance
        self.prefix = prefix

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"{self.prefix}{self.format_message()}", err=True)


def option_for(command: click.Command | None, field: str | None) -> str | None:
    """The option of ``command`` that sets the parameter ``field`` (``--region``), if any."""
    if command is None or field is None:
        return None
    for param in command.params:
        if param.name == field:
            long = [o for o in param.opts if o.startswith("--")]
            return (long or param.opts)[0] if isinstance(param, click.Option) else param.name
    return None


def user_message(exc: UserError, command: click.Command | None) -> str:
    """The one line for a library's UserError, naming the option at fault when there is one."""
    message = str(exc)
    if isinstance(exc, EmptyStoreError):
        message += f"; run `profscout crawl --stages {exc.needs}` first"
    option = option_for(command, exc.field)
    return f"Invalid value for '{option}': {message}" if option else message


def as_failure(exc: BaseException, command: click.Command | None) -> Failure | None:
    """The one-line failure an expected exception stands for (None: not an expected one)."""
    if isinstance(exc, UserError):
        return Failure(user_message(exc, command), exc.exit_code)
    if isinstance(exc, SourceError):
        return Failure(str(exc), exc.exit_code)
    if isinstance(exc, StoreError):
        return Failure(str(exc), exc.exit_code)
    if isinstance(exc, sqlite3.DatabaseError):
        return Failure(f"the store could not be used: {exc}", 1)
    if isinstance(exc, Terminated):
        return Failure("Terminated; finished work is saved in the store.", 143, prefix="")
    if isinstance(exc, KeyboardInterrupt):
        return Failure("Interrupted; finished work is saved in the store.", 130, prefix="")
    if isinstance(exc, OSError):
        return Failure(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), 1)
    return None


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs, and turns the
    library's expected exceptions into one-line errors with their exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, _, attr = entry[0].partition(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        ctx.meta[_COMMAND_KEY] = command
        return name, command, rest

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except (Exception, KeyboardInterrupt) as exc:
            failure = as_failure(exc, ctx.meta.get(_COMMAND_KEY))
            if failure is None:
                raise
            raise failure from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands from ``COMMANDS`` without importing them."""
        rows = [(name, help_text) for name, (_, help_text) in sorted(COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


_COMMAND_KEY = "profscout.command"


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
    """Entry point: run the CLI; expected failures end in one line and an exit code."""
    install_signal_handlers()
    cli.main(args=argv, prog_name="profscout")


if __name__ == "__main__":
    main()
