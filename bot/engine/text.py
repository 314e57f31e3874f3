"""Reading text: sentence spans with exact offsets, word terms, IDF weights, injection checks.

Every quote Footnote shows is ``text[start:end]`` of a ``Span`` found here, so a quote is an exact
substring of the stored passage by construction. The word lists live in ``bot.engine.wordlists``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

from breame.spelling import get_american_spelling

from bot.engine.wordlists import ABBREVIATIONS, IRREGULAR_VERBS, QUESTION_WORDS, STOPWORDS

__all__ = [
    "QUESTION_WORDS",
    "STOPWORDS",
    "Span",
    "idf_weights",
    "looks_like_injection",
    "question_terms",
    "shown_quote",
    "split_sentences",
    "stem",
    "terms",
    "weighted_coverage",
    "words",
]

# --- sentences -------------------------------------------------------------------------------

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by whitespace, or at a newline.
_BOUNDARY = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s)|\n\s*""")
_NEXT_STARTS_SENTENCE = re.compile(r"""\s*["'“‘(\[]?[A-Z0-9]""")


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence of a text: ``text[start:end]``, whitespace-trimmed."""

    start: int
    end: int

    def of(self, text: str) -> str:
        """The sentence itself."""
        return text[self.start : self.end]


def _ends_with_abbreviation(text: str, dot: int) -> bool:
    """True when the ``.`` at ``dot`` closes an abbreviation or an initial, not a sentence."""
    word_start = dot
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot].lstrip("\"'“‘([").lower()
    if not word:
        return False
    if word in ABBREVIATIONS or word.rstrip(".") in ABBREVIATIONS:
        return True
    # A single capital letter ("J. K. Rowling") or dotted initials ("U.S.").
    return len(word) == 1 and word.isalpha() or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def split_sentences(text: str) -> list[Span]:
    """Split ``text`` into sentence spans whose slices are exact substrings of ``text``.

    A small rule-based splitter: abbreviations, initials and decimals ("3.5") do not end a
    sentence; newlines always do (headings, list items).

    Args:
        text: The passage text.

    Returns:
        Non-empty, whitespace-trimmed spans in order.
    """
    spans: list[Span] = []
    prefix = _RESULT_DATE.match(text)
    first = start = prefix.end() if prefix else 0
    for match in _BOUNDARY.finditer(text, first):
        end = match.end()
        token = match.group()
        if not token.startswith("\n"):
            single_dot = token.startswith(".") and len(token.rstrip("\"'”’)]")) == 1
            if single_dot and _ends_with_abbreviation(text, match.start()):
                continue
            if not _NEXT_STARTS_SENTENCE.match(text, end):
                continue
        spans.append(Span(start, end))
        start = end
    spans.append(Span(start, len(text)))
    if _is_snippet(text, first):
        spans = [piece for span in spans for piece in _split_at_gaps(text, span)]
    trimmed = []
    for span in spans:
        s, e = span.start, span.end
        while s < e and (text[s].isspace() or text[s] in ".…"):  # "... over on virtual perks"
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s and any(ch.isalnum() for ch in text[s:e]):
            trimmed.append(Span(s, e))
    return trimmed


# A search result's date before its snippet ("Nov 19, 2019 — ", "3 days ago - "): the page's
# date, not a sentence of it (nor a short answer to "when").
_RESULT_DATE = re.compile(
    r"\s*(?:[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}|\d{1,2} [A-Z][a-z]{2,8}\.? \d{4}|\d{4}-\d\d-\d\d|"
    r"\d{1,2} (?:minutes?|hours?|days?|weeks?) ago)\s*[—–-]{1,2}\s+"
)
_ELLIPSIS = r"(?:\.\.\.|…)"
_CUT_START = re.compile(rf"\s*{_ELLIPSIS}")
_CUT_END = re.compile(rf"{_ELLIPSIS}\s*$")
_GAP = re.compile(rf"\s{_ELLIPSIS}(?:\s|$)|(?<=\w){_ELLIPSIS}(?=\s*$)")


def _is_snippet(text: str, start: int) -> bool:
    """True for a search-result snippet, cut mid-sentence: it starts or ends with an ellipsis.

    A snippet's " ... " joins fragments of different sentences; in prose it marks an omission.
    """
    return bool(_CUT_START.match(text, start) or _CUT_END.search(text))


def _split_at_gaps(text: str, span: Span) -> list[Span]:
    """``span`` cut at a snippet's gaps (" ... "), the ellipsis itself left out."""
    pieces = []
    start = span.start
    for gap in _GAP.finditer(text, span.start, span.end):
        pieces.append(Span(start, gap.start()))
        start = gap.end()
    pieces.append(Span(start, span.end))
    return pieces


