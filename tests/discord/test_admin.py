"""/ingest (permissions, progress, one at a time), /status and the scheduled re-ingestion."""

from __future__ import annotations

import asyncio

import pytest

from bot.config import BotSettings
from bot.discord_adapter.app import options_from_settings
from bot.discord_adapter.cogs.admin import parse_interval
from tests.discord.fakes import corpus_status
from tests.discord.harness import ADMIN_ID, CURATOR_ID, MEMBER_ID, Harness
from vectorstore.errors import ConfigError


def edits_of(harness: Harness, payload: dict) -> list:
    return [r for r in harness.of(payload) if r.method == "PATCH"]


async def test_ingest_by_a_manager_shows_progress_then_the_summary(harness, env):
    env.ingest.release.clear()  # hold the run until a progress edit has been seen
    payload = harness.slash("ingest", user_id=ADMIN_ID)
    await harness.recorder.wait_for(
        lambda r: r.method == "PATCH" and "Ingesting" in (r.content or "")
    )
    env.ingest.release.set()
    await harness.idle()
    requests = harness.of(payload)
    assert requests[0].payload["type"] == 5 and not requests[0].flags & 64
    progress = [r.content for r in requests[1:-1]]
    assert progress and progress[0].startswith("⏳ Ingesting… 1/4 articles, 3 passages")
    assert "examples/corpus/bridge.html" in progress[0]
    assert requests[-1].content.startswith("✅ Ingestion finished in 0.5s: ")
    assert "2 added, 1 updated, 1 skipped, 0 deleted, 0 failed." in requests[-1].content
    assert all(r.data["allowed_mentions"] == {"parse": []} for r in requests[1:])
    ((sources, thread),) = env.ingest.calls
    assert sources is None and thread != "MainThread"  # all sources, in a worker thread


async def test_ingest_one_configured_source(harness, env):
    payload = harness.slash("ingest", user_id=ADMIN_ID, source="examples/corpus")
    await harness.idle()
    assert env.ingest.calls[0][0] == ["examples/corpus"]
    assert "Ingestion of `examples/corpus` finished" in harness.of(payload)[-1].content


async def test_ingest_of_an_unconfigured_source_is_refused(harness, env):
    payload = harness.slash("ingest", user_id=ADMIN_ID, source="/etc")
    await harness.idle()
    (reply,) = harness.of(payload)
    assert reply.flags & 64 and "is not a configured source" in reply.content
    assert env.ingest.calls == []


async def test_ingest_by_a_plain_member_is_politely_refused(harness, env):
    payload = harness.slash("ingest", user_id=MEMBER_ID)
    await harness.idle()
    (reply,) = harness.of(payload)
    assert reply.payload["type"] == 4 and reply.flags & 64
    assert reply.content.startswith("Sorry, only members with the **Manage Server** permission")
    assert env.ingest.calls == []


async def test_configured_admin_role_may_ingest(start_bot, env):
    for role in ("Curators", "900000000000000500"):  # by name or by id
        harness = await start_bot(admin_role=role)
        payload = harness.slash("ingest", user_id=CURATOR_ID)
        await harness.idle()
        assert harness.of(payload)[-1].content.startswith("✅")
    assert len(env.ingest.calls) == 2


async def test_concurrent_ingest_is_refused_and_questions_are_still_answered(harness, env):
    env.ingest.release.clear()
    first = harness.slash("ingest", user_id=ADMIN_ID)
    await harness.recorder.wait_for(lambda r: r.method == "PATCH" and "Ingesting" in r.text())

    second = harness.slash("ingest", user_id=ADMIN_ID)
    (refusal,) = await harness.recorder.wait_for(lambda r: second["token"] in r.path)
    assert refusal.flags & 64
    assert refusal.content.startswith("An ingestion is already running (started by alice")

    question = harness.slash("ask", question="How much did the bridge repair cost?")
    await harness.recorder.wait_for(
        lambda r: question["token"] in r.path and bool(r.embeds), timeout=10
    )
    assert not env.ingest.release.is_set()  # answered while the ingestion was still running

    env.ingest.release.set()
    await harness.idle()
    assert harness.of(first)[-1].content.startswith("✅")
    assert len(env.ingest.calls) == 1


async def test_status_shows_corpus_models_and_gaps(harness, env):
    env.feedback.record_gap("Who won the regatta?")
    env.feedback.record_gap("who won the regatta")
    env.feedback.record_gap("What is the tram fare?")
    payload = harness.slash("status", user_id=ADMIN_ID)
    await harness.idle()
    defer, reply = harness.of(payload)
    assert defer.flags & 64 and reply.flags & 64
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["Articles"] == "2"
    assert fields["Passages"] == "3"
    assert fields["Coverage gaps"] == "2 refused question(s)"
    assert fields["Sources"] == "examples/corpus: 2 articles"
    assert fields["Last ingestion"] == "never"
    assert fields["Embedding model"] == "`sentence-transformers/all-MiniLM-L6-v2`"
    assert fields["Answerer"] == "`fake`"


async def test_status_reports_the_last_run(harness, env):
    env.status = corpus_status(
        {
            "generation": "abc",
            "finished_at": "2026-11-25T10:00:00+00:00",
            "report": {"added": 3, "updated": 0, "skipped": 5, "deleted": 1, "failed": 0},
            "sources": ["examples/corpus"],
        }
    )
    payload = harness.slash("status")
    await harness.idle()
    fields = {f["name"]: f["value"] for f in harness.of(payload)[-1].embeds[0]["fields"]}
    assert fields["Last ingestion"] == (
        "2026-11-25T10:00:00+00:00 — 3 added, 0 updated, 5 skipped, 1 deleted, 0 failed"
    )


async def test_scheduled_ingestion_runs_through_the_same_job(start_bot, env):
    harness = await start_bot(ingest_every=0.05)
    for _ in range(200):
        if env.ingest.calls:
            break
        await asyncio.sleep(0.02)
    assert env.ingest.calls and env.ingest.calls[0][0] is None
    admin = harness.bot.get_cog("Admin")
    for _ in range(200):
        if admin.job.last_report is not None:
            break
        await asyncio.sleep(0.02)
    assert admin.job.last_report.added == 2


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("6h", 21600),
        ("30m", 1800),
        ("1d", 86400),
        ("1h30m", 5400),
        (" 90s ", 90),
        ("off", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_interval(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["6 hours", "abc", "10s", "h6", "6h garbage"])
def test_parse_interval_rejects_bad_values(text):
    with pytest.raises(ValueError, match="FOOTNOTE_INGEST_EVERY"):
        parse_interval(text)


def test_bad_ingest_every_is_a_config_error(monkeypatch):
    monkeypatch.setenv("FOOTNOTE_INGEST_EVERY", "every tuesday")
    with pytest.raises(ConfigError, match="every tuesday"):
        options_from_settings(BotSettings(_env_file=None))
