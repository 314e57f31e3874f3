"""What the corpus holds: articles, passages, sources, the last run and the embedding model."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.state import read_state

if TYPE_CHECKING:
    from ingest.config import IngestSettings
    from vectorstore.base import ArticleStore


@dataclass(frozen=True, slots=True)
class CorpusStatus:
    """A snapshot of the corpus, printed by ``footnote-ingest --status``."""

    articles: int
    passages: int
    sources: tuple[tuple[str, int], ...]  # (origin, articles), most articles first
    last_run: dict[str, Any] | None  # the state written by the last ingestion (ingest/state.py)
    embedding_model: str
    store: str  # "embedded <path>" or "server host:port"

    def as_json(self) -> dict[str, Any]:
        """The contract of ``footnote-ingest --status --json``."""
        return {
            "articles": self.articles,
            "passages": self.passages,
            "sources": [{"origin": origin, "articles": n} for origin, n in self.sources],
            "last_run": self.last_run,
            "embedding_model": self.embedding_model,
            "store": self.store,
        }


def corpus_status(settings: IngestSettings, store: ArticleStore | None = None) -> CorpusStatus:
    """Count what the store holds (one pass over the passages' metadata).

    Args:
        settings: Where the store and the state file are.
        store: An open store (default: the configured Chroma store, opened here).

    Raises:
        VectorStoreUnavailable: The store cannot be reached.
    """
    from vectorstore.client import describe_store, summarize_collection

    state = read_state(settings.data_dir) if Path(settings.data_dir).is_dir() else {}
    if store is None:
        # Counting needs no embedding model: read the metadata through a bare Chroma client,
        # and create nothing where there is no store yet.
        summary = summarize_collection(settings)
        return CorpusStatus(
            articles=summary.articles,
            passages=summary.passages,
            sources=summary.articles_per_origin,
            last_run=state or None,
            embedding_model=summary.embedding_model or settings.embedding_model,
            store=describe_store(settings),
        )
    article_origin: dict[str, str] = {}
    passages = 0
    for passage in store.iter_passages():
        passages += 1
        article_origin.setdefault(passage.article_id, passage.origin or "(unknown)")
    per_source = Counter(article_origin.values())
    return CorpusStatus(
        articles=len(article_origin),
        passages=passages,
        sources=tuple(sorted(per_source.items(), key=lambda item: (-item[1], item[0]))),
        last_run=state or None,
        embedding_model=store.embedding_model,
        store=describe_store(settings),
    )
