"""A Chroma server that dies mid-session: one clear error per call, and recovery when it is back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import ChromaServerProcess
from vectorstore.chroma import ChromaArticleStore
from vectorstore.config import StoreSettings
from vectorstore.errors import VectorStoreUnavailable

from .test_store import _docs


@pytest.fixture
def server_settings(
    restartable_chroma_server: ChromaServerProcess, tmp_path: Path
) -> StoreSettings:
    return StoreSettings(
        _env_file=None,
        data_dir=tmp_path / "data",
        chroma_host=restartable_chroma_server.host,
        chroma_port=restartable_chroma_server.port,
    )


CALLS: dict[str, Callable[[ChromaArticleStore], Any]] = {
    "search": lambda s: s.search("bridge repair", k=2),
    "search_by_vector": lambda s: s.search_by_vector([0.1] * 384, k=2),
    "get": lambda s: s.get(["a1:0"]),
    "find": lambda s: s.find({"source": "Valley News"}),
    "iter_passages": lambda s: list(s.iter_passages()),
    "count": lambda s: s.count(),
    "delete": lambda s: s.delete(["nope:0"]),
    "upsert": lambda s: s.as_langchain().add_documents(_docs()[0][:1], ids=["a1:0"]),
    "langchain get_by_ids": lambda s: s.as_langchain().get_by_ids(["a1:0"]),
    "langchain delete": lambda s: s.as_langchain().delete(["nope:0"]),
}


def test_every_call_maps_a_dead_server_and_recovers_after_restart(
    restartable_chroma_server: ChromaServerProcess, server_settings: StoreSettings, real_embeddings
) -> None:
    store = ChromaArticleStore.from_settings(server_settings, real_embeddings)
    docs, ids = _docs()
    store.as_langchain().add_documents(docs, ids=ids)
    assert store.count() == 3

    restartable_chroma_server.kill()
    for name, call in CALLS.items():
        with pytest.raises(VectorStoreUnavailable, match="the article store is unreachable") as err:
            call(store)
        assert "\n" not in str(err.value), name

    restartable_chroma_server.start()  # same port, same path: the same database
    assert store.count() == 3
    assert store.search("bridge repair", k=1)[0].passage.id == "a1:0"
    for name, call in CALLS.items():
        call(store)  # none raises once the server is back
        assert store.count() == 3, name


def test_footnote_ingest_reports_a_server_dying_mid_run_in_one_line(
    restartable_chroma_server: ChromaServerProcess,
    server_settings: StoreSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ingest.loaders
    from ingest.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(3):
        (corpus / f"a{n}.md").write_text(
            f"# Article {n}\n\nThe council met on day {n} and voted on the harbour budget.\n",
            encoding="utf-8",
        )
    real_iter = ingest.loaders.iter_source

    def iter_then_kill(spec: str, settings: Any) -> Any:
        for item in real_iter(spec, settings):
            yield item
            restartable_chroma_server.kill()  # after the first article is read, before writing

    monkeypatch.setattr(ingest.loaders, "iter_source", iter_then_kill)
    env = {
        "FOOTNOTE_DATA_DIR": str(server_settings.data_dir),
        "FOOTNOTE_CHROMA_HOST": restartable_chroma_server.host,
        "FOOTNOTE_CHROMA_PORT": str(restartable_chroma_server.port),
    }
    result = CliRunner().invoke(main, ["--quiet", str(corpus)], env=env)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: the article store is unreachable")
    assert result.exc_info is None or result.exc_info[0] is SystemExit

    monkeypatch.setattr(ingest.loaders, "iter_source", real_iter)
    restartable_chroma_server.start()
    again = CliRunner().invoke(main, ["--quiet", "--json", str(corpus)], env=env)
    assert again.exit_code == 0, again.output


def test_a_hung_server_times_out_and_is_unavailable_then_recovers(
    restartable_chroma_server: ChromaServerProcess,
    server_settings: StoreSettings,
    real_embeddings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import signal
    import time

    import httpx

    import vectorstore.client

    monkeypatch.setattr(vectorstore.client, "CHROMA_HTTP_TIMEOUT", httpx.Timeout(1.0))
    store = ChromaArticleStore.from_settings(server_settings, real_embeddings)
    store.as_langchain().add_documents(_docs()[0], ids=_docs()[1])
    assert restartable_chroma_server.proc is not None
    restartable_chroma_server.proc.send_signal(signal.SIGSTOP)  # alive, listening, silent
    try:
        started = time.monotonic()
        with pytest.raises(VectorStoreUnavailable, match="ReadTimeout"):
            store.count()
        assert time.monotonic() - started < 5
    finally:
        restartable_chroma_server.proc.send_signal(signal.SIGCONT)
    assert store.count() == 3
