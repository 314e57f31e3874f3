"""An LLM that cannot be set up is one clear line naming the setting, exit 78 (issue 8, item 9)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import main


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("command", [["ask", "Who won?"], ["chat"]])
def test_provider_without_its_key_is_one_line_exit_78(monkeypatch, tmp_path, command):
    pytest.importorskip("langchain_openai")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("FOOTNOTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FOOTNOTE_LLM", "openai:gpt-4o-mini")
    result = _run(*command)
    assert result.exit_code == 78, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: configuration:")
    assert "FOOTNOTE_LLM=openai:gpt-4o-mini" in lines[0] and "FOOTNOTE_LLM_API_KEY" in lines[0]


def test_unknown_provider_is_one_line_exit_78(monkeypatch, tmp_path):
    monkeypatch.setenv("FOOTNOTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FOOTNOTE_LLM", "nosuchprovider:model-x")
    result = _run("ask", "Who won?")
    assert result.exit_code == 78
    assert len(result.stderr.strip().splitlines()) == 1
    assert "FOOTNOTE_LLM=nosuchprovider:model-x" in result.stderr
