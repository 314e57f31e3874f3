"""``footnote run`` / ``sync-commands`` / ``gaps`` as a user invokes them."""

from __future__ import annotations

import json
import logging

from click.testing import CliRunner

from bot.cli import main
from bot.config import BotSettings
from bot.discord_adapter.app import setup_logging
from bot.discord_adapter.feedback import FeedbackStore

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.not-a-real-token-but-secret"


def test_run_without_token_exits_78_with_a_clear_message():
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 78
    assert "No Discord bot token" in result.output
    assert "DISCORD_TOKEN" in result.output


def test_sync_commands_without_token_exits_78():
    result = CliRunner().invoke(main, ["sync-commands"])
    assert result.exit_code == 78
    assert "No Discord bot token" in result.output


def test_run_with_bad_schedule_exits_78_and_never_echoes_the_token(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("FOOTNOTE_INGEST_EVERY", "fortnightly")
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 78
    assert "FOOTNOTE_INGEST_EVERY='fortnightly'" in result.output
    assert TOKEN not in result.output
    assert "not-a-real-token" not in result.output


def test_gaps_json_lists_refused_questions_most_asked_first(tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTNOTE_DATA_DIR", str(tmp_path / "d"))
    store = FeedbackStore.in_data_dir(tmp_path / "d")
    for q in ["Who won the regatta?", "What is the tram fare?", "who won the regatta"]:
        store.record_gap(q)
    result = CliRunner().invoke(main, ["gaps", "--json"])
    assert result.exit_code == 0, result.output
    gaps = json.loads(result.output)
    assert [(g["question"], g["count"]) for g in gaps] == [
        ("who won the regatta", 2),
        ("What is the tram fare?", 1),
    ]
    assert set(gaps[0]) == {"question", "count", "first_seen", "last_seen"}
    text = CliRunner().invoke(main, ["gaps"])
    assert text.exit_code == 0
    assert text.output.splitlines()[0].startswith("2  who won the regatta")


def test_gaps_when_there_are_none(tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTNOTE_DATA_DIR", str(tmp_path / "empty"))
    assert json.loads(CliRunner().invoke(main, ["gaps", "--json"]).output) == []
    assert "No coverage gaps" in CliRunner().invoke(main, ["gaps"]).output


def test_log_file_never_contains_the_token(tmp_path, monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("FOOTNOTE_LOG_FILE", str(tmp_path / "logs" / "bot.log"))
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        setup_logging(BotSettings(_env_file=None))
        logging.getLogger("discord.http").info("sending Authorization: Bot %s", TOKEN)
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in list(root.handlers):
            if handler not in saved[0]:
                handler.close()
                root.removeHandler(handler)
        for handler in saved[0]:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(saved[1])
    log = (tmp_path / "logs" / "bot.log").read_text()
    assert "sending Authorization: Bot [token]" in log
    assert TOKEN not in log


def test_invalid_setting_exits_78(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("FOOTNOTE_RATE_LIMIT_QUESTIONS", "0")
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 78
    assert "FOOTNOTE_RATE_LIMIT_QUESTIONS=0 is invalid" in result.output
    assert TOKEN not in result.output
