"""The snippets bench builds its set the same way every run, from SQuAD-shaped files."""

from __future__ import annotations

import json
from pathlib import Path

from bench.snippets import build, keyword_query, snippets_of
from bot.evaluation.news import load_news_dataset


def test_a_keyword_query_keeps_content_words_and_names_the_kind_asked():
    assert keyword_query("When did the harbour bridge reopen?") == "harbour bridge reopen date"
    assert keyword_query("How many ferries does the council run?") == "ferries council run number"
    assert keyword_query("Who designed the tide mill?") == "designed tide mill"


def test_snippets_are_cut_at_sentences_and_marked_where_they_are_cut():
    text = " ".join(f"Sentence {i} says the mill ground corn for the town." for i in range(6))
    cuts = list(snippets_of("p0", "a", text))
    assert len(cuts) > 1
    assert not cuts[0].text.startswith("…") and cuts[1].text.startswith("… ")
    for cut in cuts:
        assert text[cut.start : cut.end] == cut.text.removeprefix("… ")
        assert len(cut.text.split()) <= 40


def _squad(tmp_path: Path, articles: int = 12) -> Path:
    folder = tmp_path / "squad"
    folder.mkdir()
    corpus, passages, queries = [], [], []
    for a in range(articles):
        aid = f"Mill_{a}"
        corpus.append({"id": aid, "title": f"Mill {a}", "body": "..."})
        for p in range(10):
            year = 1000 + 10 * a + p  # one year per paragraph
            text = f"The mill {a}-{p} was built in {year} by Ada Brook. It ground corn."
            pid = f"{aid}#p{p}"
            passages.append({"id": pid, "article_id": aid, "text": text})
            for k, (q, ans) in enumerate(
                [(f"When was the mill {a}-{p} built?", f"{year}"), ("Who built it?", "Ada")]
            ):
                queries.append(
                    {
                        "id": f"{pid}-q{k}",
                        "question": q,
                        "answers": [ans],
                        "article_id": aid,
                        "passage_id": pid,
                        "answer_spans": [{"text": ans, "start": text.index(ans)}],
                    }
                )
    for name, rows in (("corpus", corpus), ("passages", passages), ("queries.dev", queries)):
        (folder / f"{name}.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return folder


def test_the_built_set_is_a_valid_realistic_set_and_the_same_every_time(tmp_path):
    squad = _squad(tmp_path)
    first = build(squad, tmp_path / "one", keywords=True)
    second = build(squad, tmp_path / "two", keywords=True)
    assert first == second and first["answerable"] > 0
    one = (tmp_path / "one" / "questions.jsonl").read_text()
    assert one == (tmp_path / "two" / "questions.jsonl").read_text()
    dataset = load_news_dataset(tmp_path / "one")
    snippets = (tmp_path / "one" / "corpus" / "snippets.jsonl").read_text()
    gold = {
        q["id"]: q["answers"][0]
        for q in map(json.loads, (squad / "queries.dev.jsonl").read_text().splitlines())
    }
    kinds = {q.kind for q in dataset.questions}
    assert kinds == {"answerable", "unanswerable"}
    for q in dataset.questions:
        if q.kind == "answerable":
            assert q.evidence[0] in snippets  # the evidence is a kept snippet
        else:
            assert gold[q.id] not in snippets  # its paragraph left out, no other says it
