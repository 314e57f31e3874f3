"""A long /ingest outlives its 15-minute interaction token: one channel message, edited in place,
and the result (success or failure) always reaches the channel.

Expiry is what Discord does: edits of the interaction reply get 401 Invalid Webhook Token.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

import discord
import pytest

from bot.discord_adapter.cogs import GENERIC_ERROR
from ingest.report import IngestProgress, IngestReport
from tests.discord.harness import ADMIN_ID, CHANNEL_ID, Harness, Request
from vectorstore.errors import FootnoteError


class SteadyIngest:
    """Reports progress every 10 ms until released, then returns or raises ``error``."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.error: BaseException | None = None

    def __call__(
        self,
        sources: Sequence[str] | None,
        on_progress: Callable[[IngestProgress], None] | None,
    ) -> IngestReport:
        done = 0
        deadline = time.monotonic() + 20
        while not self.release.wait(timeout=0.01):
            if time.monotonic() > deadline:
                raise TimeoutError("the test never released the ingestion")
            done += 1
            if on_progress:
                on_progress(IngestProgress(done, done * 3, 1000, f"article-{done}.html"))
        if self.error is not None:
            raise self.error
        return IngestReport(added=done, updated=0, skipped=0, deleted=0, seconds=901.0)


class _Response:
    status = 401
    reason = "Unauthorized"


class TokenClock:
    """Makes the interaction token expire on demand, like Discord after 15 minutes."""

    def __init__(self) -> None:
        self.expired = False

    def __call__(self, request: Request) -> Exception | None:
        if self.expired and request.transport == "webhook":
            return discord.HTTPException(
                _Response(),  # type: ignore[arg-type]
                {"code": 50027, "message": "Invalid Webhook Token"},
            )
        return None


@pytest.fixture
def steady() -> SteadyIngest:
    return SteadyIngest()


@pytest.fixture
async def bot(env, start_bot, steady) -> Harness:
    deps = env.deps()
    fields = {s: getattr(deps, s) for s in deps.__slots__}
    harness = await start_bot(deps=deps.__class__(**{**fields, "ingest": steady}))
    return harness


def channel_requests(harness: Harness) -> list[Request]:
    prefix = f"/channels/{CHANNEL_ID}/messages"
    return [r for r in harness.recorder.requests if r.path.startswith(prefix)]


async def run_past_expiry(harness: Harness, steady: SteadyIngest) -> list[Request]:
    """Start /ingest, let the token expire mid-run, see several ticks, then let it end."""
    token = TokenClock()
    harness.recorder.fail = token
    payload = harness.slash("ingest", user_id=ADMIN_ID)
    await harness.recorder.wait_for(
        lambda r: payload["token"] in r.path and r.method == "PATCH" and "Ingesting" in r.text()
    )
    token.expired = True
    await harness.recorder.wait_for(lambda r: r.path.startswith("/channels/"), count=4)
    steady.release.set()
    await harness.idle()
    return channel_requests(harness)


def assert_one_message_edited_in_place(requests: list[Request]) -> Request:
    post, *edits = requests
    assert post.method == "POST" and "Ingesting" in post.content
    assert len(edits) >= 3
    assert all(r.method == "PATCH" for r in edits), [r.method for r in edits]
    assert len({r.path for r in edits}) == 1  # always the same message
    assert all(r.data["allowed_mentions"] == {"parse": []} for r in requests)
    return edits[-1]


async def test_progress_after_expiry_edits_one_channel_message(bot, steady):
    final = assert_one_message_edited_in_place(await run_past_expiry(bot, steady))
    assert final.content.startswith("✅ Ingestion finished in 901.0s: ")


async def test_a_failure_after_expiry_is_reported_in_the_channel(bot, steady):
    steady.error = FootnoteError("The source examples/corpus could not be read.")
    final = assert_one_message_edited_in_place(await run_past_expiry(bot, steady))
    assert final.content == "❌ Ingestion failed: The source examples/corpus could not be read."


async def test_an_unexpected_failure_after_expiry_is_logged_and_reported(bot, steady, caplog):
    steady.error = RuntimeError("disk full at /srv/chroma")
    with caplog.at_level(logging.ERROR):
        final = assert_one_message_edited_in_place(await run_past_expiry(bot, steady))
    assert final.content == f"❌ Ingestion failed: {GENERIC_ERROR}"
    assert "/srv" not in " ".join(r.text() for r in bot.recorder.requests)
    assert any("disk full" in str(rec.exc_info and rec.exc_info[1]) for rec in caplog.records)


async def test_a_run_started_near_expiry_goes_to_the_channel_without_a_refused_edit(bot, steady):
    payload = bot.slash("ingest", user_id=ADMIN_ID, age=14 * 60 + 45)
    await bot.recorder.wait_for(lambda r: r.path.startswith("/channels/"), count=3)
    steady.release.set()
    await bot.idle()
    assert [r.method for r in bot.of(payload)] == ["POST"]  # the defer, then nothing
    final = assert_one_message_edited_in_place(channel_requests(bot))
    assert final.content.startswith("✅")


async def test_a_failure_before_expiry_replaces_the_progress_reply(bot, steady):
    steady.error = FootnoteError("The store is busy.")
    payload = bot.slash("ingest", user_id=ADMIN_ID)
    await bot.recorder.wait_for(lambda r: payload["token"] in r.path and r.method == "PATCH")
    steady.release.set()
    await bot.idle()
    assert channel_requests(bot) == []
    assert bot.of(payload)[-1].content == "❌ Ingestion failed: The store is busy."
