"""``footnote run`` while Discord is unreachable: one line per attempt, backoff, no traceback.

Issue 8, item 10 (and item 15: plain logs off a TTY, no voice warnings). The probe is real (a
TCP connect to a closed, then open, loopback port); the adapter's ``run_bot`` is replaced so no
model loads and no Discord is needed.
"""

from __future__ import annotations

import logging
import socket

import aiohttp
import pytest
from click.testing import CliRunner

import bot.discord_adapter.app as app
from bot.cli import discord_commands, main
from tests.conftest import free_port

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.not-a-real-token-but-secret"


@pytest.fixture
def offline(monkeypatch):
    """Discord "lives" on a closed loopback port; sleeping is recorded, not waited."""
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    port = free_port()
    monkeypatch.setattr(discord_commands, "GATEWAY_PROBE", ("127.0.0.1", port))
    state = {"sleeps": [], "runs": 0, "server": None}

    def fake_sleep(seconds: float) -> None:
        state["sleeps"].append(seconds)
        if len(state["sleeps"]) == 3:  # the network comes back
            server = socket.create_server(("127.0.0.1", port))
            state["server"] = server

    monkeypatch.setattr(discord_commands.time, "sleep", fake_sleep)
    yield state
    if state["server"] is not None:
        state["server"].close()


def test_unreachable_gateway_retries_with_backoff_then_runs(offline, monkeypatch):
    def fake_run_bot(settings) -> None:
        offline["runs"] += 1
        if offline["runs"] == 1:  # the gateway drops once more after the probe passed
            raise aiohttp.ClientConnectionError("Cannot connect to host discord.com:443")
        logging.getLogger("bot.discord_adapter.app").info("connected")

    monkeypatch.setattr(app, "run_bot", fake_run_bot)
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert offline["sleeps"] == [2.0, 4.0, 8.0, 16.0]
    assert offline["runs"] == 2
    retries = [line for line in result.stderr.splitlines() if "cannot reach Discord" in line]
    assert len(retries) == 4
    assert all("retrying in" in line for line in retries)
    assert "ConnectionRefusedError" in retries[0] and "ClientConnectionError" in retries[3]
    assert TOKEN not in result.output


def test_a_bug_still_crashes_with_its_traceback(offline, monkeypatch):
    offline["sleeps"].extend([0, 0])  # the next sleep opens the port

    def broken(settings) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(app, "run_bot", broken)
    result = CliRunner().invoke(main, ["run"])
    assert isinstance(result.exception, KeyError)


def test_logs_are_plain_without_a_tty_and_voice_warnings_are_silenced(offline, monkeypatch):
    import discord

    monkeypatch.setattr(discord.utils, "stream_supports_colour", lambda stream: True)  # Docker

    def fake_run_bot(settings) -> None:
        discord.Client(intents=discord.Intents.none())  # logs the PyNaCl/davey warnings
        logging.getLogger("bot.discord_adapter.app").warning("a warning to show")

    offline["sleeps"].extend([0, 0])
    monkeypatch.setattr(app, "run_bot", fake_run_bot)
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 0, result.output
    assert "a warning to show" in result.stderr
    assert "\x1b[" not in result.stderr
    assert "PyNaCl" not in result.stderr and "davey" not in result.stderr


def test_llm_settings_fail_before_waiting_for_the_network(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("FOOTNOTE_LLM", "nosuchprovider:x")
    monkeypatch.setattr(discord_commands, "GATEWAY_PROBE", ("127.0.0.1", free_port()))
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 78
    assert "FOOTNOTE_LLM" in result.stderr and "cannot reach" not in result.stderr


def test_discord_outage_errors_count_as_network_errors():
    import discord

    assert discord_commands.is_network_error(discord.GatewayNotFound())
    assert discord_commands.is_network_error(OSError("unreachable"))
    assert not discord_commands.is_network_error(discord.LoginFailure("bad token"))
    assert not discord_commands.is_network_error(ValueError("bug"))
