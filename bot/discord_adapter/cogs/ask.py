"""/ask, mentions and thread follow-ups: stream the answer, then show sources and buttons."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.cogs import (
    GENERIC_ERROR,
    NO_MENTIONS,
    BotDeps,
    BotOptions,
    FootnoteCog,
    choices_or_nothing,
    error_message,
    in_guild,
    lookup,
    send_ephemeral,
    to_embed,
    workers_for,
)
from bot.discord_adapter.ratelimit import RateLimited, RateLimiter
from bot.discord_adapter.render import (
    answer_embed,
    clip,
    render_answer_text,
    render_passages,
    render_queue_place,
    render_stream_preview,
    split_message,
    thread_name,
    unescape_markdown,
)
from bot.discord_adapter.workers import Workers
from bot.engine.errors import QuestionRejected
from bot.engine.models import Answer, AnswerDelta, SearchFilters, Turn
from vectorstore.errors import FootnoteError

if TYPE_CHECKING:
    from bot.discord_adapter.feedback import FeedbackStore

log = logging.getLogger(__name__)

_MENTION_PREFIX = r"<@!?{id}>"
OVER_LIMIT_REACTION = "⏳"
_DONE = object()


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


def parse_after(value: str | None) -> str | None:
    """Validate the ``after`` option: an ISO date (``2024-05-31``) or date-time.

    Raises:
        QuestionRejected: The value is not a date; the message says what is expected.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) <= 10:
            return date.fromisoformat(text).isoformat()
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        raise QuestionRejected(
            f"`after` must be a date written year-month-day, like `2024-05-31`; "
            f"I could not read “{clip(text, 40)}”."
        ) from None


def check_question(question: str, max_chars: int) -> str:
    """The question, stripped; rejects empty and over-long ones with a helpful message."""
    text = question.strip()
    if not text:
        raise QuestionRejected("Please ask a question (the text was empty).")
    if len(text) > max_chars:
        raise QuestionRejected(
            f"That question is {len(text)} characters long; please keep it under "
            f"{max_chars} characters."
        )
    return text


