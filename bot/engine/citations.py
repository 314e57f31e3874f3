"""Text evidence: sentence spans with exact offsets, terms, and the checking of ``[n]`` citations.

Every quote Footnote shows is ``passage.text[start:end]`` for a sentence span found here, so a
quote is an exact substring of the stored passage by construction. ``check_citations`` is what
stands between a generated answer and the user: citations naming no shown passage are dropped,
each remaining citation gets the sentence of its passage that best supports the claim it is
attached to, citations whose passage does not support their claim are dropped too, and the
survivors are renumbered ``1..m`` in order of first appearance.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.engine.models import Citation
from vectorstore.base import Hit, Passage

log = logging.getLogger(__name__)

# --- sentences ---------------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "ft",
        "no",
        "nos",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "univ",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "gov",
        "sen",
        "rep",
        "rev",
        "hon",
        "fig",
        "eq",
        "approx",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "e.g",
        "i.e",
        "al",
        "u.s",
        "u.k",
        "u.n",
        "a.m",
        "p.m",
    ]
)
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
    if word in _ABBREVIATIONS or word.rstrip(".") in _ABBREVIATIONS:
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
    start = 0
    for match in _BOUNDARY.finditer(text):
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
    trimmed = []
    for span in spans:
        s, e = span.start, span.end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s and any(ch.isalnum() for ch in text[s:e]):
            trimmed.append(Span(s, e))
    return trimmed


# --- terms -------------------------------------------------------------------------------------

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "s",
        "t",
        "don",
        "didn",
        "doesn",
        "isn",
        "wasn",
        "weren",
        "aren",
        "won",
        "wouldn",
        "shouldn",
        "couldn",
        "let",
        "may",
        "might",
        "must",
        "shall",
        "us",
        "yet",
        "via",
        "per",
        "ever",
        "else",
        "upon",
        "onto",
        "also",
        "one's",
        "whatever",
        "whoever",
    ]
)
# Words that shape a question but never appear in its answer's evidence.
QUESTION_WORDS = frozenset(
    [
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "name",
        "named",
        "called",
        "tell",
        "describe",
        "explain",
        "kind",
        "type",
        "sort",
        "many",
        "much",
        "did",
        "does",
        "do",
        "according",
    ]
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]|[A-Za-z]|\d+(?:[.,]\d+)*")


def stem(word: str) -> str:
    """A light stemmer: enough to match "repairs"/"repaired"/"repairing" with "repair"."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.strip("'")
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
    wanted: Sequence[str], present: set[str], idf: Mapping[str, float], unseen_idf: float
) -> float:
    """IDF-weighted share of ``wanted`` terms found in ``present`` (1.0 when nothing wanted)."""
    unique = set(wanted)
    total = sum(idf.get(t, unseen_idf) for t in unique)
    if total <= 0:
        return 1.0
    return sum(idf.get(t, unseen_idf) for t in unique if t in present) / total


# Instructions aimed at the model, found inside an article: such a sentence is never a quote.
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|directions)\b"
    r"|\b(system prompt|you are now|new instructions|as an ai)\b"
    r"|@everyone|@here",
    re.IGNORECASE,
)


def looks_like_injection(sentence: str) -> bool:
    """True for a sentence that addresses the model (prompt injection) rather than the reader."""
    return bool(_INJECTION.search(sentence))


# --- citations ---------------------------------------------------------------------------------

_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_QUOTED = re.compile(r"[\"“]([^\"“”]{12,}?)[\"”]")
_SPACES = re.compile(r"\s+")
# How much of a claim's content the quoted sentence must share for the citation to stand.
MIN_CLAIM_SUPPORT = 0.34


def cited_numbers(text: str) -> list[int]:
    """Every ``n`` cited in ``text`` (``[2]``, ``[1, 3]``), in order, with repeats."""
    found: list[int] = []
    for match in _MARKER.finditer(text):
        found.extend(int(x) for x in re.split(r"\s*[,;]\s*", match.group(1)))
    return found


def _normalise(text: str) -> str:
    text = text.replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'")
    return _SPACES.sub(" ", text).strip().lower()


def best_sentence(
    claim: str, passage: Passage, *, question: str = ""
) -> tuple[str, float, float] | None:
    """The sentence of ``passage`` that best supports ``claim``.

    Returns:
        ``(sentence, claim_support, question_overlap)``: the share of the claim's content terms
        found in the sentence (or the sentence and its predecessor, for "it"/"the company"
        references), and the share of the question's terms found there; ``None`` when the
        passage has no usable sentence.
    """
    spans = split_sentences(passage.text)
    if not spans:
        return None
    claim_terms = set(terms(claim))
    q_terms = set(question_terms(question))
    title_terms = set(terms(passage.title))
    best: tuple[float, float, str] | None = None
    previous: set[str] = set()
    for span in spans:
        sentence = span.of(passage.text)
        sent_terms = set(terms(sentence))
        if looks_like_injection(sentence):
            previous = sent_terms
            continue
        context = sent_terms | previous | title_terms
        support = len(claim_terms & sent_terms) + 0.5 * len(claim_terms & (context - sent_terms))
        support = support / len(claim_terms) if claim_terms else 0.0
        relevance = len(q_terms & context) / len(q_terms) if q_terms else 1.0
        key = (support, relevance, sentence)
        if best is None or key[:2] > best[:2]:
            best = key
        previous = sent_terms
    if best is None:
        return None
    return best[2], best[0], best[1]


