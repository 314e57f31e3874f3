"""The LLM path: the model names the answer, the code finds and checks the quote.

Small local models are good at picking the phrase that answers a question from a few sentences,
and poor at writing cited prose (they mis-number passages, paraphrase "quotes", or refuse when
the answer is there). So the model gets only the best few sentences the reader found and the one
after each of the best two (a short prompt: fast, few distractors), and is asked for the short
answer and its passage number. The code then finds the sentence that states that answer in the
shown passages, so the quote is verbatim by construction, and every ``[n]`` names a passage that
was shown.

When the model and the reader disagree, reading decides: a model answer that no passage states is
not shown, nor is one that only repeats the question, nor one where the reader finds the passages
don't support any answer (it abstains with support under its threshold: on-topic questions whose
detail no article states, which small models answer with a phrase of the right kind from the
wrong sentence). A model refusal stands, except on a why-question whose reason the reader found
stated outright: small models refuse those when shown the "because ..." sentence, while a refusal
overruled on other kinds of question was wrong more often than right on news-dev. An empty reply
is a failure, not a refusal. Any model works (a bigger one simply picks better), and the reply is
capped in tokens.

An answer that passes reading is checked once more by the model itself, in a second one-token
call that shows only the question, the quoted sentence and the answer ("does it state that this
is the answer? yes or no"): read alone, a sentence about a neighbouring fact draws a weaker "yes"
than the one the model picked it from among others. With Qwen2.5-Coder-1.5B on news-dev's
held-out half this refused 12 of 16 unanswerable questions instead of 9 and lost no right answer
(``FOOTNOTE_LLM_CHECK_ANSWERS=false`` turns it off). It costs ~2.5 s on the 2-core machine, and
on a single-slot server (llama-cpp-python's) the next answer's cached prompt prefix, ~1.3 s. So
it is made only where the model and the reader disagree: an answer standing in the very sentence
the reader leads with has been read twice already. In a recorded news-dev run the check denied
none of those (54 of the 91 it saw); with the retrieval of the same release two wrong answers it
had denied (of 90 answerable questions) came to stand in the reader's lead and are now shown
unchecked, and no unanswerable question was answered for it.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.engine.answer_types import (
    asks_winner,
    dated,
    expected_type,
    is_of_kind,
    only_in_dateline,
)
from bot.engine.extractive import overlaps, sentences_beside
from bot.engine.followup import split_context
from bot.engine.llm import capped
from bot.engine.models import AnswerDelta, Citation
from bot.engine.prompts import (
    NOT_FOUND_SENTINEL,
    SHORT_ANSWER_RULES,
    check_messages,
    says_not_found,
)
from bot.engine.text import looks_like_injection, shown_quote, split_sentences, terms

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from bot.engine.extractive import Candidate, ExtractiveAnswerer, ExtractiveResult
    from vectorstore.base import Hit

log = logging.getLogger(__name__)

DEFAULT_PROMPT_SENTENCES = 3
# The sentence after each of the best two is shown too: news puts the detail a restating sentence
# lacks right after it ("…," said a harbour master; "Ina Berg scored twice"). On news-dev this
# put the answer in the prompt more often than a 4th-best sentence, for the same prompt length.
DEFAULT_FOLLOWING = 2
# A short answer and a marker, or the whole sentence some models copy (the longest seen from
# Qwen2.5-1.5B on news-dev: 264 characters, ~60 tokens); caps a runaway reply near MAX_REPLY_CHARS.
DEFAULT_MAX_ANSWER_TOKENS = 100
MAX_PHRASE_WORDS = 40
MAX_REPLY_CHARS = 400  # a short answer and a marker never need more
RELEVANT_RATIO = 0.3  # a model's evidence sentence must score this share of the reader's best
# An answer stands when the checking call's first token is "yes" with at least this share of the
# yes/no probability (where the provider returns log-probabilities; else its word decides).
# Chosen on news-dev's fit half with Qwen2.5-Coder-1.5B: 0.55 refused one more unanswerable there
# than 0.5 and lost no right answer; 0.7 lost four.
DEFAULT_CHECK_THRESHOLD = 0.55
_TOP_LOGPROBS = 5
_YES_NO = re.compile(r"\W*(yes|no)\b", re.I)
_MARKERS = re.compile(r"\[(\d+)\]")
_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


class EmptyModelReply(RuntimeError):
    """The model (or its server) returned no text at all."""


@dataclass(frozen=True, slots=True)
class ShownSentence:
    """A sentence put in the prompt, and the passage (1-based, over the hits) it comes from."""

    n: int
    text: str


@dataclass(frozen=True, slots=True)
class LLMVerdict:
    """What the LLM path concluded (``text`` empty when it abstains)."""

    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    short_answer: str | None
    # model / reader / reader-stated / model-refused / unsupported / unread (the reader finds no
    # support) / unconfirmed (the checking call says the quote does not state it) / echo /
    # off-kind (the model's answer is not of the kind asked: a name for "when") / dateline (it
    # stands only in the dateline: "WASHINGTON (AP) —") / no-candidates
    decision: str
    model_text: str


def content_text(content: object) -> str:
    """Text of a message's content (a string, or a list of blocks for some providers)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and block.get("type") == "text":
                parts.append(str(block.get("text", "")))
        return "".join(parts)
    return str(content or "")


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text.translate(_QUOTES)).strip().lower()


