"""The project's exception hierarchy.

It lives in the lowest package so that ``ingest`` and ``bot`` can raise and catch the same types.
"""

from __future__ import annotations


class FootnoteError(Exception):
    """Expected failure; the message is safe to show users."""


class ConfigError(FootnoteError):
    """The settings are unusable (missing token, bad value); entry points exit with 78."""


class VectorStoreUnavailable(FootnoteError):
    """The Chroma server cannot be reached or the store cannot be opened."""


class EmbeddingModelMismatch(FootnoteError):
    """The collection was built with another embedding model than the configured one."""


class QuestionRejected(FootnoteError):
    """The question is empty, too long or otherwise not answerable as asked."""


class IngestBusy(FootnoteError):
    """Another ingestion run holds the lock."""
