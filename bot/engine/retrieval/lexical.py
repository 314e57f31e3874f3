"""The lexical side of retrieval: BM25 (``bm25s``) over publisher, site, title and text, persisted.

News questions hinge on names and numbers that embeddings blur, and BM25 catches them. Chroma
1.5's own sparse/hybrid ``Collection.search`` exists only for its distributed and hosted versions
(``SegmentAPI._search`` raises ``NotImplementedError``), so the lexical index is ours: built from
``store.iter_passages()``, persisted under ``data_dir/bm25/``, rebuilt when ``ingest-state.json``
announces a new generation, and swapped in atomically so a reader never sees half an index.
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
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import numpy as np
from breame.spelling import get_american_spelling

from bot.engine.retrieval.filters import CompiledFilter, passage_timestamp
from bot.engine.spelling import is_english_form, is_english_word, with_case_of
from vectorstore.base import (
    ArticleStore,
    Hit,
    Passage,
    store_generation,
)

if TYPE_CHECKING:
    import bm25s

    from bot.engine.models import SearchFilters


log = logging.getLogger(__name__)

DEFAULT_REFRESH_SECONDS = 3.0
BM25_DIR = "bm25"
_CURRENT_FILE = "current.json"
_META_FILE = "meta.json"
_LOCK_FILE = ".lock"

# Words that carry no topic; the list of bm25s (scikit-learn's English list).
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
_HYPHENATED = re.compile(r"(?<![\w-])[a-z]+(?:-[a-z]+)+(?![\w-])")  # "wi-fi", "neo-banks"
# A plain word, possessive aside ("stadai's"); not part of a hyphenated or digit-bearing token.
_ALPHA_WORD = re.compile(r"(?<![\w'’-])[A-Za-z]+(?=['’]s\b|(?![\w'’-]))")


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

    British spellings are read as American ones ("centre" as "center", breame's word list), so
    a question matches a story whichever side of the Atlantic either was written on. The same
    function tokenizes passages and queries; its ``version`` is stored with a persisted index so
    an index built with other rules is rebuilt rather than silently mismatched.
    """

    def __init__(self, *, stem: bool = True) -> None:
        from bm25s.stopwords import STOPWORDS_EN

        self._stopwords = frozenset(STOPWORDS_EN)
        self._stem = _load_stemmer() if stem else None
        self._cache: dict[str, str] = {}
        self.version = f"words-v2-us-stop-en-{'snowball' if self._stem else 'nostem'}"

    def __call__(self, text: str) -> list[str]:
        """Tokens of ``text``."""
        words = [w for w in _TOKEN_RE.findall(text.lower()) if w not in self._stopwords]
        if self._stem is None:
            return [get_american_spelling(w) for w in words]
        cache = self._cache
        missing = [w for w in set(words) if w not in cache]
        if missing:
            american = [get_american_spelling(w) for w in missing]
            for word, stem in zip(missing, self._stem(american), strict=True):
                cache[word] = stem
            if len(cache) > 500_000:  # bound memory on huge vocabularies
                cache.clear()
        return [cache.get(w) or w for w in words]

    def stems(self, words: Sequence[str]) -> list[str]:
        """The stems of ``words`` (the words themselves without a stemmer)."""
        american = [get_american_spelling(w) for w in words]
        return list(self._stem(american)) if self._stem is not None and american else american

    def query_tokens(self, text: str, document_frequency: Callable[[str], int]) -> list[str]:
        """Tokens of a question, a misspelt word read as the indexed word one edit away.

        People type questions fast ("resturant", "finsihed"); BM25 then loses exactly the rare
        word that mattered. A word of ``MIN_TYPO_LENGTH`` letters or more whose stem no document
        holds is read as the indexed word one edit away (``nearest_indexed``); with none, it
        stays as it was, or is read as two indexed words written closed ("neobanks" for
        "neo-banks", ``split_compound``). A hyphenated word also counts written closed when a
        story writes it so ("wi-fi" finds "wifi"). (``correct_spelling`` reads typos in the
        question's text the same way, for the reader; this catches, for BM25 only, English
        words no article uses.)
        """
        words = [w for w in _TOKEN_RE.findall(text.lower()) if w not in self._stopwords]
        tokens = self(" ".join(words))
        out = []
        for word, token in zip(words, tokens, strict=True):
            if document_frequency(token) or len(word) < MIN_TYPO_LENGTH or not word.isalpha():
                out.append(token)
                continue
            better = self.nearest_indexed(word, document_frequency)
            if better is not None:
                out.append(self.stems([better])[0])
            else:
                out.extend(self.split_compound(word, document_frequency) or [token])
        for compound in _HYPHENATED.findall(text.lower()):
            closed = self(compound.replace("-", ""))
            if closed and document_frequency(closed[0]):
                out.extend(closed)
        return out

    def split_compound(self, word: str, document_frequency: Callable[[str], int]) -> list[str]:
        """The tokens of ``word`` read as two indexed words written closed, or ``[]``.

        A story may write "neo-banks" and a question "neobanks" (or a story "heard" and a
        question "overheard"): the closed word is indexed nowhere, its halves are. Each half is
        an English word of three letters or more; of several splits, the one whose rarer half
        most documents hold.
        """
        best: tuple[int, list[str]] | None = None
        for cut in range(MIN_PART_LENGTH, len(word) - MIN_PART_LENGTH + 1):
            halves = (word[:cut], word[cut:])
            parts = self(" ".join(halves))
            if len(parts) != 2 or not all(map(is_english_word, halves)):
                continue
            frequency = min(document_frequency(part) for part in parts)
            if frequency and (best is None or frequency > best[0]):
                best = (frequency, parts)
        return best[1] if best is not None else []

    def nearest_indexed(self, word: str, document_frequency: Callable[[str], int]) -> str | None:
        """The word one edit from ``word`` that the index holds, or ``None``.

        The likeliest typos come first: two letters swapped or one left out ("talbe" is "table",
        not "talk"); among those, the variant whose stem most documents hold. A variant must read
        as a word: English, or a name the stemmer leaves whole ("stadia"), not "talke" -> "talk".
        """
        edits = _one_edit(word)
        variants = sorted(v for v in edits if v not in self._stopwords)
        best: tuple[int, int, str] | None = None
        for variant, stem in zip(variants, self.stems(variants), strict=True):
            frequency = document_frequency(stem)
            if not frequency or (stem != variant and not is_english_word(variant)):
                continue
            key = (-edits[variant], frequency, variant)
            if best is None or key[:2] > best[:2]:
                best = key
        return best[2] if best is not None else None

    def misspelt(self, word: str, document_frequency: Callable[[str], int]) -> bool:
        """Whether ``word`` reads as a typo here: no document holds it and English has no such word.

        "bouhgt" and "weowrk" are typos; "severance" is not, though no article says it (a
        question about something the articles don't cover must not be read as another one).
        """
        lower = word.lower()
        if len(lower) < MIN_TYPO_LENGTH or not lower.isalpha() or lower in self._stopwords:
            return False
        if document_frequency(self.stems([lower])[0]):
            return False
        return not is_english_form(lower)


