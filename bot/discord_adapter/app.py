"""The Discord bot: a ``commands.Bot`` wired to the answer engine and the ingestion job.

Intents are the minimum the features need: ``guilds`` (channels, threads, roles),
``guild_messages`` (mentions and thread follow-ups arrive as messages) and, for reading the text
of those messages, the privileged ``message_content`` intent (enable it in the Developer
Portal under Bot -> Privileged Gateway Intents; slash commands work without it).
"""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.discord_adapter.cogs import BotDeps, BotOptions
from bot.discord_adapter.cogs.admin import AdminCog, parse_interval
from bot.discord_adapter.cogs.ask import AskCog, PassagesButton, VoteButton
from bot.discord_adapter.cogs.source import SourceCog
from bot.discord_adapter.workers import Workers
from vectorstore.errors import ConfigError

if TYPE_CHECKING:
    from bot.config import BotSettings
    from ingest.report import IngestProgress, IngestReport

log = logging.getLogger(__name__)


def bot_intents(message_content: bool = True) -> discord.Intents:
    """Only what the features need (see the module docstring)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = message_content
    return intents


class FootnoteBot(commands.Bot):
    """The bot: cogs for /ask (and mentions, threads), /source, /ingest and /status.

    Args:
        deps: The collaborators; ``None`` builds a bot that only knows the command definitions
            (``footnote sync-commands``).
        options: Plain settings values.
        **kwargs: Passed to ``commands.Bot`` (tests shorten ``guild_ready_timeout``).
    """

    def __init__(self, deps: BotDeps | None, options: BotOptions, **kwargs: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(options.message_content),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **kwargs,
        )
        self.deps = deps
        self.options = options
        self.workers = Workers(
            options.answer_workers, options.lookup_workers, options.answer_queue_limit
        )

    @property
    def feedback(self) -> Any:
        """The feedback store (the persistent buttons find it here)."""
        if self.deps is None:
            raise RuntimeError("this bot was built to sync command definitions only")
        return self.deps.feedback

    async def setup_hook(self) -> None:
        """Add the cogs and the persistent buttons; commands are synced only on demand."""
        await self.add_cog(AskCog(self, self.deps, self.options, workers=self.workers))
        await self.add_cog(SourceCog(self, self.deps, self.options, workers=self.workers))
        await self.add_cog(AdminCog(self, self.deps, self.options, workers=self.workers))
        self.add_dynamic_items(PassagesButton, VoteButton)

    async def close(self) -> None:
        """Log out, then stop the worker pools."""
        try:
            await super().close()
        finally:
            self.workers.shutdown()

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: mentions are questions, handled by the Ask cog's listener."""

    async def on_ready(self) -> None:
        """Log who we are and where."""
        assert self.user is not None
        log.info(
            "logged in as %s (id %s) in %d guild(s)", self.user, self.user.id, len(self.guilds)
        )


def options_from_settings(settings: BotSettings, answerer: str | None = None) -> BotOptions:
    """The cogs' options from the settings.

    Raises:
        ConfigError: ``FOOTNOTE_INGEST_EVERY`` is not a duration.
    """
    try:
        every = parse_interval(settings.ingest_every)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return BotOptions(
        rate_limit_questions=settings.rate_limit_questions,
        rate_limit_seconds=settings.rate_limit_seconds,
        max_question_chars=settings.max_question_chars,
        stream_edit_interval=settings.stream_edit_interval,
        answer_workers=settings.answer_workers,
        answer_queue_limit=settings.answer_queue_limit,
        lookup_workers=settings.lookup_workers,
        admin_role=settings.admin_role,
        ingest_every=every,
        answerer=answerer or settings.llm or "extractive",
        # Optional setting (FOOTNOTE_MESSAGE_CONTENT=false): slash commands only, no mentions.
        message_content=bool(getattr(settings, "message_content", True)),
    )


