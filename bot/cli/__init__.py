"""The ``footnote`` command line: one module per command group.

``main`` is the click group (``footnote = "bot.cli:main"``); ``ask`` (ask, chat), ``search``,
``eval`` (eval retrieval/answers), ``discord_commands`` (run, sync-commands, gaps). The CLI may use
every other room; nothing imports the CLI.
"""

from bot.cli.main import main

__all__ = ["main"]
