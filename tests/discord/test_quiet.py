"""Less noise: one over-limit notice per window, clean thread names, no wasted preview edits."""

from __future__ import annotations

import discord

from tests.discord.harness import CHANNEL_ID, Harness
from tests.discord.test_mentions import channel_posts


def reactions(harness: Harness) -> list:
    return [r for r in harness.recorder.requests if "/reactions/" in r.path]


async def test_over_limit_mentions_get_one_notice_then_reactions(start_bot, env):
    harness = await start_bot(rate_limit_questions=1, rate_limit_seconds=60.0)
    harness.message("first question?", mention_bot=True)
    await harness.idle()
    harness.recorder.requests.clear()
    for n in range(4):
        harness.message(f"question {n}?", mention_bot=True)
        await harness.idle()
    (notice,) = channel_posts(harness, CHANNEL_ID)
    assert "try again in" in notice.content
    assert notice.payload["allowed_mentions"]["parse"] == []
    assert len(reactions(harness)) == 3
    assert all(r.method == "PUT" and r.path.endswith("/⏳/@me") for r in reactions(harness))
    assert len(env.answerer.calls) == 1


async def test_a_refused_reaction_is_not_an_error(start_bot, env, caplog):
    harness = await start_bot(rate_limit_questions=1)
    harness.message("first?", mention_bot=True)
    harness.message("second?", mention_bot=True)
    await harness.idle()

    def no_reactions(request):
        if "/reactions/" in request.path:
            return discord.Forbidden(_Forbidden(), {"message": "Missing Access"})  # type: ignore
        return None

    harness.recorder.fail = no_reactions
    harness.recorder.requests.clear()
    harness.message("third?", mention_bot=True)
    await harness.idle()
    (attempt,) = harness.recorder.requests  # only the reaction was tried: no public reply
    assert "/reactions/" in attempt.path
    assert not any(r.levelname == "ERROR" for r in caplog.records)


class _Forbidden:
    status = 403
    reason = "Forbidden"


async def test_thread_names_are_sanitised(harness, env):
    harness.message("@everyone <@&55> what\n\nchanged <@123> in <#42>? @here", mention_bot=True)
    await harness.idle()
    (thread,) = [r for r in harness.recorder.requests if r.path.endswith("/threads")]
    assert thread.payload["name"] == "everyone @role what changed @user in #channel? here"


async def test_whole_text_answer_makes_no_preview_edit(start_bot, env):
    harness = await start_bot()
    env.answerer.chunk_words = 1000  # the extractive answerer: one delta, then the Answer
    env.clock.step = 5.0  # and it took longer than the edit interval
    payload = harness.slash("ask", question="How much did the bridge repair cost?")
    await harness.idle()
    edits = [r for r in harness.of(payload) if r.method == "PATCH"]
    assert len(edits) == 1 and edits[0].embeds  # the final answer only

    harness.recorder.requests.clear()
    harness.message("How much did the bridge repair cost?", mention_bot=True)
    await harness.idle()
    edits = [r for r in harness.recorder.requests if r.method == "PATCH"]
    assert len(edits) == 1 and edits[0].embeds


async def test_a_paused_stream_still_shows_its_text(start_bot, env):
    harness = await start_bot(stream_edit_interval=0.2)
    env.answerer.pause_after = 3  # three words, then the model "thinks"
    payload = harness.slash("ask", question="How much did the bridge repair cost?")
    try:  # the third word's preview is due; no fourth word comes, so the pause shows it
        await harness.recorder.wait_for(
            lambda r: payload["token"] in r.path and r.content == "The repair cost ▌"
        )
    finally:
        env.answerer.resume.set()
    await harness.idle()
    assert harness.of(payload)[-1].embeds
