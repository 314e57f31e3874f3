"""Checking the ``[n]`` citations of a generated answer against the passages that were shown.

``check_citations`` is what stands between a generated answer and the user: citations naming no
shown passage are dropped, each remaining citation gets the sentence of its passage that best
supports the claim it is attached to, citations whose passage does not support their claim are
dropped too, and the survivors are renumbered ``1..m`` in order of first appearance.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.engine.models import Citation
from bot.engine.text import looks_like_injection, question_terms, split_sentences, stem, terms
from bot.engine.wordlists import POINTER_WORDS
from vectorstore.base import Hit, Passage

log = logging.getLogger(__name__)

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


_POINTER_WORDS = frozenset(stem(w) for w in POINTER_WORDS)


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

