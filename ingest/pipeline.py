"""The ingestion job: sources -> articles -> passages -> Chroma, exactly and crash-safely.

How a run keeps the store exact:

* LangChain's indexing API (``langchain_core.indexing.index``) with a persistent
  ``SQLRecordManager`` writes passages. A passage id is a hash of its text and metadata (which
  include the article's content hash), ``source_id_key`` is the article id and cleanup is
  incremental: an unchanged article is skipped, a changed one gets its new passages and loses
  its old ones. We hand ``index()`` whole articles per batch, so an article never straddles two
  batches (which would make it delete and re-add its own passages).
* Articles gone from a source are deleted by the job itself (incremental cleanup only looks at
  articles it sees; ``cleanup="full"`` would delete every other source's articles): for each
  authoritative source (not RSS/Atom feeds) that listed without a fatal failure, stored articles
  of that origin that this run did not see are deleted, unless their item failed this run.
* Crash safety: every write is idempotent (Chroma upserts by content-hash id), vectors are
  written before the record manager and deleted before it, and a marker file says a writing run
  is in progress. When the next run finds the marker, it first reconciles the record manager
  with the store: keys whose vectors are gone (a kill between the two deletions) are forgotten,
  vectors the record manager never heard of (a kill between the two writes) are dropped. Then
  the ordinary run re-does whatever was missing, and the store ends up exactly as after an
  uninterrupted run.
* One run at a time: a ``filelock`` on ``<data_dir>/ingest.lock``; with a Chroma server, also a
  lease in the server, since other hosts ingest there too (:mod:`ingest.ledger`, where the
  server-mode ledger lives as well). ``--rebuild`` there drops only the named sources' passages.
* The ledger is not the truth, the store is: an article the ledger calls unchanged is skipped
  only once the store is seen to hold its passages.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from ingest.articles import Article, LoadFailure
from ingest.chunking import PassageSplitter, passage_key
from ingest.errors import IngestBusy
from ingest.report import IngestProgress, IngestReport, printable
from ingest.state import read_state, write_state
from vectorstore.base import META_LOCATION, stamp_generation, store_generation, stored_ids
from vectorstore.errors import EmbeddingModelMismatch

if TYPE_CHECKING:
    from langchain_core.documents import Document
    from langchain_core.indexing import RecordManager

    from ingest.config import IngestSettings
    from vectorstore.base import ArticleStore

log = logging.getLogger(__name__)

LOCK_FILE = "ingest.lock"
DIRTY_FILE = "ingest-running.json"  # present while a writing run is in progress (or was killed)
INDEX_BATCH_PASSAGES = 256  # passages per index() call: whole articles; bigger = less padding
SQL_CHUNK = 500  # keys per record-manager query (SQLite's bound-parameter limit)
VERIFY_BATCH_PASSAGES = 2000  # ledger-unchanged passages checked against the store per query


def configured_sources(settings: IngestSettings) -> list[str]:
    """The sources listed in the sources file (``FOOTNOTE_SOURCES_FILE``, ``sources.toml``).

    Raises:
        SourcesFileError: The file is missing or malformed (a ``ConfigError``).
    """
    from ingest.sources import load_sources_file

    return load_sources_file(Path(settings.sources_file))


def record_manager_namespace(settings: IngestSettings) -> str:
    """The record manager namespace of the configured collection."""
    return f"footnote/{settings.collection}"


def open_record_manager(settings: IngestSettings) -> RecordManager:
    """LangChain's record manager for the configured collection (created if needed).

    With a Chroma server it lives in the server (:mod:`ingest.ledger`), shared by every host that
    ingests there; embedded, in ``records.sqlite`` beside the Chroma folder.
    """
    namespace = record_manager_namespace(settings)
    if settings.mode == "http":
        from ingest.ledger import ChromaRecordManager
        from vectorstore.chroma import make_client

        shared = ChromaRecordManager(make_client(settings), settings.collection, namespace)
        shared.create_schema()
        return shared
    if settings.mode == "ephemeral":
        # An in-memory store with a persistent ledger would claim passages that vanished.
        from langchain_core.indexing import InMemoryRecordManager

        memory = InMemoryRecordManager(namespace)
        memory.create_schema()
        return memory
    from langchain_classic.indexes import SQLRecordManager

    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    manager = SQLRecordManager(namespace, db_url=settings.record_manager_url)
    manager.create_schema()
    return manager


def open_store(settings: IngestSettings, *, rebuild: bool = False) -> ArticleStore:
    """The configured Chroma store, with one embedding model for the process.

    With ``rebuild``, a collection built with another model is dropped instead of refused
    (``--rebuild`` is the way out of ``EmbeddingModelMismatch``).
    """
    from vectorstore.chroma import ChromaArticleStore, make_client
    from vectorstore.embeddings import SentenceTransformerEmbeddings

    embeddings = SentenceTransformerEmbeddings.from_settings(settings)
    try:
        return ChromaArticleStore.from_settings(settings, embeddings)
    except EmbeddingModelMismatch:
        if not rebuild:
            raise
        log.warning(
            "dropping collection %s built with another model (--rebuild)", settings.collection
        )
        make_client(settings).delete_collection(settings.collection)
        return ChromaArticleStore.from_settings(settings, embeddings)


def describe_store(settings: IngestSettings) -> str:
    """Where the corpus lives, for humans: ``embedded <path>`` or ``server host:port``."""
    match settings.mode:
        case "http":
            return f"server {settings.chroma_host}:{settings.chroma_port}"
        case "ephemeral":
            return "in-memory (ephemeral)"
        case _:
            return f"embedded {Path(settings.chroma_dir).resolve()}"


# ------------------------------------------------------------------------------------------
# The run


@dataclass
class _Pending:
    """Changed articles waiting to be indexed together."""

    articles: list[tuple[Article, list[Document], bool]] = field(default_factory=list)
    passages: int = 0


class _Progress:
    """tqdm bars on stderr (articles, passages) and the ``on_progress`` callback.

    Totals grow as articles are read and split (``found``), so the bars show "done/known so
    far" and a rate from the first article instead of sitting still until a batch is written;
    once every source is listed (``listed``) the totals are final.
    """

    def __init__(self, callback: Callable[[IngestProgress], None] | None, show: bool) -> None:
        self.callback = callback
        self.articles = 0
        self.passages = 0
        self.articles_found = 0
        self.passages_found = 0
        self.complete = False  # every source listed: the totals are final
        self._bars: list[Any] = []
        if show:
            from tqdm import tqdm

            self._bars = [
                tqdm(desc="articles", unit=" art", file=sys.stderr, position=0, leave=True),
                tqdm(desc="passages", unit=" psg", file=sys.stderr, position=1, leave=True),
            ]

    def found(self, passages: int) -> None:
        """One more article read and split into ``passages``: the totals grow."""
        self.articles_found += 1
        self.passages_found += passages
        if self._bars:
            self._bars[0].total = self.articles_found
            self._bars[1].total = self.passages_found
            for bar in self._bars:
                bar.refresh()

    def listed(self) -> None:
        """Every source has been listed: totals are final from now on (and reported at once)."""
        self.complete = True
        self.advance(0, 0, None)

    def advance(self, articles: int, passages: int, current: str | None) -> None:
        self.articles += articles
        self.passages += passages
        if self._bars:
            self._bars[0].update(articles)
            self._bars[1].update(passages)
        if self.callback is not None:
            self.callback(
                IngestProgress(
                    articles_done=self.articles,
                    passages_done=self.passages,
                    articles_total=self.articles_found if self.complete else None,
                    current=current,
                )
            )

    def close(self) -> None:
        for bar in self._bars:
            bar.close()


def _chunks(items: Sequence[str], size: int = SQL_CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _item_file(item: str) -> str:
    """The file (or page) part of an item name: ``/a/b.jsonl#L3`` -> ``/a/b.jsonl``."""
    return item.split("#", 1)[0]


