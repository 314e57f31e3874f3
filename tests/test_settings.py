"""Settings: read from the environment and .env, every one documented in .env.example."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from bot.config import BotSettings

from .conftest import REPO_ROOT


def _documented() -> set[str]:
    text = (REPO_ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z_]+)=", text, flags=re.MULTILINE))


def test_every_setting_is_documented_in_env_example() -> None:
    documented = _documented()
    expected = {f"FOOTNOTE_{name.upper()}" for name in BotSettings.model_fields} - {
        "FOOTNOTE_DISCORD_TOKEN"
    }
    assert expected - documented == set()
    assert "DISCORD_TOKEN" in documented
    assert documented - expected - {"DISCORD_TOKEN"} == set(), "documented but unused"


def test_env_example_parses_as_a_dotenv(tmp_path) -> None:
    env = tmp_path / ".env"
    env.write_text((REPO_ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    settings = BotSettings(_env_file=env)
    assert settings.discord_token is None  # empty placeholders count as unset
    assert settings.llm is None
    assert settings.collection == "footnote"


def test_environment_overrides_and_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTNOTE_TOP_K", "3")
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    monkeypatch.setenv("PERSIST_DIRECTORY", "/nowhere")  # chromadb's name must not matter
    settings = BotSettings(_env_file=None)
    assert settings.top_k == 3
    assert settings.discord_token is not None
    assert "secret-token-value" not in repr(settings)
    assert settings.mode == "persistent"


def test_chroma_host_switches_to_server_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTNOTE_CHROMA_HOST", "127.0.0.1")
    assert BotSettings(_env_file=None).mode == "http"


def test_bad_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTNOTE_COLLECTION", "a b")
    with pytest.raises(ValidationError):
        BotSettings(_env_file=None)
