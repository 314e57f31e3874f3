"""kill -9 an ingest subprocess mid-run, re-run it, and compare with an uninterrupted run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ingest.config import IngestSettings
from ingest.pipeline import DIRTY_FILE, run_ingest
from vectorstore.chroma import ChromaArticleStore, make_client
from vectorstore.sentences import META_SENTENCE_VECTORS, unpack_vectors

from ..conftest import REPO_ROOT

ARTICLES = 30
PARAGRAPHS = 9  # ~540 passages of <= 32 tokens: two index() batches
# Small passages keep the test quick; FOOTNOTE_CHUNK_* are ordinary settings, used by both runs.
CHUNKING = {"FOOTNOTE_CHUNK_TOKENS": "32", "FOOTNOTE_CHUNK_OVERLAP_TOKENS": "4"}
WORDS = [
    "harbour", "council", "ferry", "bridge", "library", "river", "oak", "volunteer", "tram",
    "museum", "solar", "budget", "school", "festival", "market", "rain", "storm", "cyclist",
    "orchestra", "bakery", "election", "engineer", "quay",
]  # fmt: skip


def paragraph(article: int, number: int) -> str:
    # distinct, deterministic text: every article and paragraph differs
    words = [WORDS[(article * 7 + number * 3 + i * i) % len(WORDS)] for i in range(36)]
    return f"Report {article}.{number}: " + " ".join(words) + "."


def write_corpus(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for article in range(ARTICLES):
        body = "\n\n".join(paragraph(article, n) for n in range(PARAGRAPHS))
        (folder / f"article-{article:02d}.md").write_text(
            f"# Article number {article}\n\n{body}\n", encoding="utf-8"
        )


def count_rows(db: Path, table: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet, or busy for a moment
        return -1


def start_ingest(corpus: Path, data_dir: Path, cwd: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTNOTE_")}
    env["FOOTNOTE_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.update(CHUNKING)
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", str(corpus), "--quiet"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def kill_when_records_exceed(proc: subprocess.Popen[bytes], records: Path, floor: int) -> int:
    """kill -9 as soon as the run has recorded passages beyond ``floor``; returns the count."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        seen = count_rows(records, "upsertion_record")
        if seen > floor:
            proc.send_signal(signal.SIGKILL)
            assert proc.wait() == -signal.SIGKILL  # it was still running: killed mid-run
            return seen
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"ingest ended (rc={proc.returncode}) before the kill:\n{err.decode()}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail("no passage was recorded within 240 s")


def chroma_contents(data_dir: Path) -> dict[str, tuple[str, str]]:
    """Every stored record, read with a fresh client: id -> (document, sorted metadata).

    Sentence vectors are compared by ``sentence_vectors`` (two runs batch their encodes
    differently, so the last int8 step of a vector may differ); here they only must be there.
    """
    client = make_client(IngestSettings(_env_file=None, data_dir=data_dir))
    got = client.get_collection("footnote").get(include=["documents", "metadatas"])
    ids = got["ids"]
    assert len(ids) == len(set(ids))
    out = {}
    for i, doc, meta in zip(ids, got["documents"], got["metadatas"], strict=True):
        meta = dict(meta)
        assert meta.pop(META_SENTENCE_VECTORS), f"{i} has no sentence vectors"
        out[i] = (doc, repr(sorted(meta.items())))
    return out


def sentence_vectors(data_dir: Path) -> dict[str, np.ndarray]:
    """Each record's sentence vectors, decoded, by id."""
    client = make_client(IngestSettings(_env_file=None, data_dir=data_dir))
    got = client.get_collection("footnote").get(include=["metadatas"])
    return {
        i: unpack_vectors(meta[META_SENTENCE_VECTORS], 384)
        for i, meta in zip(got["ids"], got["metadatas"], strict=True)
    }


@pytest.mark.slow
def test_kill_9_mid_run_then_rerun_equals_an_uninterrupted_run(tmp_path: Path, real_embeddings):
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    crashed = tmp_path / "crashed"
    records = crashed / "records.sqlite"

    # kill -9 once the first batch is recorded (the run is inside a later batch by then).
    killed_at = kill_when_records_exceed(start_ingest(corpus, crashed, tmp_path), records, 0)
    assert (crashed / DIRTY_FILE).exists()  # the marker says the run did not finish

    # The corpus changes before the next run: one article edited, one removed.
    (corpus / "article-00.md").write_text("# Article number 0\n\nRewritten after the crash.\n")
    (corpus / "article-29.md").unlink()

    done = start_ingest(corpus, crashed, tmp_path)
    _, err = done.communicate(timeout=600)
    assert done.returncode == 0, err.decode()
    assert not (crashed / DIRTY_FILE).exists()

    # An uninterrupted run of the final corpus in a fresh data dir.
    reference = IngestSettings(
        _env_file=None, data_dir=tmp_path / "reference", chunk_tokens=32, chunk_overlap_tokens=4
    )
    ref_store = ChromaArticleStore.from_settings(reference, real_embeddings)
    report = run_ingest([str(corpus)], reference, store=ref_store)
    assert report.added == ARTICLES - 1 and report.failed == 0
    assert 0 < killed_at < ref_store.count()  # the kill left the store incomplete

    expected = chroma_contents(tmp_path / "reference")
    assert chroma_contents(crashed) == expected  # same ids, texts and metadata: nothing extra
    # ... and each passage's sentence vectors are those of its own sentences, written whole.
    crashed_vectors = sentence_vectors(crashed)
    expected_vectors = sentence_vectors(tmp_path / "reference")
    for pid, vectors in expected_vectors.items():
        assert crashed_vectors[pid].shape == vectors.shape
        assert np.all((crashed_vectors[pid] * vectors).sum(axis=1) > 0.99)
    assert count_rows(records, "upsertion_record") == len(expected)
    assert "Rewritten after the crash." in {doc for doc, _ in expected.values()}
