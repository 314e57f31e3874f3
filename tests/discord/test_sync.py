"""``footnote sync-commands``: logs in, registers the definitions, exits (HTTP recorded)."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from bot.config import BotSettings
from bot.discord_adapter.app import run_sync_commands
from tests.discord.harness import APP_ID, BOT_ID, GUILD_ID, USERS
from vectorstore.errors import ConfigError


class DiscordApi:
    """Answers the few REST calls a sync makes, like Discord would."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []

    async def request(self, http, route, **kw: Any) -> Any:
        path = route.url.removeprefix(discord.http.Route.BASE)
        self.calls.append((route.method, path, kw.get("json")))
        if path == "/users/@me":
            if http.token == "rejected":
                raise discord.HTTPException(_Response(401), {"message": "401: Unauthorized"})
            return dict(USERS[BOT_ID], verified=True, mfa_enabled=False, flags=0)
        if path == "/oauth2/applications/@me":
            return {
                "id": str(APP_ID),
                "name": "Footnote",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": USERS[BOT_ID],
                "verify_key": "00",
                "flags": 0,
            }
        if route.method == "PUT" and path.endswith("/commands"):
            return [
                dict(c, id=str(i + 1), application_id=str(APP_ID), version="1")
                for i, c in enumerate(kw["json"])
            ]
        raise AssertionError(f"unexpected {route.method} {path}")


class _Response:
    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "Unauthorized"


@pytest.fixture
def api(monkeypatch) -> DiscordApi:
    api = DiscordApi()

    async def request(http, route, **kw):
        return await api.request(http, route, **kw)

    monkeypatch.setattr(discord.http.HTTPClient, "request", request)
    return api


def test_sync_to_one_guild_registers_every_command_with_its_options(api, monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "a-token")
    monkeypatch.setenv("FOOTNOTE_GUILD_ID", str(GUILD_ID))
    names = run_sync_commands(BotSettings(_env_file=None))
    assert sorted(names) == ["ask", "ingest", "source", "status"]
    ((method, path, commands),) = [c for c in api.calls if c[0] == "PUT"]
    assert path == f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"
    by_name = {c["name"]: c for c in commands}
    ask = by_name["ask"]
    assert ask["description"].startswith("Ask a question about the articles")
    options = {o["name"]: o for o in ask["options"]}
    assert options["question"]["required"] is True
    assert options["source"]["autocomplete"] is True
    assert options["private"]["type"] == 5  # boolean
    assert options["after"]["description"].endswith("(YYYY-MM-DD).")
    assert by_name["source"]["options"][0]["autocomplete"] is True
    for command in commands:
        assert 1 <= len(command["description"]) <= 100
        assert all(1 <= len(o["description"]) <= 100 for o in command.get("options", []))


def test_sync_globally_without_a_guild(api, monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "a-token")
    run_sync_commands(BotSettings(_env_file=None))
    ((_, path, _),) = [c for c in api.calls if c[0] == "PUT"]
    assert path == f"/applications/{APP_ID}/commands"


def test_rejected_token_is_a_config_error(api, monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "rejected")
    with pytest.raises(ConfigError, match="rejected the bot token"):
        run_sync_commands(BotSettings(_env_file=None))
