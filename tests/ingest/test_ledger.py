"""The server-mode ledger and run lock (ingest.ledger), on a real embedded Chroma."""

from __future__ import annotations

import time
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings

from ingest.errors import IngestBusy
from ingest.ledger import META_CLOCK, ChromaRecordManager, ChromaRunLock


@pytest.fixture
def client(tmp_path: Path):
    return chromadb.PersistentClient(
        path=str(tmp_path / "chroma"), settings=Settings(anonymized_telemetry=False)
    )


def test_record_manager_round_trip(client) -> None:
    ledger = ChromaRecordManager(client, "footnote", "footnote/footnote")
    ledger.create_schema()
    assert ledger.is_empty()
    start = ledger.get_time()
    ledger.update(["k1", "k2", "k3"], group_ids=["a", "a", "b"])
    assert ledger.exists(["k1", "zz", "k3"]) == [True, False, True]
    assert sorted(ledger.list_keys(group_ids=["a"])) == ["k1", "k2"]
    assert ledger.list_keys(before=start) == []
    assert sorted(ledger.list_keys(after=start - 1)) == ["k1", "k2", "k3"]
    assert len(ledger.list_keys(limit=2)) == 2
    ledger.delete_keys(["k2"])
    assert sorted(ledger.list_keys()) == ["k1", "k3"]
    other = ChromaRecordManager(client, "footnote", "footnote/other")  # another namespace
    other.create_schema()
    assert other.list_keys() == [] and other.exists(["k1"]) == [False]


def test_clock_never_runs_behind_a_host_whose_clock_is_ahead(client) -> None:
    ahead = ChromaRecordManager(client, "footnote", "ns")
    ahead.create_schema()
    ahead._floor = time.time() + 300  # this host's clock is 5 minutes fast
    ahead.update(["old"], group_ids=["a"])
    behind = ChromaRecordManager(client, "footnote", "ns")
    behind.create_schema()
    assert behind.collection.metadata is not None
    started = behind.get_time()
    assert started > time.time() + 299
    behind.update(["new"], group_ids=["a"])
    # index()'s cleanup asks for the article's keys written before this run: the old one only.
    assert behind.list_keys(group_ids=["a"], before=started) == ["old"]
    assert META_CLOCK in (client.get_collection("footnote-ledger").metadata or {})


def test_lock_is_exclusive_and_an_expired_lease_is_taken_over(client) -> None:
    ledger = ChromaRecordManager(client, "footnote", "ns")
    first = ChromaRunLock(ledger.collection, lease=0.6)
    first.acquire()
    second = ChromaRunLock(ledger.collection, lease=0.6)
    second._host = "another-host"  # not this host: only the lease's expiry frees it
    with pytest.raises(IngestBusy, match="another ingestion run"):
        second.acquire(wait=0)
    first._stop.set()  # the first run dies: no more renewals, no release
    time.sleep(1.0)
    second.acquire(wait=0)
    assert second.took_over is not None and second.took_over["owner"] == first._owner
    first.release()  # a late release of the dead run does not free the new holder's lock
    third = ChromaRunLock(ledger.collection)
    third._host = "third-host"
    with pytest.raises(IngestBusy):
        third.acquire(wait=0)
    second.release()
    third.acquire(wait=0)
    assert third.took_over is None
    third.release()