class _Run:
    """One ingestion run; ``run_ingest`` is the public entry point."""

    def __init__(
        self,
        settings: IngestSettings,
        store: ArticleStore,
        records: RecordManager,
        *,
        dry_run: bool,
        rebuild: bool,
        progress: _Progress,
    ) -> None:
        self.settings = settings
        self.store = store
        self.records = records
        self.dry_run = dry_run
        self.rebuild = rebuild
        self.progress = progress
        self.report = IngestReport(dry_run=dry_run)
        embeddings = getattr(store, "embeddings", None)
        from vectorstore.embeddings import SentenceTransformerEmbeddings

        self.splitter = PassageSplitter(
            embeddings if isinstance(embeddings, SentenceTransformerEmbeddings) else None,
            settings.chunk_tokens,
            settings.chunk_overlap_tokens,
        )
        self.seen_ids: set[str] = set()
        self.pending = _Pending()
        # Articles the ledger calls unchanged, until the store confirms it holds their passages.
        self.unverified: list[tuple[Article, list[Document]]] = []
        self.unverified_passages = 0
        self.restored_keys: set[str] = set()  # dry run: ledger keys whose vectors are missing
        self.changed_store = False
        self.rebuild_stored_articles: set[str] = set()  # dry-run rebuild: what would go

    # -- reading and classifying -----------------------------------------------------------

    def ingest_sources(self, sources: Sequence[str]) -> None:
        from ingest.loaders import is_authoritative, iter_source
        from ingest.sources import normalize_spec

        complete: list[str] = []  # authoritative origins that listed without a fatal failure
        for spec in dict.fromkeys(sources):
            origin = normalize_spec(spec)
            fatal = False
            log.info("reading source %s", origin)
            for item in iter_source(spec, self.settings):
                if isinstance(item, LoadFailure):
                    kind = "fatal" if item.fatal else "item"
                    log.warning("failed: %s (%s)", printable(str(item)), kind)
                    self.report.failures.append(item)
                    fatal = fatal or item.fatal
                    self.progress.advance(0, 0, item.item)
                else:
                    self.take(item)
            if not fatal and is_authoritative(origin):
                complete.append(origin)
        self.verify_unchanged()  # before listed(): these were read while listing
        self.progress.listed()
        self.flush()
        if not self.rebuild:  # after a rebuild nothing old is left to delete
            self.delete_vanished(complete)

    def take(self, article: Article) -> None:
        if article.article_id in self.seen_ids:
            log.warning(
                "article %s (%s) was already read from another source in this run; skipped",
                article.article_id,
                article.location,
            )
            return
        docs = self.splitter.split(article)
        if not docs:
            self.report.failures.append(
                LoadFailure(item=article.location, reason="no text to index", origin=article.origin)
            )
            return
        self.seen_ids.add(article.article_id)
        self.progress.found(len(docs))
        new_keys = {passage_key(doc) for doc in docs}
        old_keys = set() if self.rebuild else self._keys_of(article.article_id)
        if new_keys == old_keys:
            self.unverified.append((article, docs))
            self.unverified_passages += len(docs)
            if self.unverified_passages >= VERIFY_BATCH_PASSAGES:
                self.verify_unchanged()
            return
        self.pending.articles.append((article, docs, bool(old_keys)))
        self.pending.passages += len(docs)
        if self.pending.passages >= INDEX_BATCH_PASSAGES:
            self.flush()

    def _keys_of(self, article_id: str) -> set[str]:
        return set(self.records.list_keys(group_ids=[article_id]))

    def verify_unchanged(self) -> None:
        """Skip a ledger-unchanged article only if the store really holds all its passages.

        The ledger is a record of what was written, not the store: a deleted Chroma folder, a
        fresh server or another host's ``--rebuild`` leave it claiming passages that are gone.
        Such an article is written again (its stale records forgotten first, or ``index()``
        would skip them again); one query per batch of ids keeps this cheap.
        """
        batch, self.unverified, self.unverified_passages = self.unverified, [], 0
        if not batch:
            return
        present = stored_ids(self.store, [passage_key(d) for _, docs in batch for d in docs])
        for article, docs in batch:
            keys = {passage_key(doc) for doc in docs}
            if keys <= present:
                self.report.skipped += 1
                self.progress.advance(1, len(docs), article.location)
                continue
            log.warning(
                "article %s (%s): the ledger lists %d passages but the store lacks %d (or holds "
                "them without current sentence vectors); writing it again",
                article.article_id,
                printable(article.location),
                len(keys),
                len(keys - present),
            )
            if self.dry_run:
                self.restored_keys |= keys
            else:
                for chunk in _chunks(sorted(keys)):
                    self.records.delete_keys(chunk)
            self.pending.articles.append((article, docs, False))
            self.pending.passages += len(docs)
            if self.pending.passages >= INDEX_BATCH_PASSAGES:
                self.flush()

    # -- writing ---------------------------------------------------------------------------

    def flush(self) -> None:
        batch, self.pending = self.pending, _Pending()
        if not batch.articles:
            return
        docs = [doc for _, article_docs, _ in batch.articles for doc in article_docs]
        if self.dry_run:
            if self.rebuild:
                exists = [False] * len(docs)
            else:
                keys = [passage_key(doc) for doc in docs]
                exists = [
                    found and key not in self.restored_keys
                    for key, found in zip(keys, self._exists(keys), strict=True)
                ]
            self.report.passages_added += sum(not found for found in exists)
            for _, article_docs, had_keys in batch.articles:
                if had_keys:
                    old = self._keys_of(article_docs[0].metadata["article_id"])
                    self.report.passages_deleted += len(
                        old - {passage_key(doc) for doc in article_docs}
                    )
        else:
            from langchain_core.indexing import index

            result = index(
                docs,
                self.records,
                self.store.as_langchain(),
                batch_size=len(docs),  # one batch: every article is indexed in one piece
                cleanup="incremental",
                source_id_key="article_id",
                key_encoder=passage_key,
            )
            self.report.passages_added += result["num_added"] + result["num_updated"]
            self.report.passages_deleted += result["num_deleted"]
            self.changed_store = True
        for article, article_docs, had_keys in batch.articles:
            if had_keys:
                self.report.updated += 1
            else:
                self.report.added += 1
            self.report.changes.append(("update" if had_keys else "add", article.location))
            self.progress.advance(1, len(article_docs), article.location)

    def _exists(self, keys: Sequence[str]) -> list[bool]:
        found: list[bool] = []
        for chunk in _chunks(keys):
            found.extend(self.records.exists(chunk))
        return found

    def delete_vanished(self, origins: Sequence[str]) -> None:
        """Delete stored articles of fully listed authoritative sources that this run lacked."""
        protected = {_item_file(f.item) for f in self.report.failures}
        for origin in origins:
            stored: dict[str, list[str]] = {}
            for passage in self.store.find({"origin": origin}):
                stored.setdefault(passage.article_id, []).append(passage.id)
            for article_id, passage_ids in stored.items():
                if article_id in self.seen_ids:
                    continue
                location = self._location_of(passage_ids[0])
                if location is not None and _item_file(location) in protected:
                    log.info("keeping %s: its item failed in this run", location)
                    continue
                self.delete_article(article_id, passage_ids, location)

    def _location_of(self, passage_id: str) -> str | None:
        docs = self.store.as_langchain().get_by_ids([passage_id])
        return docs[0].metadata.get(META_LOCATION) if docs else None

    def delete_article(
        self, article_id: str, passage_ids: Sequence[str], where: str | None
    ) -> None:
        keys = self.records.list_keys(group_ids=[article_id])
        ids = sorted(set(passage_ids) | set(keys))
        log.info("deleting article %s (%s): %d passages", article_id, where, len(ids))
        self.report.deleted += 1
        self.report.passages_deleted += len(ids)
        self.report.changes.append(("delete", where or article_id))
        if self.dry_run:
            return
        # Vectors first, then the ledger: a kill in between leaves keys without vectors, which
        # the next run's reconciliation forgets (they would otherwise make it skip the article).
        self.store.delete(ids)
        for chunk in _chunks(keys):
            self.records.delete_keys(chunk)
        self.changed_store = True

    # -- starting over and repairing -------------------------------------------------------

    def all_keys(self) -> list[str]:
        return self.records.list_keys()

    def start_over(self, sources: Sequence[str]) -> None:
        """``--rebuild``: empty the collection, then forget every record.

        A Chroma server's collection is shared with other hosts' sources: there only the
        passages of the sources named in this run (and their records) go.
        """
        if self.settings.mode == "http":
            self._start_over_sources(sources)
            return
        if self.dry_run:
            self.rebuild_stored_articles = {p.article_id for p in self.store.iter_passages()}
            return
        self.store.reset()
        for chunk in _chunks(self.all_keys()):
            self.records.delete_keys(chunk)
        self.changed_store = True

    def _start_over_sources(self, sources: Sequence[str]) -> None:
        from ingest.sources import normalize_spec

        passages = [
            passage
            for origin in dict.fromkeys(normalize_spec(spec) for spec in sources)
            for passage in self.store.find({"origin": origin})
        ]
        articles = sorted({p.article_id for p in passages})
        if self.dry_run:
            self.rebuild_stored_articles = set(articles)
            return
        keys = {p.id for p in passages}
        for chunk in _chunks(articles):
            keys.update(self.records.list_keys(group_ids=chunk))
        log.info("--rebuild: dropping %d passages of %d articles of these sources", len(keys),
                 len(articles))  # fmt: skip
        self.store.delete(sorted(keys))
        for chunk in _chunks(sorted(keys)):
            self.records.delete_keys(chunk)
        self.changed_store = True

    def seed_ledger(self) -> int:
        """Fill an empty shared ledger from the store itself (first use of a server).

        Without this, a server filled before the ledger moved there would look unrecorded: every
        article re-embedded, and a repair after a crash would drop every passage as an orphan.
        """
        ids: list[str] = []
        groups: list[str | None] = []
        for passage in self.store.iter_passages():
            ids.append(passage.id)
            groups.append(passage.article_id)
        for start in range(0, len(ids), SQL_CHUNK * 10):
            end = start + SQL_CHUNK * 10
            self.records.update(ids[start:end], group_ids=groups[start:end])
        if ids:
            log.info("recorded %d stored passages in the new shared ledger", len(ids))
        return len(ids)

    def reconcile(self) -> int:
        """Make the record manager and the store agree after an interrupted run.

        Returns:
            How many keys and vectors were dropped.
        """
        keys = set(self.all_keys())
        stored = {p.id for p in self.store.iter_passages()}
        dangling = sorted(keys - stored)  # killed between deleting vectors and their keys
        orphans = sorted(stored - keys)  # killed between writing vectors and their keys
        if dangling:
            for chunk in _chunks(dangling):
                self.records.delete_keys(chunk)
        if orphans:
            self.store.delete(orphans)
        if dangling or orphans:
            log.warning(
                "the previous run was interrupted: forgot %d stale records, dropped %d "
                "unrecorded passages; this run completes it",
                len(dangling),
                len(orphans),
            )
        return len(dangling) + len(orphans)


