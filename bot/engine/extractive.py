"""The embedded answerer: composes a short answer from the best-supporting sentences, no LLM.

Each sentence of the retrieved passages is scored for how well it answers the question by a
small logistic model over reading features: IDF-weighted coverage of the question's terms (in the
sentence, its neighbourhood and its passage), whether it contains the kind of thing the question
asks for ("how much" -> an amount, "when" -> a date, "who" -> a name) beyond the question's own
words, the embedding similarity of question and sentence, bigram overlap, and the passage's rank.
The weights and the abstention threshold were fitted on SQuAD dev questions (answerable ones, and
on-topic unanswerable ones made by removing the gold paragraph), see ``bot.evaluation.answers``.

Retrieval scores cannot tell an unanswerable on-topic question from an answerable one, so the
abstention decision reads: when no sentence scores above the threshold, the answerer abstains.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.engine.followup import split_context
from bot.engine.models import Citation
from bot.engine.text import (
    QUESTION_WORDS,
    STOPWORDS,
    Span,
    idf_weights,
    looks_like_injection,
    question_terms,
    split_sentences,
    stem,
    terms,
    weighted_coverage,
    words,
)
from bot.engine.wordlists import DATE_WORDS, MONEY_WORDS, NUMBER_WORDS
from vectorstore.base import Hit

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

FEATURES = (
    "cov_sentence",  # IDF-weighted share of question terms in the sentence
    "cov_context",  # ... in the sentence, its predecessor and the article title
    "cov_passage",  # ... anywhere in the passage or title
    "bigrams",  # share of the question's adjacent term pairs found in the sentence
    "dense",  # cosine similarity of question and sentence embeddings (0 without embeddings)
    "type_found",  # the question asks for a number/date/name and the sentence has a new one
    "type_missing",  # it asks for one and the sentence has none beyond the question's words
    "novelty",  # share of the sentence's terms that the question does not contain
    "rank",  # 1 / (1 + retrieval rank of the passage)
    "length",  # log of the sentence's word count
    "entities_context",  # share of the question's names/numbers in sentence, predecessor, title
    "entities_passage",  # ... anywhere in the passage or title
    "missing_rare",  # IDF of the rarest question term missing from the context, relative
    "cov_focus",  # coverage of the question's terms beyond the article title (its focus)
    "cov_focus_context",  # ... in the sentence and its predecessor
)
# Fitted by ``footnote eval answers --fit`` on a dev slice of SQuAD v1.1 dev (see module doc).
# The question-level support model reads the scored candidates as a whole.
SUPPORT_FEATURES = (
    "p1",  # the best sentence's probability
    "margin",  # ... minus the second best's
    "p3_sum",  # sum of the three best probabilities
    "max_cov_context",  # best question coverage of any sentence context
    "max_dense",  # best question-sentence similarity
    "max_entities_context",  # best coverage of the question's names and numbers
    *(f"top_{name}" for name in FEATURES),  # the best sentence's own features
)
# Both models were fitted with ``bot.evaluation.answers.fit_extractive`` on the fit slice of 1,000
# SQuAD v1.1 dev questions (corpus ingested by ``footnote-ingest``, hybrid retrieval, top 6), with
# the false-refusal cap at 0.15. On the other slice (508 answerable, 407 on-topic unanswerable
# questions): answer accuracy 0.781, false refusals 0.140, refusals on unanswerable
# questions 0.769.
DEFAULT_WEIGHTS: tuple[float, ...] = (
    0.9431,
    0.1665,
    -0.5064,
    1.2626,
    2.8455,
    0.1207,
    -0.8669,
    -0.5233,
    1.6137,
    0.2639,
    0.1148,
    0.4341,
    0.1604,
    1.6975,
    0.9739,
)
DEFAULT_BIAS = -6.4314
DEFAULT_SUPPORT_WEIGHTS: tuple[float, ...] = (
    1.1377,
    1.3695,
    -0.2277,
    1.2354,
    3.0414,
    0.2448,
    0.1209,
    0.3430,
    0.3622,
    0.7080,
    1.9464,
    -0.1123,
    -0.2761,
    -1.7012,
    0.1941,
    0.1443,
    0.4792,
    1.1160,
    0.9737,
    0.7622,
    1.1673,
)
DEFAULT_SUPPORT_BIAS = -7.1446
DEFAULT_THRESHOLD = 0.46  # abstain when the support probability is below this
DEFAULT_SECOND_RATIO = 0.5  # a 2nd/3rd sentence must score this share of the best
SENTENCE_CACHE_SIZE = 50_000  # ~80 MB of 384-d vectors at most

_Q_NUMBER = re.compile(
    r"\bhow (many|much|long|old|far|large|big|tall|high|fast|often|wide|deep|heavy)\b"
    r"|\b(what|which) (percent|percentage|number|amount|share|proportion|size|price|cost)\b",
    re.IGNORECASE,
)
_Q_DATE = re.compile(
    r"\bwhen\b|\b(what|which) (year|date|day|month|century|decade|time|period|era|season)\b"
    r"|\bhow long ago\b",
    re.IGNORECASE,
)
_Q_NAME = re.compile(
    r"\bwho(m|se)?\b|\bwhere\b|\b(what|which) (person|man|woman|company|team|organi[sz]ation|"
    r"group|city|country|state|place|town|region|location|continent|university|school|party|"
    r"name|artist|author|player|leader|president)\b",
    re.IGNORECASE,
)
_MONEY_TERMS = frozenset(stem(w) for w in MONEY_WORDS)
_CURRENCY = re.compile(
    r"[€$£¥]|\b(euros?|dollars?|pounds?|yen|yuan|francs?|rupees?|usd|eur|gbp|cents?)\b", re.I
)
_YEARISH = re.compile(r"^(1\d{3}|20\d{2})s?$|^\d{1,2}(st|nd|rd|th)$")


def answer_type(question: str) -> str | None:
    """``"number"``, ``"date"``, ``"name"`` or ``None``: what kind of answer the question wants."""
    if _Q_NUMBER.search(question):
        return "number"
    if _Q_DATE.search(question):
        return "date"
    if _Q_NAME.search(question):
        return "name"
    return None


def has_answer_of_type(kind: str, sentence: str, question_words: set[str]) -> bool:
    """True when ``sentence`` holds a number/date/name that the question itself does not."""
    tokens = words(sentence)
    for i, token in enumerate(tokens):
        low = token.lower()
        if low in question_words:
            continue
        if kind == "number" and (low[0].isdigit() or low in NUMBER_WORDS):
            return True
        if kind == "date" and (_YEARISH.match(low) or low in DATE_WORDS or low[0].isdigit()):
            return True
        if kind == "name" and token[0].isupper() and (i > 0 or len(tokens) == 1):
            return True
    return False


def question_entities(question: str) -> set[str]:
    """Stemmed names and numbers of a question: capitalised words after the first, and digits."""
    found = set()
    for i, word in enumerate(words(question)):
        low = word.lower()
        if low in STOPWORDS or low in QUESTION_WORDS:
            continue
        if word[0].isdigit() or (i > 0 and word[0].isupper()):
            found.add(stem(low))
    return found


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence of a retrieved passage, scored as an answer."""

    hit_index: int  # index into the hits
    span: Span
    sentence: str
    features: tuple[float, ...]
    probability: float = 0.0


