"""Retrieval evaluation: the metrics, the report files and ``footnote eval retrieval``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.evaluation.retrieval import (
    Dataset,
    DatasetError,
    Question,
    evaluate_retrieval,
    is_hit,
    load_dataset,
    write_report,
)
from vectorstore.base import Hit, Passage


def _passage(pid: str, article: str, text: str, url: str | None = None) -> Passage:
    return Passage(id=pid, article_id=article, index=0, text=text, title=article, url=url)


def test_a_hit_needs_the_gold_article_and_an_answer_string() -> None:
    q = Question("q", "Who?", ("Ada  Lovelace", "Lovelace"), "ada")
    urls = {"ada": "https://example.org/ada"}
    assert is_hit(Hit(_passage("1", "ada", "It was Ada Lovelace."), 1.0), q, urls)
    # whitespace differences do not matter; the article may be known by its URL only
    assert is_hit(
        Hit(_passage("2", "3f9a", "Ada\nLovelace wrote it.", "https://example.org/ada"), 1.0),
        q,
        urls,
    )
    assert not is_hit(Hit(_passage("3", "ada", "Babbage built it."), 1.0), q, urls)
    assert not is_hit(Hit(_passage("4", "other", "Lovelace, again."), 1.0), q, urls)


class _Scripted:
    """A Retriever returning canned rankings per question."""

    def __init__(self, rankings: dict[str, list[Hit]]) -> None:
        self.rankings = rankings

    def retrieve(self, query: str, k: int = 10, filters=None) -> list[Hit]:
        return self.rankings[query][:k]


def test_metrics_are_computed_per_question() -> None:
    gold = _passage("g", "a", "the answer is 42")
    miss = _passage("m", "b", "nothing here")
    rankings = {
        "first": [Hit(gold, 1.0), Hit(miss, 0.5)],
        "third": [Hit(miss, 0.9), Hit(miss, 0.8), Hit(gold, 0.7)],
        "sixth": [Hit(miss, 0.9)] * 5 + [Hit(gold, 0.1)],
        "never": [Hit(miss, 0.9)] * 10,
    }
    questions = tuple(Question(q, q, ("42",), "a") for q in rankings)
    dataset = Dataset("t", Path("."), Path("corpus.jsonl"), "dev", questions, {})
    results = evaluate_retrieval(_Scripted(rankings), dataset)
    assert list(results) == ["retriever"]
    metrics = results["retriever"]
    assert metrics["n"] == 4
    assert metrics["hits@1"] == pytest.approx(1 / 4)
    assert metrics["hits@5"] == pytest.approx(2 / 4)
    assert metrics["hits@10"] == pytest.approx(3 / 4)
    assert metrics["mrr@10"] == pytest.approx((1 + 1 / 3 + 1 / 6) / 4)
    limited = evaluate_retrieval(_Scripted(rankings), dataset, ks=(1, 3), limit=2)["retriever"]
    assert limited == {"hits@1": 0.5, "hits@3": 1.0, "mrr@3": pytest.approx(2 / 3), "n": 2}


def test_questions_are_searched_as_the_bot_searches_them() -> None:
    # The figures measure the retrieval users get: chat framing off, shorthand written out.
    gold = _passage("g", "a", "the answer is 42")
    searched: list[str] = []

    class _Recording(_Scripted):
        def retrieve(self, query: str, k: int = 10, filters=None) -> list[Hit]:
            searched.append(query)
            return [Hit(gold, 1.0)]

    question = Question("q", "hey so how many ppl came lol", ("42",), "a")
    dataset = Dataset("t", Path("."), Path("corpus.jsonl"), "dev", (question,), {})
    assert evaluate_retrieval(_Recording({}), dataset)["retriever"]["hits@1"] == 1.0
    assert searched == ["how many people came"]


def test_report_files(tmp_path: Path) -> None:
    results = {
        "hybrid": {"hits@1": 0.7, "hits@5": 0.95, "hits@10": 0.97, "mrr@10": 0.8, "n": 10},
        "bm25": {"hits@1": 0.6, "hits@5": 0.9, "hits@10": 0.93, "mrr@10": 0.7, "n": 10},
    }
    md = write_report(
        results,
        tmp_path / "out",
        "Retrieval on x",
        stem="eval-retrieval-x",
        details={"passages": 12},
    )
    assert md == tmp_path / "out" / "eval-retrieval-x.md"
    text = md.read_text()
    assert "| retriever | Hits@1 | Hits@5 | Hits@10 | MRR@10 | n |" in text
    assert "| hybrid (RRF + evidence rerank) | 0.700 | 0.950 | 0.970 | 0.800 | 10 |" in text
    assert "- passages: 12" in text and "(eval-retrieval-x.png)" in text
    assert (tmp_path / "out" / "eval-retrieval-x.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((tmp_path / "out" / "eval-retrieval-x.json").read_text())
    assert saved["results"] == results


def test_load_dataset_reports_missing_files(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="corpus.jsonl"):
        load_dataset(tmp_path)
    (tmp_path / "corpus.jsonl").write_text('{"id": "a", "url": "https://x/a"}\n')
    with pytest.raises(DatasetError, match="queries.dev.jsonl"):
        load_dataset(tmp_path)
    (tmp_path / "queries.dev.jsonl").write_text('{"id": "q", "question": "?"}\n')
    with pytest.raises(DatasetError, match="lacks"):
        load_dataset(tmp_path)


ARTICLES = [
    (
        "lighthouse",
        "The old lighthouse",
        "The lighthouse on Gull Rock was built in 1874 by the engineer Marta Vinter.\n\n"
        "Its lamp was electrified in 1931 and automated in 1988.",
    ),
    (
        "bakery",
        "A bakery's century",
        "The Krona bakery opened in 1921 on Mill Street.\n\n"
        "Its rye bread recipe uses a sourdough starter kept alive since 1950.",
    ),
    (
        "glacier",
        "Retreating glacier",
        "The Tind glacier retreated 300 metres between 2000 and 2020.\n\n"
        "Researchers measure it every August with drones.",
    ),
]
QUESTIONS = [
    ("q1", "Who built the lighthouse on Gull Rock?", ["Marta Vinter"], "lighthouse"),
    ("q2", "When was the lighthouse lamp automated?", ["1988"], "lighthouse"),
    ("q3", "On which street did the Krona bakery open?", ["Mill Street"], "bakery"),
    ("q4", "How far did the Tind glacier retreat?", ["300 metres"], "glacier"),
    ("q5", "How do researchers measure the glacier?", ["with drones", "drones"], "glacier"),
]


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny-set"
    folder.mkdir()
    with (folder / "corpus.jsonl").open("w") as fh:
        for aid, title, body in ARTICLES:
            row = {
                "id": aid,
                "title": title,
                "body": body,
                "source": "Tiny Times",
                "url": f"https://tiny.example/{aid}",
            }
            fh.write(json.dumps(row) + "\n")
    with (folder / "queries.dev.jsonl").open("w") as fh:
        for qid, question, answers, aid in QUESTIONS:
            row = {"id": qid, "question": question, "answers": answers, "article_id": aid}
            fh.write(json.dumps(row) + "\n")
    return folder


def test_eval_retrieval_command(
    tmp_path: Path, dataset_dir: Path, real_embeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOOTNOTE_DATA_DIR", str(tmp_path / "data"))  # absolute: see cli tests
    out = tmp_path / "reports"
    args = ["eval", "retrieval", "--dataset", str(dataset_dir), "--json", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload["results"]) == {"hybrid", "rrf", "dense", "bm25"}
    for metrics in payload["results"].values():
        assert set(metrics) == {"hits@1", "hits@5", "hits@10", "mrr@10", "n"}
        assert metrics["n"] == len(QUESTIONS)
    assert payload["results"]["hybrid"]["hits@5"] == 1.0
    assert payload["results"]["bm25"]["hits@1"] >= 0.8
    for suffix in (".md", ".png", ".json"):
        assert (out / f"eval-retrieval-tiny-set{suffix}").is_file()
    # the scratch store lives apart from the real corpus and is reused by the next run
    scratch = tmp_path / "data" / "eval" / "tiny-set" / "retrieval"
    assert (scratch / "chroma").is_dir() and not (tmp_path / "data" / "chroma").exists()
    again = CliRunner().invoke(main, [*args, "--limit", "2"])
    assert again.exit_code == 0, again.output
    second = json.loads(again.stdout)
    assert second["passages"] == payload["passages"]
    assert second["results"]["hybrid"]["n"] == 2