def _dirty_path(settings: IngestSettings) -> Path:
    return Path(settings.data_dir) / DIRTY_FILE


def _mark_dirty(settings: IngestSettings) -> None:
    path = _dirty_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        json.dump({"pid": os.getpid(), "started_at": datetime.now(UTC).isoformat()}, handle)
        handle.flush()
        os.fsync(handle.fileno())


def run_ingest(
    sources: Sequence[str],
    settings: IngestSettings,
    *,
    store: ArticleStore | None = None,
    dry_run: bool = False,
    rebuild: bool = False,
    on_progress: Callable[[IngestProgress], None] | None = None,
    show_progress: bool = False,
    wait_for_lock: float = 0,
) -> IngestReport:
    """Ingest ``sources`` into the store: add new articles, replace changed, delete removed.

    Args:
        sources: Source specs (paths, globs, page/feed/sitemap URLs).
        settings: Ingestion and store settings.
        store: The store to fill (default: the configured Chroma store, opened here).
        dry_run: Compute what would change without writing anything.
        rebuild: Start over: empty the collection and the record manager first (also drops a
            collection built with another embedding model).
        on_progress: Called after each article (and failed item) with the running totals.
        show_progress: Draw tqdm progress bars on stderr.
        wait_for_lock: Seconds to wait for another run to finish (0: refuse at once).

    Returns:
        The article-level report (``--json`` prints ``as_json()``).

    Raises:
        IngestBusy: Another run holds the lock.
        EmbeddingModelMismatch: The collection was built with another model (use ``rebuild``).
        FootnoteError: The store or the record manager cannot be opened.
    """
    started = time.perf_counter()
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    lock_path = data_dir / LOCK_FILE
    lock = FileLock(str(lock_path), timeout=wait_for_lock if wait_for_lock > 0 else 0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise IngestBusy(
            f"another ingestion run is in progress (lock {lock_path} is held); "
            "try again later or pass --wait SECONDS"
        ) from exc
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(lock.release)
        records = open_record_manager(settings)
        took_over = False
        if settings.mode == "http":  # other hosts' runs: the lock that counts is the server's
            from ingest.ledger import ChromaRecordManager, ChromaRunLock

            assert isinstance(records, ChromaRecordManager)
            shared_lock = ChromaRunLock(records.collection)
            shared_lock.acquire(wait_for_lock)
            cleanup.callback(shared_lock.release)
            took_over = shared_lock.took_over is not None
        progress = _Progress(on_progress, show_progress)
        cleanup.callback(progress.close)
        if show_progress:  # log lines go above the bars instead of through them
            from tqdm.contrib.logging import logging_redirect_tqdm

            cleanup.enter_context(logging_redirect_tqdm())
        return _locked_run(
            sources,
            settings,
            store,
            records,
            progress,
            dry_run=dry_run,
            rebuild=rebuild,
            started=started,
            took_over=took_over,
        )


def _locked_run(
    sources: Sequence[str],
    settings: IngestSettings,
    store: ArticleStore | None,
    records: RecordManager,
    progress: _Progress,
    *,
    dry_run: bool,
    rebuild: bool,
    started: float,
    took_over: bool,
) -> IngestReport:
    if store is None:
        store = open_store(settings, rebuild=rebuild and not dry_run)
    seed = _is_new_shared_ledger(records)
    if seed and dry_run:  # a dry run writes nothing: it reads a seeded copy instead
        from langchain_core.indexing import InMemoryRecordManager

        records = InMemoryRecordManager(records.namespace)
        records.create_schema()
    run = _Run(settings, store, records, dry_run=dry_run, rebuild=rebuild, progress=progress)
    dirty = _dirty_path(settings)
    # A run killed here leaves the marker; one killed on any host sharing the server, its lease.
    interrupted = dirty.exists() or took_over
    if seed:
        run.seed_ledger()
    if dry_run:
        if interrupted:
            log.warning("the previous run was interrupted; the next real run repairs it")
        if rebuild:
            run.start_over(sources)
        run.ingest_sources(sources)
        if rebuild:
            gone = sorted(run.rebuild_stored_articles - run.seen_ids)
            run.report.deleted += len(gone)
            run.report.changes.extend(("delete", article_id) for article_id in gone)
    else:
        _mark_dirty(settings)
        if rebuild:
            run.start_over(sources)
        elif interrupted and run.reconcile():
            run.changed_store = True
        run.ingest_sources(sources)
    report = run.report
    report.seconds = time.perf_counter() - started
    if not dry_run:
        _write_run_state(
            settings,
            store,
            sources,
            report,
            new_generation=run.changed_store or interrupted or rebuild,
        )
        dirty.unlink(missing_ok=True)
    log.info(
        "ingest done%s: added=%d updated=%d skipped=%d deleted=%d failed=%d in %.1fs",
        " (dry run)" if dry_run else "",
        report.added,
        report.updated,
        report.skipped,
        report.deleted,
        report.failed,
        report.seconds,
    )
    return report


def _is_new_shared_ledger(records: RecordManager) -> bool:
    from ingest.ledger import ChromaRecordManager

    return isinstance(records, ChromaRecordManager) and records.is_empty()


def _write_run_state(
    settings: IngestSettings,
    store: ArticleStore,
    sources: Sequence[str],
    report: IngestReport,
    *,
    new_generation: bool,
) -> None:
    previous = read_state(settings.data_dir).get("generation")
    generation = uuid.uuid4().hex if new_generation or not previous else str(previous)
    # Bots on every host follow the store's own stamp (the local file is this host's record).
    if new_generation or store_generation(store) is None:
        stamp_generation(store, generation)
    write_state(
        settings.data_dir,
        {
            "generation": generation,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "report": report.as_json(),
            "sources": list(sources),
            "embedding_model": store.embedding_model,
            "collection": settings.collection,
            "store": describe_store(settings),
        },
    )
