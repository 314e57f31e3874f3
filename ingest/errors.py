"""Errors of the ingestion job (the root type is ``vectorstore.errors.FootnoteError``)."""

from __future__ import annotations

from vectorstore.errors import FootnoteError


class IngestBusy(FootnoteError):
    """Another ingestion run holds the lock."""
