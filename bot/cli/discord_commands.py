"""``footnote run``, ``footnote sync-commands`` and ``footnote gaps`` (see ``bot.cli``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import EX_CONFIG, load_settings

if TYPE_CHECKING:
    pass


def register(main: click.Group, eval_group: click.Group) -> None:
    """Add this module's commands to ``footnote``."""

    @main.command()
    @click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
    def run(verbose: bool) -> None:
        """Start the Discord bot (token from DISCORD_TOKEN or FOOTNOTE_DISCORD_TOKEN)."""
        import logging

        from vectorstore.errors import ConfigError

        settings = load_settings()
        try:
            from bot.discord_adapter.app import (
                options_from_settings,
                require_token,
                run_bot,
                setup_logging,
            )

            require_token(settings)
            options_from_settings(settings)
        except ConfigError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EX_CONFIG)
        setup_logging(settings, logging.DEBUG if verbose else logging.INFO)
        try:
            run_bot(settings)
        except ConfigError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EX_CONFIG)

    @main.command("sync-commands")
    @click.option(
        "--guild",
        "guild_id",
        type=int,
        default=None,
        help="Sync to this guild only (instant). Default: FOOTNOTE_GUILD_ID, else globally.",
    )
    def sync_commands(guild_id: int | None) -> None:
        """Register the slash commands with Discord (not done on every start)."""
        from vectorstore.errors import ConfigError

        settings = load_settings()
        try:
            from bot.discord_adapter.app import run_sync_commands

            names = run_sync_commands(settings, guild_id)
        except ConfigError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EX_CONFIG)
        target = guild_id or settings.guild_id
        where = f"guild {target}" if target else "globally (may take up to an hour to appear)"
        click.echo(f"Synced {len(names)} commands {where}: {', '.join(sorted(names))}")

    @main.command()
    @click.option("--json", "as_json", is_flag=True, help="One JSON array on stdout.")
    @click.option("--limit", type=int, default=None, help="Only the N most asked.")
    def gaps(as_json: bool, limit: int | None) -> None:
        """Questions the bot had to refuse (coverage gaps), most asked first."""
        from bot.discord_adapter.feedback import FEEDBACK_DB, FeedbackStore
        from vectorstore.config import data_dir_hint

        settings = load_settings()
        path = Path(settings.data_dir) / FEEDBACK_DB
        # Read-only: opening FeedbackStore would create the folder and the database.
        found = FeedbackStore(path).gaps(limit) if path.is_file() else []
        if as_json:
            click.echo(json.dumps([g.as_json() for g in found], ensure_ascii=False))
            return
        if not found:
            click.echo("No coverage gaps recorded: the bot has not refused any question yet.")
            if not path.is_file():
                click.echo(f"(No feedback database: {data_dir_hint(settings)}.)", err=True)
            return
        width = max(len(str(g.count)) for g in found)
        for g in found:
            click.echo(f"{g.count:>{width}}  {g.question}  (last asked {g.last_seen})")