def choose_sentences(
    candidates: Sequence[Candidate],
    limit: int = DEFAULT_PROMPT_SENTENCES,
    following: int = DEFAULT_FOLLOWING,
) -> list[ShownSentence]:
    """The best ``limit`` distinct sentences by the reader's score, and the next ones.

    The sentence after each of the best ``following`` in its passage is added; all are returned
    in passage then text order.
    """
    best: list[Candidate] = []
    for cand in candidates:
        if len(best) >= limit:
            break
        if not any(overlaps(c.sentence, cand.sentence) for c in best):
            best.append(cand)
    chosen = list(best)
    for top in best[:following]:
        for nxt in sentences_beside(candidates, top)[1]:
            if all(c.sentence != nxt.sentence for c in chosen):
                chosen.append(nxt)
    chosen.sort(key=lambda c: (c.hit_index, c.span.start))
    return [ShownSentence(c.hit_index + 1, c.sentence) for c in chosen]


def prompt_messages(
    question: str, sentences: Sequence[ShownSentence], hits: Sequence[Hit]
) -> list[BaseMessage]:
    """System rules (constant, so a server can reuse its cached prefix) and the compact user turn.

    ``[n] (title) sentence sentence`` per passage, then the question.
    """
    from langchain_core.messages import HumanMessage, SystemMessage

    lines: list[str] = []
    for n in sorted({s.n for s in sentences}):
        title = hits[n - 1].passage.title
        body = " ".join(_SPACES.sub(" ", s.text) for s in sentences if s.n == n)
        lines.append(f"[{n}] ({title}) {body}" if title else f"[{n}] {body}")
    user = "<passages>\n" + "\n".join(lines) + f"\n</passages>\nQuestion: {question}"
    return [SystemMessage(content=SHORT_ANSWER_RULES), HumanMessage(content=user)]


def parse_reply(text: str) -> tuple[str | None, list[int]]:
    """``(phrase, cited numbers)`` of a reply; ``(None, [])`` when the model refused."""
    stripped = text.strip()
    if not stripped or NOT_FOUND_SENTINEL in stripped or says_not_found(stripped):
        return None, []
    first = stripped.splitlines()[0]
    numbers = [int(x) for x in _MARKERS.findall(first)]
    phrase = _MARKERS.sub(" ", first)
    phrase = re.sub(r"^\s*(?:answer|short answer)\s*:\s*", "", phrase, flags=re.I)
    phrase = _SPACES.sub(" ", phrase).strip(" \t\"'“”‘’.,;:")
    if not phrase:
        return None, numbers
    return phrase, numbers


