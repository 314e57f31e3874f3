"""Settings errors as users meet them: the variable they set and what it expects (issue 8)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import main
from ingest.cli import main as ingest_main


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("FOOTNOTE_TOP_K", "abc", "an integer >= 1 and <= 25"),
        ("FOOTNOTE_TOP_K", "0", ">= 1"),
        ("FOOTNOTE_EMBEDDING_DTYPE", "fp8", "'auto', 'float32' or 'bfloat16'"),
        ("FOOTNOTE_MESSAGE_CONTENT", "maybe", "true or false"),
    ],
)
def test_bad_setting_names_the_variable_and_the_expected_value(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["gaps"])
    assert result.exit_code == 78
    assert f"{name}={value} is invalid: expected" in result.stderr
    assert expected in result.stderr
    # pydantic's internals stay out of it
    assert "validation error" not in result.stderr and "pydantic" not in result.stderr
    assert "BotSettings" not in result.stderr and "Traceback" not in result.output
    assert result.stderr.startswith("Error: ")


def test_ingest_bad_setting_uses_the_same_message(monkeypatch):
    monkeypatch.setenv("FOOTNOTE_CHUNK_TOKENS", "5")
    result = CliRunner().invoke(ingest_main, ["--status"])
    assert result.exit_code == 78
    assert result.stderr.startswith("Error: configuration: FOOTNOTE_CHUNK_TOKENS=5 is invalid")
    assert "errors.pydantic.dev" not in result.stderr


def test_secret_values_are_never_repeated(monkeypatch):
    monkeypatch.setenv("FOOTNOTE_TOP_K", "x")
    monkeypatch.setenv("DISCORD_TOKEN", "tok-very-secret")
    result = CliRunner().invoke(main, ["gaps"])
    assert result.exit_code == 78
    assert "tok-very-secret" not in result.output
