"""Values the answer engine returns; the Discord adapter and the CLIs only render them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from vectorstore.base import Hit, Passage


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Restrictions on what retrieval may return."""

    sources: tuple[str, ...] = ()  # publisher names (``source`` metadata); empty: any
    published_after: str | None = None  # ISO date or datetime, inclusive
    published_before: str | None = None  # ISO date or datetime, inclusive
    prefer_recent: bool = False


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of a conversation (a Discord thread, a ``footnote chat`` session)."""

    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class Citation:
    """A checked citation: ``[n]`` names ``passage`` and ``quote`` is an exact substring of it."""

    n: int
    passage: Passage
    quote: str


@dataclass(frozen=True, slots=True)
class Answer:
    """The final answer to one question."""

    question: str  # as the user asked it
    standalone_question: str  # after follow-up rewriting; what retrieval saw
    text: str  # with [n] markers; on abstention a plain "the corpus does not say" message
    abstained: bool
    citations: tuple[Citation, ...] = ()
    sources: tuple[Hit, ...] = ()  # the passages retrieved (closest sources on abstention)
    answerer: str = "extractive"  # "extractive" or the LLM's name
    notice: str | None = None  # e.g. "the LLM failed, answered extractively"
    extra: dict[str, object] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class AnswerDelta:
    """A piece of answer text while it streams (before citations are checked)."""

    text: str


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """An article as listed by ``/source`` and autocomplete."""

    article_id: str
    title: str
    url: str | None = None
    source: str | None = None
    published: str | None = None
    author: str | None = None  # the byline as stored (``about_article.byline`` reads names)


class Retriever(Protocol):
    """Ranked passages for a query (hybrid in production, anything in tests)."""

    def retrieve(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        """The ``k`` best passages for ``query`` under ``filters``."""
        ...


class Answerer(Protocol):
    """What the bot and the CLI need from the answer engine."""

    def answer(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
    ) -> Answer:
        """Answer a question (follow-ups are rewritten with ``history``)."""
        ...

    def stream(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
    ) -> Iterator[AnswerDelta | Answer]:
        """Yield text deltas as they are generated, then exactly one final ``Answer``."""
        ...

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        """Ranked passages for a query, without answering."""
        ...
