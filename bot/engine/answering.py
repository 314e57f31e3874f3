"""The answer engine: question in, checked and cited ``Answer`` out. Never imports discord.

``AnswerService`` rewrites a follow-up into a standalone question, splits a two-part question,
retrieves passages, and either asks the chat model for the short answer and checks it by reading
(``bot.engine.llm_reader``), or composes an extractive answer (``bot.engine.extractive``).
An answer with no valid citation is never presented: the reply abstains and lists the closest
sources. A failing LLM never reaches the user: the extractive answerer takes over and
``Answer.notice`` says so.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Generator, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from bot.engine.about_article import (
    ArticleFact,
    answer_about_article,
    article_query,
    asked_field,
)
from bot.engine.asked import as_meant
from bot.engine.decompose import split_question
from bot.engine.errors import QuestionRejected
from bot.engine.extractive import ExtractiveAnswerer, ExtractiveResult
from bot.engine.followup import rewrite_question, split_context
from bot.engine.llm import model_name
from bot.engine.llm_reader import LLMReader, LLMVerdict
from bot.engine.models import Answer, AnswerDelta, Citation, SearchFilters, Turn
from bot.engine.prompts import (
    ABSTENTION_WITH_SOURCES,
    LLM_FAILED_NOTICE,
    NO_SOURCES_TEXT,
    NOT_SAID_PREFIX,
    WHICH_ARTICLE_TEXT,
)
from vectorstore.base import META_ARTICLE_ID, META_INDEX, Hit, Passage

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel

    from bot.config import BotSettings
    from bot.engine.models import Retriever

log = logging.getLogger(__name__)

DEFAULT_TOP_K = 6
# A part of a two-part question the model refused, or whose answer its check denied, is read by
# the reader instead (``AnswerService._read_part``).
_PART_FALLBACK = frozenset({"model-refused", "unconfirmed"})


_QUOTED = re.compile(r"“([^”]{12,})”")


def read_typos(text: str, retriever: Retriever) -> str:
    """``text`` with typos read as the corpus's words, where the retriever can tell them."""
    correct = getattr(retriever, "correct_spelling", None)
    return correct(text) if callable(correct) else text


def searched_for(question: str, retriever: Retriever) -> str:
    """The text the service searches for a standalone ``question`` (evaluations search it too).

    The question read as meant (chat framing off, shorthand written out) and its typos read as
    the corpus's words.
    """
    return read_typos(as_meant(" ".join(question.split())), retriever)


def quoted_before(history: Sequence[Turn]) -> list[str]:
    """The sentences the last answer of the conversation quoted (a follow-up wants new ones)."""
    for turn in reversed(history):
        if turn.role == "assistant":
            return _QUOTED.findall(turn.content)
    return []


_Result = TypeVar("_Result")
_MARKER = re.compile(r"\[(\d+)\]")
_CITED_QUOTE = re.compile(r"“.*” \[\d+\]$")
EXTRACTIVE_NAME = ExtractiveAnswerer.name


def _quote_of(line: str) -> str:
    """The quoted, cited part of an answer line (after any short answer that leads it)."""
    match = _CITED_QUOTE.search(line)
    return match.group() if match else line


def _renumber(text: str, numbers: dict[int, int]) -> str:
    """``text`` with each citation marker ``[n]`` replaced by ``[numbers[n]]``."""
    return _MARKER.sub(lambda m: f"[{numbers[int(m.group(1))]}]", text)


def _appearance_order(text: str) -> dict[int, int]:
    """Citation numbers renumbered 1..m by first appearance in ``text``, as answers are."""
    order: dict[int, int] = {}
    for m in _MARKER.finditer(text):
        order.setdefault(int(m.group(1)), len(order) + 1)
    return order


def _by_appearance(texts: Sequence[str]) -> list[str]:
    """``texts`` (lines of one answer) with citations numbered by first appearance over all."""
    order = _appearance_order("\n".join(texts))
    return [_renumber(t, order) for t in texts]


def _result_of(generation: Generator[AnswerDelta, None, _Result]) -> _Result:
    """What ``generation`` returns, run to its end (its deltas are not wanted here)."""
    while True:
        try:
            next(generation)
        except StopIteration as stop:
            return stop.value


