"""/ingest, /status and the scheduled re-ingestion: the bot's view of the ingestion job."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.discord_adapter.cogs import (
    NO_MENTIONS,
    BotDeps,
    BotOptions,
    FootnoteCog,
    IngestRunner,
    choices_or_nothing,
    error_message,
    in_guild,
    to_embed,
    workers_for,
)
from bot.discord_adapter.render import (
    clip,
    render_ingest_failure,
    render_ingest_progress,
    render_ingest_report,
    render_status,
)
from bot.discord_adapter.workers import Workers
from bot.engine.errors import QuestionRejected
from ingest.errors import IngestBusy
from ingest.report import IngestProgress, IngestReport
from vectorstore.errors import FootnoteError

log = logging.getLogger(__name__)

REFUSAL = (
    "Sorry, only members with the **Manage Server** permission{role} can run ingestion. "
    "Ask a server admin if the corpus needs refreshing."
)


class IngestJob:
    """Runs ingestion in a worker thread, one run at a time.

    ``/ingest`` and the schedule share one job, so a second run is refused while one is going
    on; another process holding the ingest lock makes ``run_ingest`` raise ``IngestBusy`` too.
    """

    def __init__(self, runner: IngestRunner) -> None:
        self._runner = runner
        self.running_by: str | None = None
        self.started: float | None = None
        self.last_report: IngestReport | None = None
        self.last_error: str | None = None

    @property
    def running(self) -> bool:
        """Whether a run is going on now."""
        return self.running_by is not None

    def ensure_idle(self) -> None:
        """Raise ``IngestBusy`` (with who started the current run, and when) if one is going on."""
        if self.running_by is not None:
            ago = time.monotonic() - (self.started or time.monotonic())
            raise IngestBusy(
                f"An ingestion is already running (started by {self.running_by}, "
                f"{ago:.0f}s ago). Please wait for it to finish."
            )

    async def run(
        self,
        sources: Sequence[str] | None,
        on_progress: Callable[[IngestProgress], None] | None,
        *,
        started_by: str,
    ) -> IngestReport:
        """Run ingestion without blocking the event loop.

        Raises:
            IngestBusy: A run is already going on.
        """
        self.ensure_idle()  # checked and set with no await in between
        self.running_by, self.started = started_by, time.monotonic()
        log.info("ingestion started by %s sources=%s", started_by, list(sources or []) or "all")
        try:
            report = await asyncio.to_thread(self._runner, sources, on_progress)
        except Exception as exc:
            self.last_error = str(exc) if isinstance(exc, FootnoteError) else type(exc).__name__
            raise
        finally:
            self.running_by = self.started = None
        self.last_report, self.last_error = report, None
        log.info("ingestion finished: %s", report.as_json())
        return report


class IngestReply:
    """The one public message that shows an /ingest run, edited in place.

    First the interaction's reply; once the interaction token has expired (15 minutes), one
    channel message. Each progress tick must not become a new public message.
    """

    #: Switch to the channel this long before the token expires, not on the first refused edit.
    EXPIRY_MARGIN = timedelta(seconds=30)

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction
        self.message: discord.Message | None = None  # the channel message, once switched
        self.expired = False

    async def show(self, content: str, *, final: bool = False) -> None:
        """Show ``content``; the final result must reach the channel, whatever fails first."""
        if not self.expired and discord.utils.utcnow() >= (
            self.interaction.expires_at - self.EXPIRY_MARGIN
        ):
            self.expired = True
        if not self.expired:
            try:
                await self.interaction.edit_original_response(
                    content=content, allowed_mentions=NO_MENTIONS
                )
                return
            except discord.HTTPException as exc:
                log.warning(
                    "the /ingest reply can no longer be edited (%s); using the channel", exc
                )
                self.expired = True
        try:
            await self._show_in_channel(content)
        except discord.HTTPException as exc:
            if final:
                log.error("could not report the /ingest result in the channel: %s", exc)
            else:
                log.warning("could not show /ingest progress in the channel: %s", exc)

    async def _show_in_channel(self, content: str) -> None:
        if self.message is not None:
            try:
                await self.message.edit(content=content, allowed_mentions=NO_MENTIONS)
                return
            except discord.NotFound:  # someone deleted it: post a new one
                self.message = None
        channel = self.interaction.channel
        if not isinstance(channel, discord.abc.Messageable):
            raise discord.ClientException("the /ingest channel is not messageable")
        self.message = await channel.send(content, allowed_mentions=NO_MENTIONS)


def parse_interval(text: str | None) -> float | None:
    """Seconds in ``"6h"``, ``"30m"``, ``"1d"``, ``"90s"`` or ``"1h30m"``; ``None`` when unset.

    Raises:
        ValueError: The text is not such a duration, or it is under a minute.
    """
    if text is None or not text.strip() or text.strip().lower() in {"0", "off", "none", "never"}:
        return None
    spec = text.strip().lower().replace(" ", "")
    parts = re.findall(r"(\d+(?:\.\d+)?)([dhms])", spec)
    if not parts or "".join(n + u for n, u in parts) != spec:
        raise ValueError(
            f"FOOTNOTE_INGEST_EVERY={text!r} is not a duration like '6h', '30m', '1d' or '1h30m'"
        )
    scale = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    seconds = sum(float(n) * scale[u] for n, u in parts)
    if seconds < 60:
        raise ValueError(f"FOOTNOTE_INGEST_EVERY={text!r} is too short (at least 1 minute)")
    return seconds


class AdminCog(FootnoteCog, name="Admin"):
    """Ingestion on demand and on a schedule, and the corpus status."""

    def __init__(
        self,
        bot: commands.Bot,
        deps: BotDeps | None,
        options: BotOptions,
        *,
        progress_interval: float | None = None,
        workers: Workers | None = None,
    ) -> None:
        self.bot = bot
        self._deps = deps
        self.options = options
        self.workers = workers or workers_for(options)
        self.job = IngestJob(deps.ingest if deps else _no_runner)
        self.progress_interval = progress_interval or max(options.stream_edit_interval, 1.0)
        self._schedule: tasks.Loop | None = None

    async def cog_load(self) -> None:
        """Start the scheduled re-ingestion when ``FOOTNOTE_INGEST_EVERY`` is set."""
        if self.options.ingest_every and self._deps is not None:
            self._schedule = tasks.loop(seconds=self.options.ingest_every)(self._scheduled_ingest)
            self._schedule.start()
            log.info("scheduled re-ingestion every %.0fs", self.options.ingest_every)

    async def cog_unload(self) -> None:
        """Stop the schedule."""
        if self._schedule is not None:
            self._schedule.cancel()

    async def _scheduled_ingest(self) -> None:
        assert self._schedule is not None
        if self._schedule.current_loop == 0:
            return  # the first tick fires at start-up; wait one interval
        try:
            await self.job.run(None, None, started_by="the schedule")
        except IngestBusy as exc:
            log.info("scheduled ingestion skipped: %s", exc)
        except Exception:  # the loop must survive a failed run
            log.exception("scheduled ingestion failed")

    def is_admin(self, interaction: discord.Interaction) -> bool:
        """Manage Server (or Administrator) in this channel, or the configured admin role."""
        perms = interaction.permissions
        if perms.manage_guild or perms.administrator:
            return True
        role = (self.options.admin_role or "").strip()
        if role and isinstance(interaction.user, discord.Member):
            return any(str(r.id) == role or r.name == role for r in interaction.user.roles)
        return False

    @app_commands.command(name="ingest")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)  # hidden from members; still checked
    @in_guild
    async def ingest(self, interaction: discord.Interaction, source: str | None = None) -> None:
        """Re-read the article sources and update the corpus (admins only).

        Args:
            interaction: The slash command.
            source: Only this configured source (default: all of them).
        """
        if not self.is_admin(interaction):
            role = f" or the **{self.options.admin_role}** role" if self.options.admin_role else ""
            await interaction.response.send_message(
                REFUSAL.format(role=role), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        sources: list[str] | None = None
        if source and source.strip():
            configured = await self.workers.lookup(self.deps.ingest_sources)
            if source.strip() not in configured:
                listed = ", ".join(f"`{s}`" for s in configured[:10]) or "none"
                raise QuestionRejected(
                    f"“{clip(source.strip(), 80)}” is not a configured source. "
                    f"Configured: {listed}."
                )
            sources = [source.strip()]
        self.job.ensure_idle()  # refuse before deferring, so that the refusal is private
        await interaction.response.defer(thinking=True)
        reply = IngestReply(interaction)
        latest: list[IngestProgress] = []
        begun = time.monotonic()
        run = asyncio.create_task(
            self.job.run(sources, latest.append, started_by=str(interaction.user))
        )
        shown: IngestProgress | None = None
        while not run.done():
            await asyncio.wait({run}, timeout=self.progress_interval)
            if run.done() or not latest or latest[-1] is shown:
                continue
            shown = latest[-1]
            del latest[:-1]
            await reply.show(render_ingest_progress(shown, time.monotonic() - begun))
        try:
            report = run.result()
        except Exception as exc:
            # Reported here, in place of the progress, not by the error handler: after 15
            # minutes the interaction can no longer carry a private reply.
            if not isinstance(exc, FootnoteError):
                log.exception("/ingest failed", exc_info=exc)
            await reply.show(render_ingest_failure(error_message(exc)), final=True)
            return
        await reply.show(render_ingest_report(report, sources=sources or ()), final=True)

    @ingest.autocomplete("source")
    async def _ingest_source_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not self.is_admin(interaction):
            return []

        async def lookup() -> list[app_commands.Choice[str]]:
            configured = await self.workers.lookup(self.deps.ingest_sources)
            needle = current.casefold()
            return [
                app_commands.Choice(name=clip(s, 100), value=s)
                for s in configured
                if needle in s.casefold() and len(s) <= 100
            ][:25]

        return await choices_or_nothing("/ingest source", lookup)

    @app_commands.command(name="status")
    @app_commands.guild_only()
    @in_guild
    async def status(self, interaction: discord.Interaction) -> None:
        """Corpus size, sources, last ingestion, models in use and coverage gaps.

        Args:
            interaction: The slash command.
        """
        await interaction.response.defer(thinking=True, ephemeral=True)
        status = await self.workers.lookup(self.deps.status)
        gaps = await self.workers.lookup(self.deps.feedback.gap_count)
        data = status.as_json()
        if self.job.last_report is not None and not data.get("last_run"):
            data["last_run"] = {
                "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "report": self.job.last_report.as_json(),
            }
        embed = render_status(
            data,
            answerer=self.options.answerer,
            gaps=gaps,
            ingest_running=self.job.running,
            show_locations=self.is_admin(interaction),  # server paths and hosts: admins only
        )
        await interaction.followup.send(
            embed=to_embed(embed), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


def _no_runner(
    sources: Sequence[str] | None, on_progress: Callable[[IngestProgress], None] | None
) -> IngestReport:
    raise RuntimeError("this bot was built to sync command definitions only")