# --- terms -------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]|[A-Za-z]|\d+(?:[.,]\d+)*")
_POSSESSIVE = re.compile(r"['’]s$")


def without_possessive(word: str) -> str:
    """``word`` without a trailing 's ("Hawley’s" -> "Hawley", "who's" -> "who")."""
    return _POSSESSIVE.sub("", word)


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light stemmer: enough to match "repairs"/"repaired"/"repairing" with "repair".

    British spellings read as American ones first (breame's word list): a question about a
    "harbor center" matches a story about a "harbour centre", and the other way round.
    """
    w = without_possessive(word.lower().replace("’", "'")).strip("'")
    w = get_american_spelling(w)
    w = IRREGULAR_VERBS.get(w, w)
    if w[:1].isdigit():
        return w.replace(",", "")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith("sses"):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ed"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


def words(text: str) -> list[str]:
    """The word tokens of ``text`` as written."""
    return _WORD.findall(text)


def word_matches(text: str) -> list[re.Match[str]]:
    """The word tokens of ``text`` with where they stand (as ``words`` reads them)."""
    return list(_WORD.finditer(text))


def terms(text: str, *, drop: frozenset[str] = STOPWORDS) -> list[str]:
    """Stemmed, lower-cased content terms of ``text`` (stopwords dropped), in order."""
    out = []
    for word in words(text):
        low = word.lower().replace("’", "'")
        if low in drop or low.rstrip("'s") in drop:
            continue
        term = stem(low)
        if term:
            out.append(term)
    return out


def question_terms(question: str) -> list[str]:
    """Content terms of a question: its stopwords and question-shaping words dropped."""
    return terms(question, drop=STOPWORDS | QUESTION_WORDS)


def idf_weights(documents: Iterable[Iterable[str]]) -> tuple[dict[str, float], float]:
    """Smoothed IDF over term sets; also returns the weight of a term seen in no document."""
    df: Counter[str] = Counter()
    n = 0
    for doc in documents:
        n += 1
        df.update(set(doc))
    weights = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
    return weights, math.log((n + 1) / 0.5)


def weighted_coverage(
    wanted: Sequence[str],
    present: set[str],
    idf: Mapping[str, float],
    unseen_idf: float,
    implied: AbstractSet[str] = frozenset(),
) -> float:
    """IDF-weighted share of ``wanted`` terms found in ``present`` (1.0 when nothing wanted).

    A term in ``implied`` that is not present counts half: the text implies it without saying
    it (a sentence naming a city has the "city" a question asked for, less surely than one
    saying "city").
    """
    unique = set(wanted)
    total = sum(idf.get(t, unseen_idf) for t in unique)
    if total <= 0:
        return 1.0
    found = sum(idf.get(t, unseen_idf) for t in unique if t in present)
    found += 0.5 * sum(idf.get(t, unseen_idf) for t in unique & implied if t not in present)
    return found / total


# Instructions aimed at the model, found inside an article: such a sentence is never a quote.
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|directions)\b"
    r"|\b(system prompt|you are now|new instructions|as an ai)\b"
    r"|@everyone|@here",
    re.IGNORECASE,
)


_BRACKETED_NUMBER = re.compile(r"\[(\d+)\]")


def shown_quote(sentence: str) -> str:
    """A quote as shown: an article's own footnote "[2]" reads as (2), not as our citation."""
    return _BRACKETED_NUMBER.sub(r"(\1)", sentence)


def looks_like_injection(sentence: str) -> bool:
    """True for a sentence that addresses the model (prompt injection) rather than the reader."""
    return bool(_INJECTION.search(sentence))
