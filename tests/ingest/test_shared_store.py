"""Two hosts (two data folders) ingesting into one real ``chroma run`` server.

The store is the truth: what one host sees of the corpus must not depend on which host wrote it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.config import IngestSettings
from ingest.pipeline import run_ingest
from tests.conftest import ChromaServerProcess
from vectorstore.chroma import ChromaArticleStore


def host_settings(server: ChromaServerProcess, data_dir: Path) -> IngestSettings:
    return IngestSettings(
        _env_file=None,
        data_dir=data_dir,
        chroma_host=server.host,
        chroma_port=server.port,
        chunk_tokens=64,
        chunk_overlap_tokens=8,
    )


def write_article(folder: Path, name: str, title: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
    return path


@pytest.fixture
def hosts(restartable_chroma_server: ChromaServerProcess, tmp_path: Path):
    a = host_settings(restartable_chroma_server, tmp_path / "host-a")
    b = host_settings(restartable_chroma_server, tmp_path / "host-b")
    return a, b


def test_bm25_on_one_host_sees_another_hosts_ingest(hosts, tmp_path, real_embeddings) -> None:
    from bot.engine.retrieval.lexical import LexicalRetriever

    a, b = hosts
    store_a = ChromaArticleStore.from_settings(a, real_embeddings)
    store_b = ChromaArticleStore.from_settings(b, real_embeddings)
    write_article(tmp_path / "src-a", "ferry", "Ferry timetable", "The night ferry now leaves "
                  "the quay at 23:40 every weekday, twenty minutes later than before.")  # fmt: skip
    run_ingest([str(tmp_path / "src-a")], a, store=store_a)

    bm25 = LexicalRetriever(store_a, data_dir=a.data_dir, refresh_seconds=0,
                            background_refresh=False)  # fmt: skip
    assert [h.passage.title for h in bm25.retrieve("night ferry quay", k=3)] == ["Ferry timetable"]

    write_article(tmp_path / "src-b", "kelp", "Kelp farm expands", "The kelp farm off Marrow "
                  "Point doubles its lines to forty after a strong first harvest.")  # fmt: skip
    run_ingest([str(tmp_path / "src-b")], b, store=store_b)  # host B: host A's files untouched

    hits = bm25.retrieve("kelp farm harvest lines", k=3)
    assert hits and hits[0].passage.title == "Kelp farm expands"


def test_generation_stamp_lives_in_the_collection(hosts, real_embeddings, tmp_path) -> None:
    a, b = hosts
    store_a = ChromaArticleStore.from_settings(a, real_embeddings)
    assert store_a.generation() is None  # never ingested
    write_article(tmp_path / "src", "x", "Tram line", "Tram line 5 reaches the harbour in May.")
    run_ingest([str(tmp_path / "src")], a, store=store_a)
    first = store_a.generation()
    assert first is not None
    store_b = ChromaArticleStore.from_settings(b, real_embeddings)
    assert store_b.generation() == first  # another host reads the same stamp
    run_ingest([str(tmp_path / "src")], a, store=store_a)  # nothing changed: same stamp
    assert store_b.generation() == first
    write_article(tmp_path / "src-b", "y", "Bus lane", "The bus lane on Mill Road opens in May.")
    run_ingest([str(tmp_path / "src-b")], b, store=store_b)
    assert store_a.generation() not in (None, first)
    assert store_b.embedding_model == store_a.embedding_model  # the model record survives
    ChromaArticleStore.from_settings(a, real_embeddings)  # and reopening does not refuse


# -- the ledger never outvotes the store -------------------------------------------------------


def three_articles(folder: Path) -> Path:
    write_article(folder, "ferry", "Ferry timetable", "The night ferry now leaves the quay at "
                  "23:40 every weekday, twenty minutes later than before.")  # fmt: skip
    write_article(folder, "kelp", "Kelp farm expands", "The kelp farm off Marrow Point doubles "
                  "its lines to forty after a strong first harvest.")  # fmt: skip
    write_article(folder, "tram", "Tram line 5", "Tram line 5 reaches the harbour in May, with "
                  "four new stops along the old rail yard.")  # fmt: skip
    return folder


def test_deleted_chroma_folder_is_refilled_not_skipped(tmp_path, real_embeddings) -> None:
    import shutil

    corpus = three_articles(tmp_path / "corpus")
    settings = IngestSettings(_env_file=None, data_dir=tmp_path / "data")
    first = run_ingest([str(corpus)], settings)
    assert first.added == 3
    stored = ChromaArticleStore.from_settings(settings, real_embeddings).count()
    del first

    # The store goes; the ledger (records.sqlite) stays and still lists every passage.
    import chromadb

    chromadb.api.client.SharedSystemClient.clear_system_cache()  # drop the cached client
    shutil.rmtree(settings.chroma_dir)

    dry = run_ingest([str(corpus)], settings, dry_run=True)
    assert (dry.added, dry.skipped, dry.passages_added) == (3, 0, stored)
    again = run_ingest([str(corpus)], settings)
    assert (again.added, again.skipped) == (3, 0)
    assert ChromaArticleStore.from_settings(settings, real_embeddings).count() == stored
    third = run_ingest([str(corpus)], settings)
    assert (third.added, third.skipped, third.passages_added) == (0, 3, 0)


def test_fresh_server_is_refilled_by_a_host_whose_ledger_says_unchanged(
    restartable_chroma_server: ChromaServerProcess, tmp_path, real_embeddings
) -> None:
    import shutil

    corpus = three_articles(tmp_path / "corpus")
    settings = host_settings(restartable_chroma_server, tmp_path / "host")
    assert run_ingest([str(corpus)], settings).added == 3
    stored = ChromaArticleStore.from_settings(settings, real_embeddings).count()

    restartable_chroma_server.kill()  # the server comes back empty (a new volume, say)
    shutil.rmtree(restartable_chroma_server.path / "db")
    restartable_chroma_server.start()

    report = run_ingest([str(corpus)], settings)
    assert (report.added, report.skipped) == (3, 0)
    assert ChromaArticleStore.from_settings(settings, real_embeddings).count() == stored
