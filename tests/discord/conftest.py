"""Fixtures: a real ``FootnoteBot`` with fake collaborators and a recording HTTP transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.discord_adapter.app import FootnoteBot
from bot.discord_adapter.cogs import BotDeps, BotOptions
from bot.discord_adapter.feedback import FeedbackStore
from tests.discord.fakes import FakeAnswerer, FakeCatalog, FakeClock, FakeIngest, corpus_status
from tests.discord.harness import Harness

OPTIONS = BotOptions(
    rate_limit_questions=5,
    rate_limit_seconds=60.0,
    max_question_chars=300,
    stream_edit_interval=1.0,
    admin_role=None,
    answerer="fake",
)


class Env:
    """Everything a test may want to look at or change."""

    def __init__(self, tmp_path: Path) -> None:
        self.answerer = FakeAnswerer()
        self.catalog = FakeCatalog()
        self.feedback = FeedbackStore.in_data_dir(tmp_path / "data")
        self.ingest = FakeIngest()
        self.status = corpus_status()
        self.clock = FakeClock(step=0.4)

    def deps(self) -> BotDeps:
        return BotDeps(
            answers=self.answerer,
            catalog=self.catalog,
            feedback=self.feedback,
            ingest=self.ingest,
            ingest_sources=lambda: ["examples/corpus", "https://news.example/feed.xml"],
            status=lambda: self.status,
        )


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(tmp_path)


StartBot = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def start_bot(env: Env, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[StartBot]:
    """``await start_bot(**option_overrides)`` -> a ready harness (closed at teardown)."""
    bots: list[FootnoteBot] = []

    async def start(deps: BotDeps | None = None, **overrides: Any) -> Harness:
        bot = FootnoteBot(
            deps or env.deps(), replace(OPTIONS, **overrides), guild_ready_timeout=0.01
        )
        bots.append(bot)
        harness = await Harness.start(bot, monkeypatch)
        ask = bot.get_cog("Ask")
        ask.clock = env.clock  # type: ignore[union-attr]
        admin = bot.get_cog("Admin")
        admin.progress_interval = 0.05  # type: ignore[union-attr]
        return harness

    yield start
    for bot in bots:
        await bot.close()


@pytest.fixture
async def harness(start_bot: StartBot) -> Harness:
    return await start_bot()
