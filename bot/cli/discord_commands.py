"""``footnote run``, ``footnote sync-commands`` and ``footnote gaps`` (see ``bot.cli``)."""

from __future__ import annotations

import json
import logging
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import config_exit, load_settings
from ingest.logs import plain_handlers, silence_voice_warnings
from vectorstore.errors import ConfigError

if TYPE_CHECKING:
    from bot.config import BotSettings

log = logging.getLogger(__name__)

GATEWAY_PROBE = ("discord.com", 443)  # reached before the models load, and before each retry
PROBE_TIMEOUT = 10.0
RETRY_FIRST = 2.0  # seconds; doubles after each failed attempt
RETRY_MAX = 300.0


def probe_gateway() -> None:
    """Open (and close) a TCP connection to Discord: cheap, and it fails the way login would.

    Raises:
        OSError: DNS, routing or the connection failed.
    """
    with socket.create_connection(GATEWAY_PROBE, timeout=PROBE_TIMEOUT):
        pass


# discord.py's "Discord is down or unreachable" errors, by name: only the adapter imports discord.
DISCORD_NETWORK_ERRORS = frozenset({"GatewayNotFound", "DiscordServerError"})


def is_network_error(exc: BaseException) -> bool:
    """Whether ``exc`` means "Discord is unreachable now" (retry) rather than a bug (crash)."""
    import aiohttp

    # OSError covers DNS, refused, unreachable, TimeoutError and aiohttp's ClientConnectorError.
    if isinstance(exc, OSError | aiohttp.ClientConnectionError):
        return True
    return any(
        cls.__module__.startswith("discord.") and cls.__name__ in DISCORD_NETWORK_ERRORS
        for cls in type(exc).__mro__
    )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "no details"
    return f"{type(exc).__name__}: {text[:200]}"


def run_until_stopped(settings: BotSettings) -> None:
    """``run_bot`` until it returns, waiting out network failures with exponential backoff.

    The models load only once Discord answers, so an offline host does not pay for them on
    every attempt; a bot that ran for a while starts again with the shortest pause.
    """
    from bot.discord_adapter.app import run_bot

    delay = RETRY_FIRST
    while True:
        started = time.monotonic()
        try:
            probe_gateway()
            run_bot(settings)
            return
        except ConfigError as exc:
            config_exit(str(exc))
        except Exception as exc:
            if not is_network_error(exc):
                raise
            if time.monotonic() - started > RETRY_MAX:
                delay = RETRY_FIRST
            log.warning("cannot reach Discord (%s); retrying in %.0fs", _one_line(exc), delay)
        time.sleep(delay)
        delay = min(delay * 2, RETRY_MAX)


def register(main: click.Group, eval_group: click.Group) -> None:
    """Add this module's commands to ``footnote``."""

    @main.command()
    @click.pass_context
    def run(ctx: click.Context) -> None:
        """Start the Discord bot (token from DISCORD_TOKEN or FOOTNOTE_DISCORD_TOKEN).

        While Discord cannot be reached the command waits and retries with growing pauses
        (up to 5 minutes) instead of crashing; stop it with Ctrl-C.
        """
        from bot.cli.main import log_level

        settings = load_settings()
        try:
            from bot.discord_adapter.app import options_from_settings, require_token, setup_logging
            from bot.engine.llm import make_chat_model

            require_token(settings)
            options_from_settings(settings)
            make_chat_model(settings)  # LLM settings errors before waiting for the network
        except ConfigError as exc:
            config_exit(str(exc))
        setup_logging(settings, log_level(ctx))
        plain_handlers()
        silence_voice_warnings()
        run_until_stopped(settings)

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
        settings = load_settings()
        try:
            from bot.discord_adapter.app import run_sync_commands

            names = run_sync_commands(settings, guild_id)
        except ConfigError as exc:
            config_exit(str(exc))
        except Exception as exc:
            if not is_network_error(exc):
                raise
            raise click.ClickException(
                f"cannot reach Discord ({_one_line(exc)}); try again when online"
            ) from exc
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
