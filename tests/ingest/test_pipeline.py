"""run_ingest against real Chroma and the real model: incremental semantics checked in Chroma."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from filelock import FileLock

from ingest import pipeline
from ingest.config import IngestSettings
from ingest.errors import IngestBusy
from ingest.pipeline import DIRTY_FILE, open_record_manager, run_ingest
from ingest.report import IngestProgress
from ingest.state import read_generation, read_state
from ingest.status import corpus_status
from tests.conftest import write_article
from vectorstore.chroma import ChromaArticleStore
from vectorstore.errors import EmbeddingModelMismatch

TOPICS = {
    "bridge": (
        "Harbour bridge reopens",
        "The harbour bridge reopened on Monday after a two-year repair that cost 40 million "
        "euros. Engineers replaced the corroded cables and widened the cycle lane.",
    ),
    "oaks": (
        "Volunteers plant river oaks",
        "Volunteers planted 3,000 oak saplings along the river in a single weekend. The city "
        "will water them through the first two summers.",
    ),
    "library": (
        "Libraries open late",
        "The council voted to extend library opening hours to 10 pm on weekdays, starting in "
        "September, after a pilot in the north branch doubled evening visits.",
    ),
    "ferry": (
        "Electric ferry enters service",
        "The first electric ferry crossed the bay in eleven minutes on its maiden trip. It "
        "charges at the quay while passengers board.",
    ),
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    for name in ("bridge", "oaks", "library"):
        write_article(folder, name, *TOPICS[name])
    return folder


@pytest.fixture
def settings(tmp_path: Path) -> IngestSettings:
    return IngestSettings(_env_file=None, data_dir=tmp_path / "data")


@pytest.fixture
def store(settings: IngestSettings, real_embeddings) -> ChromaArticleStore:
    return ChromaArticleStore.from_settings(settings, real_embeddings)


def contents(store) -> dict[str, tuple[str, int, str]]:
    """Everything in Chroma: passage id -> (article id, index, text)."""
    found = {p.id: (p.article_id, p.index, p.text) for p in store.iter_passages()}
    assert len(found) == store.count()  # ids are unique: no duplicate passage
    return found


def texts(store) -> str:
    return "\n".join(text for _, _, text in contents(store).values())


def test_add_rerun_edit_remove(corpus: Path, settings, store) -> None:
    first = run_ingest([str(corpus)], settings, store=store)
    assert (first.added, first.updated, first.skipped, first.deleted, first.failed) == (
        3,
        0,
        0,
        0,
        0,
    )
    snapshot = contents(store)
    assert first.passages_added == len(snapshot) == store.count() >= 3
    assert {a for a, _, _ in snapshot.values()} and len({a for a, _, _ in snapshot.values()}) == 3

    again = run_ingest([str(corpus)], settings, store=store)
    assert (again.added, again.updated, again.skipped, again.deleted) == (0, 0, 3, 0)
    assert again.passages_added == again.passages_deleted == 0
    assert contents(store) == snapshot

    write_article(
        corpus,
        "oaks",
        "Volunteers plant river oaks",
        "Volunteers planted 5,000 beech saplings along the canal instead.",
    )
    edited = run_ingest([str(corpus)], settings, store=store)
    assert (edited.added, edited.updated, edited.skipped, edited.deleted) == (0, 1, 2, 0)
    now = texts(store)
    assert "5,000 beech saplings" in now and "3,000 oak saplings" not in now
    assert store.count() == len(snapshot)  # one passage out, one in

    (corpus / "library.md").unlink()
    removed = run_ingest([str(corpus)], settings, store=store)
    assert (removed.added, removed.updated, removed.skipped, removed.deleted) == (0, 0, 2, 1)
    assert removed.passages_deleted >= 1
    assert "library opening hours" not in texts(store)
    assert len({a for a, _, _ in contents(store).values()}) == 2
    records = open_record_manager(settings)
    assert set(records.list_keys()) == set(contents(store))  # the ledger matches the store


def test_failed_item_keeps_its_passages_and_the_rest_goes_on(corpus: Path, settings, store):
    run_ingest([str(corpus)], settings, store=store)
    before = contents(store)
    (corpus / "bridge.md").write_bytes(b"\x00\x01\x02binary\x00" * 50)  # now unreadable
    write_article(corpus, "ferry", *TOPICS["ferry"])
    report = run_ingest([str(corpus)], settings, store=store)
    assert report.failed == 1 and "bridge.md" in report.failures[0].item
    assert report.deleted == 0 and report.added == 1
    after = contents(store)
    assert set(before) <= set(after)  # nothing lost, the bridge article included
    assert "harbour bridge reopened" in texts(store) and "electric ferry" in texts(store)


def test_a_broken_jsonl_line_keeps_that_article(tmp_path: Path, settings, store) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    path = folder / "items.jsonl"
    records = [{"title": t, "text": b} for t, b in (TOPICS["bridge"], TOPICS["ferry"])]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    assert run_ingest([str(folder)], settings, store=store).added == 2
    path.write_text(json.dumps(records[0]) + '\n{"title": "Electric ferry", "text": \n')
    report = run_ingest([str(folder)], settings, store=store)
    assert report.failed == 1 and report.deleted == 0 and report.skipped == 1
    assert "electric ferry" in texts(store)


def test_a_fatal_source_failure_deletes_nothing(corpus: Path, settings, store) -> None:
    run_ingest([str(corpus)], settings, store=store)
    before = contents(store)
    corpus.rename(corpus.with_name("moved"))
    report = run_ingest([str(corpus)], settings, store=store)
    assert report.failed == 1 and report.failures[0].reason == "no such file or directory"
    assert report.deleted == 0
    assert contents(store) == before


def test_articles_dropping_off_a_feed_are_kept(corpus, settings, store, monkeypatch) -> None:
    import ingest.loaders

    monkeypatch.setattr(ingest.loaders, "is_authoritative", lambda spec: False)
    run_ingest([str(corpus)], settings, store=store)
    (corpus / "oaks.md").unlink()
    report = run_ingest([str(corpus)], settings, store=store)
    assert report.deleted == 0 and report.skipped == 2
    assert "3,000 oak saplings" in texts(store)


def test_ingesting_one_source_leaves_the_others_alone(tmp_path, corpus, settings, store) -> None:
    other = tmp_path / "other"
    write_article(other, "ferry", *TOPICS["ferry"])
    run_ingest([str(corpus), str(other)], settings, store=store)
    assert len({a for a, _, _ in contents(store).values()}) == 4
    report = run_ingest([str(other)], settings, store=store)
    assert (report.skipped, report.deleted) == (1, 0)
    assert len({a for a, _, _ in contents(store).values()}) == 4


def test_web_feed_and_page_sources(web_server, site_settings, tmp_path, store) -> None:
    settings = site_settings.model_copy(update={"data_dir": tmp_path / "data"})
    feed = web_server.url("/feed.rss")
    report = run_ingest([feed], settings, store=store)
    assert report.added >= 3  # alpha, beta and the entry that falls back to its description
    assert report.failed >= 1  # the entry whose page 404s and has no description
    origins = {p.origin for p in store.iter_passages()}
    assert origins == {feed}
    assert "Tram line 5" in "\n".join(p.title for p in store.iter_passages())
    again = run_ingest([feed], settings, store=store)
    assert again.skipped == report.added and again.added == again.updated == 0


def test_dry_run_writes_nothing_and_predicts_the_real_run(corpus: Path, settings, store) -> None:
    run_ingest([str(corpus)], settings, store=store)
    before, state = contents(store), read_state(settings.data_dir)
    keys = set(open_record_manager(settings).list_keys())
    write_article(corpus, "oaks", "Volunteers plant river oaks", "Now 5,000 beech saplings.")
    write_article(corpus, "ferry", *TOPICS["ferry"])
    (corpus / "library.md").unlink()

    dry = run_ingest([str(corpus)], settings, store=store, dry_run=True)
    assert dry.dry_run and dry.as_json()["dry_run"] is True
    assert (dry.added, dry.updated, dry.skipped, dry.deleted) == (1, 1, 1, 1)
    assert contents(store) == before
    assert set(open_record_manager(settings).list_keys()) == keys
    assert read_state(settings.data_dir) == state

    real = run_ingest([str(corpus)], settings, store=store)
    assert (real.added, real.updated, real.skipped, real.deleted) == (1, 1, 1, 1)
    assert (real.passages_added, real.passages_deleted) == (
        dry.passages_added,
        dry.passages_deleted,
    )


def test_rebuild_starts_over(corpus: Path, settings, store) -> None:
    run_ingest([str(corpus)], settings, store=store)
    before = contents(store)
    generation = read_generation(settings.data_dir)
    dry = run_ingest([str(corpus)], settings, store=store, rebuild=True, dry_run=True)
    assert (dry.added, dry.deleted) == (3, 0) and contents(store) == before
    report = run_ingest([str(corpus)], settings, store=store, rebuild=True)
    assert (report.added, report.skipped) == (3, 0)
    assert contents(store) == before  # same content, same ids
    assert read_generation(settings.data_dir) != generation


def test_rebuild_replaces_a_collection_of_another_model(corpus, settings, fake_embeddings):
    from vectorstore.chroma import make_client

    ChromaArticleStore(
        make_client(settings), fake_embeddings, collection=settings.collection, model_name="fake"
    )
    with pytest.raises(EmbeddingModelMismatch, match="--rebuild"):
        run_ingest([str(corpus)], settings)
    report = run_ingest([str(corpus)], settings, rebuild=True)
    assert report.added == 3
    status = corpus_status(settings)
    assert status.articles == 3 and status.embedding_model.endswith("all-MiniLM-L6-v2")


def test_a_second_run_refuses_or_waits_for_the_lock(corpus: Path, settings, store) -> None:
    lock_path = Path(settings.data_dir) / "ingest.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    other_run = FileLock(str(lock_path), thread_local=False)
    with other_run:
        with pytest.raises(IngestBusy, match="ingest.lock"):
            run_ingest([str(corpus)], settings, store=store)
        with pytest.raises(IngestBusy):
            run_ingest([str(corpus)], settings, store=store, wait_for_lock=0.2)
    assert store.count() == 0
    other_run.acquire()
    releaser = threading.Timer(0.5, other_run.release)
    releaser.start()
    report = run_ingest([str(corpus)], settings, store=store, wait_for_lock=60)
    releaser.join()
    assert report.added == 3


def test_generation_changes_only_with_content(corpus: Path, settings, store) -> None:
    run_ingest([str(corpus)], settings, store=store)
    first = read_state(settings.data_dir)
    assert first["generation"] and first["report"]["added"] == 3
    assert first["embedding_model"] == store.embedding_model and first["sources"] == [str(corpus)]
    run_ingest([str(corpus)], settings, store=store)
    second = read_state(settings.data_dir)
    assert second["generation"] == first["generation"]
    assert second["report"]["skipped"] == 3 and second["finished_at"] >= first["finished_at"]
    write_article(corpus, "ferry", *TOPICS["ferry"])
    run_ingest([str(corpus)], settings, store=store)
    assert read_generation(settings.data_dir) != first["generation"]
    assert not (Path(settings.data_dir) / DIRTY_FILE).exists()


def test_progress_callback(corpus: Path, settings, store) -> None:
    seen: list[IngestProgress] = []
    report = run_ingest([str(corpus)], settings, store=store, on_progress=seen.append)
    assert seen[-1].articles_done == 3
    assert seen[-1].passages_done == report.passages_added
    assert [p.articles_done for p in seen] == sorted(p.articles_done for p in seen)


def test_interrupted_run_states_are_repaired(corpus: Path, settings, store, tmp_path) -> None:
    """The two states a kill -9 can leave between paired writes, rebuilt by hand."""
    run_ingest([str(corpus)], settings, store=store)
    clean = contents(store)
    records = open_record_manager(settings)
    dirty = Path(settings.data_dir) / DIRTY_FILE

    # (1) killed between deleting an article's vectors and its records (dangling keys): without
    # repair the next run would find the keys, skip the article and lose it.
    victim = next(iter(clean))
    victim_article = clean[victim][0]
    store.delete([pid for pid, (aid, _, _) in clean.items() if aid == victim_article])
    dirty.write_text("{}")
    report = run_ingest([str(corpus)], settings, store=store)
    assert contents(store) == clean and report.added == 1
    assert not dirty.exists()

    # (2) killed between writing an edited article's vectors and its records (orphan vectors),
    # and the article changed again before the next run.
    write_article(corpus, "oaks", "Volunteers plant river oaks", "Draft: 4,000 elm saplings.")
    splitter = pipeline.PassageSplitter(store.embeddings, 200, 32)
    from ingest.loaders import iter_source

    draft = next(
        a
        for a in iter_source(str(corpus), settings)
        if getattr(a, "location", "").endswith("oaks.md")
    )
    docs = splitter.split(draft)
    store.as_langchain().add_documents(docs, ids=[pipeline.passage_key(d) for d in docs])
    dirty.write_text("{}")
    write_article(corpus, "oaks", "Volunteers plant river oaks", "Final: 5,000 beech saplings.")
    run_ingest([str(corpus)], settings, store=store)
    assert "elm saplings" not in texts(store) and "5,000 beech saplings" in texts(store)
    assert set(records.list_keys()) == set(contents(store))

    reference = IngestSettings(_env_file=None, data_dir=tmp_path / "reference")
    ref_store = ChromaArticleStore.from_settings(reference, store.embeddings)
    run_ingest([str(corpus)], reference, store=ref_store)
    assert contents(store) == contents(ref_store)


def test_server_mode(chroma_server, corpus: Path, tmp_path: Path, real_embeddings) -> None:
    host, port = chroma_server
    settings = IngestSettings(
        _env_file=None,
        data_dir=tmp_path / "data",
        chroma_host=host,
        chroma_port=port,
        collection=f"ingest-{tmp_path.name[-40:]}".replace("_", "-"),
    )
    store = ChromaArticleStore.from_settings(settings, real_embeddings)
    assert run_ingest([str(corpus)], settings, store=store).added == 3
    assert run_ingest([str(corpus)], settings, store=store).skipped == 3
    (corpus / "bridge.md").unlink()
    assert run_ingest([str(corpus)], settings, store=store).deleted == 1
    status = corpus_status(settings, store)
    assert status.articles == 2 and status.store == f"server {host}:{port}"
    assert status.sources == ((str(corpus), 2),)
    assert not (Path(settings.data_dir) / "chroma").exists()  # nothing embedded locally


def test_progress_bars_on_stderr_with_the_in_memory_fake(corpus, settings, fake_embeddings, capsys):
    from vectorstore.memory import InMemoryArticleStore

    fake = InMemoryArticleStore(fake_embeddings)
    report = run_ingest([str(corpus)], settings, store=fake, show_progress=True)
    assert report.added == 3 and fake.count() == report.passages_added
    captured = capsys.readouterr()
    assert "articles" in captured.err and "passages" in captured.err and "3" in captured.err
    assert captured.out == ""
    quiet = run_ingest([str(corpus)], settings, store=fake)
    assert quiet.skipped == 3 and capsys.readouterr().err == ""


def test_configured_sources_reads_the_sources_file(corpus: Path, tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text('sources = ["corpus", "https://x.example/feed.rss"]\n')
    settings = IngestSettings(_env_file=None)  # cwd is tmp_path
    assert pipeline.configured_sources(settings) == [str(corpus), "https://x.example/feed.rss"]
