"""The Discord adapter's cogs and what they share: options, collaborators, error replies.

Cogs receive their collaborators (:class:`BotDeps`) and plain settings values
(:class:`BotOptions`) through their constructors; ``bot.discord_adapter.app.build_bot`` wires the
real ones and the tests pass fakes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.render import EmbedData, safe_url
from bot.discord_adapter.workers import Workers
from vectorstore.errors import FootnoteError, VectorStoreUnavailable

if TYPE_CHECKING:
    from bot.discord_adapter.feedback import FeedbackStore
    from bot.engine.models import Answerer, ArticleRef
    from ingest.report import IngestProgress, IngestReport
    from vectorstore.base import Passage

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Every message, edit and follow-up the bot sends carries this (the Bot's default too).
NO_MENTIONS = discord.AllowedMentions.none()

STORE_UNAVAILABLE = "The article store is unreachable right now; please try again later."

GENERIC_ERROR = (
    "Sorry, something went wrong on my side while handling that. "
    "It has been logged; please try again in a moment."
)

#: Runs one ingestion (blocking): configured sources when ``sources`` is ``None``.
IngestRunner = Callable[
    [Sequence[str] | None, Callable[["IngestProgress"], None] | None], "IngestReport"
]


class CatalogLike(Protocol):
    """What the cogs use of ``bot.engine.catalog.Catalog`` (blocking calls: run in a thread)."""

    def publishers(self) -> list[str]:
        """Publisher names in the corpus."""
        ...

    def search_titles(self, text: str, limit: int = 25) -> list[ArticleRef]:
        """Articles whose title matches ``text``."""
        ...

    def article(self, article_id: str) -> ArticleRef | None:
        """One article by id."""
        ...

    def passages(self, article_id: str) -> list[Passage]:
        """An article's passages in order."""
        ...

    def passage(self, passage_id: str) -> Passage | None:
        """One passage by id."""
        ...


class StatusLike(Protocol):
    """What ``ingest.status.corpus_status`` returns, as far as /status needs it."""

    def as_json(self) -> dict[str, Any]:
        """Plain values: articles, passages, sources, last_run, embedding_model, store."""
        ...


@dataclass(frozen=True, slots=True)
class BotDeps:
    """The bot's collaborators, wired once in ``footnote run``."""

    answers: Answerer
    catalog: CatalogLike
    feedback: FeedbackStore
    ingest: IngestRunner
    ingest_sources: Callable[[], list[str]]
    status: Callable[[], StatusLike]


@dataclass(frozen=True, slots=True)
class BotOptions:
    """Plain settings values the cogs need (from ``BotSettings``)."""

    rate_limit_questions: int = 5
    rate_limit_seconds: float = 60.0
    max_question_chars: int = 500
    stream_edit_interval: float = 1.0
    admin_role: str | None = None
    ingest_every: float | None = None  # seconds; None: no scheduled re-ingestion
    answerer: str = "extractive"
    message_content: bool = True  # needed to answer mentions' text and thread follow-ups
    history_messages: int = 20  # thread messages read back for a follow-up
    answer_workers: int = 2  # answers computed at once; the rest wait in line
    answer_queue_limit: int = 50  # questions allowed to wait in that line
    lookup_workers: int = 4  # threads for autocomplete, /source lookups and buttons


def to_embed(data: EmbedData) -> discord.Embed:
    """A ``discord.Embed`` from render's plain embed data."""
    embed = discord.Embed(
        title=data.title,
        description=data.description or None,
        url=safe_url(data.url),  # a URL Discord refuses would lose the whole message
        colour=discord.Colour.blurple(),
    )
    for f in data.fields:
        embed.add_field(name=f.name, value=f.value, inline=f.inline)
    if data.footer:
        embed.set_footer(text=data.footer)
    return embed


def _in_guild(interaction: discord.Interaction) -> bool:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage("This command works only in a server, not in DMs.")
    return True


#: Runtime twin of ``app_commands.guild_only()``: Discord enforces that one only once the
#: definitions are synced, so a stale global registration could still reach us from a DM.
in_guild = app_commands.check(_in_guild)


def error_message(error: BaseException) -> str:
    """What the user is told about ``error`` (never internals)."""
    if isinstance(error, app_commands.CommandInvokeError | commands.CommandInvokeError):
        error = error.original
    if isinstance(error, VectorStoreUnavailable):  # its text may name hosts or paths
        return STORE_UNAVAILABLE
    if isinstance(error, FootnoteError):
        return str(error) or GENERIC_ERROR
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} seconds."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works only in a server, not in DMs."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return GENERIC_ERROR


def workers_for(options: BotOptions) -> Workers:
    """Worker pools sized by ``options`` (for a cog built without the bot's shared ones)."""
    return Workers(options.answer_workers, options.lookup_workers, options.answer_queue_limit)


async def lookup(interaction: discord.Interaction, fn: Callable[..., T], /, *args: Any) -> T:
    """Run a short blocking call on the bot's lookup threads (for buttons, which have no cog)."""
    workers: Workers = interaction.client.workers  # type: ignore[attr-defined]
    return await workers.lookup(fn, *args)


async def choices_or_nothing(
    what: str,
    lookup: Callable[[], Awaitable[list[app_commands.Choice[str]]]],
) -> list[app_commands.Choice[str]]:
    """Run an autocomplete lookup; any failure (the store is down) suggests nothing.

    An autocomplete that raises leaves the user's box spinning and logs a traceback per
    keystroke; an empty list is the honest answer, and the command itself reports the outage.
    """
    try:
        return await lookup()
    except FootnoteError as exc:
        log.warning("%s autocomplete: %s: %s", what, type(exc).__name__, exc)
    except Exception:
        log.exception("%s autocomplete failed", what)
    return []


async def send_ephemeral(interaction: discord.Interaction, content: str) -> None:
    """Reply privately, whether or not the interaction was already answered or deferred.

    After a public ``defer`` the first follow-up would replace the public "thinking…"
    message; that message is deleted first so that the explanation stays private.
    """
    if not interaction.response.is_done():
        await interaction.response.send_message(
            content, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        return
    if interaction.extras.get("public_defer"):
        interaction.extras["public_defer"] = False
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.warning("could not delete the original response of interaction %s", interaction.id)
    await interaction.followup.send(content, ephemeral=True, allowed_mentions=NO_MENTIONS)


class FootnoteCog(commands.Cog):
    """Base cog: holds the collaborators and turns app-command errors into short private replies."""

    _deps: BotDeps | None = None

    @property
    def deps(self) -> BotDeps:
        """The collaborators (absent only in a commands-only bot used to sync definitions)."""
        if self._deps is None:
            raise RuntimeError("this bot was built to sync command definitions only")
        return self._deps

    async def cog_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """FootnoteError -> its message; cooldown -> retry hint; anything else -> logged."""
        original = getattr(error, "original", error)
        if not isinstance(original, FootnoteError | app_commands.CommandOnCooldown):
            command = interaction.command.qualified_name if interaction.command else "?"
            log.exception("/%s failed", command, exc_info=original)
        try:
            await send_ephemeral(interaction, error_message(error))
        except discord.HTTPException:
            log.warning("could not tell the user about an error in interaction %s", interaction.id)
