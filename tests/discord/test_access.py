"""Who sees and may use what: guild-only commands, hidden /ingest, /status without server paths."""

from __future__ import annotations

import discord
import pytest

from bot.config import BotSettings
from bot.discord_adapter.app import run_sync_commands
from tests.discord.fakes import corpus_status
from tests.discord.harness import ADMIN_ID, GUILD_ID, MANAGE_GUILD, MEMBER_ID
from tests.discord.test_sync import DiscordApi


@pytest.fixture
def synced(monkeypatch) -> dict[str, dict]:
    """The command definitions ``footnote sync-commands`` sends to Discord, by name."""
    api = DiscordApi()

    async def request(http, route, **kw):
        return await api.request(http, route, **kw)

    monkeypatch.setattr(discord.http.HTTPClient, "request", request)
    monkeypatch.setenv("DISCORD_TOKEN", "a-token")
    monkeypatch.setenv("FOOTNOTE_GUILD_ID", str(GUILD_ID))
    run_sync_commands(BotSettings(_env_file=None))
    ((_, _, commands),) = [c for c in api.calls if c[0] == "PUT"]
    return {c["name"]: c for c in commands}


def test_ingest_is_hidden_from_members_without_manage_server(synced):
    assert int(synced["ingest"]["default_member_permissions"]) == MANAGE_GUILD
    for name in ("ask", "source", "status"):
        assert synced[name]["default_member_permissions"] is None, name


def test_every_command_is_guild_only(synced):
    for name, command in synced.items():
        assert command["dm_permission"] is False, name
        assert command["contexts"] == [0], name  # 0: guild


@pytest.mark.parametrize("name", ["status", "source", "ask", "ingest"])
async def test_commands_from_a_dm_are_refused_in_code_too(harness, env, name):
    # A stale global registration could still deliver a DM interaction.
    options = {"source": {"query": "bridge"}, "ask": {"question": "What?"}}.get(name, {})
    payload = harness.dm_slash(name, user_id=ADMIN_ID, **options)
    await harness.idle()
    (reply,) = harness.of(payload)
    assert reply.payload["type"] == 4 and reply.flags & 64
    assert reply.content == "This command works only in a server, not in DMs."
    assert env.answerer.calls == [] and env.ingest.calls == []


async def test_status_hides_server_paths_and_the_store_from_members(harness, env):
    env.status = corpus_status()
    env.status = env.status.__class__(
        **{
            **{s: getattr(env.status, s) for s in env.status.__slots__},
            "sources": (
                ("/srv/footnote/articles", 2),
                ("https://news.example/feed.xml?key=s3cret", 3),
                ("/home/ops/more", 1),
            ),
            "store": "server chroma.internal:8000",
        }
    )
    member = harness.slash("status", user_id=MEMBER_ID)
    await harness.idle()
    reply = harness.of(member)[-1]
    assert reply.flags & 64
    text = reply.text()
    assert "/srv" not in text and "/home" not in text and "s3cret" not in text
    assert "chroma.internal" not in text
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert "Store" not in fields
    assert fields["Sources"] == "local files: 3 articles\nnews.example: 3 articles"

    admin = harness.slash("status", user_id=ADMIN_ID)
    await harness.idle()
    fields = {f["name"]: f["value"] for f in harness.of(admin)[-1].embeds[0]["fields"]}
    assert fields["Store"] == "`server chroma.internal:8000`"
    assert "/srv/footnote/articles: 2 articles" in fields["Sources"]
