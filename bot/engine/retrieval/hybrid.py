"""Hybrid retrieval: dense (Chroma HNSW) + lexical (BM25 with ``bm25s``), fused by reciprocal rank.

News questions hinge on names and numbers that embeddings blur, and BM25 catches them; the dense
side catches paraphrases. Chroma 1.5's own sparse/hybrid ``Collection.search`` exists only for its
distributed and hosted versions (``SegmentAPI._search`` raises ``NotImplementedError``), so the
lexical index is ours: built from ``store.iter_passages()``, persisted under ``data_dir/bm25/``,
rebuilt when ``ingest-state.json`` announces a new generation, and swapped in atomically so a
reader never sees half an index.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vectorstore.base import (
    META_PUBLISHED_TS,
    META_SOURCE,
    ArticleStore,
    Hit,
    Passage,
    Where,
)
from vectorstore.errors import FootnoteError

if TYPE_CHECKING:
    import bm25s

    from bot.engine.models import SearchFilters

log = logging.getLogger(__name__)

DEFAULT_DENSE_CANDIDATES = 50
DEFAULT_LEXICAL_CANDIDATES = 50
# Tuned on SQuAD dev (see bench/results/eval-retrieval-*.md): a small k trusts the head of each
# list more, and BM25 (names, numbers, rare words) earns a larger weight than the dense side.
DEFAULT_RRF_K = 5
DEFAULT_DENSE_WEIGHT = 1.0
DEFAULT_LEXICAL_WEIGHT = 1.5
DEFAULT_OVER_CAP_DECAY = 0.8
DEFAULT_MAX_PER_ARTICLE = 2
DEFAULT_REFRESH_SECONDS = 3.0
BM25_DIR = "bm25"
_CURRENT_FILE = "current.json"
_META_FILE = "meta.json"
_LOCK_FILE = ".lock"

# Words that carry no topic; the list of bm25s (scikit-learn's English list).
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


class InvalidFilter(FootnoteError):
    """A search filter cannot be understood (e.g. a date that is not ISO 8601)."""


# --------------------------------------------------------------------------------------------
# Tokenization


def _load_stemmer() -> Callable[[list[str]], list[str]] | None:
    try:
        import Stemmer  # PyStemmer, optional: bm25s' recommended stemmer
    except ImportError:
        return None
    stemmer = Stemmer.Stemmer("english")
    return stemmer.stemWords


class Tokenizer:
    """Lower-cased word tokens without English stopwords, stemmed when PyStemmer is installed.

    The same function tokenizes passages and queries; its ``version`` is stored with a persisted
    index so an index built with other rules is rebuilt rather than silently mismatched.
    """

    def __init__(self, *, stem: bool = True) -> None:
        from bm25s.stopwords import STOPWORDS_EN

        self._stopwords = frozenset(STOPWORDS_EN)
        self._stem = _load_stemmer() if stem else None
        self._cache: dict[str, str] = {}
        self.version = f"words-v1-stop-en-{'snowball' if self._stem else 'nostem'}"

    def __call__(self, text: str) -> list[str]:
        """Tokens of ``text``."""
        words = [w for w in _TOKEN_RE.findall(text.lower()) if w not in self._stopwords]
        if self._stem is None:
            return words
        cache = self._cache
        missing = [w for w in set(words) if w not in cache]
        if missing:
            for word, stem in zip(missing, self._stem(missing), strict=True):
                cache[word] = stem
            if len(cache) > 500_000:  # bound memory on huge vocabularies
                cache.clear()
        return [cache.get(w) or w for w in words]


# --------------------------------------------------------------------------------------------
# Filters


def _to_timestamp(value: str, *, end_of_day: bool) -> int:
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
            _to_timestamp(filters.published_after, end_of_day=False)
            if filters.published_after
            else None
        )
        before = (
            _to_timestamp(filters.published_before, end_of_day=True)
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


# --------------------------------------------------------------------------------------------
# The lexical index


@dataclass(frozen=True, slots=True)
class _IndexMeta:
    ids: list[str]
    article_ids: list[str]
    sources: list[str | None]
    published_ts: list[int | None]


@dataclass(eq=False)
class LexicalIndex:
    """An immutable BM25 index over passages (title + text), with the metadata filters need.

    Instances are never modified after construction; a rebuild makes a new one and swaps it in.
    """

    ids: list[str]
    article_ids: list[str]
    sources: list[str | None]
    published_ts: np.ndarray  # float64 epoch seconds, NaN where unknown
    bm25: bm25s.BM25 | None
    tokenizer_version: str
    generation: str | None
    position: dict[str, int] = field(init=False, repr=False)
    newest_ts: float | None = field(init=False, repr=False)
    _source_codes: np.ndarray = field(init=False, repr=False)
    _source_vocab: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.position = {pid: i for i, pid in enumerate(self.ids)}
        finite = self.published_ts[np.isfinite(self.published_ts)]
        self.newest_ts = float(finite.max()) if finite.size else None
        vocab: dict[str, int] = {}
        codes = np.full(len(self.ids), -1, dtype=np.int32)
        for i, source in enumerate(self.sources):
            if source is not None:
                codes[i] = vocab.setdefault(source, len(vocab))
        self._source_codes = codes
        self._source_vocab = vocab

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(
        cls, passages: Iterable[Passage], tokenizer: Tokenizer, generation: str | None
    ) -> LexicalIndex:
        """Tokenize and index ``passages``; metadata comes from each passage."""
        import bm25s

        ids: list[str] = []
        article_ids: list[str] = []
        sources: list[str | None] = []
        stamps: list[float] = []
        tokens: list[list[str]] = []
        for passage in passages:
            ids.append(passage.id)
            article_ids.append(passage.article_id)
            sources.append(passage.source)
            ts = _passage_ts(passage)
            stamps.append(float(ts) if ts is not None else math.nan)
            tokens.append(tokenizer(f"{passage.title}\n{passage.text}"))
        model = None
        if ids:
            model = bm25s.BM25()
            model.index(tokens, show_progress=False)
        return cls(
            ids,
            article_ids,
            sources,
            np.asarray(stamps, dtype=np.float64),
            model,
            tokenizer.version,
            generation,
        )

    def mask(self, compiled: CompiledFilter) -> np.ndarray | None:
        """Boolean array of the documents the filter allows (None: all)."""
        if not compiled.active:
            return None
        allowed = np.ones(len(self.ids), dtype=bool)
        if compiled.sources:
            codes = [self._source_vocab[s] for s in compiled.sources if s in self._source_vocab]
            allowed &= np.isin(self._source_codes, np.asarray(codes, dtype=np.int32))
        if compiled.after_ts is not None:
            with np.errstate(invalid="ignore"):
                allowed &= self.published_ts >= compiled.after_ts
        if compiled.before_ts is not None:
            with np.errstate(invalid="ignore"):
                allowed &= self.published_ts <= compiled.before_ts
        return allowed

    def search(
        self, tokens: Sequence[str], k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` best (row, score) pairs with a positive score among ``allowed`` rows.

        Every document is scored, so a filter never starves the result the way post-filtering a
        fixed top-k would.
        """
        if self.bm25 is None or k <= 0:
            return []
        vocab = self.bm25.vocab_dict
        token_ids = [vocab[t] for t in tokens if t in vocab]
        if not token_ids:
            return []
        scores = self.bm25.get_scores(token_ids)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        positive = int(np.count_nonzero(scores > 0))
        n = min(k, positive)
        if n == 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top]

    # persistence ---------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the index into ``directory`` (which must not be in use)."""
        directory.mkdir(parents=True, exist_ok=True)
        if self.bm25 is not None:
            self.bm25.save(str(directory / "bm25s"), show_progress=False)
        meta = {
            "tokenizer": self.tokenizer_version,
            "generation": self.generation,
            "ids": self.ids,
            "article_ids": self.article_ids,
            "sources": self.sources,
            "published_ts": [None if math.isnan(t) else t for t in self.published_ts.tolist()],
        }
        (directory / _META_FILE).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Read an index written by ``save``; raises ``OSError``/``ValueError`` when unreadable."""
        import bm25s

        meta = json.loads((directory / _META_FILE).read_text(encoding="utf-8"))
        model = None
        if meta["ids"]:
            model = bm25s.BM25.load(str(directory / "bm25s"), show_progress=False, verbosity=0)
        stamps = [math.nan if t is None else float(t) for t in meta["published_ts"]]
        return cls(
            list(meta["ids"]),
            list(meta["article_ids"]),
            list(meta["sources"]),
            np.asarray(stamps, dtype=np.float64),
            model,
            str(meta["tokenizer"]),
            meta.get("generation"),
        )


def _passage_ts(passage: Passage) -> int | None:
    if not passage.published:
        return None
    try:
        return _to_timestamp(passage.published, end_of_day=False)
    except InvalidFilter:
        return None


# --------------------------------------------------------------------------------------------
# Retrievers


def _read_generation(data_dir: Path) -> str | None:
    from ingest.state import read_generation

    return read_generation(data_dir)


class LexicalRetriever:
    """BM25 over the store's passages, kept consistent with the store's generation.

    With a ``data_dir`` the index is persisted under ``data_dir/bm25/`` and rebuilt when
    ``ingest-state.json`` reports a new generation (checked at most every ``refresh_seconds``, on
    a query); without one it is built in memory on first use and rebuilt when the passage count
    changes. Rebuilds happen off to the side: readers keep the previous index until the new one
    is complete, then a single reference assignment swaps it in.
    """

    def __init__(
        self,
        store: ArticleStore,
        *,
        data_dir: Path | None = None,
        tokenizer: Tokenizer | None = None,
        refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
        background_refresh: bool = True,
    ) -> None:
        self.store = store
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.tokenizer = tokenizer or Tokenizer()
        self.refresh_seconds = refresh_seconds
        self.background_refresh = background_refresh
        self._index: LexicalIndex | None = None
        self._signature: object = None
        self._build_lock = threading.Lock()
        self._last_check = 0.0
        self._worker: threading.Thread | None = None

    # public --------------------------------------------------------------------------------

    @property
    def index(self) -> LexicalIndex:
        """The live index (built or loaded on first use; checked for staleness periodically)."""
        index = self._index
        if index is None:
            with self._build_lock:
                if self._index is None:
                    signature = self._current_signature()
                    self._install(self._load_or_build(signature), signature)
                    self._last_check = time.monotonic()
            index = self._index
            assert index is not None
            return index
        now = time.monotonic()
        if now - self._last_check >= self.refresh_seconds:
            self._last_check = now
            signature = self._current_signature()
            if signature != self._signature:
                self._schedule_rebuild(signature)
        return self._index or index

    def refresh(self) -> None:
        """Rebuild the index now (blocking) and swap it in."""
        with self._build_lock:
            signature = self._current_signature()
            self._install(self._build_and_persist(signature), signature)
            self._last_check = time.monotonic()

    def wait_for_refresh(self, timeout: float | None = None) -> None:
        """Block until a background rebuild in progress (if any) has been swapped in."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def retrieve(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        """The ``k`` best passages by BM25 (no per-article cap; see ``HybridRetriever``)."""
        compiled = CompiledFilter.from_filters(filters)
        index = self.index
        rows = index.search(self.tokenizer(query), k, index.mask(compiled))
        return _hits_from_rows(self.store, index, rows, {})

    def search_rows(
        self, query: str, k: int, compiled: CompiledFilter
    ) -> tuple[LexicalIndex, list[tuple[int, float]]]:
        """Ranked (row, score) pairs of the live index; the index is returned with them."""
        index = self.index
        return index, index.search(self.tokenizer(query), k, index.mask(compiled))

    # internals -----------------------------------------------------------------------------

    def _current_signature(self) -> object:
        if self.data_dir is not None:
            generation = _read_generation(self.data_dir)
            if generation is not None:
                return ("generation", generation)
        # No ingest state to follow (a store filled by other means): the passage count is the
        # cheapest change detector the port offers.
        return ("count", self.store.count())

    def _install(self, index: LexicalIndex, signature: object) -> None:
        self._index = index  # one reference assignment: readers see the old or the new index
        self._signature = signature
        log.info("lexical index live: %d passages (%s)", len(index), signature)

    def _schedule_rebuild(self, signature: object) -> None:
        if not self.background_refresh:
            with self._build_lock:
                if signature != self._signature:
                    self._install(self._build_and_persist(signature), signature)
            return
        if self._worker is not None and self._worker.is_alive():
            return

        def rebuild() -> None:
            with self._build_lock:
                current = self._current_signature()
                if current == self._signature:
                    return
                try:
                    self._install(self._build_and_persist(current), current)
                except Exception:  # the old index keeps serving; retried at the next check
                    log.exception("rebuilding the lexical index failed")

        self._worker = threading.Thread(target=rebuild, name="footnote-bm25-rebuild", daemon=True)
        self._worker.start()

    @property
    def _root(self) -> Path | None:
        return self.data_dir / BM25_DIR if self.data_dir is not None else None

    def _load_or_build(self, signature: object) -> LexicalIndex:
        loaded = self._load_persisted(signature)
        if loaded is not None:
            return loaded
        return self._build_and_persist(signature)

    def _load_persisted(self, signature: object) -> LexicalIndex | None:
        root = self._root
        if root is None or not isinstance(signature, tuple) or signature[0] != "generation":
            return None
        try:
            current = json.loads((root / _CURRENT_FILE).read_text(encoding="utf-8"))
            if current.get("generation") != signature[1]:
                return None
            index = LexicalIndex.load(root / str(current["dir"]))
        except (OSError, ValueError, KeyError) as exc:
            log.debug("no usable persisted lexical index: %s", exc)
            return None
        if index.tokenizer_version != self.tokenizer.version:
            return None
        if len(index) != self.store.count():
            # Another collection wrote here, or the store changed without a new generation.
            log.info("persisted lexical index does not match the store; rebuilding")
            return None
        log.info("loaded lexical index: %d passages", len(index))
        return index

    def _build_and_persist(self, signature: object) -> LexicalIndex:
        generation = signature[1] if isinstance(signature, tuple) else None
        root = self._root
        if root is None or not (isinstance(signature, tuple) and signature[0] == "generation"):
            return self._build(generation=None)
        from filelock import FileLock, Timeout

        root.mkdir(parents=True, exist_ok=True)
        try:
            # Another process (the bot, a CLI) may be building the same generation: wait for it
            # and load its result instead of building twice.
            with FileLock(str(root / _LOCK_FILE), timeout=600):
                loaded = self._load_persisted(signature)
                if loaded is not None:
                    return loaded
                index = self._build(generation=str(generation))
                self._persist(root, index)
                return index
        except Timeout:
            log.warning("lexical index lock busy; building in memory only")
            return self._build(generation=str(generation))

    def _build(self, generation: str | None) -> LexicalIndex:
        started = time.perf_counter()
        index = LexicalIndex.build(self.store.iter_passages(), self.tokenizer, generation)
        log.info(
            "built lexical index: %d passages in %.2fs", len(index), time.perf_counter() - started
        )
        return index

    def _persist(self, root: Path, index: LexicalIndex) -> None:
        name = f"idx-{uuid.uuid4().hex[:12]}"
        staging = Path(tempfile.mkdtemp(dir=root, prefix=".build-"))
        try:
            index.save(staging)
            os.replace(staging, root / name)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            log.warning("could not persist the lexical index under %s", root, exc_info=True)
            return
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".current-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"dir": name, "generation": index.generation}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, root / _CURRENT_FILE)
        for old in root.iterdir():
            if old.name != name and old.is_dir() and old.name.startswith(("idx-", ".build-")):
                # Readers load an index fully into memory, so removing old files is safe; a
                # loader racing with this falls back to building.
                shutil.rmtree(old, ignore_errors=True)


def _hits_from_rows(
    store: ArticleStore,
    index: LexicalIndex,
    rows: Sequence[tuple[int, float]],
    known: dict[str, Passage],
) -> list[Hit]:
    """Hits for index rows, fetching the passages the caller does not already hold."""
    ids = [index.ids[row] for row, _ in rows]
    missing = [pid for pid in ids if pid not in known]
    fetched = {p.id: p for p in store.get(missing)} if missing else {}
    hits = []
    for pid, (_, score) in zip(ids, rows, strict=True):
        passage = known.get(pid) or fetched.get(pid)
        if passage is not None:  # deleted since the index was built: skip
            hits.append(Hit(passage, score))
    return hits


class DenseRetriever:
    """Nearest passages by embedding (Chroma's HNSW, cosine)."""

    def __init__(self, store: ArticleStore) -> None:
        self.store = store

    def embed(self, query: str) -> list[float]:
        """The query embedding, with the store's own model."""
        embeddings = getattr(self.store, "embeddings", None)
        if embeddings is None:
            raise TypeError("the store exposes no `embeddings` to embed queries with")
        return list(embeddings.embed_query(query))

    def retrieve(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        """The ``k`` nearest passages under ``filters``."""
        compiled = CompiledFilter.from_filters(filters)
        return self.search_vector(self.embed(query), k, compiled)

    def search_vector(self, vector: Sequence[float], k: int, compiled: CompiledFilter) -> list[Hit]:
        """Dense search with a precomputed query vector."""
        if k <= 0:
            return []
        return self.store.search_by_vector(vector, k=k, where=compiled.where())


@dataclass(frozen=True, slots=True)
class _Ranked:
    """Candidate lists of one query, before fusion and the per-article cap."""

    dense: list[Hit]
    lexical_rows: list[tuple[int, float]]
    index: LexicalIndex


class HybridRetriever:
    """Dense + BM25 fused with weighted reciprocal rank fusion, then diversified per article.

    ``score = dense_weight / (rrf_k + dense_rank) + lexical_weight / (rrf_k + lexical_rank)``;
    a passage missing from one list gets nothing from it. With ``prefer_recent`` the fused score
    is multiplied by ``1 + recency_weight * 0.5 ** (age_days / recency_half_life_days)``, the age
    counted back from the newest article in the corpus.

    Diversity is a soft per-article cap: an article's first ``max_per_article`` passages keep
    their score, each further one is multiplied by ``over_cap_decay`` once more (0.8, 0.64, ...)
    before the final sort, so one long article gives way to other articles without hiding a
    clearly better passage of its own (a hard cap cost 5 points of Hits@5 on SQuAD). With
    ``over_cap_decay=0`` the extra passages go behind every other candidate; they are never
    dropped, so a narrow filter still fills ``k``.
    """

    def __init__(
        self,
        store: ArticleStore,
        *,
        data_dir: Path | None = None,
        dense_candidates: int = DEFAULT_DENSE_CANDIDATES,
        lexical_candidates: int = DEFAULT_LEXICAL_CANDIDATES,
        rrf_k: int = DEFAULT_RRF_K,
        dense_weight: float = DEFAULT_DENSE_WEIGHT,
        lexical_weight: float = DEFAULT_LEXICAL_WEIGHT,
        max_per_article: int | None = DEFAULT_MAX_PER_ARTICLE,
        over_cap_decay: float = DEFAULT_OVER_CAP_DECAY,
        recency_weight: float = 0.3,
        recency_half_life_days: float = 30.0,
        refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
        background_refresh: bool = True,
        tokenizer: Tokenizer | None = None,
    ) -> None:
        if max_per_article is not None and max_per_article < 1:
            raise ValueError("max_per_article must be at least 1 (or None for no cap)")
        if not 0.0 <= over_cap_decay <= 1.0:
            raise ValueError("over_cap_decay must be within [0, 1]")
        self.store = store
        self.dense = DenseRetriever(store)
        self.lexical = LexicalRetriever(
            store,
            data_dir=data_dir,
            tokenizer=tokenizer,
            refresh_seconds=refresh_seconds,
            background_refresh=background_refresh,
        )
        self.dense_candidates = dense_candidates
        self.lexical_candidates = lexical_candidates
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.max_per_article = max_per_article
        self.over_cap_decay = over_cap_decay
        self.recency_weight = recency_weight
        self.recency_half_life_days = recency_half_life_days

    # Retriever protocol -------------------------------------------------------------------

    def retrieve(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        """The ``k`` best passages for ``query``; ``Hit.score`` is the fused score."""
        return self.retrieve_modes(query, k, filters, modes=("hybrid",))["hybrid"]

    def retrieve_dense(
        self, query: str, k: int = 10, filters: SearchFilters | None = None
    ) -> list[Hit]:
        """Dense only (cosine similarity scores), with the same filters and per-article cap."""
        return self.retrieve_modes(query, k, filters, modes=("dense",))["dense"]

    def retrieve_lexical(
        self, query: str, k: int = 10, filters: SearchFilters | None = None
    ) -> list[Hit]:
        """BM25 only (BM25 scores), with the same filters and per-article cap."""
        return self.retrieve_modes(query, k, filters, modes=("bm25",))["bm25"]

    def refresh(self) -> None:
        """Rebuild the lexical index now."""
        self.lexical.refresh()

    def retrieve_modes(
        self,
        query: str,
        k: int = 10,
        filters: SearchFilters | None = None,
        *,
        modes: Sequence[str] = ("hybrid", "dense", "bm25"),
    ) -> dict[str, list[Hit]]:
        """Several rankings of one query sharing one embedding and one BM25 pass (for eval).

        ``modes`` names any of ``hybrid``, ``dense`` and ``bm25``.
        """
        unknown = set(modes) - {"hybrid", "dense", "bm25"}
        if unknown:
            raise ValueError(f"unknown retrieval modes: {sorted(unknown)}")
        compiled = CompiledFilter.from_filters(filters)
        prefer_recent = bool(filters and filters.prefer_recent)
        need_dense = "hybrid" in modes or "dense" in modes
        need_lexical = "hybrid" in modes or "bm25" in modes
        # The cap may push passages out; fetch enough that k distinct-enough ones remain.
        depth_dense = max(self.dense_candidates, 2 * k) if "hybrid" in modes else 2 * k
        depth_lexical = max(self.lexical_candidates, 2 * k) if "hybrid" in modes else 2 * k
        if "dense" in modes:
            depth_dense = max(depth_dense, 3 * k)
        if "bm25" in modes:
            depth_lexical = max(depth_lexical, 3 * k)
        dense: list[Hit] = []
        if need_dense:
            dense = self.dense.search_vector(self.dense.embed(query), depth_dense, compiled)
        index, rows = (
            self.lexical.search_rows(query, depth_lexical, compiled)
            if need_lexical
            else (self.lexical.index, [])
        )
        ranked = _Ranked(dense, rows, index)
        out: dict[str, list[Hit]] = {}
        known = {hit.passage.id: hit.passage for hit in dense}
        for mode in modes:
            if mode == "dense":
                scored = [(h.passage.id, h.score) for h in dense]
            elif mode == "bm25":
                scored = [(index.ids[row], score) for row, score in rows]
            else:
                scored = self._fuse(ranked)
            if prefer_recent:
                scored = self._boost_recent(scored, ranked)
            out[mode] = self._finish(scored, k, ranked, known)
        return out

    # internals ---------------------------------------------------------------------------

    def _fuse(self, ranked: _Ranked) -> list[tuple[str, float]]:
        fused: dict[str, float] = {}
        for rank, hit in enumerate(ranked.dense, start=1):
            fused[hit.passage.id] = self.dense_weight / (self.rrf_k + rank)
        for rank, (row, _) in enumerate(ranked.lexical_rows, start=1):
            pid = ranked.index.ids[row]
            fused[pid] = fused.get(pid, 0.0) + self.lexical_weight / (self.rrf_k + rank)
        return sorted(fused.items(), key=lambda item: item[1], reverse=True)

    def _boost_recent(
        self, scored: list[tuple[str, float]], ranked: _Ranked
    ) -> list[tuple[str, float]]:
        index = ranked.index
        dense_ts = {h.passage.id: _passage_ts(h.passage) for h in ranked.dense}
        stamps = []
        for pid, _ in scored:
            row = index.position.get(pid)
            ts: float | None = None
            if row is not None and math.isfinite(index.published_ts[row]):
                ts = float(index.published_ts[row])
            elif dense_ts.get(pid) is not None:
                ts = float(dense_ts[pid])  # type: ignore[arg-type]
            stamps.append(ts)
        known = [t for t in stamps if t is not None]
        if not known:
            return scored
        newest = max([*known, index.newest_ts or -math.inf])
        boosted = []
        for (pid, score), ts in zip(scored, stamps, strict=True):
            if ts is not None:
                age_days = max(0.0, (newest - ts) / 86400.0)
                factor = 1.0 + self.recency_weight * 0.5 ** (age_days / self.recency_half_life_days)
                # BM25 and cosine scores can be negative or zero; boost by magnitude.
                score = score * factor if score > 0 else score / factor
            boosted.append((pid, score))
        boosted.sort(key=lambda item: item[1], reverse=True)
        return boosted

    def _article_of(self, pid: str, ranked: _Ranked, known: dict[str, Passage]) -> str:
        passage = known.get(pid)
        if passage is not None:
            return passage.article_id
        row = ranked.index.position.get(pid)
        return ranked.index.article_ids[row] if row is not None else pid

    def _diversify(
        self,
        scored: list[tuple[str, float]],
        ranked: _Ranked,
        known: dict[str, Passage],
        cap: int,
    ) -> list[tuple[str, float]]:
        decay = self.over_cap_decay
        first: list[tuple[str, float]] = []
        overflow: list[tuple[str, float]] = []
        per_article: dict[str, int] = {}
        for pid, score in scored:
            article = self._article_of(pid, ranked, known)
            seen = per_article.get(article, 0)
            per_article[article] = seen + 1
            if seen < cap:
                first.append((pid, score))
            elif decay == 0.0:
                overflow.append((pid, score))
            else:
                factor = decay ** (seen + 1 - cap)
                first.append((pid, score * factor if score > 0 else score / factor))
        first.sort(key=lambda item: item[1], reverse=True)  # stable: ties keep their order
        return first + overflow

    def _finish(
        self,
        scored: list[tuple[str, float]],
        k: int,
        ranked: _Ranked,
        known: dict[str, Passage],
    ) -> list[Hit]:
        if k <= 0:
            return []
        ordered = scored
        if self.max_per_article is not None:
            ordered = self._diversify(scored, ranked, known, self.max_per_article)
        # A few spare candidates cover passages deleted since the lexical index was built.
        head = ordered[: k + 5]
        missing = [pid for pid, _ in head if pid not in known]
        fetched = {p.id: p for p in self.store.get(missing)} if missing else {}
        hits = []
        for pid, score in head:
            passage = known.get(pid) or fetched.get(pid)
            if passage is not None:
                hits.append(Hit(passage, score))
            if len(hits) == k:
                break
        return hits
