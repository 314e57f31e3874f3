"""An in-memory ``ArticleStore`` for fast unit tests (no Chroma, any LangChain ``Embeddings``)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import InMemoryVectorStore

from vectorstore.base import META_TITLE, Hit, Passage, Where
from vectorstore.chroma import embedding_input
from vectorstore.sentences import (
    PassageVectors,
    has_sentence_vectors,
    passage_vectors,
    with_sentence_vectors,
)

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": operator.eq,
    "$ne": operator.ne,
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
    "$in": lambda value, options: value in options,
    "$nin": lambda value, options: value not in options,
}


def matches(metadata: Mapping[str, Any], where: Where) -> bool:
    """Evaluate the subset of Chroma's ``where`` syntax that Footnote uses."""
    for key, condition in where.items():
        if key == "$and":
            if not all(matches(metadata, sub) for sub in condition):
                return False
        elif key == "$or":
            if not any(matches(metadata, sub) for sub in condition):
                return False
        elif isinstance(condition, Mapping):
            for op, operand in condition.items():
                value = metadata.get(key)
                if value is None or not _OPS[op](value, operand):
                    return False
        elif metadata.get(key) != condition:
            return False
    return True


class _TitledInMemory(InMemoryVectorStore):
    """Embeds title + text like the Chroma store, so tests see the same behaviour."""

    def add_documents(
        self, documents: list[Document], ids: list[str] | None = None, **kw: Any
    ) -> list[str]:
        ids = ids or [str(d.id) for d in documents]
        vectors = self.embedding.embed_documents(
            [embedding_input(d.page_content, d.metadata) for d in documents]
        )
        metas = with_sentence_vectors(
            [d.page_content for d in documents],
            [dict(d.metadata) for d in documents],
            self.embedding.embed_documents,
            META_TITLE,
        )
        for doc_id, doc, vector, meta in zip(ids, documents, vectors, metas, strict=True):
            self.store[doc_id] = {
                "id": doc_id,
                "vector": vector,
                "text": doc.page_content,
                "metadata": meta,
            }
        return ids


class InMemoryArticleStore:
    """``ArticleStore`` kept in a dict; same semantics as ``ChromaArticleStore``."""

    def __init__(self, embeddings: Embeddings, model_name: str = "fake") -> None:
        self._embeddings = embeddings
        self._model_name = model_name
        self._lc = _TitledInMemory(embeddings)

    @property
    def embedding_model(self) -> str:
        """Name of the embedding model."""
        return self._model_name

    @property
    def embeddings(self) -> Embeddings:
        """The embedding function."""
        return self._embeddings

    def as_langchain(self) -> InMemoryVectorStore:
        """The LangChain vector store, for LangChain's indexing API."""
        return self._lc

    def _passage(self, record: Mapping[str, Any]) -> Passage:
        return Passage.from_record(record["id"], record["text"], record["metadata"])

    def search(self, query: str, k: int = 4, where: Where | None = None) -> list[Hit]:
        """Dense search."""
        return self.search_by_vector(self._embeddings.embed_query(query), k=k, where=where)

    def search_by_vector(
        self, vector: Sequence[float], k: int = 4, where: Where | None = None
    ) -> list[Hit]:
        """Dense search with a precomputed query vector."""
        import numpy as np

        query = np.asarray(vector, dtype=float)
        scored = []
        for record in self._lc.store.values():
            if where and not matches(record["metadata"], where):
                continue
            doc = np.asarray(record["vector"], dtype=float)
            denom = float(np.linalg.norm(query) * np.linalg.norm(doc)) or 1.0
            scored.append((float(query @ doc) / denom, record))
        scored.sort(key=lambda pair: pair[0], reverse=True)
        return [Hit(self._passage(r), s) for s, r in scored[:k]]

    def get(self, ids: Sequence[str]) -> list[Passage]:
        """Passages by id, in the order asked."""
        return [self._passage(self._lc.store[i]) for i in ids if i in self._lc.store]

    def find(self, where: Where, limit: int | None = None) -> list[Passage]:
        """Passages whose metadata matches ``where``."""
        found = [self._passage(r) for r in self._lc.store.values() if matches(r["metadata"], where)]
        return found[:limit] if limit is not None else found

    def iter_passages(self, batch_size: int = 1000) -> Iterator[Passage]:
        """Every stored passage."""
        yield from (self._passage(r) for r in list(self._lc.store.values()))

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored complete (with current sentence vectors)."""
        store = self._lc.store
        return {i for i in ids if i in store and has_sentence_vectors(store[i]["metadata"])}

    def passage_vectors(self, ids: Sequence[str]) -> dict[str, PassageVectors]:
        """Each stored passage's embedding and sentence vectors."""
        store = self._lc.store
        return {
            i: passage_vectors(i, store[i]["text"], store[i]["vector"], store[i]["metadata"])
            for i in ids
            if i in store
        }

    def delete(self, ids: Sequence[str]) -> None:
        """Delete passages by id; unknown ids are ignored."""
        for i in ids:
            self._lc.store.pop(i, None)

    def count(self) -> int:
        """Number of stored passages."""
        return len(self._lc.store)

    def reset(self) -> None:
        """Drop every passage."""
        self._lc.store.clear()
