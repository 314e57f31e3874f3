"""Many questions in flight: answers wait in their own line, lookups stay within Discord's 3 s.

The fake answerer blocks on a gate, so "slow" costs no test time.
"""

from __future__ import annotations

import threading

from tests.discord.harness import Harness

DEADLINE = 3.0  # Discord drops an autocomplete (or any interaction) not answered within 3 s


def final_answer(harness: Harness, payload: dict):
    edits = [r for r in harness.of(payload) if r.method == "PATCH" and r.embeds]
    return edits[-1] if edits else None


async def test_autocomplete_answers_within_the_deadline_with_20_questions_in_flight(start_bot, env):
    harness = await start_bot(rate_limit_questions=100)
    env.answerer.gate = threading.Event()
    try:
        questions = [harness.slash("ask", question=f"Question {n}?") for n in range(20)]
        # Every question is deferred; those beyond the answer workers are told their place.
        await harness.recorder.wait_for(lambda r: "/callback" in r.path, count=20)
        await harness.recorder.wait_for(lambda r: "in line" in (r.content or ""), count=17)

        ask_source = harness.autocomplete("ask", "source", question="x", source="city")
        source_query = harness.autocomplete("source", "query", query="library")
        (a,) = await harness.recorder.wait_for(
            lambda r: ask_source["token"] in r.path, timeout=DEADLINE
        )
        (b,) = await harness.recorder.wait_for(
            lambda r: source_query["token"] in r.path, timeout=DEADLINE
        )
        assert a.payload["data"]["choices"] == [{"name": "City Courier", "value": "City Courier"}]
        assert b.payload["data"]["choices"][0]["value"] == "library"

        lookup = harness.slash("source", query="library:0")  # a lookup command, too
        await harness.recorder.wait_for(
            lambda r: lookup["token"] in r.path and bool(r.embeds), timeout=DEADLINE
        )
        assert not env.answerer.gate.is_set()  # all this while the answers were still stuck
        assert len(env.answerer.calls) == 2  # only the answer workers are busy
    finally:
        env.answerer.gate.set()
    await harness.idle(timeout=30)
    assert all(final_answer(harness, q) for q in questions)
    assert {c.thread.rsplit("_", 1)[0] for c in env.answerer.calls} == {"footnote-answer"}
    assert len({c.thread for c in env.answerer.calls}) == 2


async def test_waiting_questions_are_told_their_place(start_bot, env):
    harness = await start_bot(rate_limit_questions=100, answer_workers=1)
    env.answerer.gate = threading.Event()
    try:
        first = harness.slash("ask", question="First?")
        await harness.recorder.wait_for(lambda r: first["token"] in r.path)
        second = harness.slash("ask", question="Second?")
        third = harness.slash("ask", question="Third?")
        await harness.recorder.wait_for(lambda r: "in line" in (r.content or ""))
        await harness.recorder.wait_for(lambda r: "next" in (r.content or ""))
    finally:
        env.answerer.gate.set()
    await harness.idle()
    notices = {
        name: [r.content for r in harness.of(p) if r.content and r.content.startswith("⏳")]
        for name, p in (("first", first), ("second", second), ("third", third))
    }
    assert notices["first"] == []
    assert notices["second"][0].startswith("⏳ Many questions right now: you're next.")
    assert notices["third"][0].startswith("⏳ Many questions right now: yours is number 2 in line.")
    assert all(final_answer(harness, p) for p in (first, second, third))
    assert [c.question for c in env.answerer.calls] == ["First?", "Second?", "Third?"]


async def test_a_full_line_refuses_privately(start_bot, env):
    harness = await start_bot(rate_limit_questions=100, answer_workers=1, answer_queue_limit=1)
    env.answerer.gate = threading.Event()
    try:
        running = harness.slash("ask", question="First?")
        await harness.recorder.wait_for(lambda r: running["token"] in r.path)
        waiting = harness.slash("ask", question="Second?")
        await harness.recorder.wait_for(lambda r: "next" in (r.content or ""))
        refused = harness.slash("ask", question="Third?")
        (reply,) = await harness.recorder.wait_for(
            lambda r: refused["token"] in r.path and bool(r.flags & 64) and bool(r.content)
        )
        assert reply.content.startswith("I'm answering a lot of questions right now")
    finally:
        env.answerer.gate.set()
    await harness.idle()
    assert final_answer(harness, running) and final_answer(harness, waiting)
    assert [c.question for c in env.answerer.calls] == ["First?", "Second?"]


async def test_a_mention_in_line_is_told_its_place_in_its_reply(start_bot, env):
    harness = await start_bot(rate_limit_questions=100, answer_workers=1)
    env.answerer.gate = threading.Event()
    try:
        harness.slash("ask", question="First?")
        await harness.recorder.wait_for(lambda r: "/callback" in r.path)
        harness.message("Second?", mention_bot=True)
        (notice,) = await harness.recorder.wait_for(lambda r: "next" in (r.content or ""))
        assert notice.method == "PATCH" and notice.path.startswith("/channels/")
        assert notice.data["allowed_mentions"] == {"parse": []}
    finally:
        env.answerer.gate.set()
    await harness.idle()


def test_pool_sizes_come_from_the_settings(monkeypatch):
    from bot.config import BotSettings
    from bot.discord_adapter.app import options_from_settings

    monkeypatch.setenv("FOOTNOTE_ANSWER_WORKERS", "3")
    monkeypatch.setenv("FOOTNOTE_ANSWER_QUEUE_LIMIT", "7")
    monkeypatch.setenv("FOOTNOTE_LOOKUP_WORKERS", "5")
    options = options_from_settings(BotSettings(_env_file=None))
    assert (options.answer_workers, options.answer_queue_limit, options.lookup_workers) == (3, 7, 5)
