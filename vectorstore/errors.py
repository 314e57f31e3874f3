"""The root of the project's exceptions, and the store's own.

``FootnoteError`` lives in the lowest package so that ``ingest`` and ``bot`` raise and catch one
root type; errors that belong to one layer live in that layer (``ingest.errors``,
``bot.engine.errors``).
"""

from __future__ import annotations


class FootnoteError(Exception):
    """Expected failure; the message is safe to show users."""


class ConfigError(FootnoteError):
    """The settings are unusable (missing token, bad value); entry points exit with 78."""


class VectorStoreUnavailable(FootnoteError):
    """The Chroma server cannot be reached or the store cannot be opened."""


class EmbeddingModelMismatch(ConfigError):
    """The collection was built with another embedding model than the configured one.

    A configuration error (exit 78 from every command): the fix is a setting
    (``FOOTNOTE_EMBEDDING_MODEL``) or ``footnote-ingest --rebuild``, not a retry.
    """
