"""``footnote``: the command-line entry point (``python -m bot`` is the same)."""

from __future__ import annotations

import importlib
import logging

import click

# Each module adds its commands to the group; they import heavy libraries lazily so that
# ``footnote --help`` stays fast.
COMMAND_MODULES = ("bot.cli.ask", "bot.cli.search", "bot.cli.eval", "bot.cli.discord_commands")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for debug).")
def main(verbose: int) -> None:
    """Footnote: answers questions over your articles, citing the passages it used."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Libraries that set their own loggers to DEBUG on import (bm25s) bypass the root level;
    # a level on the handler holds for every logger.
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)


@main.group(name="eval")
def eval_group() -> None:
    """Measure retrieval and answers on a dataset (e.g. ../shared/eval/squad-v1.1-dev)."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(main, eval_group)
