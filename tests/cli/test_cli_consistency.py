"""One CLI: --version, -v/-q everywhere, one error prefix, `footnote ingest` (issue 8, item 15)."""

from __future__ import annotations

import logging
from importlib.metadata import version

import click
import pytest
from click.testing import CliRunner

from bot.cli import main
from ingest.cli import main as ingest_main


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _all_commands(command, (*prefix, name))


def test_version():
    expected = version("footnote-bot")
    assert CliRunner().invoke(main, ["--version"]).output.strip() == f"footnote, version {expected}"
    result = CliRunner().invoke(ingest_main, ["--version"])
    assert result.output.strip() == f"footnote-ingest, version {expected}"


@pytest.mark.parametrize("path", [p for p, _ in _all_commands(main)], ids=" ".join)
def test_every_command_takes_v_and_q(path):
    for flag in ("-v", "-q"):
        result = CliRunner().invoke(main, [*path, flag, "--help"])
        assert result.exit_code == 0, (flag, result.output)


def test_v_and_q_set_the_log_level_before_or_after_the_command():
    def stderr_level() -> int:
        handlers = [h for h in logging.getLogger().handlers if type(h).__name__ == "_StderrHandler"]
        assert len(handlers) == 1
        return handlers[0].level

    assert CliRunner().invoke(main, ["gaps"]).exit_code == 0
    assert stderr_level() == logging.WARNING
    assert CliRunner().invoke(main, ["gaps", "-v"]).exit_code == 0
    assert stderr_level() == logging.INFO
    assert CliRunner().invoke(main, ["-v", "gaps", "-v"]).exit_code == 0
    assert stderr_level() == logging.DEBUG
    assert CliRunner().invoke(main, ["gaps", "-q"]).exit_code == 0
    assert stderr_level() == logging.ERROR


def test_footnote_ingest_is_footnote_dash_ingest():
    a = CliRunner().invoke(main, ["ingest", "--status", "--json"])
    b = CliRunner().invoke(ingest_main, ["--status", "--json"])
    assert a.exit_code == b.exit_code == 0
    assert a.stdout == b.stdout
    usage = CliRunner().invoke(main, ["ingest", "--status", "somewhere"])
    assert usage.exit_code == 2


@pytest.mark.parametrize(
    ("cli", "args", "code"),
    [
        (main, ["ask", "   "], 1),
        (main, ["search", "x"], 1),
        (ingest_main, ["--sources-file", "missing.toml"], 2),
    ],
)
def test_one_error_prefix(cli, args, code):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == code
    errors = [line for line in result.stderr.splitlines() if "rror" in line]
    assert errors and all(line.startswith("Error: ") for line in errors), result.stderr


@pytest.mark.slow
def test_no_install_paths_in_info_logs(caplog):
    from vectorstore.embeddings import SentenceTransformerEmbeddings, load_sentence_transformer

    embeddings = SentenceTransformerEmbeddings()
    with caplog.at_level(logging.INFO, logger="vectorstore.embeddings"):
        load_sentence_transformer.__wrapped__(
            embeddings.path, "float32", "cpu", embeddings.model_name
        )
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert any(embeddings.model_name in line for line in info)
    assert not any("site-packages" in line or embeddings.path in line for line in info)
