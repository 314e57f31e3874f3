"""The Chroma implementation of ``ArticleStore``.

Embedded (``PersistentClient`` under the data dir) by default; ``HttpClient`` when a host is set,
which is how a deployment outgrows one machine. We always pass our own embeddings: Chroma's default
embedding function downloads a model, which fails here.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import httpx
from langchain_chroma import Chroma

from vectorstore.base import META_TITLE, Hit, Passage, Where
from vectorstore.client import make_client
from vectorstore.config import StoreSettings
from vectorstore.embeddings import SentenceTransformerEmbeddings
from vectorstore.errors import EmbeddingModelMismatch, VectorStoreUnavailable
from vectorstore.sentences import (
    META_SENTENCE_VERSION,
    SENTENCE_VERSION,
    PassageVectors,
    passage_vectors,
    with_sentence_vectors,
)

if TYPE_CHECKING:
    import chromadb
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

META_EMBEDDING_MODEL = "footnote:embedding_model"
META_EMBEDDING_DIM = "footnote:embedding_dim"
# Changes whenever an ingest run changed the collection: bots on every host compare it to know
# when to rebuild what they derive from the store (the BM25 index). Kept in the collection's
# metadata, so it is exactly as shared as the passages are.
META_GENERATION = "footnote:generation"
CHROMA_MAX_BATCH = 5000  # Chroma refuses batches above ~5,461 records

# What a Chroma server that died, restarted or hung mid-session raises from ``HttpClient`` calls:
# httpx's transport errors (ConnectError, ReadTimeout, RemoteProtocolError, ...), not ValueError.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (httpx.TransportError, ConnectionError)


def unreachable_message(action: str, exc: BaseException) -> str:
    """The one line users see when the store stops answering (no host names: Discord shows it)."""
    detail = str(exc).strip() or "no details"
    return (
        f"the article store is unreachable ({action} failed: {type(exc).__name__}: {detail}); "
        "try again when the Chroma server is back"
    )


def embedding_input(text: str, metadata: dict[str, Any] | None) -> str:
    """What gets embedded for a passage: its article title, then its text.

    The title makes a passage findable by what the article is about even when the passage itself
    never names it; the stored document stays the passage text alone, so quotes match it exactly.
    """
    title = (metadata or {}).get(META_TITLE)
    return f"{title}\n{text}" if title else text


class _TitledChroma(Chroma):
    """``langchain_chroma.Chroma`` that embeds title + text but stores the text alone.

    The writes LangChain's indexing API makes through it go through the owning store's guard, so
    a dead server is ``VectorStoreUnavailable`` there too.
    """

    _guard: Any = None  # ChromaArticleStore._guard, set by the store

    def _guarded(self, action: str) -> contextlib.AbstractContextManager[None]:
        return self._guard(action) if self._guard is not None else contextlib.nullcontext()

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> None:
        with self._guarded("delete"):
            super().delete(ids, **kwargs)

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        with self._guarded("get"):
            return super().get_by_ids(ids)

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict] | None = None,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        texts = list(texts)
        if ids is None:
            raise ValueError("Footnote always gives passage ids")
        metas = metadatas or [{} for _ in texts]
        embedder = self._embedding_function
        assert embedder is not None
        for start in range(0, len(texts), CHROMA_MAX_BATCH):
            end = start + CHROMA_MAX_BATCH
            batch_texts = texts[start:end]
            vectors = embedder.embed_documents(
                [embedding_input(t, m) for t, m in zip(batch_texts, metas[start:end], strict=True)]
            )
            # Sentence vectors ride in the passage's own record: one upsert writes both, so
            # every later replace, delete or crash repair treats them as one.
            batch_metas = with_sentence_vectors(
                batch_texts, metas[start:end], embedder.embed_documents, META_TITLE
            )
            with self._guarded("upsert"):
                self._collection.upsert(
                    ids=ids[start:end],
                    documents=batch_texts,
                    embeddings=vectors,  # type: ignore[arg-type]
                    metadatas=[m or None for m in batch_metas],  # type: ignore[misc]
                )
        return ids


class ChromaArticleStore:
    """``ArticleStore`` over one Chroma collection, embedded with a sentence-transformers model.

    Every call to Chroma goes through ``_guard``: a transport error becomes
    ``VectorStoreUnavailable`` and marks the collection handle stale, and the next call reopens
    it, so a bot or a chat session recovers on its own once the server is back (possibly
    restarted on a fresh path, where the old collection handle would be wrong).
    """

    def __init__(
        self,
        client: chromadb.ClientAPI,
        embeddings: Embeddings,
        *,
        collection: str,
        model_name: str,
    ) -> None:
        self._client = client
        self._embeddings = embeddings
        self._collection_name = collection
        self._model_name = model_name
        dimension = len(embeddings.embed_query("dimension probe"))
        self._dimension = dimension
        self._stale = False
        self._open_collection()

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Map a dead or hung server to ``VectorStoreUnavailable``; reopen on the next call."""
        try:
            yield
        except TRANSPORT_ERRORS as exc:
            self._stale = True
            log.debug("Chroma %s failed: %s: %s", action, type(exc).__name__, exc)
            raise VectorStoreUnavailable(unreachable_message(action, exc)) from exc

    def _ready(self) -> None:
        """Reopen the collection after a transport error (the server may be back)."""
        if self._stale:
            self._open_collection()
            self._stale = False
            log.info("reconnected to Chroma collection %s", self._collection_name)

    @classmethod
    def from_settings(
        cls, settings: StoreSettings, embeddings: SentenceTransformerEmbeddings | None = None
    ) -> ChromaArticleStore:
        """Open (or create) the configured collection with the configured model."""
        embeddings = embeddings or SentenceTransformerEmbeddings.from_settings(settings)
        return cls(
            make_client(settings),
            embeddings,
            collection=settings.collection,
            model_name=embeddings.model_name,
        )

    def _open_collection(self) -> None:
        metadata = {META_EMBEDDING_MODEL: self._model_name, META_EMBEDDING_DIM: self._dimension}
        try:
            lc = _TitledChroma(
                client=self._client,
                collection_name=self._collection_name,
                embedding_function=self._embeddings,
                collection_metadata=metadata,
                collection_configuration={"hnsw": {"space": "cosine"}},
            )
            stored = lc._collection.metadata or {}
        except TRANSPORT_ERRORS as exc:
            self._stale = True
            raise VectorStoreUnavailable(
                unreachable_message("opening the collection", exc)
            ) from exc
        except ValueError as exc:
            raise VectorStoreUnavailable(f"cannot open Chroma collection: {exc}") from exc
        lc._guard = self._guard
        self._lc = lc
        built_with = stored.get(META_EMBEDDING_MODEL)
        built_dim = stored.get(META_EMBEDDING_DIM)
        if built_with != self._model_name or built_dim != self._dimension:
            raise EmbeddingModelMismatch(
                f"collection {self._collection_name!r} was built with embedding model "
                f"{built_with!r} ({built_dim}-d), but {self._model_name!r} "
                f"({self._dimension}-d) is configured; re-ingest with "
                "`footnote-ingest --rebuild` or set FOOTNOTE_EMBEDDING_MODEL back"
            )

    @property
    def _collection(self) -> chromadb.Collection:
        return self._lc._collection

    @property
    def embedding_model(self) -> str:
        """Name of the embedding model the collection is built with."""
        return self._model_name

    @property
    def embeddings(self) -> Embeddings:
        """The embedding function (shared with the retriever so the model loads once)."""
        return self._embeddings

    def as_langchain(self) -> Chroma:
        """The LangChain vector store, for LangChain's indexing API."""
        self._ready()
        return self._lc

    def search(self, query: str, k: int = 4, where: Where | None = None) -> list[Hit]:
        """Dense search: the ``k`` passages nearest to ``query``."""
        return self.search_by_vector(self._embeddings.embed_query(query), k=k, where=where)

    def search_by_vector(
        self, vector: Sequence[float], k: int = 4, where: Where | None = None
    ) -> list[Hit]:
        """Dense search with a query embedding computed by the caller."""
        embedding: Sequence[float] = [float(x) for x in vector]
        self._ready()
        try:
            with self._guard("search"):
                result = self._collection.query(
                    query_embeddings=[embedding],
                    n_results=k,
                    where=dict(where) if where else None,
                    include=["documents", "metadatas", "distances"],
                )
        except ValueError as exc:
            raise VectorStoreUnavailable(f"Chroma query failed: {exc}") from exc
        ids = result["ids"][0]
        docs = (result.get("documents") or [[]])[0]
        metas = (result.get("metadatas") or [[]])[0]
        dists = (result.get("distances") or [[]])[0]
        return [
            # cosine distance -> similarity in [-1, 1]
            Hit(Passage.from_record(i, d or "", m), 1.0 - float(dist))
            for i, d, m, dist in zip(ids, docs, metas, dists, strict=True)
        ]

    def get(self, ids: Sequence[str]) -> list[Passage]:
        """The passages with these ids, in the order asked (missing ids are skipped)."""
        if not ids:
            return []
        self._ready()
        with self._guard("get"):
            result = self._collection.get(ids=list(ids), include=["documents", "metadatas"])
        found = {
            i: Passage.from_record(i, d or "", m)
            for i, d, m in zip(
                result["ids"], result["documents"] or [], result["metadatas"] or [], strict=True
            )
        }
        return [found[i] for i in ids if i in found]

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored complete (ids only: nothing else is read).

        A passage written before it carried sentence vectors (or with another layout of them)
        does not count: the ingest job then writes its article again, which upgrades a store in
        place on the next ordinary run.
        """
        ids = list(ids)
        found: set[str] = set()
        self._ready()
        for start in range(0, len(ids), CHROMA_MAX_BATCH):
            with self._guard("get"):
                result = self._collection.get(
                    ids=ids[start : start + CHROMA_MAX_BATCH],
                    where={META_SENTENCE_VERSION: SENTENCE_VERSION},
                    include=[],
                )
            found.update(result["ids"])
        return found

    def passage_vectors(self, ids: Sequence[str]) -> dict[str, PassageVectors]:
        """Each stored passage's embedding and sentence vectors (for reranking a few candidates)."""
        if not ids:
            return {}
        self._ready()
        with self._guard("get"):
            result = self._collection.get(
                ids=list(ids), include=["documents", "metadatas", "embeddings"]
            )
        embeddings = result.get("embeddings")
        if embeddings is None:
            return {}
        return {
            i: passage_vectors(i, d or "", v, m)
            for i, d, m, v in zip(
                result["ids"],
                result["documents"] or [],
                result["metadatas"] or [],
                embeddings,
                strict=True,
            )
        }

    def find(self, where: Where, limit: int | None = None) -> list[Passage]:
        """Passages whose metadata matches ``where`` (Chroma's filter syntax)."""
        self._ready()
        with self._guard("find"):
            result = self._collection.get(
                where=dict(where),
                limit=limit,
                include=["documents", "metadatas"],
            )
        return [
            Passage.from_record(i, d or "", m)
            for i, d, m in zip(
                result["ids"], result["documents"] or [], result["metadatas"] or [], strict=True
            )
        ]

    def iter_passages(self, batch_size: int = 1000) -> Iterator[Passage]:
        """Every stored passage, in batches; used to build the lexical index."""
        offset = 0
        self._ready()
        while True:
            with self._guard("listing passages"):
                result = self._collection.get(
                    limit=batch_size,
                    offset=offset,
                    include=["documents", "metadatas"],
                )
            ids = result["ids"]
            if not ids:
                return
            yield from (
                Passage.from_record(i, d or "", m)
                for i, d, m in zip(
                    ids, result["documents"] or [], result["metadatas"] or [], strict=True
                )
            )
            offset += len(ids)

    def delete(self, ids: Sequence[str]) -> None:
        """Delete passages by id; unknown ids are ignored."""
        ids = list(ids)
        self._ready()
        for start in range(0, len(ids), CHROMA_MAX_BATCH):
            with self._guard("delete"):
                self._collection.delete(ids=ids[start : start + CHROMA_MAX_BATCH])

    def count(self) -> int:
        """Number of stored passages."""
        self._ready()
        try:
            with self._guard("count"):
                return int(self._collection.count())
        except ValueError as exc:
            raise VectorStoreUnavailable(f"Chroma is unavailable: {exc}") from exc

    def generation(self) -> str | None:
        """The change stamp in the collection's metadata, read fresh from Chroma each time.

        The cached collection handle's metadata is a snapshot from when it was opened; another
        host's run changes the stamp on the server, so this asks again.
        """
        from chromadb.errors import NotFoundError

        self._ready()
        try:
            with self._guard("reading the generation"):
                metadata = self._client.get_collection(self._collection_name).metadata or {}
        except NotFoundError:
            # Dropped by another host's --rebuild: reopen (recreate) on the next call, and say
            # "changed" now so readers rebuild from what is there.
            self._stale = True
            return "missing"
        value = metadata.get(META_GENERATION)
        return str(value) if value is not None else None

    def set_generation(self, token: str) -> None:
        """Record ``token`` as the collection's change stamp (other metadata kept)."""
        self._ready()
        with self._guard("writing the generation"):
            collection = self._client.get_collection(self._collection_name)
            # ``modify`` replaces the whole metadata: merge, or the model record would be lost.
            metadata = dict(collection.metadata or {})
            metadata[META_GENERATION] = token
            collection.modify(metadata=metadata)

    def reset(self) -> None:
        """Drop the collection and create it anew, possibly for another embedding model."""
        try:
            with self._guard("dropping the collection"):
                self._client.delete_collection(self._collection_name)
        except VectorStoreUnavailable:
            raise
        except (ValueError, Exception) as exc:  # noqa: BLE001 - NotFoundError differs per client
            log.debug("no collection to drop: %s", exc)
        self._open_collection()
        self._stale = False
