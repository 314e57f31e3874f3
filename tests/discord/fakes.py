"""Small fakes of the bot's collaborators (answer engine, catalog, ingestion, status)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.engine.models import Answer, AnswerDelta, ArticleRef, Citation, SearchFilters, Turn
from ingest.report import IngestProgress, IngestReport
from ingest.status import CorpusStatus
from vectorstore.base import Hit, Passage


def passage(
    article_id: str,
    index: int,
    text: str,
    *,
    title: str,
    source: str = "Harbour Gazette",
    url: str | None = None,
    published: str = "2026-03-02",
) -> Passage:
    return Passage(
        id=f"{article_id}:{index}",
        article_id=article_id,
        index=index,
        text=text,
        title=title,
        url=url or f"https://news.example/{article_id}",
        source=source,
        published=published,
    )


BRIDGE_0 = passage(
    "bridge",
    0,
    "The harbour bridge repair cost 4.2 million euros. Work finished in March.",
    title="Harbour bridge reopens",
)
BRIDGE_1 = passage(
    "bridge",
    1,
    "The council said the bridge would carry trams again from April.",
    title="Harbour bridge reopens",
)
LIBRARY_0 = passage(
    "library",
    0,
    "The city library extended its opening hours to 9 pm on weekdays.",
    title="Library opens late",
    source="City Courier",
    published="2026-02-10",
)
PASSAGES = [BRIDGE_0, BRIDGE_1, LIBRARY_0]


def cited_answer(question: str, *, notice: str | None = None, answerer: str = "fake") -> Answer:
    quote = "The harbour bridge repair cost 4.2 million euros."
    return Answer(
        question=question,
        standalone_question=question,
        text="The repair cost 4.2 million euros [1], and trams return in April [2].",
        abstained=False,
        citations=(
            Citation(1, BRIDGE_0, quote),
            Citation(
                2, BRIDGE_1, "The council said the bridge would carry trams again from April."
            ),
        ),
        sources=(Hit(BRIDGE_0, 0.9), Hit(BRIDGE_1, 0.8)),
        answerer=answerer,
        notice=notice,
    )


def abstention(question: str) -> Answer:
    return Answer(
        question=question,
        standalone_question=question,
        text="The articles I have do not say.",
        abstained=True,
        sources=(Hit(LIBRARY_0, 0.2), Hit(BRIDGE_0, 0.1)),
    )


class FakeClock:
    """Advances by ``step`` each time it is read (the cog reads it once per delta)."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        value = self.now
        self.now += self.step
        return value


@dataclass
class Call:
    question: str
    history: tuple[Turn, ...]
    filters: SearchFilters | None
    thread: str


@dataclass
class FakeAnswerer:
    """Streams a scripted answer word by word; records how it was called."""

    respond: Callable[[str], Answer] = cited_answer
    chunk_words: int = 1
    error: BaseException | None = None
    gate: threading.Event | None = None  # when set, the stream blocks until the test opens it
    pause_after: int | None = None  # deltas yielded before waiting for ``resume``
    resume: threading.Event = field(default_factory=threading.Event)
    calls: list[Call] = field(default_factory=list)

    def stream(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
    ) -> Iterator[AnswerDelta | Answer]:
        self.calls.append(Call(question, tuple(history), filters, threading.current_thread().name))
        if self.gate is not None and not self.gate.wait(timeout=20):
            raise TimeoutError("the test never opened the gate")
        if self.error is not None:
            raise self.error
        answer = self.respond(question)
        words = answer.text.split(" ")
        for n, i in enumerate(range(0, len(words), self.chunk_words)):
            if n == self.pause_after and not self.resume.wait(timeout=20):
                raise TimeoutError("the test never resumed the stream")
            yield AnswerDelta(" ".join(words[i : i + self.chunk_words]) + " ")
        yield answer

    def answer(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
    ) -> Answer:
        return self.respond(question)

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        return []


class FakeCatalog:
    def __init__(self, passages: Sequence[Passage] = PASSAGES) -> None:
        self._passages = list(passages)

    def _refs(self) -> list[ArticleRef]:
        seen: dict[str, ArticleRef] = {}
        for p in self._passages:
            seen.setdefault(
                p.article_id, ArticleRef(p.article_id, p.title, p.url, p.source, p.published)
            )
        return list(seen.values())

    def publishers(self) -> list[str]:
        return sorted({p.source for p in self._passages if p.source})

    def search_titles(self, text: str, limit: int = 25) -> list[ArticleRef]:
        words = text.casefold().split()
        return [r for r in self._refs() if all(w in r.title.casefold() for w in words)][:limit]

    def article(self, article_id: str) -> ArticleRef | None:
        return next((r for r in self._refs() if r.article_id == article_id), None)

    def passages(self, article_id: str) -> list[Passage]:
        return [p for p in self._passages if p.article_id == article_id]

    def passage(self, passage_id: str) -> Passage | None:
        return next((p for p in self._passages if p.id == passage_id), None)

    def article_count(self) -> int:
        return len(self._refs())


class FakeIngest:
    """An ingestion that reports progress, then waits for ``release`` (when ``gated``)."""

    def __init__(self, *, gated: bool = False) -> None:
        self.release = threading.Event()
        if not gated:
            self.release.set()
        self.calls: list[tuple[list[str] | None, str]] = []

    def __call__(
        self,
        sources: Sequence[str] | None,
        on_progress: Callable[[IngestProgress], None] | None,
    ) -> IngestReport:
        self.calls.append((list(sources) if sources else None, threading.current_thread().name))
        if on_progress:
            on_progress(IngestProgress(1, 3, 4, "examples/corpus/bridge.html"))
        if not self.release.wait(timeout=20):
            raise TimeoutError("the test never released the ingestion")
        if on_progress:
            on_progress(IngestProgress(4, 12, 4, None))
        return IngestReport(added=2, updated=1, skipped=1, deleted=0, seconds=0.5)


def corpus_status(last_run: dict[str, Any] | None = None) -> CorpusStatus:
    """What ``ingest.status.corpus_status`` returns for this small corpus."""
    return CorpusStatus(
        articles=2,
        passages=3,
        sources=(("examples/corpus", 2),),
        last_run=last_run,
        embedding_model="sentence-transformers/all-MiniLM-L6-v2",
        store="embedded data/chroma",
    )
