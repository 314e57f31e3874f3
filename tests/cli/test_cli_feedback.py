"""``footnote feedback``: answers with their votes, listed and exported (issue 8, item 16)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.discord_adapter.feedback import FeedbackStore
from bot.engine.models import Answer


@pytest.fixture
def store(tmp_path: Path, monkeypatch) -> FeedbackStore:
    monkeypatch.setenv("FOOTNOTE_DATA_DIR", str(tmp_path / "data"))
    feedback = FeedbackStore.in_data_dir(tmp_path / "data")
    bridge = feedback.record_answer(
        Answer("What did the bridge cost?", "What did the bridge cost?", "40 million [1]", False)
    )
    feedback.record_vote(bridge, user_id=1, vote=1)
    feedback.record_vote(bridge, user_id=2, vote=1)
    feedback.record_vote(bridge, user_id=3, vote=-1)
    refused = Answer('Who won, "really"?', "Who won?", "The articles don't say.", True)
    feedback.record_answer(refused)
    return feedback


def run(*args: str):
    return CliRunner().invoke(main, ["feedback", *args])


def test_json_export_has_answers_with_vote_counts(store):
    result = run("--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["question"] for r in rows] == ['Who won, "really"?', "What did the bridge cost?"]
    assert set(rows[0]) == {"answer_id", "created", "question", "answer", "abstained",
                            "answerer", "private", "up", "down"}  # fmt: skip
    assert (rows[1]["up"], rows[1]["down"], rows[1]["abstained"]) == (2, 1, False)
    assert (rows[0]["up"], rows[0]["down"], rows[0]["abstained"]) == (0, 0, True)


def test_csv_export_round_trips(store):
    result = run("--csv", "--voted")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1
    assert rows[0]["question"] == "What did the bridge cost?"
    assert (rows[0]["up"], rows[0]["down"]) == ("2", "1")


def test_text_listing(store):
    result = run()
    assert result.exit_code == 0
    assert "+2 -1" in result.stdout and "Q: What did the bridge cost?" in result.stdout
    assert "(refused)" in result.stdout


def test_json_and_csv_together_is_a_usage_error(store):
    assert run("--json", "--csv").exit_code == 2


def test_no_database_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTNOTE_DATA_DIR", str(tmp_path / "nowhere"))
    result = run("--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert "FOOTNOTE_DATA_DIR" in result.stderr and str(tmp_path / "nowhere") in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_reading_changes_nothing(store):
    before = store.path.read_bytes()
    assert run("--json").exit_code == 0
    assert store.path.read_bytes() == before