def build_deps(settings: BotSettings) -> BotDeps:
    """The real collaborators: answer engine, catalog, ingestion job, status, feedback store."""
    from bot.discord_adapter.feedback import FeedbackStore
    from bot.wiring import build_services
    from ingest.pipeline import configured_sources, run_ingest
    from ingest.status import corpus_status

    services = build_services(settings)

    def ingest(
        sources: Sequence[str] | None, on_progress: Callable[[IngestProgress], None] | None
    ) -> IngestReport:  # runs in a worker thread
        chosen = list(sources) if sources else configured_sources(settings)
        return run_ingest(chosen, settings, store=services.store, on_progress=on_progress)

    return BotDeps(
        answers=services.answers,
        catalog=services.catalog,
        feedback=FeedbackStore.in_data_dir(settings.data_dir),
        ingest=ingest,
        ingest_sources=lambda: configured_sources(settings),
        status=lambda: corpus_status(settings, services.store),
    )


def _answerer_name(answers: object) -> str | None:
    name = getattr(answers, "answerer_name", None)
    return str(name) if name else None


class _RedactToken(logging.Filter):
    """Belt and braces: no log line may contain the token, whoever logs it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self._token and self._token in record.getMessage():
            record.msg, record.args = record.getMessage().replace(self._token, "[token]"), ()
        return True


def setup_logging(settings: BotSettings, level: int = logging.INFO) -> None:
    """discord.py's log format on stderr, plus a rotating file when ``FOOTNOTE_LOG_FILE`` is set."""
    root = logging.getLogger()
    for handler in list(root.handlers):  # replace the CLI's basicConfig handler
        root.removeHandler(handler)
    discord.utils.setup_logging(level=level, root=True)
    if settings.log_file:
        path = Path(settings.log_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=5 * 1024 * 1024, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    for handler in root.handlers:
        handler.addFilter(_RedactToken(token))


def require_token(settings: BotSettings) -> str:
    """The bot token.

    Raises:
        ConfigError: Neither ``FOOTNOTE_DISCORD_TOKEN`` nor ``DISCORD_TOKEN`` is set.
    """
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise ConfigError(
            "No Discord bot token: set DISCORD_TOKEN (or FOOTNOTE_DISCORD_TOKEN) in the "
            "environment or in .env. Create one at https://discord.com/developers/applications "
            "-> your application -> Bot -> Reset Token."
        )
    return token


def run_bot(settings: BotSettings) -> None:
    """Start the bot and block until it stops (``footnote run``)."""
    token = require_token(settings)
    options_from_settings(settings)  # config errors before loading models
    deps = build_deps(settings)
    options = options_from_settings(settings, answerer=_answerer_name(deps.answers))
    bot = FootnoteBot(deps, options)
    log.info(
        "starting: answerer=%s rate_limit=%d/%.0fs ingest_every=%s",
        options.answerer,
        options.rate_limit_questions,
        options.rate_limit_seconds,
        options.ingest_every,
    )
    try:
        bot.run(token, log_handler=None)  # logging is configured by setup_logging
    except discord.PrivilegedIntentsRequired as exc:
        raise ConfigError(
            "Discord refused the Message Content intent. Enable it in the Developer Portal: "
            "your application -> Bot -> Privileged Gateway Intents -> MESSAGE CONTENT INTENT."
        ) from exc
    except discord.LoginFailure as exc:
        raise ConfigError("Discord rejected the bot token (check DISCORD_TOKEN).") from exc


async def sync_commands(settings: BotSettings, guild_id: int | None = None) -> list[str]:
    """Log in, register the slash commands with Discord, log out; returns their names.

    To ``guild_id`` (or ``FOOTNOTE_GUILD_ID``) when given: instant, for development.
    Globally otherwise (Discord may take up to an hour to show changes).
    """
    token = require_token(settings)
    bot = FootnoteBot(None, options_from_settings(settings))
    async with bot:
        await bot.login(token)  # also runs setup_hook, which adds the cogs
        target = guild_id or settings.guild_id
        if target:
            guild = discord.Object(id=target)
            bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
        else:
            synced = await bot.tree.sync()
    return [c.name for c in synced]


def run_sync_commands(settings: BotSettings, guild_id: int | None = None) -> list[str]:
    """Blocking wrapper of :func:`sync_commands` for the CLI."""
    try:
        return asyncio.run(sync_commands(settings, guild_id))
    except discord.LoginFailure as exc:
        raise ConfigError("Discord rejected the bot token (check DISCORD_TOKEN).") from exc
