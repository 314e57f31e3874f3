"""The store suite, run against the embedded store and a real ``chroma run`` server."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.documents import Document

from tests.conftest import free_port, store_settings
from vectorstore.chroma import ChromaArticleStore
from vectorstore.config import StoreSettings
from vectorstore.errors import EmbeddingModelMismatch, VectorStoreUnavailable


def _docs() -> tuple[list[Document], list[str]]:
    docs = [
        Document(
            "The harbour bridge reopened after a two-year repair costing 40 million euros.",
            metadata={"article_id": "a1", "passage_index": 0, "title": "Bridge reopens",
                      "source": "Harbour Gazette", "published": "2026-03-02T08:00:00+00:00",
                      "published_ts": 1772438400},
        ),
        Document(
            "Volunteers planted 3,000 oak saplings along the river in a single weekend.",
            metadata={"article_id": "a2", "passage_index": 0, "title": "River oaks",
                      "source": "Valley News"},
        ),
        Document(
            "The council voted to extend library opening hours to 10 pm on weekdays.",
            metadata={"article_id": "a3", "passage_index": 0, "title": "Libraries open late",
                      "source": "Valley News"},
        ),
    ]
    return docs, ["a1:0", "a2:0", "a3:0"]


@pytest.fixture(params=["embedded", "server"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> StoreSettings:
    return store_settings(request, tmp_path, StoreSettings, "t")


@pytest.fixture
def store(settings: StoreSettings, real_embeddings) -> ChromaArticleStore:
    store = ChromaArticleStore.from_settings(settings, real_embeddings)
    docs, ids = _docs()
    store.as_langchain().add_documents(docs, ids=ids)
    return store


def test_search_finds_the_relevant_passage_first(store: ChromaArticleStore) -> None:
    hits = store.search("how many trees were planted by the river?", k=3)
    assert [h.passage.article_id for h in hits][0] == "a2"
    assert hits[0].passage.title == "River oaks"
    assert hits[0].score > hits[-1].score


def test_where_filter_restricts_results(store: ChromaArticleStore) -> None:
    hits = store.search("bridge repair", k=3, where={"source": "Valley News"})
    assert {h.passage.source for h in hits} == {"Valley News"}


def test_upsert_is_idempotent_and_delete_removes(store: ChromaArticleStore) -> None:
    docs, ids = _docs()
    store.as_langchain().add_documents(docs, ids=ids)
    assert store.count() == 3
    store.delete(["a1:0", "missing"])
    assert store.count() == 2
    assert [p.id for p in store.get(["a3:0", "a1:0", "a2:0"])] == ["a3:0", "a2:0"]


def test_iter_and_find(store: ChromaArticleStore) -> None:
    assert sorted(p.id for p in store.iter_passages(batch_size=2)) == ["a1:0", "a2:0", "a3:0"]
    assert [p.id for p in store.find({"article_id": "a3"})] == ["a3:0"]


def test_reopening_with_another_model_is_refused(
    store: ChromaArticleStore, settings: StoreSettings, fake_embeddings
) -> None:
    from vectorstore.chroma import make_client

    with pytest.raises(EmbeddingModelMismatch, match="--rebuild"):
        ChromaArticleStore(
            make_client(settings), fake_embeddings, collection=settings.collection,
            model_name="fake-16",
        )


def test_reset_allows_a_new_model(store: ChromaArticleStore, settings: StoreSettings) -> None:
    store.reset()
    assert store.count() == 0


def test_persistent_store_survives_reopening(tmp_path: Path, real_embeddings) -> None:
    settings = StoreSettings(_env_file=None, data_dir=tmp_path / "data")
    first = ChromaArticleStore.from_settings(settings, real_embeddings)
    docs, ids = _docs()
    first.as_langchain().add_documents(docs, ids=ids)
    del first
    again = ChromaArticleStore.from_settings(settings, real_embeddings)
    assert again.count() == 3


def test_unreachable_server_is_a_clear_error(real_embeddings) -> None:
    settings = StoreSettings(_env_file=None, chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(VectorStoreUnavailable, match="Chroma server"):
        ChromaArticleStore.from_settings(settings, real_embeddings)