def _merge(part_hits: Sequence[Sequence[Hit]]) -> list[Hit]:
    """The passages of every part, each once, interleaved so each part's best come first."""
    merged: dict[str, Hit] = {}
    for rank in range(max((len(h) for h in part_hits), default=0)):
        for own in part_hits:
            if rank < len(own):
                merged.setdefault(own[rank].passage.id, own[rank])
    return list(merged.values())


class AnswerService:
    """Answers questions over the corpus with checked citations (implements ``Answerer``)."""

    def __init__(
        self,
        retriever: Retriever,
        *,
        llm: BaseChatModel | None = None,
        top_k: int = DEFAULT_TOP_K,
        fallback: ExtractiveAnswerer | None = None,
        max_question_chars: int = 500,
        embeddings: Embeddings | None = None,
        llm_rewrites_followups: bool = False,
        llm_checks_answers: bool = True,
    ) -> None:
        """Wire the engine.

        Args:
            retriever: Ranked passages for a query (``HybridRetriever`` in production).
            llm: A LangChain chat model; ``None`` answers extractively.
            top_k: Passages shown to the model / read by the extractive answerer.
            fallback: The extractive answerer (built with ``embeddings`` and the retriever's
                stored sentence vectors when not given).
            max_question_chars: Longer questions are rejected.
            embeddings: The store's embeddings, for the extractive answerer's similarity feature.
            llm_rewrites_followups: The model, not the rule, makes a follow-up standalone.
            llm_checks_answers: A second, one-token model call confirms an answer's quote
                states it (``LLMReader.confirms``).
        """
        self._retriever = retriever
        self._llm = llm
        self._llm_rewrites_followups = llm_rewrites_followups
        self._top_k = top_k
        # The retriever's store keeps each passage's sentence vectors: the reader reads them.
        stored = getattr(getattr(retriever, "store", None), "passage_vectors", None)
        self._extractive = fallback or ExtractiveAnswerer(
            embeddings, stored_vectors=stored if callable(stored) else None
        )
        self._llm_reader = (
            LLMReader(llm, self._extractive, check_answers=llm_checks_answers)
            if llm is not None
            else None
        )
        self._max_chars = max_question_chars

    @classmethod
    def from_settings(
        cls,
        settings: BotSettings,
        retriever: Retriever,
        *,
        llm: BaseChatModel | None,
        fallback: ExtractiveAnswerer | None = None,
    ) -> AnswerService:
        """The service as ``settings`` configure it: the bot, the CLI and the evaluations alike.

        One place reads the answering settings, so what an evaluation measures is what the bot
        runs.
        """
        return cls(
            retriever,
            llm=llm,
            top_k=settings.top_k,
            fallback=fallback,
            max_question_chars=settings.max_question_chars,
            llm_rewrites_followups=settings.llm_rewrite_followups,
            llm_checks_answers=settings.llm_check_answers,
        )

    @property
    def answerer_name(self) -> str:
        """``extractive`` or the chat model's name."""
        return model_name(self._llm) if self._llm is not None else ExtractiveAnswerer.name

    @property
    def extractive(self) -> ExtractiveAnswerer:
        """The built-in reader (the answerer without an LLM, the LLM path's second reader)."""
        return self._extractive

    @property
    def retriever(self) -> Retriever:
        """The retriever this service reads from."""
        return self._retriever

    # --- Answerer protocol -----------------------------------------------------------------

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        """Ranked passages for ``query``, without answering.

        Raises:
            QuestionRejected: The query is empty or too long.
            VectorStoreUnavailable: Chroma cannot be reached.
        """
        query = searched_for(self._validate(query), self._retriever)
        return self._retriever.retrieve(query, k=k, filters=filters)

    def answer(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
    ) -> Answer:
        """Answer a question (follow-ups are rewritten with ``history``).

        Raises:
            QuestionRejected: The question is empty or too long.
            VectorStoreUnavailable: Chroma cannot be reached.
        """
        for item in self._run(question, history, filters, streaming=False):
            if isinstance(item, Answer):
                return item
        raise AssertionError("the answer loop ended without an Answer")  # pragma: no cover

    def stream(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
    ) -> Iterator[AnswerDelta | Answer]:
        """Yield text deltas as they are generated, then exactly one final ``Answer``.

        The final text may differ from the concatenated deltas (citations that fail the check are
        removed, an unsupported answer becomes an abstention): consumers replace what they showed.
        """
        yield from self._run(question, history, filters, streaming=True)

    # --- internals -------------------------------------------------------------------------

    def _validate(self, question: str) -> str:
        text = " ".join((question or "").split())
        if not text:
            raise QuestionRejected("Please ask a question (the message was empty).")
        if len(text) > self._max_chars:
            raise QuestionRejected(
                f"Questions are limited to {self._max_chars} characters (yours has {len(text)})."
            )
        return text

    def _run(
        self,
        question: str,
        history: Sequence[Turn],
        filters: SearchFilters | None,
        *,
        streaming: bool,
    ) -> Iterator[AnswerDelta | Answer]:
        started = time.perf_counter()
        asked = self._validate(question)
        meant = as_meant(asked)
        # Earlier questions lend their words to a follow-up: without their chat framing.
        history = [Turn(t.role, as_meant(t.content)) if t.role == "user" else t for t in history]
        rewriter = self._llm if self._llm_rewrites_followups else None
        standalone = rewrite_question(meant, history, llm=rewriter) if history else meant
        standalone = read_typos(standalone, self._retriever)
        # A question asking for two things is retrieved (and read) part by part.
        parts = split_question(standalone) if not history else [standalone]
        # "who wrote that wired piece?": the byline, not a name from the text (no model needed),
        # found by the words naming the article; the question is searched whole only when no
        # article's metadata answers it.
        fact = None
        field = asked_field(standalone) if len(parts) == 1 else None
        about = article_query(standalone) if field is not None else ""
        hits: list[Hit] = []
        part_hits: list[list[Hit]] = []
        if about:
            hits = self._retriever.retrieve(about, k=self._top_k, filters=filters)
            fact = answer_about_article(standalone, hits, self._opening_passage, field=field)
        if fact is None and (field is None or about):
            part_hits = [self._retriever.retrieve(p, k=self._top_k, filters=filters) for p in parts]
            hits = _merge(part_hits)
        retrieved = time.perf_counter()
        answer: Answer | None = None
        streamed = False
        if field is not None and not about:
            # "who wrote the article?" with no thread to say which: asking beats guessing.
            answer = Answer(
                question=asked,
                standalone_question=standalone,
                text=WHICH_ARTICLE_TEXT,
                abstained=True,
                answerer=EXTRACTIVE_NAME,
                extra={"article_field": field},
            )
        elif fact is not None:
            answer = self._article_answer(asked, standalone, hits, fact)
        elif not hits:
            answer = Answer(
                question=asked,
                standalone_question=standalone,
                text=NO_SOURCES_TEXT,
                abstained=True,
                answerer=self.answerer_name,
            )
        elif self._llm is not None and len(parts) > 1:
            # Each part costs a model call (or two): what is read is shown while the next runs.
            reading = self._read_parts(asked, standalone, parts, part_hits, None, use_llm=True)
            while True:
                try:
                    delta = next(reading)
                except StopIteration as stop:
                    answer = stop.value
                    break
                if streaming:
                    streamed = True
                    yield delta
        elif self._llm is not None:
            generation = self._llm_answer(asked, standalone, hits, streaming=streaming)
            while True:
                try:
                    delta = next(generation)
                except StopIteration as stop:
                    answer = stop.value
                    break
                streamed = True
                yield delta
        if answer is None:  # no LLM, or it failed
            failed = self._llm is not None
            notice = LLM_FAILED_NOTICE if failed else None
            if len(parts) > 1:
                answer = _result_of(self._read_parts(asked, standalone, parts, part_hits, notice))
            else:
                answer = self._extractive_answer(
                    asked, standalone, hits, notice=notice, avoid=quoted_before(history)
                )
        if streaming and not streamed:  # read whole (or refused): the text comes at once
            yield AnswerDelta(answer.text)
        # Timings ride along for evaluation (answer time after retrieval is the reader's own).
        answer.extra["retrieval_seconds"] = round(retrieved - started, 4)
        answer.extra["after_retrieval_seconds"] = round(time.perf_counter() - retrieved, 4)
        log.info(
            "answered q_len=%d hits=%d abstained=%s citations=%d answerer=%s "
            "retrieval=%.3fs total=%.3fs",
            len(asked),
            len(hits),
            answer.abstained,
            len(answer.citations),
            answer.answerer,
            retrieved - started,
            time.perf_counter() - started,
        )
        yield answer

    def _abstention(
        self, asked: str, standalone: str, hits: Sequence[Hit], answerer: str, **extra: object
    ) -> Answer:
        return Answer(
            question=asked,
            standalone_question=standalone,
            text=ABSTENTION_WITH_SOURCES,
            abstained=True,
            sources=tuple(hits),
            answerer=answerer,
            notice=extra.pop("notice", None),  # type: ignore[arg-type]
            extra=dict(extra),
        )

    def _article_answer(
        self, asked: str, standalone: str, hits: Sequence[Hit], fact: ArticleFact
    ) -> Answer:
        """The answer about an article (its byline, date, outlet or gist), or that it is unknown."""
        extra: dict[str, object] = {"article_field": fact.field}
        cited = fact.citation.passage
        if all(h.passage.id != cited.id for h in hits):  # the opening passage, read from the store
            hits = [Hit(cited, hits[0].score if hits else 0.0), *hits]
        if fact.short_answer:
            extra["short_answer"] = fact.short_answer
        return Answer(
            question=asked,
            standalone_question=standalone,
            text=fact.text,
            abstained=fact.abstained,
            citations=() if fact.abstained else (fact.citation,),
            sources=tuple(hits),
            answerer=EXTRACTIVE_NAME,
            extra=extra,
        )

    def _opening_passage(self, article_id: str) -> Passage | None:
        """An article's first passage, read from the retriever's store (``None``: unavailable)."""
        find = getattr(getattr(self._retriever, "store", None), "find", None)
        if not callable(find):
            return None
        try:
            found = find({"$and": [{META_ARTICLE_ID: article_id}, {META_INDEX: 0}]}, limit=1)
        except Exception:  # noqa: BLE001 - the earliest retrieved passage serves instead
            log.warning("could not read the opening passage of %s", article_id, exc_info=True)
            return None
        return found[0] if found else None

    def _extractive_answer(
        self,
        asked: str,
        standalone: str,
        hits: Sequence[Hit],
        *,
        notice: str | None,
        avoid: Sequence[str] = (),
    ) -> Answer:
        result = self._extractive.compose(standalone, hits, avoid=avoid)
        extra: dict[str, object] = {"support": round(result.support, 4)}
        return self._from_reading(
            result, asked, standalone, hits, EXTRACTIVE_NAME, notice=notice, extra=extra
        )

    def _from_reading(
        self,
        reading: ExtractiveResult | LLMVerdict,
        asked: str,
        standalone: str,
        hits: Sequence[Hit],
        answerer: str,
        *,
        notice: str | None = None,
        extra: dict[str, object],
    ) -> Answer:
        """The ``Answer`` for a reading (the reader's or the LLM path's), or the abstention."""
        if reading.short_answer:
            extra["short_answer"] = reading.short_answer
        if reading.abstained:
            return self._abstention(asked, standalone, hits, answerer, notice=notice, **extra)
        return Answer(
            question=asked,
            standalone_question=standalone,
            text=reading.text,
            abstained=False,
            citations=reading.citations,
            sources=tuple(hits),
            answerer=answerer,
            notice=notice,
            extra=extra,
        )

    def _read_part(
        self, part: str, own: Sequence[Hit], *, use_llm: bool, avoid: Sequence[str] = ()
    ) -> ExtractiveResult | LLMVerdict:
        """One part of a question read by the model (checked) or the reader.

        ``avoid`` holds the sentences earlier parts quoted: a second part asks something else
        ("... did he keep it?"), so the reader prefers a sentence not shown yet. A part is a
        question cut from its context ("by how much?", "which is cheaper?"): where the model
        refuses it, or its check denies the answer, the reader's answer stands when the reader
        finds support for one, so the model path answers no fewer parts than the reader alone.
        """
        if use_llm and self._llm_reader is not None:
            verdict = self._model_reading(part, own)
            if verdict is not None:
                if not (verdict.abstained and verdict.decision in _PART_FALLBACK):
                    return verdict
                reading = self._extractive.compose(part, own, avoid=avoid)
                return verdict if reading.abstained else reading
        return self._extractive.compose(part, own, avoid=avoid)

    def _model_reading(self, part: str, own: Sequence[Hit]) -> LLMVerdict | None:
        """The model's checked reading of ``part``; ``None`` when the model failed."""
        assert self._llm_reader is not None
        try:
            return _result_of(self._llm_reader.read(part, own, streaming=False))
        except Exception:  # noqa: BLE001 - provider errors vary; the reader takes over
            log.warning("LLM failed on a question part; reading it extractively", exc_info=True)
        return None

    def _read_parts(
        self,
        asked: str,
        standalone: str,
        parts: Sequence[str],
        part_hits: Sequence[Sequence[Hit]],
        notice: str | None,
        *,
        use_llm: bool = False,
    ) -> Generator[AnswerDelta, None, Answer]:
        """Answer each part of a two-part question from its own passages; cite them as one.

        Each part's text is yielded once read (numbered as in the answer), then the answer is
        returned.
        """
        hits = _merge(part_hits)
        number_of = {h.passage.id: n for n, h in enumerate(hits, start=1)}
        texts: list[str] = []
        citations: dict[int, Citation] = {}
        missing: list[str] = []
        support = []
        shown: list[str] = []
        for part, own in zip(parts, part_hits, strict=True):
            result = self._read_part(part, own, use_llm=use_llm, avoid=shown)
            support.append(round(getattr(result, "support", 0.0), 4))  # LLM verdicts have none
            if result.abstained:
                missing.append(part)
                continue
            shown += [c.quote for c in result.citations]
            local = {c.n: number_of[c.passage.id] for c in result.citations}
            # A quote an earlier part already shows is not repeated.
            lines = [line for line in _renumber(result.text, local).split("\n") if line]
            fresh = [line for line in lines if not any(_quote_of(line) in t for t in texts)]
            if not fresh:
                continue
            texts.append("\n".join(fresh))
            # Numbered by first appearance, as the answer is: earlier parts keep their numbers.
            yield AnswerDelta(("\n" if len(texts) > 1 else "") + _by_appearance(texts)[-1])
            cited = {int(m.group(1)) for line in fresh for m in _MARKER.finditer(line)}
            for c in result.citations:
                n = local[c.n]
                if n in cited:
                    citations.setdefault(n, Citation(n=n, passage=c.passage, quote=c.quote))
        if not texts:
            return self._abstention(
                asked,
                standalone,
                hits,
                self._part_answerer(use_llm),
                notice=notice,
                support=support,
            )
        # The part as asked: the key words a leaning part borrowed for retrieval are not shown.
        texts += [f"{NOT_SAID_PREFIX} {split_context(part)[0]}" for part in missing]
        # Renumber 1..m by first appearance, as every answer is numbered.
        order = _appearance_order("\n".join(texts))
        text = _renumber("\n".join(texts), order)
        return Answer(
            question=asked,
            standalone_question=standalone,
            text=text,
            abstained=False,
            citations=tuple(
                Citation(n=order[n], passage=c.passage, quote=c.quote)
                for n, c in sorted(citations.items(), key=lambda kv: order[kv[0]])
            ),
            sources=tuple(hits),
            answerer=self._part_answerer(use_llm),
            notice=notice,
            extra={"support": support, "parts": list(parts)},
        )

    def _part_answerer(self, use_llm: bool) -> str:
        return self.answerer_name if use_llm else EXTRACTIVE_NAME

    def _llm_answer(
        self, asked: str, standalone: str, hits: Sequence[Hit], *, streaming: bool
    ) -> Generator[AnswerDelta, None, Answer | None]:
        """Ask the model for the answer, check it by reading; ``None`` when the model failed."""
        assert self._llm_reader is not None
        try:
            verdict = yield from self._llm_reader.read(standalone, hits, streaming=streaming)
        except Exception:  # noqa: BLE001 - timeouts and provider errors vary by provider
            log.warning("LLM %s failed; answering extractively", self.answerer_name, exc_info=True)
            return None
        log.debug("model reply: %s (decision %s)", verdict.model_text, verdict.decision)
        extra: dict[str, object] = {"model_text": verdict.model_text, "decision": verdict.decision}
        return self._from_reading(verdict, asked, standalone, hits, self.answerer_name, extra=extra)
