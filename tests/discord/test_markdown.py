"""Article text is shown as written: its Markdown never renders in the bot's messages.

Only our own formatting (``[n]`` markers, ``-#`` notices, bold citation numbers) is Markdown.
"""

from __future__ import annotations

import pytest

from bot.discord_adapter.render import escape_answer_text, escape_markdown, unescape_markdown
from bot.engine.models import Answer, Citation, Turn
from tests.discord.fakes import BRIDGE_0, BRIDGE_1
from tests.discord.harness import BOT_ID, thread_payload
from vectorstore.base import Hit

ARTICLE_TEXT = (
    "# Big news\n"
    "Claim [free nitro](https://evil.example/nitro) ||today|| [1].\n"
    "-# small print\n"
    "```\nrm -rf /\n```\n"
    "> quoted **bold** <#123> [2](https://evil.example/2)"
)
ESCAPED = (
    "\\# Big news\n"
    "Claim \\[free nitro\\]\\(https://evil.example/nitro\\) \\|\\|today\\|\\| [1].\n"
    "\\-# small print\n"
    "\\`\\`\\`\nrm -rf /\n\\`\\`\\`\n"
    "\\> quoted \\*\\*bold\\*\\* \\<#123\\> [2]\\(https://evil.example/2\\)"
)


def article_answer(question: str) -> Answer:
    return Answer(
        question=question,
        standalone_question=question,
        text=ARTICLE_TEXT,
        abstained=False,
        citations=(Citation(1, BRIDGE_0, BRIDGE_0.text), Citation(2, BRIDGE_1, BRIDGE_1.text)),
        sources=(Hit(BRIDGE_0, 0.9), Hit(BRIDGE_1, 0.8)),
        answerer="fake",
        notice="The language model timed out; this answer was composed extractively.",
    )


def assert_no_live_markdown(content: str) -> None:
    assert "[free nitro](" not in content
    assert "||" not in content and "```" not in content and "**bold**" not in content
    assert not any(line.startswith(("#", ">", "-# small")) for line in content.splitlines())


async def test_slash_answer_and_its_previews_escape_article_markdown(harness, env):
    env.answerer.respond = article_answer
    payload = harness.slash("ask", question="What is new?")
    await harness.idle()
    edits = [r for r in harness.of(payload) if r.method == "PATCH"]
    assert len(edits) >= 2  # previews, then the final answer
    for edit in edits:
        assert_no_live_markdown(edit.content)
    final = edits[-1].content
    # Our own formatting stays Markdown: the notice line and the citation markers.
    assert final == (
        "-# ⚠️ The language model timed out; this answer was composed extractively.\n" + ESCAPED
    )


async def test_mention_answer_escapes_article_markdown(harness, env):
    env.answerer.respond = article_answer
    harness.message("What is new?", mention_bot=True)
    await harness.idle()
    edits = [r for r in harness.recorder.requests if r.method == "PATCH"]
    for edit in edits:
        assert_no_live_markdown(edit.content)
    assert edits[-1].content.endswith(ESCAPED)


async def test_source_heading_escapes_the_question(harness, env):
    harness.slash("ask", question="What did **the** [bridge](https://x.example) cost?")
    await harness.idle()
    payload = harness.slash("source", query="1")
    await harness.idle()
    (embed,) = harness.of(payload)[-1].embeds
    assert embed["description"].startswith(
        "Citation **[1]** of the answer to "
        "“What did \\*\\*the\\*\\* \\[bridge\\]\\(https://x.example\\) cost?”"
    )


async def test_thread_follow_up_reads_our_escaped_answer_back_as_plain_text(harness, env):
    thread_id = 777_000_000_000_000_009
    harness.thread_create(thread_payload(thread_id, "What is new?"))
    harness.recorder.history[thread_id] = [
        harness.message_payload(
            escape_answer_text("Trams *return* in April [1]."), user_id=BOT_ID, channel_id=thread_id
        ),
    ]
    harness.message("and buses?", channel_id=thread_id)
    await harness.idle()
    assert env.answerer.calls[-1].history == (Turn("assistant", "Trams *return* in April [1]."),)


@pytest.mark.parametrize(
    "text",
    [ARTICLE_TEXT, "1. first\n2. second", "a_b * c ~ d | e", "3.5 million", "\\ backslash"],
)
def test_escape_round_trips(text):
    assert unescape_markdown(escape_markdown(text)) == text


def test_ordered_list_escape_does_not_show_a_backslash_before_a_digit():
    assert escape_markdown("1. first\n3.5 million") == "1\\. first\n3.5 million"
