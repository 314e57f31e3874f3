"""The as-typed bench changes each question one way, the same every run, and loses none."""

from __future__ import annotations

import json
from pathlib import Path

from bench.as_typed import build, in_title_case, with_chat, with_typo


def test_one_word_gets_one_typo_and_the_first_letter_stays() -> None:
    question = "how much did the harbour bridge repair cost?"
    typo = with_typo(question, "q1")
    assert typo == with_typo(question, "q1")  # the same on every run
    assert typo != question
    changed = [(a, b) for a, b in zip(question.split(), typo.split(), strict=True) if a != b]
    assert len(changed) == 1
    word, typed = changed[0]
    assert typed[0] == word[0] and abs(len(typed) - len(word)) <= 1
    assert word not in {"how", "did", "the"}  # a word that carries the question
    assert with_typo("who?", "q2") == "who?"  # no word long enough: left alone


def test_build_keeps_every_question_and_types_the_follow_up_turn(tmp_path: Path) -> None:
    source = tmp_path / "news"
    source.mkdir()
    rows = [
        {"id": "a1", "question": "when did the harbour bridge reopen?", "kind": "answerable"},
        {"id": "f1", "turns": ["who built the mill?", "and when was that finished?"],
         "kind": "followup"},
    ]  # fmt: skip
    (source / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    counts = build(source, tmp_path / "out", "typos")
    built = [json.loads(line) for line in (tmp_path / "out" / "questions.jsonl").open()]
    assert counts == {"questions": 2, "changed": 2}
    assert [r["id"] for r in built] == ["a1", "f1"]
    assert built[0]["question"] != rows[0]["question"]
    assert built[1]["turns"][0] == rows[1]["turns"][0]  # the first turn as written
    assert built[1]["turns"][1] != rows[1]["turns"][1]


def test_title_case_and_chat_keep_the_question_inside() -> None:
    assert in_title_case("what's the q3 revenue?", "k") == "What's The Q3 Revenue?"
    framed = with_chat("who built the mill?", "q7")
    assert "who built the mill?" in framed
    assert framed == with_chat("who built the mill?", "q7")