@dataclass(frozen=True, slots=True)
class ExtractiveResult:
    """What the extractive answerer concluded."""

    text: str  # with [n] markers; empty when it abstains
    citations: tuple[Citation, ...]
    abstained: bool
    support: float  # probability that the passages answer the question


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


def _bigrams(seq: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(seq, seq[1:], strict=False))


class ExtractiveAnswerer:
    """Answers with 1-3 sentences quoted verbatim from the retrieved passages, each cited."""

    name = "extractive"

    def __init__(
        self,
        embeddings: Embeddings | None = None,
        *,
        weights: Sequence[float] = DEFAULT_WEIGHTS,
        bias: float = DEFAULT_BIAS,
        support_weights: Sequence[float] = DEFAULT_SUPPORT_WEIGHTS,
        support_bias: float = DEFAULT_SUPPORT_BIAS,
        threshold: float = DEFAULT_THRESHOLD,
        max_sentences: int = 3,
        second_ratio: float = DEFAULT_SECOND_RATIO,
    ) -> None:
        if len(weights) != len(FEATURES):
            raise ValueError(f"need {len(FEATURES)} weights, got {len(weights)}")
        if len(support_weights) != len(SUPPORT_FEATURES):
            raise ValueError(f"need {len(SUPPORT_FEATURES)} support weights")
        self._embeddings = embeddings
        # Popular passages come back for many questions; their sentences are embedded once.
        self._sentence_vectors: dict[str, list[float]] = {}
        self.weights = tuple(weights)
        self.bias = bias
        self.support_weights = tuple(support_weights)
        self.support_bias = support_bias
        self.threshold = threshold
        self.max_sentences = max_sentences
        self.second_ratio = second_ratio

    def candidates(self, question: str, hits: Sequence[Hit]) -> list[Candidate]:
        """Every usable sentence of ``hits`` with its features (unscored)."""
        # A heuristic follow-up rewrite ends in "(context words)": they name the topic (like
        # a title does), the follow-up's own words are its focus.
        core, context_words = split_context(question)
        topic_terms = set(terms(context_words))
        q_terms = question_terms(question)
        q_words = {w.lower() for w in words(question)}
        q_bigrams = _bigrams(q_terms)
        kind = answer_type(core)
        entities = question_entities(question)
        # Amounts of money answer "how much money/cost/price" though they share no word with it.
        money_terms = [t for t in q_terms if t in _MONEY_TERMS]
        raw: list[tuple[int, Span, str, list[str], set[str], set[str], list[str]]] = []
        for i, hit in enumerate(hits):
            text = hit.passage.text
            title_terms = set(terms(hit.passage.title))
            passage_terms = set(terms(text)) | title_terms
            focus = [t for t in q_terms if t not in title_terms and t not in topic_terms]
            previous: set[str] = set()
            for span in split_sentences(text):
                sentence = span.of(text)
                sent_terms = terms(sentence)
                if money_terms and _CURRENCY.search(sentence):
                    sent_terms = sent_terms + money_terms  # "40 million euros" is money
                if not looks_like_injection(sentence):
                    context = set(sent_terms) | previous | title_terms
                    raw.append((i, span, sentence, sent_terms, context, passage_terms, focus))
                previous = set(sent_terms)
        if not raw:
            return []
        idf, unseen = idf_weights(r[3] for r in raw)
        dense = self._similarities(question, [r[2] for r in raw])
        out = []
        q_set = set(q_terms)
        max_idf = max((idf.get(t, unseen) for t in q_set), default=1.0) or 1.0
        for (i, span, sentence, sent_terms, context, passage_terms, focus), sim in zip(
            raw, dense, strict=True
        ):
            sent_set = set(sent_terms)
            typed = kind is not None and has_answer_of_type(kind, sentence, q_words)
            features = (
                weighted_coverage(q_terms, sent_set, idf, unseen),
                weighted_coverage(q_terms, context, idf, unseen),
                weighted_coverage(q_terms, passage_terms, idf, unseen),
                len(q_bigrams & _bigrams(sent_terms)) / len(q_bigrams) if q_bigrams else 0.0,
                sim,
                1.0 if typed else 0.0,
                1.0 if kind is not None and not typed else 0.0,
                len(sent_set - q_set) / len(sent_set) if sent_set else 0.0,
                1.0 / (1.0 + i),
                math.log(1 + len(words(sentence))),
                len(entities & context) / len(entities) if entities else 1.0,
                len(entities & passage_terms) / len(entities) if entities else 1.0,
                max((idf.get(t, unseen) for t in q_set - context), default=0.0) / max_idf,
                weighted_coverage(focus, sent_set, idf, unseen),
                weighted_coverage(focus, context, idf, unseen),
            )
            out.append(Candidate(i, span, sentence, features))
        return out

    def _similarities(self, question: str, sentences: list[str]) -> list[float]:
        if self._embeddings is None:
            return [0.0] * len(sentences)
        q = self._embeddings.embed_query(question)
        cache = self._sentence_vectors
        local = {s: v for s in sentences if (v := cache.get(s)) is not None}
        missing = list(dict.fromkeys(s for s in sentences if s not in local))
        if missing:
            local.update(zip(missing, self._embeddings.embed_documents(missing), strict=True))
            if len(cache) + len(missing) > SENTENCE_CACHE_SIZE:
                cache.clear()
            cache.update((s, local[s]) for s in missing)
        vectors = [local[s] for s in sentences]
        qn = math.sqrt(sum(x * x for x in q)) or 1.0
        sims = []
        for v in vectors:
            vn = math.sqrt(sum(x * x for x in v)) or 1.0
            sims.append(sum(a * b for a, b in zip(q, v, strict=True)) / (qn * vn))
        return sims

    def score(self, candidates: Sequence[Candidate]) -> list[Candidate]:
        """The candidates with probabilities, best first."""
        scored = [
            Candidate(
                c.hit_index,
                c.span,
                c.sentence,
                c.features,
                _sigmoid(
                    self.bias + sum(w * f for w, f in zip(self.weights, c.features, strict=True))
                ),
            )
            for c in candidates
        ]
        scored.sort(key=lambda c: (-c.probability, c.hit_index, c.span.start))
        return scored

    @staticmethod
    def support_features(scored: Sequence[Candidate]) -> tuple[float, ...]:
        """Question-level features of scored candidates (best first); see ``SUPPORT_FEATURES``."""
        if not scored:
            return (0.0,) * len(SUPPORT_FEATURES)
        top = scored[0]
        second = scored[1].probability if len(scored) > 1 else 0.0
        return (
            top.probability,
            top.probability - second,
            sum(c.probability for c in scored[:3]),
            max(c.features[1] for c in scored),
            max(c.features[4] for c in scored),
            max(c.features[10] for c in scored),
            *top.features,
        )

    def support(self, scored: Sequence[Candidate]) -> float:
        """Probability that the passages hold an answer, read from the scored sentences."""
        if not scored:
            return 0.0
        features = self.support_features(scored)
        return _sigmoid(
            self.support_bias
            + sum(w * f for w, f in zip(self.support_weights, features, strict=True))
        )

    def select(self, scored: Sequence[Candidate]) -> list[Candidate]:
        """The sentences the answer will quote (empty: abstain)."""
        if not scored or self.support(scored) < self.threshold:
            return []
        best = scored[0].probability
        chosen = [scored[0]]
        for cand in scored[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if cand.probability < best * self.second_ratio:
                break
            if any(c.sentence == cand.sentence for c in chosen):
                continue
            chosen.append(cand)
        return chosen

    def compose(self, question: str, hits: Sequence[Hit]) -> ExtractiveResult:
        """Answer ``question`` from ``hits``, or abstain.

        Args:
            question: The standalone question.
            hits: The retrieved passages, best first.

        Returns:
            The answer text (each sentence verbatim and cited ``[n]``, numbered by first
            appearance) and its citations; ``abstained`` when no sentence supports an answer.
        """
        scored = self.score(self.candidates(question, hits))
        support = self.support(scored)
        chosen = self.select(scored)
        log.debug("extractive support=%.3f chosen=%d of %d", support, len(chosen), len(scored))
        if not chosen:
            return ExtractiveResult("", (), True, support)
        numbers: dict[int, int] = {}
        citations: list[Citation] = []
        parts = []
        for cand in chosen:
            if cand.hit_index not in numbers:
                numbers[cand.hit_index] = len(numbers) + 1
                citations.append(
                    Citation(
                        n=numbers[cand.hit_index],
                        passage=hits[cand.hit_index].passage,
                        quote=cand.sentence,
                    )
                )
            parts.append(f"{cand.sentence} [{numbers[cand.hit_index]}]")
        return ExtractiveResult(" ".join(parts), tuple(citations), False, support)