def locate(
    phrase: str, hits: Sequence[Hit], prefer: Sequence[int], question: str
) -> tuple[int, str] | None:
    """The passage (1-based) and sentence that state ``phrase``, or ``None``.

    A sentence containing the phrase verbatim (case, spacing and quote style aside) wins, in
    the passages the model cited first; otherwise the sentence holding most of the phrase's
    content words (at least 70%, ties broken by the question's words). Whole passages are
    searched, not only the shown sentences.
    """
    wanted = _norm(phrase)
    order = [n for n in prefer if 1 <= n <= len(hits)]
    order += [n for n in range(1, len(hits) + 1) if n not in order]
    phrase_terms = set(terms(phrase))
    question_terms = set(terms(question))
    best: tuple[float, float, int, str] | None = None
    for n in order:
        text = hits[n - 1].passage.text
        for span in split_sentences(text):
            sentence = span.of(text)
            if looks_like_injection(sentence):
                continue  # an article talking to the model is never the evidence
            if wanted and re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", _norm(sentence)):
                return n, sentence
            if not phrase_terms:
                continue
            sent_terms = set(terms(sentence))
            share = len(phrase_terms & sent_terms) / len(phrase_terms)
            tie = len(question_terms & sent_terms) / (len(question_terms) or 1)
            if share >= 0.7 and (best is None or (share, tie) > best[:2]):
                best = (share, tie, n, sentence)
    return (best[2], best[3]) if best is not None else None


