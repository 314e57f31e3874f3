"""Article URLs Discord would refuse in an embed: encoded, or the link dropped, never the reply.

The recorder answers like Discord: a message whose embed ``url`` is not a well-formed
http(s) URL gets a 400 and is not shown.
"""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest

from bot.discord_adapter.render import safe_url
from bot.engine.models import Answer, Citation
from tests.discord.fakes import BRIDGE_0, FakeCatalog, passage
from tests.discord.harness import Harness, Request
from vectorstore.base import Hit

_DISCORD_ACCEPTS = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d+)?(/[!#-;=?-\[\]_a-z~%]*)?$")


class _Response:
    status = 400
    reason = "Bad Request"


def discord_refuses_bad_embed_urls(request: Request) -> Exception | None:
    for embed in request.embeds:
        url = embed.get("url")
        if url is not None and not _DISCORD_ACCEPTS.match(url):
            return discord.HTTPException(
                _Response(),  # type: ignore[arg-type]
                {"code": 50035, "message": "Invalid Form Body: embeds.0.url: Not a well formed"},
            )
    return None


SPACED = 'https://news.example/harbour bridge <2026>"final"'
BAD_HOST = "https://news example/tram"


@pytest.fixture
async def url_harness(env, start_bot) -> Harness:
    env.catalog = FakeCatalog(
        [
            passage("spaced", 0, "The harbour bridge reopened.", title="Spaced out", url=SPACED),
            passage("tram", 0, "Trams return in April.", title="Tram news", url=BAD_HOST),
        ]
    )
    harness = await start_bot()
    harness.recorder.fail = discord_refuses_bad_embed_urls
    return harness


async def test_source_embed_url_is_percent_encoded(url_harness):
    payload = url_harness.slash("source", query="spaced")
    await url_harness.idle()
    reply = url_harness.of(payload)[-1]
    (embed,) = reply.embeds
    assert embed["url"] == "https://news.example/harbour%20bridge%20%3C2026%3E%22final%22"
    assert (
        "**Link:** <https://news.example/harbour%20bridge%20%3C2026%3E%22final%22>"
        in (embed["description"])
    )


async def test_unusable_url_drops_the_link_not_the_reply(url_harness):
    payload = url_harness.slash("source", query="tram")
    await url_harness.idle()
    reply = url_harness.of(payload)[-1]
    (embed,) = reply.embeds
    assert embed["title"] == "Tram news" and "url" not in embed
    assert "Link" not in embed["description"]


async def test_answer_sources_links_are_encoded(url_harness, env):
    spaced = BRIDGE_0.__class__(
        **{**{s: getattr(BRIDGE_0, s) for s in BRIDGE_0.__slots__}, "url": SPACED}
    )

    def respond(question: str) -> Answer:
        return Answer(
            question=question,
            standalone_question=question,
            text="It reopened [1].",
            abstained=False,
            citations=(Citation(1, spaced, "The harbour bridge repair cost 4.2 million euros."),),
            sources=(Hit(spaced, 1.0),),
            answerer="fake",
        )

    env.answerer.respond = respond
    payload = url_harness.slash("ask", question="Did it reopen?")
    await url_harness.idle()
    final = url_harness.of(payload)[-1]
    (embed,) = final.embeds
    assert (
        "(<https://news.example/harbour%20bridge%20%3C2026%3E%22final%22>)"
        in (embed["description"])
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example/a b", "https://news.example/a%20b"),
        ("https://news.example/é?q=a b#x y", "https://news.example/%C3%A9?q=a%20b#x%20y"),
        ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
        ("  https://news.example/a%20b  ", "https://news.example/a%20b"),
        ("https://news example/x", None),
        ("javascript:alert(1)", None),
        ("ftp://news.example/x", None),
        ("https://user:pass@news.example/", None),
        ("https://news.example:99999/", None),
        ("https://news.example/" + "a" * 3000, None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url: Any, expected: str | None):
    assert safe_url(url) == expected
