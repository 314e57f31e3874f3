"""Sentence vectors follow their passages through every ingest: add, skip, replace, delete, upgrade.

Run against the embedded store and a real ``chroma run`` server, with the real model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.config import IngestSettings
from ingest.pipeline import run_ingest
from tests.conftest import store_settings, write_article
from vectorstore.chroma import ChromaArticleStore
from vectorstore.sentences import (
    META_SENTENCE_VECTORS,
    META_SENTENCE_VERSION,
    sentence_inputs,
    split_sentences,
)

ARTICLES = {
    "bridge": (
        "Harbour bridge reopens",
        "The harbour bridge reopened on Monday after a two-year repair. The repair cost 40 "
        "million euros, twice the first estimate. Cyclists get a lane of their own.",
    ),
    "oaks": (
        "Volunteers plant river oaks",
        "Volunteers planted 3,000 oak saplings along the river. The city will water them "
        "through the first two summers.",
    ),
    "library": (
        "Libraries open late",
        "The council voted to keep libraries open until 10 pm on weekdays. A pilot in the north "
        "branch had doubled evening visits.",
    ),
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    for name, (title, body) in ARTICLES.items():
        write_article(folder, name, title, body)
    return folder


@pytest.fixture(params=["embedded", "server"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> IngestSettings:
    return store_settings(request, tmp_path, IngestSettings, "sv")


@pytest.fixture
def store(settings: IngestSettings, real_embeddings) -> ChromaArticleStore:
    return ChromaArticleStore.from_settings(settings, real_embeddings)


def vectors_by_id(store: ChromaArticleStore) -> dict[str, tuple[str, ...]]:
    """Every passage's sentences as stored with its vectors (asserting they line up)."""
    ids = [p.id for p in store.iter_passages()]
    found = store.passage_vectors(ids)
    assert set(found) == set(ids)
    out = {}
    for pid, pv in found.items():
        assert pv.sentences == tuple(split_sentences(pv.passage.text)) and pv.sentences
        assert pv.sentence_vectors.shape == (len(pv.sentences), 384)
        out[pid] = pv.sentences
    return out


def test_each_passage_carries_the_vectors_of_its_own_sentences(
    corpus: Path, settings: IngestSettings, store: ChromaArticleStore, real_embeddings
) -> None:
    run_ingest([str(corpus)], settings, store=store)
    stored = vectors_by_id(store)
    assert len(stored) == store.count() == 3
    pid = next(iter(stored))
    pv = store.passage_vectors([pid])[pid]
    expected = np.asarray(
        real_embeddings.embed_documents(sentence_inputs(pv.passage.text, pv.passage.title))
    )
    assert np.all((pv.sentence_vectors * expected).sum(axis=1) > 0.999)  # title + sentence


def test_vectors_follow_skip_replace_and_delete(
    corpus: Path, settings: IngestSettings, store: ChromaArticleStore
) -> None:
    run_ingest([str(corpus)], settings, store=store)
    first = vectors_by_id(store)

    again = run_ingest([str(corpus)], settings, store=store)
    assert again.skipped == 3 and vectors_by_id(store) == first

    write_article(
        corpus, "bridge", "Harbour bridge reopens", "The bridge opened late. Tolls start in May."
    )
    (corpus / "oaks.md").unlink()
    report = run_ingest([str(corpus)], settings, store=store)
    assert (report.updated, report.deleted) == (1, 1)
    now = vectors_by_id(store)
    assert ("The bridge opened late.", "Tolls start in May.") in now.values()
    assert not any("oak" in " ".join(s) for s in now.values())
    assert len(now) == store.count() == 2  # nothing of the old bridge text or the oaks is left


def test_a_store_written_without_sentence_vectors_is_upgraded_by_the_next_run(
    corpus: Path, settings: IngestSettings, store: ChromaArticleStore
) -> None:
    run_ingest([str(corpus)], settings, store=store)
    # Make the records what a store written before sentence vectors existed holds.
    collection = store._collection
    old = collection.get(include=["documents", "metadatas", "embeddings"])
    ids = list(old["ids"])
    collection.delete(ids=ids)
    collection.add(
        ids=ids,
        documents=old["documents"],
        embeddings=old["embeddings"],
        metadatas=[
            {k: v for k, v in m.items() if k not in (META_SENTENCE_VECTORS, META_SENTENCE_VERSION)}
            for m in old["metadatas"]
        ],
    )
    assert store.passage_vectors(ids)[ids[0]].sentences == ()  # readers fall back meanwhile
    assert store.existing_ids(ids) == set()  # ... and the ingest job sees them as incomplete

    report = run_ingest([str(corpus)], settings, store=store)
    assert report.skipped == 0 and store.count() == len(ids)
    assert set(vectors_by_id(store)) == set(ids)  # the same passages, now complete
    assert run_ingest([str(corpus)], settings, store=store).skipped == 3