class LLMReader:
    """The model picks the answer from the reader's best sentences; the code quotes and checks."""

    def __init__(
        self,
        llm: BaseChatModel,
        reader: ExtractiveAnswerer,
        *,
        prompt_sentences: int = DEFAULT_PROMPT_SENTENCES,
        max_answer_tokens: int = DEFAULT_MAX_ANSWER_TOKENS,
        check_answers: bool = True,
        check_threshold: float = DEFAULT_CHECK_THRESHOLD,
    ) -> None:
        self._llm = llm
        self._reader = reader
        self._prompt_sentences = prompt_sentences
        self._max_tokens = max_answer_tokens
        self._check_answers = check_answers
        self._check_threshold = check_threshold

    def read(
        self, question: str, hits: Sequence[Hit], *, streaming: bool
    ) -> Generator[AnswerDelta, None, LLMVerdict]:
        """Ask the model, then decide by reading; yields the reply's text while it streams.

        Raises:
            EmptyModelReply: the reply was empty (the caller falls back to the reader).
            Exception: whatever the provider raises (the caller falls back to the reader).
        """
        scored = self._reader.score(self._reader.candidates(question, hits))
        reader_result = self._reader.compose_scored(question, hits, scored)
        shown = choose_sentences(scored, self._prompt_sentences)
        if not shown:
            return LLMVerdict("", (), True, None, "no-candidates", "")
        messages = prompt_messages(question, shown, hits)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("prompt:\n%s", "\n".join(str(m.content) for m in messages))
        # Always streamed, and cut off here after MAX_REPLY_CHARS: a server that ignores the
        # token cap (some OpenAI-compatible ones do) cannot make an answer run for minutes.
        pieces: list[str] = []
        length = 0
        stream = capped(self._llm, self._max_tokens).stream(messages)
        try:
            for chunk in stream:
                piece = content_text(chunk.content)
                if not piece:
                    continue
                pieces.append(piece)
                length += len(piece)
                if streaming:
                    yield AnswerDelta(piece)
                if length >= MAX_REPLY_CHARS:
                    log.info("model reply cut off at %d characters", length)
                    break
        finally:
            close = getattr(stream, "close", None)
            if callable(close):
                close()
        model_text = "".join(pieces).strip()
        if not model_text:
            # Not a refusal: the server sent nothing. llama-cpp-python's server, for one, ends a
            # stream empty when another request arrives; the caller answers by reading instead.
            raise EmptyModelReply("the model's reply was empty")
        verdict = self.decide(question, hits, model_text, reader_result, scored)
        if verdict.abstained or not self._check_answers:
            return verdict
        if agrees_with_reader(verdict, reader_result):
            # Two readers picked the same sentence: the check seldom overturns that (see the
            # module doc), and skipping it keeps this answer and the next one fast.
            log.debug(
                "model answer %r stands in the reader's lead: not checked", verdict.short_answer
            )
            return verdict
        if self.confirms(question, verdict) is False:
            log.info("answer %r: the check says its quote does not state it", verdict.short_answer)
            return LLMVerdict("", (), True, None, "unconfirmed", model_text)
        return verdict

    def confirms(self, question: str, verdict: LLMVerdict) -> bool | None:
        """Whether a one-token call, shown only the quote, says it states the answer.

        Small models answer on-topic questions whose detail no article gives with a phrase of the
        right kind from a neighbouring fact (a year something was rumoured, for when it opens);
        read alone beside the question, that sentence draws a weaker "yes". ``None`` when the
        check could not be made (the answer then stands: a check is no reason to lose one).
        """
        citation = verdict.citations[0]
        answer = verdict.short_answer or citation.quote
        messages = check_messages(question, citation.passage.title, citation.quote, answer)
        try:
            reply = self._checker().invoke(messages)
        except Exception:  # noqa: BLE001 - provider errors vary; the answer stands unchecked
            log.warning("the answer check failed; the answer stands unchecked", exc_info=True)
            return None
        share = yes_share(reply.response_metadata)
        if share is not None:
            return share >= self._check_threshold
        word = _YES_NO.match(content_text(reply.content))
        return word.group(1).lower() == "yes" if word else None

    def _checker(self) -> BaseChatModel:
        """The model capped at one token, asking for log-probabilities where the API has them."""
        if _reports_logprobs(self._llm):
            return capped(self._llm, 1, logprobs=True, top_logprobs=_TOP_LOGPROBS)
        return capped(self._llm, 1)

    def decide(
        self,
        question: str,
        hits: Sequence[Hit],
        model_text: str,
        reader_result: ExtractiveResult,
        scored: Sequence[Candidate] = (),
    ) -> LLMVerdict:
        """Turn the model's reply into a checked answer, or let the reader or a refusal stand.

        The sentence that states the model's answer must also be one the reader finds about the
        question (scoring at least ``RELEVANT_RATIO`` of its best sentence): a phrase lifted from
        an unrelated sentence ("8 years old" from another story) is not an answer. Nor is any
        answer where the reader, reading the same passages, abstains with support under its
        threshold: they don't address the question. Where the reader's lead states the kind
        asked outright (``ExtractiveResult.stated``), a model answer from another sentence gives
        way to it; a reply that only repeats the question gives way to any reader answer, and
        so does one not of the kind asked (``is_of_kind``: a name for "when", a year for what
        caused something) or one that stands only in a dateline ("WASHINGTON (AP) — ...").
        """
        phrase, cited = parse_reply(model_text)
        kind = expected_type(split_context(question)[0])
        if phrase is not None and echoes_question(phrase, question):
            log.info("model answer %r only repeats the question", phrase[:80])
            if not reader_result.abstained:
                return self._from_reader(reader_result, "reader", model_text)
            return LLMVerdict("", (), True, None, "echo", model_text)
        if phrase is not None and len(phrase.split()) <= MAX_PHRASE_WORDS:
            found = locate(phrase, hits, cited, question)
            if found is not None and not _relevant(found[1], scored):
                log.info("model answer %r stands in a sentence off the question", phrase[:80])
                found = None
            if found is not None and self._unsupported_by_reading(reader_result):
                log.info("model answer %r: the reader finds no support for any", phrase[:80])
                return LLMVerdict("", (), True, None, "unread", model_text)
            if found is not None and not is_of_kind(kind, phrase, question):
                # "1989" for what kicked off the protests, a name for when: not an answer.
                log.info("model answer %r is not of the kind asked (%s)", phrase[:80], kind)
                return self._reader_or_refusal(reader_result, "off-kind", model_text, kind)
            if found is not None and only_in_dateline(phrase, found[1]):
                # "WASHINGTON" from "WASHINGTON (AP) — ...": where the story was filed.
                log.info("model answer %r stands only in a dateline", phrase[:80])
                return self._reader_or_refusal(reader_result, "dateline", model_text, kind)
            # (A stated reader answer is never an abstention, so it has a first citation.)
            if (
                found is not None
                and reader_result.stated
                and found[1] != reader_result.citations[0].quote
            ):
                # The reader's lead states the kind asked outright (a list, a given name, a
                # reason); a model answer from another sentence gives way to it.
                log.info("model answer %r: the reader's stated answer stands", phrase[:80])
                return self._from_reader(reader_result, "reader-stated", model_text)
            if found is not None:
                n, sentence = found
                citation = Citation(n=1, passage=hits[n - 1].passage, quote=sentence)
                shown = dated(phrase, citation.passage.published) if kind == "date" else phrase
                text = f"{shown} — “{shown_quote(sentence)}” [1]"
                if _norm(phrase) == _norm(sentence):
                    text = f"“{shown_quote(sentence)}” [1]"
                return LLMVerdict(text, (citation,), False, phrase, "model", model_text)
            log.info("model answer %r is stated by no shown passage", phrase[:80])
            return self._reader_or_refusal(reader_result, "unsupported", model_text, kind)
        # A reason is a clause, not the short phrase small models are asked for, and they refuse
        # why-questions whose answer they were shown ("... because there hasn't been a sustained
        # period of freezing temperatures"): a reason the reader found answers. So does an
        # answer the reader found stated outright (a name given: "it's called ...", a list of
        # the things asked). Otherwise the refusal stands, however sure the reader is.
        stated_reason = (
            not reader_result.abstained
            and reader_result.short_answer is not None
            and kind == "reason"
        )
        if stated_reason or (not reader_result.abstained and reader_result.stated):
            return self._from_reader(reader_result, "reader", model_text)
        return LLMVerdict("", (), True, None, "model-refused", model_text)

    def _unsupported_by_reading(self, reader_result: ExtractiveResult) -> bool:
        """True when the reader abstained because its support is under its threshold."""
        return reader_result.abstained and reader_result.support < self._reader.threshold

    @classmethod
    def _reader_or_refusal(
        cls, result: ExtractiveResult, refusal: str, model_text: str, kind: str | None
    ) -> LLMVerdict:
        """The reader's answer where it found one of the kind asked; else a refusal, ``refusal``.

        An answer the reader found stated outright (a name given, a list) counts too. A name it
        merely found beside a what-question's noun ("the Yersinia pestis bacterium") leads its
        own reply, but is too weak to stand in for the model's.
        """
        if not result.abstained and result.short_answer and (kind is not None or result.stated):
            return cls._from_reader(result, "reader", model_text)
        return LLMVerdict("", (), True, None, refusal, model_text)

    @staticmethod
    def _from_reader(result: ExtractiveResult, decision: str, model_text: str) -> LLMVerdict:
        return LLMVerdict(
            result.text, result.citations, False, result.short_answer, decision, model_text
        )


