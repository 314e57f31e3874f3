"""/source: the article and passages behind a citation, an id, or a title/keyword."""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.cogs import (
    NO_MENTIONS,
    BotDeps,
    BotOptions,
    FootnoteCog,
    choices_or_nothing,
    in_guild,
    to_embed,
    workers_for,
)
from bot.discord_adapter.render import (
    EmbedData,
    clip,
    escape_markdown,
    render_article,
    render_article_list,
)
from bot.discord_adapter.workers import Workers
from bot.engine.errors import QuestionRejected
from bot.engine.models import ArticleRef
from vectorstore.base import Passage

log = logging.getLogger(__name__)

_CITATION = re.compile(r"^\[?\s*(\d{1,3})\s*\]?$")
MAX_PASSAGES_SHOWN = 5


def _keyword_passages(passages: list[Passage], query: str) -> list[Passage]:
    """The passages that mention the query's words, best first; all of them if none does."""
    words = {w for w in re.findall(r"\w+", query.casefold()) if len(w) > 2}
    if not words:
        return passages
    scored = [(sum(w in p.text.casefold() for w in words), p) for p in passages]
    matching = [p for score, p in sorted(scored, key=lambda sp: -sp[0]) if score > 0]
    return matching or passages


class SourceCog(FootnoteCog, name="Source"):
    """Looks up sources: by citation number, passage/article id, or title."""

    def __init__(
        self,
        bot: commands.Bot,
        deps: BotDeps | None,
        options: BotOptions,
        *,
        workers: Workers | None = None,
    ) -> None:
        self.bot = bot
        self._deps = deps
        self.options = options
        self.workers = workers or workers_for(options)

    @app_commands.command(name="source")
    @app_commands.guild_only()
    @in_guild
    async def source(self, interaction: discord.Interaction, query: str) -> None:
        """Show the article and passages behind a citation, an id, or a title.

        Args:
            interaction: The slash command.
            query: A citation number of the last answer here (3), a passage or article id, or
                words of a title.
        """
        await interaction.response.defer(thinking=True, ephemeral=True)
        embed = await self._lookup(interaction, query.strip())
        await interaction.followup.send(
            embed=to_embed(embed), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @source.autocomplete("query")
    async def _query_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not current.strip() or _CITATION.match(current.strip()):
            return []

        async def lookup() -> list[app_commands.Choice[str]]:
            refs = await self.workers.lookup(self.deps.catalog.search_titles, current.strip(), 25)
            choices = []
            for ref in refs[:25]:
                value = ref.article_id if len(ref.article_id) <= 100 else ref.title[:100]
                label = f"{ref.title} · {ref.source}" if ref.source else ref.title
                choices.append(app_commands.Choice(name=clip(label or value, 100), value=value))
            return choices

        return await choices_or_nothing("/source query", lookup)

    async def _lookup(self, interaction: discord.Interaction, query: str) -> EmbedData:
        if not query:
            raise QuestionRejected("Give a citation number, an id or some words of a title.")
        catalog = self.deps.catalog
        if m := _CITATION.match(query):
            return await self._by_citation(interaction, int(m.group(1)))
        passage = await self.workers.lookup(catalog.passage, query)
        if passage is not None:
            ref = await self.workers.lookup(catalog.article, passage.article_id)
            return render_article(
                ref or _ref_of(passage), [passage], heading=f"Passage `{passage.id}`"
            )
        ref = await self.workers.lookup(catalog.article, query)
        if ref is not None:
            passages = await self.workers.lookup(catalog.passages, ref.article_id)
            return render_article(ref, passages[:MAX_PASSAGES_SHOWN], total_passages=len(passages))
        refs = await self.workers.lookup(catalog.search_titles, query, 10)
        if not refs:
            raise QuestionRejected(
                f"I found no article matching “{clip(query, 80)}”. "
                "Try other words, or pick one of the suggestions."
            )
        if len(refs) > 1 and refs[0].title.casefold() != query.casefold():
            return render_article_list(refs, clip(query, 80))
        best = refs[0]
        passages = await self.workers.lookup(catalog.passages, best.article_id)
        shown = _keyword_passages(passages, query)[:MAX_PASSAGES_SHOWN]
        return render_article(best, shown, total_passages=len(passages))

    async def _by_citation(self, interaction: discord.Interaction, n: int) -> EmbedData:
        feedback = self.deps.feedback
        channel_id = interaction.channel_id or 0
        stored = await self.workers.lookup(feedback.last_answer, channel_id, interaction.user.id)
        if stored is None:
            stored = await self.workers.lookup(feedback.thread_root, channel_id)
        if stored is None:
            raise QuestionRejected(
                "There is no answer in this channel yet whose citations I could look up."
            )
        cited = {c.n: c for c in stored.citations}
        if n not in cited:
            valid = ", ".join(f"[{k}]" for k in sorted(cited)) or "none"
            raise QuestionRejected(
                f"The last answer here has no citation [{n}] (its citations: {valid})."
            )
        c = cited[n]
        catalog = self.deps.catalog
        ref = await self.workers.lookup(catalog.article, c.article_id) if c.article_id else None
        passage = await self.workers.lookup(catalog.passage, c.passage_id) if c.passage_id else None
        if ref is None:
            ref = ArticleRef(
                article_id=c.article_id or "?",
                title=c.title,
                url=c.url,
                source=c.source,
                published=c.published,
            )
        if passage is None:  # re-ingested or deleted since: show what the answer quoted
            passage = Passage(
                id=c.passage_id or "?",
                article_id=ref.article_id,
                index=0,
                text=c.text,
                title=c.title,
            )
        asked = escape_markdown(clip(stored.question, 150))
        return render_article(
            ref,
            [passage],
            heading=f"Citation **[{n}]** of the answer to “{asked}”",
            highlight=c.quote,
        )


def _ref_of(passage: Passage) -> ArticleRef:
    return ArticleRef(
        article_id=passage.article_id,
        title=passage.title,
        url=passage.url,
        source=passage.source,
        published=passage.published,
    )
