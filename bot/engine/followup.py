"""Follow-up questions: "and when was that?" becomes a standalone question before retrieval."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.engine.answer_types import WHO_IS
from bot.engine.llm import capped
from bot.engine.models import Turn
from bot.engine.prompts import rewrite_messages
from bot.engine.text import QUESTION_WORDS, STOPWORDS, stem, without_possessive, words
from bot.engine.wordlists import ANAPHORA

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

_CONTINUATION = re.compile(r"^\s*(and|but|so|also|what about|how about|then)\b[\s,]*", re.I)
SHORT_QUESTION_TERMS = 3  # a question with this few content words probably leans on context
MAX_CONTEXT_WORDS = 8
REWRITE_MAX_TOKENS = 64


# Words that carry no content of a question's own: stopwords and question words.
_FUNCTION_WORDS = STOPWORDS | QUESTION_WORDS


def _content_words(text: str) -> list[str]:
    """Words that carry content: no stopwords, no question words (nor "who's", "what’s")."""
    return [
        w
        for w in words(text)
        if w.lower() not in _FUNCTION_WORDS and without_possessive(w.lower()) not in _FUNCTION_WORDS
    ]


def needs_context(question: str) -> bool:
    """True when ``question`` likely refers to earlier turns (pronouns, "and ...", very short).

    A short question that names someone or something of its own ("who is Ingrid Halvorsen?")
    is about that, not about the conversation so far.
    """
    if _CONTINUATION.match(question) or _refers_back(question):
        return True
    if _names_its_subject(question):
        return False
    return len(_content_words(question)) <= SHORT_QUESTION_TERMS - 1


def _names_its_subject(question: str) -> bool:
    """True when a word after the first is capitalised: a name ("I" and shouting aside)."""
    if question.isupper():
        return False
    return any(w[:1].isupper() and w != "I" for w in words(question)[1:])


def _refers_back(question: str) -> bool:
    """True when a pronoun or a demonstrative points outside ``question``.

    "that" after a content word opens a clause of the question's own ("the 2014 slogan that got
    axed", "the report said that ..."); after a function word, or first, it points back ("when was
    that?", "raised to that level").
    """
    lowered = [w.lower() for w in words(question)]
    for i, word in enumerate(lowered):
        if word not in ANAPHORA:
            continue
        if word != "that" or i == 0 or lowered[i - 1] in _FUNCTION_WORDS:
            return True
    return False


# An answer leads with its short answer: "Noah Hawley — “...” [1]" (Discord may escape it).
_SHORT_ANSWER = re.compile(r"^(?P<short>[^“\n]{1,80}?) — “")


def _last_short_answer(history: Sequence[Turn]) -> str:
    """The short answer the last reply led with ("" when it had none, or abstained)."""
    for turn in reversed(history):
        if turn.role == "assistant":
            match = _SHORT_ANSWER.match(turn.content.strip())
            return match.group("short").replace("\\", "") if match else ""
    return ""


# "who is he?" after an answer that named someone asks what that person is.
_WHO_IS_PRONOUN = re.compile(WHO_IS + r"(?:he|she|they|him|her)\W*$", re.I)
_NAME = re.compile(r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}")


def rewrite_heuristic(question: str, history: Sequence[Turn]) -> str:
    """Append the earlier questions' key words to a follow-up that needs them.

    ``How much did the harbour bridge repair cost?`` then ``and when was that?`` gives
    ``When was that? (harbour bridge repair cost)``: enough for retrieval and for the extractive
    answerer's support check, and honest about what was added. The short answer the last reply
    led with comes first: it is usually what "he", "they" or "that" points at.
    """
    earlier = [t.content for t in history if t.role == "user" and t.content.strip()]
    if not earlier or not needs_context(question):
        return question
    who = _WHO_IS_PRONOUN.match(question)
    named = _last_short_answer(history).strip()
    if who is not None and _NAME.fullmatch(named):
        # The pronoun is the person the last reply named: ask who they are by name ("Who is
        # Mirela Novak?"), which the reader answers with what a sentence says they are.
        verb = who.group("verb").replace("’s", " is").replace("'s", " is").strip()
        question = f"Who {verb} {named}?"
    have = {stem(w.lower()) for w in words(question)}
    picked: list[str] = []
    # "has he directed a film before?" after "Noah Hawley — “...”": the answer is who "he" is.
    for word in _content_words(_last_short_answer(history)):
        key = stem(word.lower())
        if key not in have and len(picked) < MAX_CONTEXT_WORDS:
            have.add(key)
            picked.append(word)
    # The last question first; an earlier one too when the last was itself a follow-up.
    sources = earlier[-1:] if not needs_context(earlier[-1]) or len(earlier) < 2 else earlier[-2:]
    for text in reversed(sources):
        for word in _content_words(text):
            key = stem(word.lower())
            if key in have or len(picked) >= MAX_CONTEXT_WORDS:
                continue
            have.add(key)
            picked.append(word)
    if not picked:
        return question
    core = _CONTINUATION.sub("", question).strip() or question.strip()
    core = core[:1].upper() + core[1:]
    if not core.endswith("?"):
        core += "?"  # the question, then its context in brackets: split_context reads it so
    return f"{core} ({' '.join(picked)})"


_CONTEXT_SUFFIX = re.compile(r"^(?P<core>.*\S)\s+\((?P<context>[^()]*)\)$", re.S)


def split_context(question: str) -> tuple[str, str]:
    """``(question, context words)`` of a heuristic rewrite; ``(question, "")`` otherwise."""
    match = _CONTEXT_SUFFIX.match(question.strip())
    if match is None or not match.group("core").rstrip().endswith("?"):
        return question, ""
    return match.group("core"), match.group("context")


def _clean_rewrite(text: str) -> str:
    line = next((x for x in text.strip().splitlines() if x.strip()), "")
    line = re.sub(r"^(standalone question|question)\s*:\s*", "", line.strip(), flags=re.I)
    return line.strip().strip("\"“”'").strip()


def rewrite_question(
    question: str, history: Sequence[Turn], *, llm: BaseChatModel | None = None
) -> str:
    """The standalone form of ``question`` given the conversation ``history``.

    With a chat model, a short rewrite prompt (falls back to the heuristic if the model fails or
    replies with something that is not a plausible question); without one, the heuristic.
    """
    if not history:
        return question
    if llm is None or not needs_context(question):
        return rewrite_heuristic(question, history)
    try:
        # A standalone question is short; the cap keeps a rambling model from stalling the answer.
        reply = capped(llm, REWRITE_MAX_TOKENS).invoke(rewrite_messages(question, history))
    except Exception:  # noqa: BLE001 - provider errors vary; rewriting is best-effort
        log.warning("follow-up rewrite failed; using the heuristic", exc_info=True)
        return rewrite_heuristic(question, history)
    text = _clean_rewrite(str(reply.content))
    if not text or len(text) > 3 * len(question) + 300:
        return rewrite_heuristic(question, history)
    log.debug("rewrote %r -> %r", question, text)
    return text