def agrees_with_reader(verdict: LLMVerdict, reader_result: ExtractiveResult) -> bool:
    """True when the model's answer stands in the very sentence the reader leads with."""
    return (
        verdict.decision == "model"
        and not reader_result.abstained
        and bool(verdict.citations)
        and bool(reader_result.citations)
        and _norm(verdict.citations[0].quote) == _norm(reader_result.citations[0].quote)
    )


def _reports_logprobs(llm: object) -> bool:
    """True for OpenAI-compatible chat models (OpenAI, llama.cpp, vLLM): they return them."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:  # pragma: no cover - the openai extra is not installed
        return False
    return isinstance(llm, ChatOpenAI)


def yes_share(metadata: Mapping[str, Any]) -> float | None:
    """P(yes) / (P(yes) + P(no)) of a reply's first token, from OpenAI-style log-probabilities.

    ``None`` when the reply carries none, or neither word is among the first token's candidates.
    """
    logprobs = metadata.get("logprobs")
    content = logprobs.get("content") if isinstance(logprobs, Mapping) else None
    if not content:
        return None
    first = content[0]
    candidates = first.get("top_logprobs") or [first]
    yes = no = 0.0
    for candidate in candidates:
        word = str(candidate.get("token", "")).strip().lower()
        if word in ("yes", "no"):
            p = math.exp(float(candidate.get("logprob", -math.inf)))
            yes, no = (yes + p, no) if word == "yes" else (yes, no + p)
    return yes / (yes + no) if yes + no > 0 else None


def echoes_question(phrase: str, question: str) -> bool:
    """True when every word of ``phrase`` comes from the question.

    "HP" does not say what HP stands for. A question that offers alternatives ("A or B?", "who
    won the wales hungary game?") is answered by one of its own words, so it never echoes.
    """
    if re.search(r"\bor\b", question, re.I) or asks_winner(question):
        return False
    phrase_terms = set(terms(phrase))
    return bool(phrase_terms) and phrase_terms <= set(terms(question))


def _relevant(sentence: str, scored: Sequence[Candidate]) -> bool:
    """True when the reader scores ``sentence`` near its best (or there is no reader score)."""
    if not scored:
        return True
    best = scored[0].probability
    score = max((c.probability for c in scored if c.sentence == sentence), default=0.0)
    return score >= RELEVANT_RATIO * best
