"""Search filters: ``SearchFilters`` compiled once into a Chroma ``where`` and a BM25 row mask.

Dates are ISO 8601; a bare date covers its whole day. Both retrievers apply the same compiled
filter, so dense and lexical candidates obey the same restrictions.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as dtime
from typing import TYPE_CHECKING, Any

from vectorstore.base import (
    META_PUBLISHED_TS,
    META_SOURCE,
    Passage,
    Where,
)
from vectorstore.errors import FootnoteError

if TYPE_CHECKING:
    from bot.engine.models import SearchFilters


log = logging.getLogger(__name__)


class InvalidFilter(FootnoteError):
    """A search filter cannot be understood (e.g. a date that is not ISO 8601)."""


def to_timestamp(value: str, *, end_of_day: bool) -> int:
    """Epoch seconds of an ISO date or datetime; naive values are UTC.

    A bare date covers the whole day: the start of it as a lower bound, its end as an upper one.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, dtime.max if end_of_day else dtime.min, tzinfo=UTC)
            return int(math.floor(moment.timestamp()))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidFilter(f"not an ISO date or datetime: {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(math.floor(moment.timestamp()))


@dataclass(frozen=True, slots=True)
class CompiledFilter:
    """``SearchFilters`` turned into a Chroma ``where`` and the same test for BM25 candidates."""

    sources: frozenset[str] = frozenset()
    after_ts: int | None = None
    before_ts: int | None = None

    @classmethod
    def from_filters(cls, filters: SearchFilters | None) -> CompiledFilter:
        """Compile; raises ``InvalidFilter`` for unreadable dates."""
        if filters is None:
            return cls()
        after = (
            to_timestamp(filters.published_after, end_of_day=False)
            if filters.published_after
            else None
        )
        before = (
            to_timestamp(filters.published_before, end_of_day=True)
            if filters.published_before
            else None
        )
        if after is not None and before is not None and after > before:
            raise InvalidFilter("the 'after' date is later than the 'before' date")
        return cls(frozenset(s for s in filters.sources if s), after, before)

    @property
    def active(self) -> bool:
        """True when anything is restricted."""
        return bool(self.sources) or self.after_ts is not None or self.before_ts is not None

    def where(self) -> Where | None:
        """The Chroma ``where`` clause (None when nothing is restricted)."""
        clauses: list[dict[str, Any]] = []
        if self.sources:
            clauses.append({META_SOURCE: {"$in": sorted(self.sources)}})
        if self.after_ts is not None:
            clauses.append({META_PUBLISHED_TS: {"$gte": self.after_ts}})
        if self.before_ts is not None:
            clauses.append({META_PUBLISHED_TS: {"$lte": self.before_ts}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def passage_timestamp(passage: Passage) -> int | None:
    """Epoch seconds of a passage's publication date (``None`` when unknown or unreadable)."""
    if not passage.published:
        return None
    try:
        return to_timestamp(passage.published, end_of_day=False)
    except InvalidFilter:
        return None
