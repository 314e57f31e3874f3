"""The one place that wires Footnote together; entry points (CLI, bot) call ``build_services``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from bot.config import BotSettings
    from bot.engine.answering import AnswerService
    from bot.engine.models import Retriever
    from vectorstore.base import ArticleStore

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything an entry point needs, built once per process."""

    settings: BotSettings
    store: ArticleStore
    retriever: Retriever
    answers: AnswerService
    catalog: Any  # bot.engine.catalog.Catalog


CONFIGURED: Literal["configured"] = "configured"


def build_services(
    settings: BotSettings,
    llm: BaseChatModel | None | Literal["configured"] = CONFIGURED,
    *,
    answer_only: bool = False,
) -> Services:
    """Open the store, load the embedding model once, build retriever, answerer and catalog.

    ``llm`` is the chat model when the caller already made it (to check the settings before
    anything slow); by default it is made here from the settings. ``answer_only`` callers never
    ingest, so the embeddings may use the light encoder (``vectorstore.bert``): seconds less
    to start.

    Raises:
        ConfigError: The LLM settings are unusable (unknown provider, missing package).
        VectorStoreUnavailable: Chroma cannot be opened or reached.
        EmbeddingModelMismatch: The collection was built with another embedding model.
    """
    from bot.engine.answering import AnswerService
    from bot.engine.catalog import Catalog
    from bot.engine.extractive import ExtractiveAnswerer
    from bot.engine.llm import make_chat_model
    from bot.engine.retrieval import HybridRetriever
    from vectorstore.chroma import ChromaArticleStore
    from vectorstore.embeddings import SentenceTransformerEmbeddings

    chat_model = make_chat_model(settings) if isinstance(llm, str) else llm  # config errors first
    store = ChromaArticleStore.from_settings(
        settings, SentenceTransformerEmbeddings.from_settings(settings, light=answer_only)
    )
    retriever = HybridRetriever(store, data_dir=settings.data_dir)
    answers = AnswerService.from_settings(
        settings, retriever, llm=chat_model, fallback=ExtractiveAnswerer.for_store(store)
    )
    catalog = Catalog(store, settings.data_dir)
    log.info(
        "services ready: collection=%s answerer=%s top_k=%d",
        settings.collection,
        answers.answerer_name,
        settings.top_k,
    )
    return Services(settings, store, retriever, answers, catalog)
