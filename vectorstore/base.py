"""The store's domain types and the port (``ArticleStore``) the other packages program against."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from langchain_core.vectorstores import VectorStore

# Metadata keys every stored passage carries. Chroma rejects ``None`` values, so absent
# fields are simply missing from the metadata.
META_ARTICLE_ID = "article_id"
META_INDEX = "passage_index"
META_TITLE = "title"
META_URL = "url"
META_SOURCE = "source"  # the publisher / site name shown to users
META_AUTHOR = "author"
META_PUBLISHED = "published"  # ISO 8601 string
META_PUBLISHED_TS = "published_ts"  # epoch seconds, for range filters
META_ORIGIN = "origin"  # the ingestion source (path, feed URL, ...) the article came from
META_CONTENT_HASH = "content_hash"
META_LOCATION = "location"  # the file path or page URL the article was read from

Where = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Passage:
    """One stored passage of an article, with the article's metadata."""

    id: str
    article_id: str
    index: int
    text: str
    title: str
    url: str | None = None
    source: str | None = None
    author: str | None = None
    published: str | None = None
    origin: str | None = None

    @classmethod
    def from_record(cls, id: str, text: str, metadata: Mapping[str, Any] | None) -> Passage:
        """Build a passage from a stored record (id, document text, metadata)."""
        meta = dict(metadata or {})
        return cls(
            id=id,
            article_id=str(meta.get(META_ARTICLE_ID, id)),
            index=int(meta.get(META_INDEX, 0)),
            text=text,
            title=str(meta.get(META_TITLE, "")),
            url=meta.get(META_URL),
            source=meta.get(META_SOURCE),
            author=meta.get(META_AUTHOR),
            published=meta.get(META_PUBLISHED),
            origin=meta.get(META_ORIGIN),
        )


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage returned by a search, with its score (higher is better)."""

    passage: Passage
    score: float


@runtime_checkable
class ArticleStore(Protocol):
    """The vector store port: what ``ingest`` and ``bot`` need from Chroma."""

    @property
    def embedding_model(self) -> str:
        """Name of the embedding model the collection is built with."""
        ...

    def as_langchain(self) -> VectorStore:
        """The LangChain vector store, for LangChain's indexing API."""
        ...

    def search(self, query: str, k: int = 4, where: Where | None = None) -> list[Hit]:
        """Dense search: the ``k`` passages nearest to ``query``."""
        ...

    def search_by_vector(
        self, vector: Sequence[float], k: int = 4, where: Where | None = None
    ) -> list[Hit]:
        """Dense search with a query embedding computed by the caller."""
        ...

    def get(self, ids: Sequence[str]) -> list[Passage]:
        """The passages with these ids (missing ids are skipped)."""
        ...

    def find(self, where: Where, limit: int | None = None) -> list[Passage]:
        """Passages whose metadata matches ``where`` (Chroma's filter syntax)."""
        ...

    def iter_passages(self, batch_size: int = 1000) -> Iterator[Passage]:
        """Every stored passage, in batches; used to build the lexical index."""
        ...

    def delete(self, ids: Sequence[str]) -> None:
        """Delete passages by id; unknown ids are ignored."""
        ...

    def count(self) -> int:
        """Number of stored passages."""
        ...

    def reset(self) -> None:
        """Drop every passage (``--rebuild``)."""
        ...


@runtime_checkable
class GenerationStamped(Protocol):
    """A store that keeps a change stamp of its own, seen alike by every host that uses it.

    Not part of ``ArticleStore``: fakes and other stores may keep none, and readers then fall
    back to a local signal (the ingest state file, the passage count).
    """

    def generation(self) -> str | None:
        """The stamp the last changing ingest run left (None: never stamped)."""
        ...

    def set_generation(self, token: str) -> None:
        """Record that the store changed; readers compare stamps to know."""
        ...


def stored_ids(store: ArticleStore, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` the store holds (the ledger may say otherwise: the store is the truth).

    Uses the store's ``existing_ids`` (ids only, nothing else read) when it has one.
    """
    if not ids:
        return set()
    existing = getattr(store, "existing_ids", None)
    if callable(existing):
        return set(existing(ids))
    return {passage.id for passage in store.get(ids)}


def store_generation(store: object) -> str | None:
    """The store's shared change stamp, or None when it keeps none (or was never stamped)."""
    return store.generation() if isinstance(store, GenerationStamped) else None


def stamp_generation(store: object, token: str) -> bool:
    """Stamp ``store`` with ``token`` if it keeps stamps; True when it did."""
    if isinstance(store, GenerationStamped):
        store.set_generation(token)
        return True
    return False
