"""A Chroma outage (``VectorStoreUnavailable``) reaches users as one clear private message.

Autocomplete never raises: it suggests nothing while the store is down.
"""

from __future__ import annotations

import logging

import pytest

from bot.discord_adapter.cogs import STORE_UNAVAILABLE
from tests.discord.fakes import FakeCatalog
from tests.discord.harness import ADMIN_ID, Harness
from vectorstore.errors import VectorStoreUnavailable

# What an engine-side wrapper may put in the message: never shown to users.
DETAIL = "Could not connect to a Chroma server at chroma.internal:8000"


class DownCatalog(FakeCatalog):
    """Every lookup fails the way the Chroma-backed catalog does when the server is gone."""

    def _down(self, *args: object, **kwargs: object) -> list:
        raise VectorStoreUnavailable(DETAIL)

    publishers = search_titles = article = passages = passage = _down  # type: ignore[assignment]


@pytest.fixture
async def down(env, start_bot) -> Harness:
    env.catalog = DownCatalog()
    env.answerer.error = VectorStoreUnavailable(DETAIL)

    def status():
        raise VectorStoreUnavailable(DETAIL)

    deps = env.deps()
    harness = await start_bot(deps=deps.__class__(**{**_fields(deps), "status": status}))
    return harness


def _fields(obj: object) -> dict:
    return {s: getattr(obj, s) for s in obj.__slots__}  # type: ignore[attr-defined]


def assert_clear_private_reply(harness: Harness, payload: dict) -> None:
    reply = harness.of(payload)[-1]
    assert reply.flags & 64, reply
    assert reply.content == STORE_UNAVAILABLE
    assert "chroma.internal" not in " ".join(r.text() for r in harness.recorder.requests)


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("ask", {"question": "How much did it cost?"}),
        ("ask", {"question": "How much did it cost?", "source": "Harbour Gazette"}),
        ("source", {"query": "bridge"}),
        ("source", {"query": "harbour bridge reopens"}),
        ("status", {}),
    ],
)
async def test_commands_say_the_store_is_unreachable(down, command, options):
    payload = down.slash(command, user_id=ADMIN_ID, **options)
    await down.idle()
    assert_clear_private_reply(down, payload)


async def test_a_mention_says_the_store_is_unreachable(down):
    down.message("How much did it cost?", mention_bot=True)
    await down.idle()
    final = down.recorder.requests[-1]
    assert final.content == STORE_UNAVAILABLE
    assert final.data["allowed_mentions"] == {"parse": []}


@pytest.mark.parametrize(
    ("command", "focused", "options"),
    [
        ("ask", "source", {"question": "x", "source": "harb"}),
        ("source", "query", {"query": "harbour"}),
    ],
)
async def test_autocomplete_suggests_nothing_instead_of_raising(
    down, command, focused, options, caplog
):
    with caplog.at_level(logging.WARNING):
        payload = down.autocomplete(command, focused, **options)
        await down.idle()
    (reply,) = down.of(payload)
    assert reply.payload == {"type": 8, "data": {"choices": []}}
    assert not any(r.exc_info for r in caplog.records)  # an outage is expected, not a crash
    assert any("VectorStoreUnavailable" in r.getMessage() for r in caplog.records)


async def test_ingest_autocomplete_survives_a_failing_source_list(env, start_bot):
    def broken() -> list[str]:
        raise VectorStoreUnavailable(DETAIL)

    harness = await start_bot(
        deps=env.deps().__class__(**{**_fields(env.deps()), "ingest_sources": broken})
    )
    payload = harness.autocomplete("ingest", "source", user_id=ADMIN_ID, source="ex")
    await harness.idle()
    (reply,) = harness.of(payload)
    assert reply.payload == {"type": 8, "data": {"choices": []}}
