"""Loaders: turn one source (local path, web page, RSS/Atom feed, sitemap) into articles.

May use ``ingest.articles``, ``ingest.extraction``, ``ingest.fetch``, ``ingest.sources`` and
``vectorstore.errors`` (and ``ingest.config`` for type hints); never ``bot``. Start at
:mod:`ingest.loaders.dispatch`.
"""

from __future__ import annotations

from ingest.loaders.common import LoadError, SourceKind, html_to_text
from ingest.loaders.dispatch import is_authoritative, iter_source, source_kind
from ingest.loaders.files import FORMATS

__all__ = [
    "FORMATS",
    "LoadError",
    "SourceKind",
    "html_to_text",
    "is_authoritative",
    "iter_source",
    "source_kind",
]
