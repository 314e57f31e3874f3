"""footnote-ingest as a user runs it: outputs, --json, --status and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from filelock import FileLock

from ingest.cli import main
from vectorstore.chroma import ChromaArticleStore, make_client
from vectorstore.config import StoreSettings

from ..conftest import REPO_ROOT

JSON_KEYS = {"added", "updated", "skipped", "deleted", "failed", "failures", "passages_added",
             "passages_deleted", "dry_run", "seconds"}  # fmt: skip


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "bridge.md").write_text(
        "# Harbour bridge reopens\n\nThe harbour bridge reopened after a two-year repair "
        "costing 40 million euros.\n",
        encoding="utf-8",
    )
    (folder / "oaks.txt").write_text(
        "Volunteers plant river oaks\n\nVolunteers planted 3,000 oak saplings along the river "
        "in a single weekend.\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"FOOTNOTE_DATA_DIR": str(tmp_path / "data")}


def invoke(args: list[str], env: dict[str, str]):
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def test_json_output_and_a_failing_item(corpus: Path, env) -> None:
    (corpus / "broken.json").write_text('{"title": "half an object", ', encoding="utf-8")
    result = invoke([str(corpus), "--json", "--quiet"], env)
    assert result.exit_code == 1  # an item failed ...
    report = json.loads(result.stdout)
    assert set(report) == JSON_KEYS
    assert (report["added"], report["failed"]) == (2, 1)  # ... and the rest was ingested
    assert report["failures"][0]["item"].endswith("broken.json")
    assert "not valid JSON" in report["failures"][0]["reason"]

    (corpus / "broken.json").unlink()
    again = invoke([str(corpus), "--json", "--quiet"], env)
    assert again.exit_code == 0
    assert json.loads(again.stdout)["skipped"] == 2


def test_human_summary_dry_run_and_status(corpus: Path, env) -> None:
    dry = invoke([str(corpus), "--dry-run", "--quiet"], env)
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.startswith("Dry run, nothing written: would add 2")

    run = invoke([str(corpus), "--quiet"], env)
    assert run.exit_code == 0
    assert run.stdout.startswith("Ingested: 2 added, 0 updated, 0 unchanged, 0 deleted, 0 failed")

    status = invoke(["--status", "--quiet"], env)
    assert status.exit_code == 0
    assert "Articles:        2" in status.stdout
    assert str(corpus) in status.stdout and "all-MiniLM-L6-v2" in status.stdout
    assert "Last run:" in status.stdout and "2 added" in status.stdout

    as_json = json.loads(invoke(["--status", "--json", "--quiet"], env).stdout)
    assert as_json["articles"] == 2 and as_json["passages"] >= 2
    assert as_json["sources"] == [{"origin": str(corpus), "articles": 2}]
    assert as_json["last_run"]["generation"]
    assert as_json["store"].startswith("embedded ")


def test_a_failing_file_name_with_a_newline_cannot_fake_a_summary_line(corpus: Path, env):
    fake = "broken\nIngested: 9 added, 0 updated, 0 unchanged, 0 deleted, 0 failed.json"
    (corpus / fake).write_text("{not json", encoding="utf-8")
    result = invoke([str(corpus), "--quiet"], env)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert sum(line.startswith("Ingested:") for line in lines) == 1
    assert lines[-1].startswith("  - ") and "broken\\nIngested: 9 added" in lines[-1]
    assert len(lines) == 3  # the summary, "Failed items:", the one failure
    report = json.loads(invoke([str(corpus), "--quiet", "--json"], env).stdout)
    assert report["failures"][0]["item"].endswith(fake)  # JSON keeps the real name


def test_sources_file_and_usage_errors(corpus: Path, env, tmp_path: Path) -> None:
    missing = invoke(["--quiet"], env)
    assert missing.exit_code == 2
    assert "sources.toml does not exist" in missing.stderr and "--sources-file" in missing.stderr

    listed = tmp_path / "mine.toml"
    listed.write_text('sources = ["corpus"]\n', encoding="utf-8")
    ran = invoke(["--sources-file", str(listed), "--json", "--quiet"], env)
    assert ran.exit_code == 0 and json.loads(ran.stdout)["added"] == 2

    (tmp_path / "sources.toml").write_text('sources = ["corpus"]\n', encoding="utf-8")
    default = invoke(["--json", "--quiet"], env)  # cwd is tmp_path: ./sources.toml
    assert default.exit_code == 0 and json.loads(default.stdout)["skipped"] == 2

    bad = tmp_path / "bad.toml"
    bad.write_text("sources = 3\n", encoding="utf-8")
    assert invoke(["--sources-file", str(bad)], env).exit_code == 78
    assert invoke(["--status", str(corpus)], env).exit_code == 2


def test_bad_settings_exit_78(corpus: Path, env) -> None:
    result = invoke([str(corpus)], {**env, "FOOTNOTE_CHUNK_TOKENS": "5"})
    assert result.exit_code == 78
    assert "FOOTNOTE_CHUNK_TOKENS=5 is invalid" in result.stderr


def test_model_mismatch_exits_78_until_rebuild(corpus: Path, env, tmp_path, fake_embeddings):
    settings = StoreSettings(_env_file=None, data_dir=tmp_path / "data")
    ChromaArticleStore(
        make_client(settings), fake_embeddings, collection="footnote", model_name="other-model"
    )
    refused = invoke([str(corpus), "--quiet"], env)
    assert refused.exit_code == 78
    assert "other-model" in refused.stderr and "--rebuild" in refused.stderr
    rebuilt = invoke([str(corpus), "--rebuild", "--json", "--quiet"], env)
    assert rebuilt.exit_code == 0 and json.loads(rebuilt.stdout)["added"] == 2


@pytest.mark.parametrize("command", [["ask", "What did the bridge cost?"], ["search", "bridge"],
                                     ["chat"]])  # fmt: skip
def test_model_mismatch_exits_78_from_footnote_too(command, env, tmp_path, fake_embeddings):
    # The same mismatch footnote-ingest calls a configuration error (78) must not be a plain
    # error (1) from the bot's commands.
    from langchain_core.documents import Document

    from bot.cli import main as footnote

    settings = StoreSettings(_env_file=None, data_dir=tmp_path / "data")
    store = ChromaArticleStore(
        make_client(settings), fake_embeddings, collection="footnote", model_name="other-model"
    )
    store.as_langchain().add_documents(
        [Document("The bridge cost 40 million.", metadata={"article_id": "a", "title": "B"})],
        ids=["a:0"],
    )
    result = CliRunner().invoke(footnote, command, env=env, input="")
    assert result.exit_code == 78, result.output
    assert "other-model" in result.stderr and "--rebuild" in result.stderr


def test_busy_lock_exits_1_naming_the_lock(corpus: Path, env, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    with FileLock(str(tmp_path / "data" / "ingest.lock")):
        result = invoke([str(corpus), "--quiet"], env)
    assert result.exit_code == 1
    assert "ingest.lock" in result.stderr and "--wait" in result.stderr


def test_entry_point_runs_as_a_module(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ingest", "--help"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0
    for option in ("--dry-run", "--rebuild", "--json", "--quiet", "--status", "--wait"):
        assert option in result.stdout


def test_dry_run_verbose_lists_what_it_would_add_update_and_delete(corpus: Path, env) -> None:
    # Issue 8, item 14: counts alone do not say which articles.
    dry = invoke([str(corpus), "--dry-run", "-v"], env)
    assert dry.exit_code == 0, dry.output
    listed = [line for line in dry.stdout.splitlines() if line.startswith("would ")]
    assert sorted(listed) == sorted(
        [f"would add     {corpus / 'bridge.md'}", f"would add     {corpus / 'oaks.txt'}"]
    )
    assert invoke([str(corpus), "--quiet"], env).exit_code == 0
    (corpus / "oaks.txt").unlink()
    (corpus / "bridge.md").write_text("# Harbour bridge reopens\n\nIt cost 41 million.\n")
    (corpus / "ferry.md").write_text("# Ferry\n\nThe ferry ran aground near the pier.\n")
    dry = invoke([str(corpus), "--dry-run", "-v"], env)
    listed = [line for line in dry.stdout.splitlines() if line.startswith("would ")]
    assert listed == [
        f"would add     {corpus / 'ferry.md'}",
        f"would update  {corpus / 'bridge.md'}",
        f"would delete  {corpus / 'oaks.txt'}",
    ]
    quiet = invoke([str(corpus), "--dry-run"], env)  # without -v: the counts only
    assert not any(line.startswith("would ") for line in quiet.stdout.splitlines())
    as_json = invoke([str(corpus), "--dry-run", "-v", "--json"], env)
    assert set(json.loads(as_json.stdout)) == JSON_KEYS
