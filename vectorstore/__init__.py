"""Footnote's vector store: one small interface (``ArticleStore``) over Chroma, and the embeddings.

The lowest room: it imports nothing of ``ingest`` or ``bot``. ``errors`` holds the root
``FootnoteError`` that every layer's errors derive from.
"""

from vectorstore.base import ArticleStore, Hit, Passage
from vectorstore.config import StoreSettings
from vectorstore.errors import (
    EmbeddingModelMismatch,
    FootnoteError,
    VectorStoreUnavailable,
)

__all__ = [
    "ArticleStore",
    "EmbeddingModelMismatch",
    "FootnoteError",
    "Hit",
    "Passage",
    "StoreSettings",
    "VectorStoreUnavailable",
]


def open_store(settings: StoreSettings | None = None) -> ArticleStore:
    """Open the configured store (imports Chroma and the model lazily: both are slow to import)."""
    from vectorstore.chroma import ChromaArticleStore

    return ChromaArticleStore.from_settings(settings or StoreSettings())
