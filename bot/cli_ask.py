"""Commands of ``footnote`` (see ``bot.cli``)."""

from __future__ import annotations

import click


def register(main: click.Group, eval_group: click.Group) -> None:
    """Add this module's commands to ``footnote``."""
