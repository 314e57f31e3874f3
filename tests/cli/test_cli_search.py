"""``footnote search`` as a user runs it (click's runner, real store, real model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from langchain_core.documents import Document

from bot.cli import main
from vectorstore.chroma import ChromaArticleStore
from vectorstore.config import StoreSettings

KEYS = ["rank", "score", "article_id", "title", "url", "published", "text"]


def _fill(tmp_path: Path, embeddings) -> None:
    # The CLI reads the default settings from the test's working directory: data/, "footnote".
    store = ChromaArticleStore.from_settings(
        StoreSettings(_env_file=None, data_dir=tmp_path / "data"), embeddings
    )
    rows = [
        (
            "bridge",
            "Harbour bridge reopens",
            "The bridge repair cost 40 million euros.",
            "Harbour Gazette",
            "2026-03-02",
        ),
        (
            "ferry",
            "Ferry runs aground",
            "Ferry HX-4471 ran aground near the pier.",
            "Coast Times",
            "2026-02-10",
        ),
        (
            "oaks",
            "River oaks",
            "Volunteers planted 3,000 oak saplings by the river.",
            "Valley News",
            None,
        ),
    ]
    docs = []
    for article, title, text, source, published in rows:
        meta = {
            "article_id": article,
            "passage_index": 0,
            "title": title,
            "source": source,
            "url": f"https://example.org/{article}",
        }
        if published:
            meta["published"] = published
            meta["published_ts"] = int(
                __import__("datetime")
                .datetime.fromisoformat(published + "T00:00:00+00:00")
                .timestamp()
            )
        docs.append(Document(text, metadata=meta))
    store.as_langchain().add_documents(docs, ids=[f"{r[0]}:0" for r in rows])


@pytest.fixture(autouse=True)
def _absolute_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Chroma caches embedded clients by path string: a relative "data/chroma" would be shared
    # by every test of the session, whatever its working directory.
    monkeypatch.setenv("FOOTNOTE_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def corpus(tmp_path: Path, real_embeddings) -> Path:
    _fill(tmp_path, real_embeddings)
    return tmp_path


def test_search_json_has_exactly_the_documented_keys(corpus: Path) -> None:
    result = CliRunner().invoke(
        main, ["search", "how much did the bridge repair cost", "-k", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and len(rows) == 2
    assert all(list(row) == KEYS for row in rows)
    assert [row["rank"] for row in rows] == [1, 2]
    top = rows[0]
    assert top["article_id"] == "bridge"
    assert top["title"] == "Harbour bridge reopens"
    assert top["url"] == "https://example.org/bridge"
    assert top["published"] == "2026-03-02"
    assert top["text"] == "The bridge repair cost 40 million euros."
    assert rows[0]["score"] >= rows[1]["score"]


def test_search_text_output_is_a_readable_list(corpus: Path) -> None:
    result = CliRunner().invoke(main, ["search", "HX-4471", "-k", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1. Ferry runs aground (Coast Times, 2026-02-10)")
    assert "Ferry HX-4471 ran aground" in result.stdout


def test_search_filters(corpus: Path) -> None:
    runner = CliRunner()
    by_source = runner.invoke(
        main, ["search", "bridge repair", "--source", "Valley News", "--json"]
    )
    assert by_source.exit_code == 0, by_source.output
    assert [r["article_id"] for r in json.loads(by_source.stdout)] == ["oaks"]
    by_date = runner.invoke(
        main, ["search", "bridge ferry oaks", "--after", "2026-02-11", "--json"]
    )
    assert [r["article_id"] for r in json.loads(by_date.stdout)] == ["bridge"]
    bad = runner.invoke(main, ["search", "bridge", "--before", "yesterday"])
    assert bad.exit_code == 2


def test_batch_mode_prints_one_json_line_per_query(corpus: Path) -> None:
    queries = "bridge repair cost\n\nHX-4471 aground\noak saplings\n"
    result = CliRunner().invoke(main, ["search", "-", "-k", "1", "--json"], input=queries)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    assert [json.loads(line)[0]["article_id"] for line in lines] == ["bridge", "ferry", "oaks"]


def test_empty_corpus_says_to_ingest(tmp_path: Path, real_embeddings) -> None:
    result = CliRunner().invoke(main, ["search", "anything", "--json"])
    assert result.exit_code == 1
    assert "corpus is empty" in result.output and "footnote-ingest" in result.output


def test_bad_settings_exit_78(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTNOTE_EMBEDDING_BATCH_SIZE", "0")
    result = CliRunner().invoke(main, ["search", "anything"])
    assert result.exit_code == 78
    assert "configuration" in result.output
