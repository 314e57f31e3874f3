"""What loaders produce: articles, and per-item failures that the run reports and survives."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Article:
    """One article read from a source, before it is split into passages.

    ``article_id`` is stable for the same item across runs (derived from its URL, or its path and
    position), never from its content, so an edited article replaces its old passages.
    """

    article_id: str
    text: str
    title: str
    origin: str  # the source spec it came from: a directory, file, feed, sitemap or page URL
    location: str  # the file path or page URL it was read from
    url: str | None = None
    source: str | None = None  # publisher / site name
    author: str | None = None
    published: str | None = None  # ISO 8601, with time where the source gives one


@dataclass(frozen=True, slots=True)
class LoadFailure:
    """An item that could not be read; the rest of the run goes on.

    ``fatal`` means the whole source could not be listed (feed down, directory missing): its
    previously ingested articles are then kept rather than treated as removed.
    """

    item: str
    reason: str
    origin: str
    fatal: bool = False

    def __str__(self) -> str:
        return f"{self.item}: {self.reason}"
