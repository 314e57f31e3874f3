"""Mentions and thread follow-ups: MESSAGE_CREATE through discord.py's connection state."""

from __future__ import annotations

from bot.engine.models import Turn
from tests.discord.fakes import abstention
from tests.discord.harness import (
    BOT_ID,
    CHANNEL_ID,
    MEMBER_ID,
    USERS,
    Harness,
    thread_payload,
)


def channel_posts(harness: Harness, channel_id: int) -> list:
    return [
        r
        for r in harness.recorder.requests
        if r.method == "POST" and r.path == f"/channels/{channel_id}/messages"
    ]


async def mention_and_answer(harness: Harness, env) -> tuple[int, int]:
    """Ask by mention; returns (answer message id, thread id)."""
    harness.message("How much did the bridge repair cost?", mention_bot=True)
    await harness.idle()
    (reply,) = channel_posts(harness, CHANNEL_ID)
    answer_message = harness.recorder.requests.index(reply)
    edits = [r for r in harness.recorder.requests[answer_message:] if r.method == "PATCH"]
    message_id = int(edits[-1].path.rsplit("/", 1)[1])
    return message_id, message_id  # a thread opened on a message shares its id


async def test_mention_is_answered_as_a_reply_and_opens_a_thread(harness, env):
    harness.message("How much did the bridge repair cost?", mention_bot=True)
    await harness.idle()
    requests = harness.recorder.requests
    reply = requests[0]
    assert (reply.method, reply.path) == ("POST", f"/channels/{CHANNEL_ID}/messages")
    assert int(reply.payload["message_reference"]["channel_id"]) == CHANNEL_ID
    assert reply.payload["allowed_mentions"] == {"parse": [], "replied_user": False}
    edits = [r for r in requests if r.method == "PATCH"]
    assert len(edits) == 5  # 4 throttled previews + the final answer
    final = edits[-1]
    assert final.content.startswith("The repair cost 4.2 million euros [1]")
    assert final.embeds[0]["title"] == "Sources"
    assert len(final.custom_ids) == 3
    message_id = int(final.path.rsplit("/", 1)[1])
    thread = requests[-1]
    assert thread.path == f"/channels/{CHANNEL_ID}/messages/{message_id}/threads"
    assert thread.payload["name"] == "How much did the bridge repair cost?"
    # The mention itself is not part of the question.
    assert env.answerer.calls[0].question == "How much did the bridge repair cost?"
    assert env.feedback.thread_root(message_id).question == "How much did the bridge repair cost?"


async def test_message_in_the_bots_thread_is_a_follow_up_with_history(harness, env):
    _, thread_id = await mention_and_answer(harness, env)
    harness.thread_create(thread_payload(thread_id, "How much did the bridge repair cost?"))
    # What Discord returns for GET /channels/{thread}/messages: newest first.
    harness.recorder.history[thread_id] = [
        harness.message_payload("It reopened in March [1].", user_id=BOT_ID, channel_id=thread_id),
        harness.message_payload("When did it reopen?", user_id=MEMBER_ID, channel_id=thread_id),
    ]
    harness.recorder.requests.clear()

    harness.message("and who paid for it?", channel_id=thread_id)  # no mention needed
    await harness.idle()

    call = env.answerer.calls[-1]
    assert call.question == "and who paid for it?"
    assert call.history == (
        Turn("user", "How much did the bridge repair cost?"),
        Turn("assistant", env.answerer.respond("q").text),
        Turn("user", "When did it reopen?"),
        Turn("assistant", "It reopened in March [1]."),
    )
    fetch = harness.recorder.requests[0]
    assert (fetch.method, fetch.path) == ("GET", f"/channels/{thread_id}/messages")
    assert fetch.params["limit"] == 20
    # Answered inside the thread; no new thread is opened from a thread.
    assert channel_posts(harness, thread_id)
    assert not any(r.path.endswith("/threads") for r in harness.recorder.requests)


async def test_messages_that_are_not_for_the_bot_are_ignored(harness, env):
    harness.message("just chatting about the bridge")  # no mention
    other_thread = thread_payload(777_000_000_000_000_001, "chat", owner_id=MEMBER_ID)
    harness.thread_create(other_thread)
    harness.message("hello", channel_id=int(other_thread["id"]))  # someone else's thread
    harness.message(f"<@{BOT_ID}> I answer myself", user_id=BOT_ID)  # the bot's own message
    bot_thread = thread_payload(777_000_000_000_000_002, "a question")
    harness.thread_create(bot_thread)
    harness.message("", channel_id=int(bot_thread["id"]))  # e.g. only an image: nothing to answer
    await harness.idle()
    assert harness.recorder.requests == []
    assert env.answerer.calls == []


async def test_mention_abstention_is_a_coverage_gap(harness, env):
    env.answerer.respond = abstention
    harness.message("Who won the regatta?", mention_bot=True)
    await harness.idle()
    final = [r for r in harness.recorder.requests if r.method == "PATCH"][-1]
    assert final.content.startswith("The articles I have do not say.")
    assert [g.question for g in env.feedback.gaps()] == ["Who won the regatta?"]


async def test_mention_rate_limit_says_when_to_retry(start_bot, env):
    harness = await start_bot(rate_limit_questions=1)
    harness.message("first question?", mention_bot=True)
    await harness.idle()
    harness.recorder.requests.clear()
    harness.message("second question?", mention_bot=True)
    await harness.idle()
    (reply,) = harness.recorder.requests
    assert "try again in" in reply.content
    assert reply.payload["allowed_mentions"]["parse"] == []
    assert len(env.answerer.calls) == 1


async def test_bare_mention_gets_a_hint(harness, env):
    harness.message("", mention_bot=True)
    await harness.idle()
    (reply,) = harness.recorder.requests
    assert "/ask" in reply.content
    assert env.answerer.calls == []


async def test_engine_failure_on_a_mention_is_reported_without_internals(harness, env, caplog):
    env.answerer.error = RuntimeError("kaboom at /srv/internal")
    harness.message("How much?", mention_bot=True)
    await harness.idle()
    final = harness.recorder.requests[-1]
    assert final.method == "PATCH"
    assert final.content.startswith("Sorry, something went wrong")
    assert "kaboom" not in final.text()
    assert USERS[MEMBER_ID]["username"] not in final.text()
