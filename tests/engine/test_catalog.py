"""The corpus catalog: publishers, title search, articles and their passages."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.documents import Document

from bot.engine.catalog import Catalog
from bot.engine.models import ArticleRef
from ingest.state import write_state
from vectorstore.chroma import ChromaArticleStore, make_client
from vectorstore.config import StoreSettings
from vectorstore.memory import InMemoryArticleStore


def _docs(article: str, title: str, texts: list[str], **meta: object) -> list[Document]:
    return [
        Document(
            text,
            id=f"{article}:{i}",
            metadata={"article_id": article, "passage_index": i, "title": title, **meta},
        )
        for i, text in enumerate(texts)
    ]


def _add(store, docs: list[Document]) -> None:
    store.as_langchain().add_documents(docs, ids=[str(d.id) for d in docs])


def _fill(store) -> None:
    # inserted out of reading order on purpose
    bridge = _docs(
        "bridge",
        "Harbour bridge reopens",
        ["It reopened.", "It cost 40 million.", "Traffic resumed."],
        source="Harbour Gazette",
        url="https://gazette.example/bridge",
        published="2026-03-02T08:00:00+00:00",
    )
    _add(store, [bridge[2], bridge[0], bridge[1]])
    _add(
        store,
        _docs(
            "oaks",
            "River oaks",
            ["Volunteers planted oaks."],
            source="valley news",
            published="2025-11-20",
        ),
    )
    _add(store, _docs("library", "Libraries open late", ["Until 10 pm."], source="Valley News"))
    _add(
        store,
        _docs(
            "bridges", "Bridges of the world", ["A survey."], source="Atlas", published="2026-01-01"
        ),
    )


@pytest.fixture(params=["memory", "chroma"])
def store(request: pytest.FixtureRequest, tmp_path: Path, fake_embeddings):
    if request.param == "memory":
        store = InMemoryArticleStore(fake_embeddings)
    else:
        settings = StoreSettings(_env_file=None, data_dir=tmp_path / "data")
        store = ChromaArticleStore(
            make_client(settings), fake_embeddings, collection="catalog", model_name="fake"
        )
    _fill(store)
    return store


def test_publishers_are_distinct_and_sorted_case_insensitively(store) -> None:
    assert Catalog(store).publishers() == [
        "Atlas",
        "Harbour Gazette",
        "Valley News",
        "valley news",
    ]


def test_article_count_and_lookup(store) -> None:
    catalog = Catalog(store)
    assert catalog.article_count() == 4
    assert catalog.article("bridge") == ArticleRef(
        article_id="bridge",
        title="Harbour bridge reopens",
        url="https://gazette.example/bridge",
        source="Harbour Gazette",
        published="2026-03-02T08:00:00+00:00",
    )
    assert catalog.article("nope") is None


def test_passages_come_in_reading_order(store) -> None:
    catalog = Catalog(store)
    passages = catalog.passages("bridge")
    assert [p.index for p in passages] == [0, 1, 2]
    assert [p.text for p in passages] == ["It reopened.", "It cost 40 million.", "Traffic resumed."]
    assert catalog.passages("nope") == []


def test_passage_by_id(store) -> None:
    catalog = Catalog(store)
    passage = catalog.passage("bridge:1")
    assert passage is not None and passage.text == "It cost 40 million."
    assert passage.article_id == "bridge"
    assert catalog.passage("bridge:9") is None


def test_title_search_ranks_prefix_before_word_before_substring(store) -> None:
    catalog = Catalog(store)
    assert [r.article_id for r in catalog.search_titles("bridge")] == ["bridges", "bridge"]
    assert [r.article_id for r in catalog.search_titles("HARBOUR bridge")] == ["bridge"]
    # "bridge" starts the title of "bridges" (prefix); "harbour bridge" has it as a word
    assert [r.article_id for r in catalog.search_titles("open")] == ["library", "bridge"]
    assert [r.article_id for r in catalog.search_titles("pen")] == ["bridge", "library"]
    assert catalog.search_titles("zzz") == []


def test_empty_title_search_lists_newest_first_with_a_limit(store) -> None:
    catalog = Catalog(store)
    assert [r.article_id for r in catalog.search_titles("", limit=3)] == [
        "bridge",
        "bridges",
        "oaks",
    ]
    assert catalog.search_titles("", limit=0) == []


def test_catalog_refreshes_when_the_generation_changes(tmp_path: Path, fake_embeddings) -> None:
    data = tmp_path / "data"
    store = InMemoryArticleStore(fake_embeddings)
    _fill(store)
    write_state(data, {"generation": "1"})
    catalog = Catalog(store, data, refresh_seconds=0)
    assert catalog.article_count() == 4
    _add(store, _docs("ferry", "Ferry runs aground", ["Nobody was hurt."], source="Coast Times"))
    assert catalog.article_count() == 4  # ingest not finished: same generation, cached list
    assert catalog.article("ferry") is not None  # but a direct lookup asks the store
    write_state(data, {"generation": "2"})
    assert catalog.article_count() == 5
    assert "Coast Times" in catalog.publishers()


def test_catalog_without_data_dir_follows_the_count(fake_embeddings) -> None:
    store = InMemoryArticleStore(fake_embeddings)
    _fill(store)
    catalog = Catalog(store, refresh_seconds=0)
    assert catalog.article_count() == 4
    store.delete(["oaks:0"])
    assert catalog.article_count() == 3
    assert [r.article_id for r in catalog.search_titles("river")] == []
