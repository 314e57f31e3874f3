"""Cutting articles into passages sized in the embedding model's own word pieces.

What gets embedded for a passage is the title, a newline and the text (see ``vectorstore.chroma.
embedding_input``), and all-MiniLM-L6-v2 silently truncates beyond 256 word pieces (CLS and SEP
included). So the passage budget is the configured ``chunk_tokens`` capped by what is left of the
model limit once the (capped) title is in: no embedding input is ever truncated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter

from vectorstore.base import (
    META_ARTICLE_ID,
    META_AUTHOR,
    META_CONTENT_HASH,
    META_INDEX,
    META_LOCATION,
    META_ORIGIN,
    META_PUBLISHED,
    META_PUBLISHED_TS,
    META_SOURCE,
    META_TITLE,
    META_URL,
)
from vectorstore.chroma import embedding_input

if TYPE_CHECKING:
    from ingest.articles import Article
    from vectorstore.embeddings import SentenceTransformerEmbeddings

log = logging.getLogger(__name__)

DEFAULT_MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length, used when no model is given
SPECIAL_TOKENS = 2  # [CLS] and [SEP] count against the model limit
TITLE_MAX_TOKENS = 48  # a longer title is cut so that passages keep most of the budget
MIN_PASSAGE_TOKENS = 32
ELLIPSIS = "…"
# Paragraphs first, then lines, sentences, clauses, words; characters as the last resort.
SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]
_WORD_PIECES = re.compile(r"\w+|[^\w\s]")


def approximate_token_count(text: str) -> int:
    """Words and punctuation marks: a lower bound of word pieces, for fake embeddings only."""
    return len(_WORD_PIECES.findall(text))


class WordPieceCounter:
    """Exact word-piece counts for BERT-style tokenizers, memoised per whitespace word.

    BERT's tokenizer normalises per character and pre-splits on whitespace and punctuation, so
    the pieces of a text are the sum of the pieces of its words. The splitter measures the same
    sentences many times; one batched tokenizer call per article for unseen words and dictionary
    lookups afterwards make measuring many times cheaper than tokenizing every candidate chunk.
    """

    MAX_CACHE = 500_000

    def __init__(self, tokenizer: Any) -> None:
        from tokenizers import Tokenizer

        # A private copy of the Rust tokenizer without the model's padding/truncation to 128,
        # called directly: transformers' per-call wrapper costs more than the tokenizing.
        backend = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
        backend.no_padding()
        backend.no_truncation()
        self._backend = backend
        self._pieces: dict[str, int] = {}

    @staticmethod
    def supports(tokenizer: Any) -> bool:
        """True for fast tokenizers whose pre-tokenizer is BERT's (whitespace + punctuation)."""
        backend = getattr(tokenizer, "backend_tokenizer", None)
        return type(getattr(backend, "pre_tokenizer", None)).__name__ == "BertPreTokenizer"

    def exact(self, text: str) -> int:
        """Word pieces in ``text``, tokenized as a whole (no special tokens)."""
        return len(self._backend.encode(text, add_special_tokens=False))

    def prime(self, text: str) -> None:
        """Tokenize the unseen words of ``text`` in one batched call."""
        pieces = self._pieces
        new = list({word for word in text.split() if word not in pieces})
        if not new:
            return
        if len(pieces) + len(new) > self.MAX_CACHE:
            pieces.clear()
        encoded = self._backend.encode_batch(new, add_special_tokens=False)
        pieces.update(zip(new, map(len, encoded), strict=True))

    def __call__(self, text: str) -> int:
        """Word pieces in ``text`` (no special tokens), summed over its words."""
        pieces = self._pieces
        total = 0
        for word in text.split():
            count = pieces.get(word)
            if count is None:
                self.prime(word)
                count = pieces[word]
            total += count
        return total


