"""``footnote``: the command-line entry point (``python -m bot`` is the same)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator

import click

from ingest.logs import configure_logging, level_for

# Each module adds its commands to the group; they import heavy libraries lazily so that
# ``footnote --help`` stays fast.
COMMAND_MODULES = (
    "bot.cli.ask",
    "bot.cli.search",
    "bot.cli.eval",
    "bot.cli.discord_commands",
    "bot.cli.feedback",
)
VERBOSE_KEY = "footnote.verbose"
QUIET_KEY = "footnote.quiet"
DEFAULT_LEVEL_ATTR = "footnote_log_level"  # a command's own default (``run``: INFO)


def log_level(ctx: click.Context) -> int:
    """The level this invocation logs at: the command's default moved by every -v / -q given."""
    default = getattr(ctx.command, DEFAULT_LEVEL_ATTR, logging.WARNING)
    return level_for(default, ctx.meta.get(VERBOSE_KEY, 0), ctx.meta.get(QUIET_KEY, 0) > 0)


def _verbosity(ctx: click.Context, param: click.Parameter, value: int | bool) -> None:
    key = VERBOSE_KEY if param.name == "verbose" else QUIET_KEY
    ctx.meta[key] = ctx.meta.get(key, 0) + int(value)  # meta is shared by group and command
    configure_logging(log_level(ctx))


def verbosity_params() -> list[click.Parameter]:
    """``-v`` (repeatable) and ``-q``, accepted before or after the command name."""
    return [
        click.Option(
            ["-v", "--verbose"],
            count=True,
            expose_value=False,
            callback=_verbosity,
            help="More logging on stderr (-vv for debug).",
        ),
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            expose_value=False,
            callback=_verbosity,
            help="Only errors on stderr.",
        ),
    ]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="footnote-bot", prog_name="footnote")
def main() -> None:
    """Footnote: answers questions over your articles, citing the passages it used."""


main.params.extend(verbosity_params())


@main.group(name="eval")
def eval_group() -> None:
    """Measure retrieval and answers on a dataset (e.g. ../shared/eval/squad-v1.1-dev)."""


def _commands(group: click.Group) -> Iterator[click.Command]:
    for command in group.commands.values():
        yield command
        if isinstance(command, click.Group):
            yield from _commands(command)


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(main, eval_group)


def _add_ingest(group: click.Group) -> None:
    """``footnote ingest`` is ``footnote-ingest``: the same click command, options and codes."""
    from ingest.cli import main as ingest_main

    group.add_command(ingest_main, name="ingest")


# Every command takes -v/-q, whichever module defines it; commands with their own (ingest) keep
# theirs.
for _command in _commands(main):
    _flags = {opt for param in _command.params for opt in getattr(param, "opts", [])}
    if not _flags & {"-v", "-q"}:
        _command.params.extend(verbosity_params())
_add_ingest(main)
