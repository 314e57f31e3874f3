"""Errors of the answer engine (the root type is ``vectorstore.errors.FootnoteError``)."""

from __future__ import annotations

from vectorstore.errors import FootnoteError


class QuestionRejected(FootnoteError):
    """The question is empty, too long or otherwise not answerable as asked."""
