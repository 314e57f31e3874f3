"""Realistic question sets: loading, scoring rules, and ``footnote eval`` on our sample corpus.

The questions here are our own, about ``examples/corpus``; nothing comes from news-dev.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.engine.models import Answer, Citation
from bot.evaluation import news
from bot.evaluation.retrieval import DatasetError
from tests.conftest import EXAMPLES_DIR
from vectorstore.base import Hit, Passage

BRIDGE = "The repair cost exactly 40 million euros, the city's infrastructure department confirmed."
QUESTIONS = [
    {
        "id": "a1",
        "kind": "answerable",
        "style": "numeric",
        "question": "how much did fixing the harbour bridge end up costing",
        "answer": "40 million euros",
        "answer_aliases": ["€40 million"],
        "article_id": "bridge",
        "evidence": "The repair cost exactly 40 million euros",
    },
    {
        "id": "a2",
        "kind": "answerable",
        "style": "casual",
        "question": "when does the 24 hour library thing start?",
        "answer": "5 January 2027",
        "article_id": "library",
        "evidence": "The pilot starts on 5 January 2027",
    },
    {
        "id": "u1",
        "kind": "unanswerable",
        "question": "what colour is the paint on the harbour bridge cables?",
        "near_article_id": "bridge",
    },
    {
        "id": "m1",
        "kind": "multi",
        "question": "how much did the bridge repair cost, and when does the library pilot start?",
        "answer": "40 million euros; 5 January 2027",
        "article_ids": ["bridge", "library"],
        "evidence": [
            "The repair cost exactly 40 million euros",
            "The pilot starts on 5 January 2027",
        ],
    },
    {
        "id": "f1",
        "kind": "followup",
        "turns": ["how much did the harbour bridge repair cost?", "and when did it reopen?"],
        "answer": "17 October 2026",
        "article_id": "bridge",
        "evidence": "reopened to traffic at 6:00 on Saturday 17 October 2026",
    },
]


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "questions.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return folder


def test_loading_checks_kinds_and_fields(tmp_path):
    folder = _write(tmp_path, QUESTIONS)
    data = news.load_news_dataset(folder, corpus=EXAMPLES_DIR / "corpus")
    assert [q.kind for q in data.questions] == [
        "answerable",
        "answerable",
        "unanswerable",
        "multi",
        "followup",
    ]
    assert data.questions[-1].question == "and when did it reopen?"
    assert {q.split for q in data.questions} <= {"fit", "report"}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"kind": "trivia", "question": "x?"}, "kind 'trivia'"),
        ({"kind": "answerable", "question": "who?", "article_id": "a", "evidence": "e"}, "answer"),
        ({"kind": "followup", "turns": ["only one?"], "answer": "x"}, "two questions"),
        (
            {
                "kind": "multi",
                "question": "a and b?",
                "answer": "x",
                "article_ids": ["a", "b"],
                "evidence": ["e"],
            },
            "one evidence per article",
        ),
    ],
)
def test_a_malformed_row_is_a_clear_error(tmp_path, row, message):
    folder = _write(tmp_path, [row])
    with pytest.raises(DatasetError, match=message):
        news.load_news_dataset(folder, corpus=tmp_path)


def test_a_dataset_without_its_corpus_says_where_it_looked(tmp_path):
    folder = _write(tmp_path, QUESTIONS)
    with pytest.raises(DatasetError, match="no corpus found"):
        news.load_news_dataset(folder)


def test_matching_rules():
    assert news.contains_answer("It cost €40 million [1].", ["€40 million"])
    assert news.contains_answer("it was “Half True”", ['"half true"'])
    assert news.contains_answer("It cost $ 70 million.", ["$70 million"])
    assert not news.contains_answer("It cost 41 million euros.", ["40 million euros"])
    assert news.covers(
        "Earlier text. " + BRIDGE + " More.", "The repair cost exactly 40 million euros"
    )
    assert not news.covers("The bridge reopened on Saturday.", BRIDGE)
    answer = "The Clymer manual costs £23.99; Bike & Style is £40."
    assert news.fact_found(answer, "RRP: £23.99", "£23.99 vs £40")
    assert news.fact_found(answer, "RRP: 49.95 Euro (£40)", "£23.99 vs £40")
    assert not news.fact_found("The manual costs £23.99.", "RRP: 49.95 Euro (£40)", "£23.99 vs £40")
    # halves are by article: every question of an article is in the same half
    assert news.split_of("bridge") == news.split_of("bridge")


def _answer(text: str, quote: str, passage_text: str) -> Answer:
    passage = Passage(id="p1", article_id="a", index=0, text=passage_text, title="t")
    return Answer(
        question="q",
        standalone_question="q",
        text=text,
        abstained=False,
        citations=(Citation(n=1, passage=passage, quote=quote),),
        sources=(Hit(passage, 1.0),),
    )


def test_citation_validity_is_the_contract():
    ok = _answer(
        "40 million euros — “The repair cost 40m.” [1]",
        "The repair cost 40m.",
        "The repair cost 40m.",
    )
    assert news.citations_valid(ok)
    assert not news.citations_valid(
        _answer("x [2]", "The repair cost 40m.", "The repair cost 40m.")
    )
    assert not news.citations_valid(_answer("x [1]", "Not in the passage.", "The repair cost 40m."))


@pytest.mark.slow
def test_eval_answers_and_retrieval_on_a_realistic_set(tmp_path, real_embeddings):
    folder = _write(tmp_path, QUESTIONS)
    out = tmp_path / "results"
    runner = CliRunner()
    args = ["--dataset", str(folder), "--corpus", str(EXAMPLES_DIR / "corpus"), "--out", str(out)]
    result = runner.invoke(main, ["eval", "answers", *args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["questions"] == len(QUESTIONS)
    head = report["headline"]["all"]
    assert set(head) >= {
        "right",
        "false_refusals",
        "unanswerable_refused",
        "followup_right",
        "multi_both_facts",
        "citation_validity",
        "p50_seconds",
        "p95_seconds",
    }
    # the built-in reader answers these plain questions about its own sample corpus
    assert head["right"] == 1.0, report["failures"]
    assert head["unanswerable_refused"] == 1.0, report["failures"]
    assert head["followup_right"] == 1.0, report["failures"]
    assert head["multi_both_facts"] == 1.0, report["failures"]
    assert head["citation_validity"] == 1.0
    for suffix in (".md", ".json", ".png"):
        assert (out / f"eval-answers-set-extractive{suffix}").is_file()
    assert "## Failures" in (out / "eval-answers-set-extractive.md").read_text()

    result = runner.invoke(main, ["eval", "retrieval", *args, "--json"])
    assert result.exit_code == 0, result.output
    retrieval = json.loads(result.stdout.strip().splitlines()[-1])["results"]
    assert retrieval["all/hybrid"]["hits@5"] == 1.0
    assert retrieval["all/hybrid"]["multi_both@10"] == 1.0


class _Streams:
    """An answer service whose stream yields the given items, a pause before each."""

    def __init__(self, *items: object, pause: float = 0.05) -> None:
        self.items, self.pause = items, pause

    def stream(self, question, history=()):
        import time

        for item in self.items:
            time.sleep(self.pause)
            yield item


def test_the_first_text_is_when_the_user_first_sees_text():
    from bot.engine.models import AnswerDelta

    final = Answer(question="q?", standalone_question="q?", text="forty [1]", abstained=False)
    streamed = news.streamed_answer(
        _Streams(AnswerDelta("for"), AnswerDelta("ty"), final), "q?", ()
    )
    assert 0.04 <= streamed.extra["first_text_seconds"] < 0.1
    # Nothing streamed: the answer itself is the first text, not a zero that flatters the p50.
    whole = Answer(question="q?", standalone_question="q?", text="forty [1]", abstained=False)
    at_once = news.streamed_answer(_Streams(whole, pause=0.1), "q?", ())
    assert at_once.extra["first_text_seconds"] >= 0.1
