"""Retrieval: ranked passages for a question.

Dense (``dense``), lexical BM25 (``lexical``), their fusion (``hybrid``) and the filters both
obey (``filters``).

This room may use ``vectorstore`` and ``ingest.state`` (to follow the ingest generation); it never
imports the Discord adapter or the CLI.
"""

from bot.engine.retrieval.dense import DenseRetriever
from bot.engine.retrieval.filters import CompiledFilter, InvalidFilter
from bot.engine.retrieval.hybrid import HybridRetriever
from bot.engine.retrieval.lexical import LexicalIndex, LexicalRetriever, Tokenizer

__all__ = [
    "CompiledFilter",
    "DenseRetriever",
    "HybridRetriever",
    "InvalidFilter",
    "LexicalIndex",
    "LexicalRetriever",
    "Tokenizer",
]
