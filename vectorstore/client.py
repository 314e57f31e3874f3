"""The Chroma client for the configured store mode, and a read-only view of the collection.

Kept apart from ``vectorstore.chroma`` (which imports LangChain's Chroma wrapper, ~1 s) so that
commands that only read counts and metadata (``footnote-ingest --status``) start fast and never
load an embedding model.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from vectorstore.base import META_ARTICLE_ID, META_ORIGIN
from vectorstore.config import StoreSettings
from vectorstore.errors import VectorStoreUnavailable

if TYPE_CHECKING:
    import chromadb

log = logging.getLogger(__name__)

META_EMBEDDING_MODEL = "footnote:embedding_model"
META_EMBEDDING_DIM = "footnote:embedding_dim"
CHROMA_DB_FILE = "chroma.sqlite3"  # what an embedded Chroma writes first; absent = no store

# chromadb's HttpClient waits forever (httpx timeout=None): a hung server would hang the bot's
# threads and an ingest run with its lock. Bounded, a hang becomes ReadTimeout, which
# vectorstore.chroma maps to VectorStoreUnavailable.
CHROMA_HTTP_TIMEOUT = httpx.Timeout(120.0, connect=10.0)


def make_client(settings: StoreSettings) -> chromadb.ClientAPI:
    """The only place that knows the store mode: embedded, in-memory or a Chroma server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    try:
        match settings.mode:
            case "http":
                headers = {}
                if settings.chroma_token is not None:
                    headers["x-chroma-token"] = settings.chroma_token.get_secret_value()
                client = chromadb.HttpClient(
                    host=settings.chroma_host or "127.0.0.1",
                    port=settings.chroma_port,
                    ssl=settings.chroma_ssl,
                    headers=headers or None,
                    settings=chroma_settings,
                )
                _bound_http_timeout(client)
                return client
            case "ephemeral":
                return chromadb.EphemeralClient(settings=chroma_settings)
            case "persistent":
                settings.chroma_dir.mkdir(parents=True, exist_ok=True)
                # Chroma caches embedded clients by path string: resolve it, or two working
                # directories with the same relative data dir would share one database.
                return chromadb.PersistentClient(
                    path=str(settings.chroma_dir.resolve()), settings=chroma_settings
                )
    except (ValueError, ConnectionError, OSError) as exc:
        where = (
            f"Chroma server at {settings.chroma_host}:{settings.chroma_port}"
            if settings.mode == "http"
            else f"Chroma database in {settings.chroma_dir}"
        )
        raise VectorStoreUnavailable(f"cannot open the {where}: {exc}") from exc
    raise AssertionError(f"unknown store mode {settings.mode}")  # pragma: no cover


def _bound_http_timeout(client: chromadb.ClientAPI) -> None:
    """Give chromadb's httpx session a timeout (it has no setting for one; see the constant)."""
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = CHROMA_HTTP_TIMEOUT
    else:  # pragma: no cover - chromadb changed its internals
        log.warning("cannot bound Chroma HTTP timeouts: a hung server would block calls")


def _read_errors() -> tuple[type[Exception], ...]:
    """What reading may raise: ValueError, and from a server that went away httpx's errors."""
    import httpx

    return (ValueError, ConnectionError, httpx.TransportError)


def describe_store(settings: StoreSettings) -> str:
    """Where the corpus lives, for humans: ``embedded <path>`` or ``server host:port``."""
    match settings.mode:
        case "http":
            return f"server {settings.chroma_host}:{settings.chroma_port}"
        case "ephemeral":
            return "in-memory (ephemeral)"
        case _:
            return f"embedded {Path(settings.chroma_dir).resolve()}"


def store_exists(settings: StoreSettings) -> bool:
    """Whether an embedded store was ever written (servers and in-memory stores: assume so)."""
    if settings.mode != "persistent":
        return True
    return (Path(settings.chroma_dir) / CHROMA_DB_FILE).is_file()


@dataclass(frozen=True, slots=True)
class CollectionSummary:
    """Counts and the recorded embedding model of a collection, read without embedding."""

    passages: int
    articles_per_origin: tuple[tuple[str, int], ...]  # most articles first
    embedding_model: str | None

    @property
    def articles(self) -> int:
        """Number of distinct articles."""
        return sum(n for _, n in self.articles_per_origin)


def summarize_collection(settings: StoreSettings, batch_size: int = 5000) -> CollectionSummary:
    """Count passages and articles per origin, creating nothing (no store: all zero).

    Raises:
        VectorStoreUnavailable: The Chroma server cannot be reached.
    """
    if not store_exists(settings):
        return CollectionSummary(0, (), None)
    from chromadb.errors import NotFoundError

    client = make_client(settings)
    try:
        collection = client.get_collection(settings.collection)
    except NotFoundError:
        return CollectionSummary(0, (), None)
    except _read_errors() as exc:
        raise VectorStoreUnavailable(f"cannot read the Chroma collection: {exc}") from exc
    origin_of: dict[str, str] = {}
    passages = 0
    offset = 0
    while True:
        try:
            result = collection.get(limit=batch_size, offset=offset, include=["metadatas"])
        except _read_errors() as exc:
            raise VectorStoreUnavailable(f"cannot read the Chroma collection: {exc}") from exc
        ids = result["ids"]
        if not ids:
            break
        for passage_id, meta in zip(ids, result["metadatas"] or [], strict=True):
            meta = meta or {}
            article = str(meta.get(META_ARTICLE_ID, passage_id))
            origin_of.setdefault(article, str(meta.get(META_ORIGIN) or "(unknown)"))
        passages += len(ids)
        offset += len(ids)
    per_origin = Counter(origin_of.values())
    model = (collection.metadata or {}).get(META_EMBEDDING_MODEL)
    return CollectionSummary(
        passages=passages,
        articles_per_origin=tuple(sorted(per_origin.items(), key=lambda kv: (-kv[1], kv[0]))),
        embedding_model=str(model) if model else None,
    )


def collection_count(settings: StoreSettings) -> int:
    """Passages in the configured collection, or 0 when there is none; creates nothing.

    Raises:
        VectorStoreUnavailable: The Chroma server cannot be reached.
    """
    if not store_exists(settings):
        return 0
    from chromadb.errors import NotFoundError

    client = make_client(settings)
    try:
        return int(client.get_collection(settings.collection).count())
    except NotFoundError:
        return 0
    except _read_errors() as exc:
        raise VectorStoreUnavailable(f"cannot read the Chroma collection: {exc}") from exc