class PassagesButton(discord.ui.DynamicItem[discord.ui.Button], template=r"footnote:passages:(?P<answer_id>[0-9a-f]{6,32})"):  # fmt: skip  # noqa: E501
    """Shows the quoted passages of a stored answer, privately, to whoever clicks."""

    def __init__(self, answer_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Passages",
                emoji="📄",
                style=discord.ButtonStyle.secondary,
                custom_id=f"footnote:passages:{answer_id}",
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PassagesButton:
        """Rebuild the button from its custom id (clicks work after a restart)."""
        return cls(match["answer_id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Send the passages ephemerally."""
        try:
            store: FeedbackStore = interaction.client.feedback  # type: ignore[attr-defined]
            stored = await lookup(interaction, store.get_answer, self.answer_id)
            if stored is None:
                await send_ephemeral(interaction, "I no longer have the passages of this answer.")
                return
            messages = render_passages(stored.citations)
            await interaction.response.send_message(
                messages[0], ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            for extra in messages[1:]:
                await interaction.followup.send(extra, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except Exception as exc:
            await _component_error(interaction, exc)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button], template=r"footnote:vote:(?P<answer_id>[0-9a-f]{6,32}):(?P<vote>up|down)"):  # fmt: skip  # noqa: E501
    """👍 / 👎 on an answer; the vote is stored with the question, answer and sources."""

    def __init__(self, answer_id: str, vote: str) -> None:
        super().__init__(
            discord.ui.Button(
                emoji="👍" if vote == "up" else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"footnote:vote:{answer_id}:{vote}",
            )
        )
        self.answer_id = answer_id
        self.vote = vote

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        """Rebuild the button from its custom id."""
        return cls(match["answer_id"], match["vote"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Store the vote and thank the user privately."""
        try:
            store: FeedbackStore = interaction.client.feedback  # type: ignore[attr-defined]
            if await lookup(interaction, store.get_answer, self.answer_id) is None:
                await send_ephemeral(interaction, "I no longer have this answer on record.")
                return
            value = 1 if self.vote == "up" else -1
            await lookup(interaction, store.record_vote, self.answer_id, interaction.user.id, value)
            log.info("vote answer=%s value=%+d", self.answer_id, value)
            await interaction.response.send_message(
                "Thanks for the feedback!" if value > 0 else "Thanks, noted: this answer missed.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
        except Exception as exc:
            await _component_error(interaction, exc)


async def deliver_parts(
    parts: Sequence[str],
    embed: discord.Embed | None,
    view: discord.ui.View | None,
    *,
    edit_first: Callable[..., Awaitable[Any]],
    send_more: Callable[..., Awaitable[Any]],
) -> None:
    """Turn the streamed message into the final answer; overflow goes into further messages.

    The embed and buttons ride on the last part, so they sit under the end of the answer.
    """
    last = len(parts) - 1
    await edit_first(
        content=parts[0],
        embed=embed if last == 0 else None,
        view=view if last == 0 else None,
        allowed_mentions=NO_MENTIONS,
    )
    for i, part in enumerate(parts[1:], start=1):
        extra: dict[str, Any] = {"embed": embed, "view": view} if i == last else {}
        await send_more(part, allowed_mentions=NO_MENTIONS, **extra)


async def _component_error(interaction: discord.Interaction, exc: Exception) -> None:
    if not isinstance(exc, FootnoteError):
        log.exception("button %s failed", interaction.data, exc_info=exc)
    try:
        await send_ephemeral(interaction, error_message(exc))
    except discord.HTTPException:
        log.warning("could not report a button error for interaction %s", interaction.id)


def answer_view(answer_id: str, *, with_passages: bool) -> discord.ui.View:
    """The buttons under an answer: Passages (when it cites any), 👍, 👎."""
    view = discord.ui.View(timeout=None)
    if with_passages:
        view.add_item(PassagesButton(answer_id))
    view.add_item(VoteButton(answer_id, "up"))
    view.add_item(VoteButton(answer_id, "down"))
    return view


class AskCog(FootnoteCog, name="Ask"):
    """Answers questions: ``/ask``, mentions of the bot, and follow-ups in its threads."""

    def __init__(
        self,
        bot: commands.Bot,
        deps: BotDeps | None,
        options: BotOptions,
        *,
        clock: Callable[[], float] = time.monotonic,
        workers: Workers | None = None,
    ) -> None:
        self.bot = bot
        self._deps = deps
        self.options = options
        self.workers = workers or workers_for(options)
        self.limiter = RateLimiter(options.rate_limit_questions, options.rate_limit_seconds)
        self.clock = clock

    # -- /ask ---------------------------------------------------------------------------------

    @app_commands.command(name="ask")
    @app_commands.guild_only()
    @in_guild
    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        source: str | None = None,
        after: str | None = None,
        private: bool = False,
    ) -> None:
        """Ask a question about the articles; the answer cites the passages it used.

        Args:
            interaction: The slash command.
            question: What you want to know.
            source: Only use articles from this publisher.
            after: Only use articles published on or after this date (YYYY-MM-DD).
            private: Show the answer only to you.
        """
        text = check_question(question, self.options.max_question_chars)
        published_after = parse_after(after)
        self.limiter.hit(interaction.user.id)
        await interaction.response.defer(thinking=True, ephemeral=private)
        if not private:
            interaction.extras["public_defer"] = True
        filters = await self._filters(source, published_after)

        async def preview(content: str) -> None:
            await interaction.edit_original_response(content=content, allowed_mentions=NO_MENTIONS)

        answer = await self.stream_answer(text, (), filters, preview)
        answer_id = await self.workers.lookup(
            self.deps.feedback.record_answer,
            answer,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            user_id=interaction.user.id,
            private=private,
        )
        parts, embed, view = self._final_message(answer, answer_id)
        interaction.extras["public_defer"] = False  # from here on the answer stands
        await deliver_parts(
            parts,
            embed,
            view,
            edit_first=interaction.edit_original_response,
            send_more=functools.partial(interaction.followup.send, ephemeral=private),
        )
        log.info(
            "/ask answered id=%s q_len=%d abstained=%s citations=%d parts=%d",
            answer_id,
            len(text),
            answer.abstained,
            len(answer.citations),
            len(parts),
        )

    @ask.autocomplete("source")
    async def _source_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        async def lookup() -> list[app_commands.Choice[str]]:
            publishers = await self.workers.lookup(self.deps.catalog.publishers)
            needle = current.casefold().strip()
            matches = [p for p in publishers if needle in p.casefold()]
            matches.sort(key=lambda p: (not p.casefold().startswith(needle), p.casefold()))
            return [app_commands.Choice(name=clip(p, 100), value=p[:100]) for p in matches[:25]]

        return await choices_or_nothing("/ask source", lookup)

    async def _filters(self, source: str | None, published_after: str | None) -> SearchFilters:
        sources: tuple[str, ...] = ()
        if source and source.strip():
            publishers = await self.workers.lookup(self.deps.catalog.publishers)
            wanted = source.strip().casefold()
            match = [p for p in publishers if p.casefold() == wanted]
            if not match and len(wanted) >= 100:  # autocomplete values are cut at 100 characters
                match = [p for p in publishers if p.casefold().startswith(wanted)]
            if not match:
                known = ", ".join(f"`{p}`" for p in publishers[:10]) or "none yet"
                raise QuestionRejected(
                    f"I have no articles from “{clip(source.strip(), 60)}”. "
                    f"Known publishers: {known}."
                )
            sources = (match[0],)
        return SearchFilters(sources=sources, published_after=published_after)

    # -- streaming ------------------------------------------------------------------------------

    async def stream_answer(
        self,
        question: str,
        history: Sequence[Turn],
        filters: SearchFilters | None,
        preview: Callable[[str], Awaitable[None]],
    ) -> Answer:
        """Run the answerer's blocking stream in a worker thread; preview the text as it grows.

        ``preview`` is awaited at most once per ``stream_edit_interval`` seconds (Discord
        rate-limits edits); the final ``Answer`` is returned for the caller to render.
        A due preview is held until more text arrives (or the stream pauses for an interval):
        an answerer that yields its whole text at once (the extractive one) would otherwise
        cost an edit that the final edit replaces at once.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()
        answers = self.deps.answers

        def produce() -> None:
            try:
                for item in answers.stream(question, history=history, filters=filters):
                    loop.call_soon_threadsafe(queue.put_nowait, item)
            except BaseException as exc:  # handed to the event loop, which re-raises it
                loop.call_soon_threadsafe(queue.put_nowait, _Failed(exc))
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, _DONE)

        async def tell_place(place: int) -> None:
            try:
                await preview(render_queue_place(place))
            except discord.HTTPException as exc:
                log.warning("queue notice failed: %s", exc)

        async def work() -> None:
            try:  # waits for an answer worker (telling the user their place), then produces
                await self.workers.answers.run(produce, on_wait=tell_place)
            except BaseException as exc:  # QueueFull, shutdown: produce() never ran
                queue.put_nowait(_Failed(exc))
                queue.put_nowait(_DONE)
                if not isinstance(exc, Exception):
                    raise

        worker = asyncio.create_task(work())
        interval = self.options.stream_edit_interval
        text = ""
        last_edit = self.clock()
        final: Answer | None = None
        due = False  # a preview is due, held until we know the stream goes on

        async def show() -> None:
            try:
                await preview(render_stream_preview(text))
            except discord.HTTPException as exc:
                log.warning("stream edit failed: %s", exc)

        try:
            while True:
                try:
                    if due:
                        item = await asyncio.wait_for(queue.get(), timeout=max(interval, 0.05))
                    else:
                        item = await queue.get()
                except TimeoutError:  # the stream paused: show what there is
                    due = False
                    await show()
                    continue
                if item is _DONE:
                    break
                if isinstance(item, _Failed):
                    raise item.error
                if isinstance(item, Answer):
                    final, due = item, False  # the final edit replaces any preview
                elif isinstance(item, AnswerDelta):
                    text += item.text
                    if due:
                        due = False
                        await show()
                    now = self.clock()
                    if now - last_edit >= interval:
                        last_edit, due = now, True
        finally:
            await worker
        if final is None:
            raise RuntimeError("the answerer's stream ended without a final Answer")
        return final

    def _final_message(
        self, answer: Answer, answer_id: str
    ) -> tuple[list[str], discord.Embed | None, discord.ui.View]:
        parts = split_message(render_answer_text(answer)) or ["(no answer text)"]
        data = answer_embed(answer)
        embed = to_embed(data) if data else None
        view = answer_view(answer_id, with_passages=bool(answer.citations) and not answer.abstained)
        return parts, embed, view

    # -- mentions and threads ---------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a mention of the bot, or any message in a thread the bot opened."""
        me = self.bot.user
        if me is None or message.author.bot or message.guild is None:
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        channel = message.channel
        in_bot_thread = isinstance(channel, discord.Thread) and channel.owner_id == me.id
        mentioned = me.id in message.raw_mentions
        if not (mentioned or in_bot_thread):
            return
        question = re.sub(_MENTION_PREFIX.format(id=me.id), " ", message.content).strip()
        reply: discord.Message | None = None
        try:
            if not question:
                if not mentioned:  # e.g. an image in the thread, or no message content intent
                    return
                await message.reply(
                    "Ask me a question after the mention, e.g. `@Footnote what changed in the "
                    "budget?`, or use `/ask`.",
                    mention_author=False,
                    allowed_mentions=NO_MENTIONS,
                )
                return
            question = check_question(question, self.options.max_question_chars)
            try:
                self.limiter.hit(message.author.id)
            except RateLimited as exc:
                await self._refuse_over_limit(message, exc)
                return
            history = await self._thread_history(message) if in_bot_thread else []
            reply = await message.reply("…", mention_author=False, allowed_mentions=NO_MENTIONS)
            target = reply

            async def preview(content: str) -> None:
                await target.edit(content=content, allowed_mentions=NO_MENTIONS)

            answer = await self.stream_answer(question, history, None, preview)
            answer_id = await self.workers.lookup(
                self.deps.feedback.record_answer,
                answer,
                guild_id=message.guild.id,
                channel_id=channel.id,
                user_id=message.author.id,
            )
            parts, embed, view = self._final_message(answer, answer_id)
            await deliver_parts(parts, embed, view, edit_first=reply.edit, send_more=channel.send)
            log.info(
                "mention answered id=%s q_len=%d history=%d abstained=%s",
                answer_id,
                len(question),
                len(history),
                answer.abstained,
            )
            if isinstance(channel, discord.TextChannel):
                await self._open_thread(reply, question, answer_id)
        except Exception as exc:
            if not isinstance(exc, FootnoteError):
                log.exception("answering message %s failed", message.id)
            text = error_message(exc) if isinstance(exc, FootnoteError) else GENERIC_ERROR
            try:
                if reply is not None:
                    await reply.edit(
                        content=text, embed=None, view=None, allowed_mentions=NO_MENTIONS
                    )
                else:
                    await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
            except discord.HTTPException:
                log.warning("could not report an error on message %s", message.id)

    async def _refuse_over_limit(self, message: discord.Message, exc: RateLimited) -> None:
        """One public notice per user per window; later mentions in it only get a reaction."""
        if self.limiter.notice_due(message.author.id, exc.retry_after):
            await message.reply(str(exc), mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        try:
            await message.add_reaction(OVER_LIMIT_REACTION)
        except discord.HTTPException as err:  # e.g. no Add Reactions permission: stay quiet
            log.info("could not react to over-limit message %s: %s", message.id, err)

    async def _open_thread(self, reply: discord.Message, question: str, answer_id: str) -> None:
        try:
            thread = await reply.create_thread(
                name=thread_name(question), auto_archive_duration=1440
            )
        except discord.HTTPException as exc:  # e.g. no Create Public Threads permission
            log.warning("could not open a thread on answer %s: %s", answer_id, exc)
            return
        await self.workers.lookup(self.deps.feedback.link_thread, thread.id, answer_id)

    async def _thread_history(self, message: discord.Message) -> list[Turn]:
        """The conversation so far: the answer the thread was opened on, then its messages."""
        me = self.bot.user
        assert me is not None
        turns: list[Turn] = []
        root = await self.workers.lookup(self.deps.feedback.thread_root, message.channel.id)
        if root is not None:
            turns += [Turn("user", root.question), Turn("assistant", root.answer)]
        recent = [
            m
            async for m in message.channel.history(
                limit=self.options.history_messages, before=message
            )
        ]
        for m in reversed(recent):
            if m.type not in (discord.MessageType.default, discord.MessageType.reply):
                continue
            content = re.sub(_MENTION_PREFIX.format(id=me.id), " ", m.content).strip()
            if not content or content == "…":
                continue
            mine = m.author.id == me.id
            if mine:  # our answers are escaped for display; the engine wants the plain text
                content = unescape_markdown(content)
            turns.append(Turn("assistant" if mine else "user", content))
        return turns
