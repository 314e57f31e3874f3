"""The ingest ledger and the run lock, kept in the Chroma server beside the passages.

With a Chroma server the store is shared: several hosts (each with its own data folder) ingest
into one collection, and bots everywhere read it. A ledger or a lock in a host's data folder then
describes one host's view of a store that others change, which lost passages (host B's recovery
dropped host A's "unrecorded" passages; a fresh server met a ledger claiming everything was
stored). So in server mode both live in the server, in a companion collection
``<collection>-ledger``: shared exactly where the store is shared, and gone with it.

* :class:`ChromaRecordManager` is LangChain's ``RecordManager`` over that collection (one record
  per passage id: its article as ``group_id``, ``updated_at``). Chroma has no server clock, so
  ``get_time`` never goes below the latest time any host recorded (kept in the collection's
  metadata): a host whose clock runs behind cannot mistake fresh records for stale ones.
* :class:`ChromaRunLock` is a lease record in the same collection. Chroma's ``add`` keeps the
  first record of an id, so "add, then read back" tells who holds it; the holder renews the lease
  while it runs. A lease that expired, or whose process is gone (same host), is taken over, and
  its run counts as interrupted: the taker repairs the store before its own run.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from langchain_core.indexing import RecordManager

from ingest.errors import IngestBusy
from vectorstore.chroma import TRANSPORT_ERRORS, unreachable_message
from vectorstore.errors import VectorStoreUnavailable

if TYPE_CHECKING:
    import chromadb

log = logging.getLogger(__name__)

LEDGER_SUFFIX = "-ledger"
LOCK_ID = "footnote:run-lock"
META_CLOCK = "footnote:clock"
META_NAMESPACE = "namespace"
META_GROUP = "group_id"
META_UPDATED = "updated_at"
BATCH = 5000  # Chroma's per-request record limit is ~5,461
LEASE_SECONDS = 120.0  # a lock not renewed for this long belongs to a dead run
_VECTOR = [1.0]  # Chroma wants an embedding per record; ledger records need none
_HELD_HERE: set[str] = set()  # lease owners of runs in progress in this process


def ledger_collection(client: chromadb.ClientAPI, collection: str) -> chromadb.Collection:
    """The ledger collection that belongs to ``collection`` (created if needed)."""
    try:
        return client.get_or_create_collection(
            f"{collection}{LEDGER_SUFFIX}", metadata={"footnote:ledger_of": collection}
        )
    except TRANSPORT_ERRORS as exc:
        raise VectorStoreUnavailable(unreachable_message("opening the ledger", exc)) from exc


def _guarded(action: str, call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except TRANSPORT_ERRORS as exc:
        raise VectorStoreUnavailable(unreachable_message(action, exc)) from exc


class ChromaRecordManager(RecordManager):
    """LangChain's record manager over a Chroma collection: the ledger lives with the store."""

    def __init__(self, client: chromadb.ClientAPI, collection: str, namespace: str) -> None:
        super().__init__(namespace)
        self._client = client
        self._collection = ledger_collection(client, collection)
        self._floor = 0.0

    @property
    def collection(self) -> chromadb.Collection:
        """The ledger collection (the run lock lives in it too)."""
        return self._collection

    def _fresh_metadata(self) -> dict[str, Any]:
        # A collection handle's metadata is a snapshot; other hosts change it.
        fresh = _guarded("reading the ledger", self._client.get_collection, self._collection.name)
        return dict(fresh.metadata or {})

    def create_schema(self) -> None:
        """Nothing to create (the collection exists); read the shared clock floor."""
        self._floor = float(self._fresh_metadata().get(META_CLOCK, 0.0))

    async def acreate_schema(self) -> None:  # noqa: D102 - same as create_schema
        self.create_schema()

    def get_time(self) -> float:
        """Local time, but never below the latest time any host recorded (see the module)."""
        return max(time.time(), self._floor + 1e-3)

    async def aget_time(self) -> float:  # noqa: D102 - same as get_time
        return self.get_time()

    def update(
        self,
        keys: Sequence[str],
        *,
        group_ids: Sequence[str | None] | None = None,
        time_at_least: float | None = None,
    ) -> None:
        """Record ``keys`` (passage ids) as written now, with their articles as groups."""
        if group_ids is not None and len(keys) != len(group_ids):
            raise ValueError("Length of keys must match length of group_ids")
        now = self.get_time()
        if time_at_least is not None and time_at_least > now:
            raise ValueError("time_at_least must be in the past")
        metas: list[dict[str, Any]] = []
        for i in range(len(keys)):
            meta: dict[str, Any] = {META_NAMESPACE: self.namespace, META_UPDATED: now}
            group = group_ids[i] if group_ids is not None else None
            if group is not None:
                meta[META_GROUP] = group
            metas.append(meta)
        for start in range(0, len(keys), BATCH):
            end = start + BATCH
            _guarded(
                "writing the ledger",
                self._collection.upsert,
                ids=list(keys[start:end]),
                embeddings=[_VECTOR] * len(keys[start:end]),
                metadatas=metas[start:end],
            )
        self._floor = now
        self._save_clock(now)

    def _save_clock(self, now: float) -> None:
        metadata = self._fresh_metadata()
        if float(metadata.get(META_CLOCK, 0.0)) < now:
            metadata[META_CLOCK] = now
            _guarded("writing the ledger", self._collection.modify, metadata=metadata)

    async def aupdate(  # noqa: D102 - same as update
        self,
        keys: Sequence[str],
        *,
        group_ids: Sequence[str | None] | None = None,
        time_at_least: float | None = None,
    ) -> None:
        self.update(keys, group_ids=group_ids, time_at_least=time_at_least)

    def exists(self, keys: Sequence[str]) -> list[bool]:
        """Whether each key is recorded."""
        found: set[str] = set()
        for start in range(0, len(keys), BATCH):
            got = _guarded(
                "reading the ledger",
                self._collection.get,
                ids=list(keys[start : start + BATCH]),
                where={META_NAMESPACE: self.namespace},
                include=[],
            )
            found.update(got["ids"])
        return [key in found for key in keys]

    async def aexists(self, keys: Sequence[str]) -> list[bool]:  # noqa: D102 - same as exists
        return self.exists(keys)

    def list_keys(
        self,
        *,
        before: float | None = None,
        after: float | None = None,
        group_ids: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[str]:
        """Recorded keys, optionally by time window and article."""
        clauses: list[dict[str, Any]] = [{META_NAMESPACE: self.namespace}]
        if before is not None:
            clauses.append({META_UPDATED: {"$lt": before}})
        if after is not None:
            clauses.append({META_UPDATED: {"$gt": after}})
        if group_ids is not None:
            clauses.append({META_GROUP: {"$in": list(group_ids)}})
        where = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        keys: list[str] = []
        offset = 0
        while limit is None or len(keys) < limit:
            page = BATCH if limit is None else min(BATCH, limit - len(keys))
            got = _guarded(
                "reading the ledger",
                self._collection.get,
                where=where,
                limit=page,
                offset=offset,
                include=[],
            )
            keys.extend(got["ids"])
            if len(got["ids"]) < page:
                break
            offset += len(got["ids"])
        return keys

    async def alist_keys(  # noqa: D102 - same as list_keys
        self,
        *,
        before: float | None = None,
        after: float | None = None,
        group_ids: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[str]:
        return self.list_keys(before=before, after=after, group_ids=group_ids, limit=limit)

    def delete_keys(self, keys: Sequence[str]) -> None:
        """Forget ``keys``."""
        for start in range(0, len(keys), BATCH):
            chunk = [k for k in keys[start : start + BATCH] if k != LOCK_ID]
            if chunk:
                _guarded("writing the ledger", self._collection.delete, ids=chunk)

    async def adelete_keys(self, keys: Sequence[str]) -> None:  # noqa: D102 - same as delete_keys
        self.delete_keys(keys)

    def is_empty(self) -> bool:
        """No key recorded yet (a ledger that was just created)."""
        return not self.list_keys(limit=1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


class ChromaRunLock:
    """One ingest run at a time for every host using the server; see the module docstring."""

    def __init__(self, collection: chromadb.Collection, lease: float = LEASE_SECONDS) -> None:
        self._collection = collection
        self._lease = lease
        self._owner = uuid.uuid4().hex
        self._host = socket.gethostname()
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.took_over: dict[str, Any] | None = None  # the dead run's lease, if one was taken

    def _record(self) -> dict[str, Any]:
        return {
            "owner": self._owner,
            "host": self._host,
            "pid": os.getpid(),
            "expires": time.time() + self._lease,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    def _holder(self) -> dict[str, Any] | None:
        got = _guarded("reading the run lock", self._collection.get, ids=[LOCK_ID],
                       include=["metadatas"])  # fmt: skip
        metas = got.get("metadatas") or []
        return dict(metas[0] or {}) if got["ids"] else None

    def _dead(self, holder: dict[str, Any]) -> bool:
        if float(holder.get("expires", 0)) < time.time():
            return True
        pid = holder.get("pid")
        if holder.get("host") != self._host or not isinstance(pid, int):
            return False
        if pid == os.getpid():  # a run of this process that ended without releasing it
            return holder.get("owner") not in _HELD_HERE
        return not _alive(pid)

    def acquire(self, wait: float = 0) -> None:
        """Take the lock, waiting up to ``wait`` seconds for a live holder to finish.

        Raises:
            IngestBusy: A live run elsewhere (or here) holds it.
        """
        deadline = time.monotonic() + wait
        while True:
            _guarded("taking the run lock", self._collection.add, ids=[LOCK_ID],
                     embeddings=[_VECTOR], metadatas=[self._record()])  # fmt: skip
            holder = self._holder()
            if holder is not None and holder.get("owner") == self._owner:
                _HELD_HERE.add(self._owner)
                break
            if holder is not None and self._dead(holder):
                log.warning(
                    "taking over the ingest lock of a run that is gone (host %s, pid %s, "
                    "started %s); this run repairs what it left",
                    holder.get("host"),
                    holder.get("pid"),
                    holder.get("started"),
                )
                self.took_over = holder
                # Only that holder's record: a live run that took it meanwhile keeps it.
                _guarded("taking the run lock", self._collection.delete, ids=[LOCK_ID],
                         where={"owner": str(holder.get("owner"))})  # fmt: skip
                continue
            if holder is not None and time.monotonic() >= deadline:
                raise IngestBusy(
                    "another ingestion run is in progress on this Chroma server (host "
                    f"{holder.get('host')}, pid {holder.get('pid')}, started "
                    f"{holder.get('started')}); try again later or pass --wait SECONDS"
                )
            time.sleep(0.5)
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew, name="ingest-lock", daemon=True)
        self._renewer.start()

    def _renew(self) -> None:
        while not self._stop.wait(self._lease / 3):
            try:
                holder = self._holder()
                if holder is None or holder.get("owner") != self._owner:
                    log.error("the ingest lock was taken over by another run")
                    return
                _guarded("renewing the run lock", self._collection.update, ids=[LOCK_ID],
                         metadatas=[{**holder, "expires": time.time() + self._lease}])  # fmt: skip
            except VectorStoreUnavailable as exc:
                log.warning("could not renew the ingest lock: %s", exc)

    def release(self) -> None:
        """Give the lock back (only ours: a record another run took over stays)."""
        self._stop.set()
        _HELD_HERE.discard(self._owner)
        if self._renewer is not None:
            self._renewer.join(timeout=5)
        try:
            _guarded("releasing the run lock", self._collection.delete, ids=[LOCK_ID],
                     where={"owner": self._owner})  # fmt: skip
        except VectorStoreUnavailable as exc:
            # The run's own error says the server is gone; this is a footnote to it.
            log.info("could not release the ingest lock (it expires on its own): %s", exc)