def _supported_anywhere(claim: str, hits: Sequence[Hit], question: str) -> bool:
    """True for an uncited sentence that says nothing factual or that some passage supports."""
    if looks_like_injection(claim):
        return False
    if not terms(claim):
        return True  # "In short, yes." carries no claim to check
    for hit in hits:
        found = best_sentence(claim, hit.passage, question=question)
        if found is not None and found[1] >= MIN_CLAIM_SUPPORT:
            return True
    return False


@dataclass(frozen=True, slots=True)
class CheckedText:
    """The result of ``check_citations``."""

    text: str  # markers renumbered 1..m; dropped markers removed
    citations: tuple[Citation, ...]
    dropped: tuple[int, ...]  # the original numbers that failed a check


# Words of a sentence that only says where the previous one came from ("This is stated in
# passage [1]."), which small models often write; stemmed like ``terms``.
_POINTER_WORDS = frozenset(
    stem(w)
    for w in (
        "according", "article", "articles", "cited", "information", "mentioned", "passage",
        "passages", "see", "source", "sources", "stated", "states", "text", "found", "given",
    )
)  # fmt: skip


def _only_points_to_passages(sentence: str) -> bool:
    """True for "This is stated in passage [1]." and the like: markers with no claim of its own."""
    if not _MARKER.search(sentence):
        return False
    return not [t for t in terms(_MARKER.sub(" ", sentence)) if t not in _POINTER_WORDS]


def _claims(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a generated answer (each claim carries its own markers).

    Models often put the markers after the full stop ("... confirmed. [1]") or in a sentence of
    their own ("This is stated in passage [1]."); such a span joins the one before it.
    """
    spans: list[tuple[int, int]] = []
    for span in split_sentences(text):
        only_markers = not _MARKER.sub("", text[span.start : span.end]).strip()
        if spans and (only_markers or _only_points_to_passages(text[span.start : span.end])):
            spans[-1] = (spans[-1][0], span.end)
        else:
            spans.append((span.start, span.end))
    return spans


def check_citations(text: str, hits: Sequence[Hit], *, question: str = "") -> CheckedText:
    """Check every ``[n]`` of a generated answer against the passages that were shown.

    A citation stands when ``n`` names a shown passage, the passage is relevant to the question
    (shares at least one of its terms, unless the question has none), a sentence of the passage
    supports the claim (shares ``MIN_CLAIM_SUPPORT`` of its content terms), and any text the claim
    puts in quotation marks occurs verbatim in the passage. The quote kept is that sentence.

    Args:
        text: The model's answer with ``[n]`` markers (1-based over ``hits``).
        hits: The passages shown to the model, in prompt order.
        question: The standalone question, for the relevance check.

    Returns:
        The rewritten text and the checked, renumbered citations.
    """
    valid: dict[int, str] = {}  # original n -> quote
    dropped: list[int] = []
    unsupported: list[tuple[int, int]] = []  # uncited sentences no shown passage supports
    for start, end in _claims(text):
        claim_with_markers = text[start:end]
        numbers = cited_numbers(claim_with_markers)
        if not numbers:
            if not _supported_anywhere(claim_with_markers, hits, question):
                unsupported.append((start, end))
            continue
        claim = _MARKER.sub(" ", claim_with_markers)
        quoted = [_normalise(q) for q in _QUOTED.findall(claim)]
        for n in numbers:
            if n in valid or n in dropped:
                continue
            if not 1 <= n <= len(hits):
                log.info("dropped citation [%d]: no such passage (%d shown)", n, len(hits))
                dropped.append(n)
                continue
            passage = hits[n - 1].passage
            found = best_sentence(claim, passage, question=question)
            if found is None:
                dropped.append(n)
                continue
            sentence, support, relevance = found
            fake_quote = any(q not in _normalise(passage.text) for q in quoted)
            if support < MIN_CLAIM_SUPPORT or relevance <= 0.0 or fake_quote:
                log.info(
                    "dropped citation [%d]: support=%.2f relevance=%.2f fake_quote=%s",
                    n,
                    support,
                    relevance,
                    fake_quote,
                )
                dropped.append(n)
                continue
            valid[n] = sentence
    renumber: dict[int, int] = {}
    for n in cited_numbers(text):
        if n in valid and n not in renumber:
            renumber[n] = len(renumber) + 1

    def replace(match: re.Match[str]) -> str:
        kept: list[int] = []
        for x in re.split(r"\s*[,;]\s*", match.group(1)):
            new = renumber.get(int(x))
            if new is not None and new not in kept:
                kept.append(new)
        return "".join(f"[{k}]" for k in kept)

    for start, end in reversed(unsupported):
        log.info("dropped an uncited sentence no passage supports (%d chars)", end - start)
        text = text[:start] + text[end:]
    rewritten = _MARKER.sub(replace, text)
    rewritten = re.sub(r"[ \t]+([.,;:!?])", r"\1", rewritten)
    rewritten = re.sub(r"[ \t]{2,}", " ", rewritten).strip()
    citations = tuple(
        Citation(n=new, passage=hits[old - 1].passage, quote=valid[old])
        for old, new in sorted(renumber.items(), key=lambda kv: kv[1])
    )
    return CheckedText(rewritten, citations, tuple(dropped))
