"""What ``/source``, autocomplete and ``/status`` need to know about the corpus, over the store.

The article list is one scan of the store's passages, cached and rescanned when the ingest
generation changes (or, without a data dir, when the passage count changes). Passages themselves
are always read from the store, so they are never stale.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bot.engine.models import ArticleRef
from vectorstore.base import META_ARTICLE_ID, ArticleStore, Passage

log = logging.getLogger(__name__)

DEFAULT_REFRESH_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class _Snapshot:
    signature: object
    articles: dict[str, ArticleRef]
    publishers: tuple[str, ...]
    # (lower-cased title, article) pairs, newest first: the order for ties in title search
    by_recency: tuple[tuple[str, ArticleRef], ...]


def _ref(passage: Passage) -> ArticleRef:
    return ArticleRef(
        article_id=passage.article_id,
        title=passage.title or passage.article_id,
        url=passage.url,
        source=passage.source,
        published=passage.published,
        author=passage.author,
    )


class Catalog:
    """Articles, publishers and passages of the corpus, for listings and lookups."""

    def __init__(
        self,
        store: ArticleStore,
        data_dir: Path | None = None,
        *,
        refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
    ) -> None:
        self.store = store
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.refresh_seconds = refresh_seconds
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()
        self._last_check = 0.0

    # public --------------------------------------------------------------------------------

    def publishers(self) -> list[str]:
        """Distinct publisher names (``source`` metadata), sorted case-insensitively."""
        return list(self._current().publishers)

    def search_titles(self, text: str, limit: int = 25) -> list[ArticleRef]:
        """Articles whose title (or id) matches ``text``, best matches first.

        Case-insensitive; a title equal to the text ranks first, then titles starting with it,
        then titles with a word starting with it, then any substring. Ties and an empty ``text``
        list the newest articles first.
        """
        if limit <= 0:
            return []
        snapshot = self._current()
        needle = " ".join(text.lower().split())
        if not needle:
            return [ref for _, ref in snapshot.by_recency[:limit]]
        tiers: list[list[ArticleRef]] = [[], [], [], []]
        for title, ref in snapshot.by_recency:
            if title == needle:
                tiers[0].append(ref)
            elif title.startswith(needle):
                tiers[1].append(ref)
            elif f" {needle}" in title:
                tiers[2].append(ref)
            elif needle in title or needle in ref.article_id.lower():
                tiers[3].append(ref)
        return [ref for tier in tiers for ref in tier][:limit]

    def article(self, article_id: str) -> ArticleRef | None:
        """One article, or None when the corpus has no such article."""
        ref = self._current().articles.get(article_id)
        if ref is not None:
            return ref
        # Ingested since the last scan? The store knows.
        found = self.store.find({META_ARTICLE_ID: article_id}, limit=1)
        return _ref(found[0]) if found else None

    def passages(self, article_id: str) -> list[Passage]:
        """All passages of an article, in reading order (empty for an unknown article)."""
        found = self.store.find({META_ARTICLE_ID: article_id})
        return sorted(found, key=lambda p: (p.index, p.id))

    def passage(self, passage_id: str) -> Passage | None:
        """One passage by id, or None."""
        found = self.store.get([passage_id])
        return found[0] if found else None

    def article_count(self) -> int:
        """Number of distinct articles."""
        return len(self._current().articles)

    def refresh(self) -> None:
        """Rescan the store now."""
        with self._lock:
            self._snapshot = self._scan(self._signature())
            self._last_check = time.monotonic()

    # internals -----------------------------------------------------------------------------

    def _signature(self) -> object:
        if self.data_dir is not None:
            from ingest.state import read_generation

            generation = read_generation(self.data_dir)
            if generation is not None:
                return ("generation", generation)
        return ("count", self.store.count())

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is None:
            with self._lock:
                if self._snapshot is None:
                    self._snapshot = self._scan(self._signature())
                    self._last_check = time.monotonic()
                return self._snapshot
        if time.monotonic() - self._last_check < self.refresh_seconds:
            return snapshot
        # One thread rescans; the others keep answering from the previous snapshot meanwhile.
        if not self._lock.acquire(blocking=False):
            return snapshot
        try:
            self._last_check = time.monotonic()
            signature = self._signature()
            if signature != snapshot.signature:
                self._snapshot = self._scan(signature)
            return self._snapshot or snapshot
        finally:
            self._lock.release()

    def _scan(self, signature: object) -> _Snapshot:
        started = time.perf_counter()
        articles: dict[str, ArticleRef] = {}
        first_index: dict[str, int] = {}
        for passage in self.store.iter_passages():
            seen = first_index.get(passage.article_id)
            # Every passage carries its article's metadata; prefer the first passage's.
            if seen is None or passage.index < seen:
                articles[passage.article_id] = _ref(passage)
                first_index[passage.article_id] = passage.index
        publishers = sorted(
            {ref.source for ref in articles.values() if ref.source},
            key=lambda s: (s.casefold(), s),
        )
        # Newest first; among equal (or missing) dates, alphabetical (sorts are stable).
        by_title = sorted(articles.values(), key=lambda ref: (ref.title.casefold(), ref.article_id))
        by_recency = sorted(by_title, key=lambda ref: ref.published or "", reverse=True)
        by_recency_pairs = tuple((" ".join(ref.title.lower().split()), ref) for ref in by_recency)
        log.info(
            "catalog: %d articles, %d publishers in %.2fs",
            len(articles),
            len(publishers),
            time.perf_counter() - started,
        )
        return _Snapshot(signature, articles, tuple(publishers), by_recency_pairs)
