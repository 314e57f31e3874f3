"""The dense side of retrieval: nearest passages by embedding (Chroma HNSW, cosine)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.engine.retrieval.filters import CompiledFilter
from vectorstore.base import (
    ArticleStore,
    Hit,
)

if TYPE_CHECKING:
    from bot.engine.models import SearchFilters


class DenseRetriever:
    """Nearest passages by embedding (Chroma's HNSW, cosine)."""

    def __init__(self, store: ArticleStore) -> None:
        self.store = store

    def embed(self, query: str) -> list[float]:
        """The query embedding, with the store's own model."""
        embeddings = getattr(self.store, "embeddings", None)
        if embeddings is None:
            raise TypeError("the store exposes no `embeddings` to embed queries with")
        return list(embeddings.embed_query(query))

    def retrieve(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        """The ``k`` nearest passages under ``filters``."""
        compiled = CompiledFilter.from_filters(filters)
        return self.search_vector(self.embed(query), k, compiled)

    def search_vector(self, vector: Sequence[float], k: int, compiled: CompiledFilter) -> list[Hit]:
        """Dense search with a precomputed query vector."""
        if k <= 0:
            return []
        return self.store.search_by_vector(vector, k=k, where=compiled.where())