MIN_TYPO_LENGTH = 5
MIN_PART_LENGTH = 3  # letters in each half of a compound written closed
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _one_edit(word: str) -> dict[str, int]:
    """Every string one edit from ``word``, with how unlikely that typo is (0 likeliest).

    Typing swaps two letters or leaves one out more often than it hits a wrong key or adds one.
    """
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits: dict[str, int] = {}
    for cost, variants in (
        (1, (a + c + b[1:] for a, b in splits if b for c in _LETTERS)),  # a wrong key
        (1, (a + b[1:] for a, b in splits if b)),  # a letter added
        (0, (a + c + b for a, b in splits for c in _LETTERS)),  # a letter left out
        (0, (a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)),  # two swapped
    ):
        for variant in variants:
            edits[variant] = cost
    edits.pop(word, None)
    return edits


# --------------------------------------------------------------------------------------------
# What a passage is indexed as

# Bumped whenever ``indexed_text`` changes, so persisted indexes of the old text are rebuilt.
INDEXED_FIELDS = "site-title-text"
_SITE_NOISE = frozenset({"www", "m", "amp", "news", "blog", "blogs", "edition"})


def site_name(url: str | None) -> str:
    """The site a page is on, as people name it: ``https://www.wsj.com/x`` -> ``wsj``."""
    host = (urlparse(url or "").hostname or "").lower()
    labels = [label for label in host.split(".") if label and label not in _SITE_NOISE]
    if len(labels) >= 3 and len(labels[-2]) <= 3 and len(labels[-1]) == 2:
        labels = labels[:-1]  # bbc.co.uk: "co" is part of the suffix
    return labels[-2] if len(labels) >= 2 else (labels[0] if labels else "")


def indexed_text(passage: Passage) -> str:
    """What BM25 indexes for a passage: publisher and site, title, text.

    People refer to a story by where it ran ("that wired piece on neo-banks", "the wsj gaming
    piece"); the publisher's name and the site's name make those words find it.
    """
    where = " ".join(x for x in (passage.source, site_name(passage.url)) if x)
    return "\n".join(x for x in (where, passage.title, passage.text) if x)


def index_version(tokenizer: Tokenizer) -> str:
    """The tokenizer's version and the indexed fields' (kept with a persisted index)."""
    return f"{tokenizer.version}+{INDEXED_FIELDS}"