def article_content_hash(article: Article) -> str:
    """A hash of everything stored about the article: any change makes it an update."""
    fields = {
        "text": article.text,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "author": article.author,
        "published": article.published,
        "origin": article.origin,
        "location": article.location,
    }
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def passage_key(document: Document) -> str:
    """The passage id used by the indexing API: a hash of its text and metadata.

    Passed as ``key_encoder`` to ``langchain_core.indexing.index`` and used by ``--dry-run``, so
    both agree on what is already stored. Same content, same id: re-writes are idempotent.
    """
    payload = json.dumps(
        {"text": document.page_content, "metadata": document.metadata},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def published_timestamp(published: str | None) -> int | None:
    """Epoch seconds of an ISO 8601 date (naive dates are taken as UTC), or ``None``."""
    if not published:
        return None
    try:
        moment = datetime.fromisoformat(published.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


class PassageSplitter:
    """Split articles into passages with LangChain's recursive splitter, sized in model tokens.

    Args:
        embeddings: The embedding model whose tokenizer and limit size the passages; ``None``
            (fake embeddings in tests) counts words and punctuation against a 256 limit.
        chunk_tokens: Target passage size in word pieces.
        overlap_tokens: Word pieces repeated between neighbouring passages.
        token_counter: Overrides how text is measured (defaults to the model's tokenizer).
    """

    def __init__(
        self,
        embeddings: SentenceTransformerEmbeddings | None,
        chunk_tokens: int,
        overlap_tokens: int,
        token_counter: Callable[[str], int] | None = None,
    ) -> None:
        if chunk_tokens < MIN_PASSAGE_TOKENS:
            raise ValueError(f"chunk_tokens must be at least {MIN_PASSAGE_TOKENS}")
        if not 0 <= overlap_tokens < chunk_tokens:
            raise ValueError("overlap_tokens must be >= 0 and smaller than chunk_tokens")
        self._primer: WordPieceCounter | None = None
        # ``exact_count`` is the final judge of every embedding input; ``count_tokens`` (the same,
        # or a memoised equivalent) sizes the candidate chunks.
        self.exact_count: Callable[[str], int]
        if token_counter is not None:
            self.count_tokens = self.exact_count = token_counter
        elif embeddings is None:
            self.count_tokens = self.exact_count = approximate_token_count
        else:
            tokenizer = embeddings.model.tokenizer
            if WordPieceCounter.supports(tokenizer):
                self._primer = WordPieceCounter(tokenizer)
                # Exact for BERT's pre-tokenizer (tests compare it with the model's tokenizer).
                self.count_tokens = self.exact_count = self._primer
            else:
                self.count_tokens = self.exact_count = embeddings.count_tokens
        self.max_tokens = embeddings.max_tokens if embeddings is not None else DEFAULT_MAX_TOKENS
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = overlap_tokens
        # What one embedding input (title + "\n" + passage) may hold besides [CLS]/[SEP].
        self.input_budget = self.max_tokens - SPECIAL_TOKENS
        self.title_budget = min(TITLE_MAX_TOKENS, self.input_budget - MIN_PASSAGE_TOKENS)
        self._splitters: dict[int, RecursiveCharacterTextSplitter] = {}

    def _splitter(self, size: int) -> RecursiveCharacterTextSplitter:
        splitter = self._splitters.get(size)
        if splitter is None:
            splitter = RecursiveCharacterTextSplitter(
                separators=SEPARATORS,
                keep_separator="end",  # a sentence keeps its full stop
                chunk_size=size,
                chunk_overlap=min(self.overlap_tokens, size // 4),
                length_function=self.count_tokens,
                strip_whitespace=True,
            )
            self._splitters[size] = splitter
        return splitter

    def fit_title(self, title: str) -> str:
        """The title, cut at a word boundary (with an ellipsis) if it exceeds its token budget."""
        title = " ".join(title.split())
        if self.count_tokens(title) <= self.title_budget:
            return title
        words = title.split(" ")
        low, high = 0, len(words)  # longest word prefix that fits, by bisection
        while low < high:
            mid = (low + high + 1) // 2
            if self.count_tokens(" ".join(words[:mid]) + ELLIPSIS) <= self.title_budget:
                low = mid
            else:
                high = mid - 1
        if low == 0:  # one enormous "word": cut characters instead
            cut = title
            while cut and self.count_tokens(cut + ELLIPSIS) > self.title_budget:
                cut = cut[: max(1, len(cut) * 3 // 4)] if len(cut) > 1 else ""
            return cut + ELLIPSIS
        return " ".join(words[:low]) + ELLIPSIS

    def passage_budget(self, title: str) -> int:
        """Word pieces a passage may hold next to this (already fitted) title."""
        title_tokens = self.count_tokens(title) + 1 if title else 0  # +1: the newline, to be safe
        return max(MIN_PASSAGE_TOKENS, min(self.chunk_tokens, self.input_budget - title_tokens))

    def split_text(self, text: str, title: str) -> list[str]:
        """Passages of ``text`` such that the title plus any passage fits the model."""
        budget = self.passage_budget(title)
        passages: list[str] = []
        for piece in self._splitter(budget).split_text(text):
            passages.extend(self._fit(piece, title, budget))
        return [p for p in passages if p.strip()]

    def _fit(self, passage: str, title: str, budget: int) -> list[str]:
        # Token counts of pieces do not always add up to the count of their concatenation (a
        # character-level split, a tokenizer that merges across spaces); check the real input.
        if self.exact_count(embedding_input(passage, {META_TITLE: title})) <= self.input_budget:
            return [passage]
        smaller = max(MIN_PASSAGE_TOKENS // 2, budget * 3 // 4)
        if smaller >= budget:  # cannot shrink further; the character split always terminates
            smaller = budget - 1
        log.debug("re-splitting a passage over the model limit at %d tokens", smaller)
        out: list[str] = []
        for piece in self._splitter(smaller).split_text(passage):
            out.extend(self._fit(piece, title, smaller))
        return out

    def split(self, article: Article) -> list[Document]:
        """The article's passages as LangChain documents with Footnote's metadata.

        ``page_content`` is the passage text; the metadata carries the ``META_*`` keys of
        ``vectorstore.base`` (``None`` values left out: Chroma rejects them).
        """
        if self._primer is not None:
            self._primer.prime(article.title + "\n" + article.text)
        title = self.fit_title(article.title or "")
        base: dict[str, Any] = {
            META_ARTICLE_ID: article.article_id,
            META_TITLE: title,
            META_URL: article.url,
            META_SOURCE: article.source,
            META_AUTHOR: article.author,
            META_PUBLISHED: article.published,
            META_PUBLISHED_TS: published_timestamp(article.published),
            META_ORIGIN: article.origin,
            META_LOCATION: article.location,
            META_CONTENT_HASH: article_content_hash(article),
        }
        base = {key: value for key, value in base.items() if value not in (None, "")}
        return [
            Document(page_content=text, metadata={**base, META_INDEX: index})
            for index, text in enumerate(self.split_text(article.text, title))
        ]
