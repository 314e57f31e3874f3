"""Two hosts (two data folders) ingesting into one real ``chroma run`` server.

The store is the truth: what one host sees of the corpus must not depend on which host wrote it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.config import IngestSettings
from ingest.pipeline import run_ingest
from tests.conftest import ChromaServerProcess, write_article
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


# -- two hosts, one server, a kill -9 in between ----------------------------------------------


def start_ingest(corpus: Path, settings: IngestSettings, cwd: Path):
    import os
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTNOTE_")}
    env.update(
        FOOTNOTE_DATA_DIR=str(settings.data_dir),
        FOOTNOTE_CHROMA_HOST=str(settings.chroma_host),
        FOOTNOTE_CHROMA_PORT=str(settings.chroma_port),
        FOOTNOTE_CHUNK_TOKENS=str(settings.chunk_tokens),
        FOOTNOTE_CHUNK_OVERLAP_TOKENS=str(settings.chunk_overlap_tokens),
        PYTHONPATH=str(REPO_ROOT),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", str(corpus), "--quiet"],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def ledger_records(settings: IngestSettings) -> int:
    from vectorstore.chroma import make_client

    try:
        return make_client(settings).get_collection("footnote-ledger").count()
    except Exception:  # noqa: BLE001 - not created yet
        return 0


def stored(settings: IngestSettings) -> dict[str, str]:
    """id -> origin of every passage on the server, read with a fresh client."""
    from vectorstore.chroma import make_client

    got = make_client(settings).get_collection("footnote").get(include=["metadatas"])
    return {i: str(m.get("origin")) for i, m in zip(got["ids"], got["metadatas"], strict=True)}


@pytest.mark.slow
def test_two_hosts_one_server_kill_9_then_recovery_rebuild_and_lock(
    hosts, tmp_path: Path, real_embeddings
) -> None:
    import signal
    import time

    from ingest.errors import IngestBusy
    from tests.ingest.test_crash import write_corpus

    a, b = hosts
    b = b.model_copy(update={"chunk_tokens": 32, "chunk_overlap_tokens": 4})  # more batches
    src_a = three_articles(tmp_path / "src-a")
    src_b = tmp_path / "src-b"
    write_corpus(src_b)  # 30 articles, several index() batches

    assert run_ingest([str(src_a)], a).added == 3
    a_ids = set(stored(a))
    assert a_ids

    # Host B starts a big run; while it runs, host A is refused (the lock is the server's).
    proc = start_ingest(src_b, b, tmp_path)
    deadline = time.monotonic() + 240
    while ledger_records(b) <= len(a_ids) + 1:  # + the lock record
        assert proc.poll() is None, proc.communicate()[1].decode()
        assert time.monotonic() < deadline, "host B wrote nothing within 240 s"
        time.sleep(0.05)
    proc.send_signal(signal.SIGSTOP)  # frozen mid-run: its lease stands, its process lives
    assert proc.poll() is None, "host B finished before it could be stopped"
    with pytest.raises(IngestBusy, match="Chroma server"):
        run_ingest([str(src_a)], a)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL

    # Host B runs again: it repairs its interrupted run without touching host A's passages.
    report = run_ingest([str(src_b)], b)
    assert report.failed == 0
    after = stored(b)
    assert a_ids <= set(after)
    b_ids = {i for i, origin in after.items() if origin == str(src_b.resolve())}
    assert set(after) == a_ids | b_ids

    # The result equals an uninterrupted run of B's corpus in a store of its own.
    reference = IngestSettings(_env_file=None, data_dir=tmp_path / "ref", chunk_tokens=32,
                               chunk_overlap_tokens=4)  # fmt: skip
    ref_store = ChromaArticleStore.from_settings(reference, real_embeddings)
    run_ingest([str(src_b)], reference, store=ref_store)
    assert b_ids == {p.id for p in ref_store.iter_passages()}

    # Host A: its articles are unchanged (and in the store); a --rebuild redoes only its own.
    again = run_ingest([str(src_a)], a)
    assert (again.added, again.skipped, again.deleted) == (0, 3, 0)
    rebuilt = run_ingest([str(src_a)], a, rebuild=True)
    assert rebuilt.added == 3 and rebuilt.failed == 0
    assert set(stored(a)) == a_ids | b_ids
    # and both hosts' ledgers are the one in the server: host B sees A's articles unchanged
    host_b_with_a_chunking = a.model_copy(update={"data_dir": b.data_dir})
    assert run_ingest([str(src_a)], host_b_with_a_chunking).skipped == 3


def test_server_filled_before_the_shared_ledger_is_seeded_not_rewritten(hosts, tmp_path) -> None:
    from vectorstore.chroma import make_client

    a, _ = hosts
    corpus = three_articles(tmp_path / "corpus")
    assert run_ingest([str(corpus)], a).added == 3
    before = stored(a)
    make_client(a).delete_collection("footnote-ledger")  # as if written before it existed

    dry = run_ingest([str(corpus)], a, dry_run=True)
    assert (dry.added, dry.updated, dry.skipped, dry.passages_added) == (0, 0, 3, 0)
    assert ledger_records(a) == 0  # a dry run writes nothing
    real = run_ingest([str(corpus)], a)
    assert (real.added, real.skipped, real.passages_added) == (0, 3, 0)
    assert ledger_records(a) == len(before)
    assert stored(a) == before