# --------------------------------------------------------------------------------------------
# The lexical index


@dataclass(eq=False)
class LexicalIndex:
    """An immutable BM25 index over passages (``indexed_text``), with the metadata filters need.

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
            ts = passage_timestamp(passage)
            stamps.append(float(ts) if ts is not None else math.nan)
            tokens.append(tokenizer(indexed_text(passage)))
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
            index_version(tokenizer),
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
        return top_rows(self.scores(tokens, allowed), k)

    def scores(self, tokens: Sequence[str], allowed: np.ndarray | None = None) -> np.ndarray | None:
        """BM25 scores of every document (0 where ``allowed`` is False); None: no known token."""
        if self.bm25 is None:
            return None
        vocab = self.bm25.vocab_dict
        token_ids = [vocab[t] for t in tokens if t in vocab]
        if not token_ids:
            return None
        scores = np.asarray(self.bm25.get_scores(token_ids), dtype=np.float64)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        return scores

    def document_frequency(self, token: str) -> int:
        """How many documents hold ``token``.

        Read from the index itself: its score matrix is stored column by token, so a token's
        document frequency is the length of its column.
        """
        if self.bm25 is None:
            return 0
        column = self.bm25.vocab_dict.get(token)
        indptr = self.bm25.scores.get("indptr")
        if column is None or indptr is None or column + 1 >= len(indptr):
            return 0
        return int(indptr[column + 1] - indptr[column])

    def idf(self, tokens: Sequence[str]) -> dict[str, float]:
        """BM25's inverse document frequency of each token (unknown ones: in no document)."""
        n = len(self.ids)
        return {
            token: math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            for token in set(tokens)
            for df in (self.document_frequency(token),)
        }

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


def top_rows(scores: np.ndarray | None, k: int) -> list[tuple[int, float]]:
    """The ``k`` best (row, score) pairs with a positive score, best first."""
    if scores is None or k <= 0:
        return []
    positive = int(np.count_nonzero(scores > 0))
    n = min(k, positive)
    if n == 0:
        return []
    top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(i), float(scores[i])) for i in top]


@dataclass(frozen=True, slots=True)
class LexicalSearch:
    """One query's BM25 pass: the top rows, the query's tokens and every document's score."""

    index: LexicalIndex
    rows: list[tuple[int, float]]
    tokens: list[str]
    scores: np.ndarray | None  # None: no query token is in the index

    def score_of(self, passage_id: str) -> float:
        """The BM25 score of one passage (0 when unscored or not in the index)."""
        row = self.index.position.get(passage_id)
        if self.scores is None or row is None:
            return 0.0
        return float(self.scores[row])


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
        tokens = self.tokenizer.query_tokens(query, index.document_frequency)
        rows = index.search(tokens, k, index.mask(compiled))
        return _hits_from_rows(self.store, index, rows, {})

    def correct_spelling(self, text: str) -> str:
        """``text`` with each misspelt word replaced by the indexed word one edit away.

        Read before retrieval and reading alike: the reader weighs a question's words against
        each sentence, and one typo ("how much did wework pay when it bouhgt meetup") leaves the
        word that matters unseen, so it refuses questions the articles answer.
        """
        index = self.index
        frequency = index.document_frequency

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            if not self.tokenizer.misspelt(word, frequency):
                return word
            better = self.tokenizer.nearest_indexed(word.lower(), frequency)
            if better is None:
                return word
            log.debug("read %r as %r", word, better)
            return with_case_of(word, better)

        return _ALPHA_WORD.sub(fix, text)

    def search_rows(
        self, query: str, k: int, compiled: CompiledFilter
    ) -> tuple[LexicalIndex, list[tuple[int, float]]]:
        """Ranked (row, score) pairs of the live index; the index is returned with them."""
        index = self.index
        tokens = self.tokenizer.query_tokens(query, index.document_frequency)
        return index, index.search(tokens, k, index.mask(compiled))

    def search_all(self, query: str, k: int, compiled: CompiledFilter) -> LexicalSearch:
        """The ``k`` best rows plus every document's score (for reranking), in one BM25 pass."""
        index = self.index
        tokens = self.tokenizer.query_tokens(query, index.document_frequency)
        scores = index.scores(tokens, index.mask(compiled))
        return LexicalSearch(index, top_rows(scores, k), tokens, scores)

    # internals -----------------------------------------------------------------------------

    def _current_signature(self) -> object:
        stamp = store_generation(self.store)  # the store's own: every host sees every host's runs
        if stamp is not None:
            return ("generation", stamp)
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
        if index.tokenizer_version != index_version(self.tokenizer):
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
