"""The embedded answerer: composes a short answer from the best-supporting sentences, no LLM.

Each sentence of the retrieved passages is scored for how well it answers the question by a
small logistic model over reading features: IDF-weighted coverage of the question's terms (in the
sentence, its neighbourhood and its passage), whether it contains the kind of thing the question
asks for ("how much" -> an amount, "when" -> a date, "who" -> a name) beyond the question's own
words, the embedding similarity of question and sentence, bigram overlap, and the passage's rank.
The weights and the abstention threshold were fitted on SQuAD dev questions (answerable ones, and
on-topic unanswerable ones made by removing the gold paragraph), see ``bot.evaluation.answers``.

Retrieval scores cannot tell an unanswerable on-topic question from an answerable one, so the
abstention decision reads: when no sentence scores above the threshold, the answerer abstains,
unless a why-question's best sentences state a reason outright ("because ...") about its focus:
such answers share few words with the question, and read as weak support. A question that names
someone in full ("how old is kevin king?") is read only from the stories that name them, when
some retrieved story does: an age in a story about someone else reads as well as any.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from bot.engine.answer_types import (
    DECISIVE_KINDS,
    GATED_KINDS,
    Phrase,
    asked_count,
    asks_term,
    asks_win,
    best_span,
    class_noun,
    dated,
    expected_type,
    given_names,
    named_beside,
    states_reason,
    states_win,
)
from bot.engine.followup import split_context
from bot.engine.models import Citation
from bot.engine.text import (
    QUESTION_WORDS,
    STOPWORDS,
    Span,
    idf_weights,
    looks_like_injection,
    question_terms,
    shown_quote,
    split_sentences,
    stem,
    terms,
    weighted_coverage,
    without_possessive,
    word_matches,
    words,
)
from bot.engine.wordlists import CHAT_FILLER, MONEY_WORDS
from vectorstore.base import Hit
from vectorstore.sentences import PassageVectors, sentence_input

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from vectorstore.chroma import ChromaArticleStore

# Reads the stored vectors of passages by id (``ChromaArticleStore.passage_vectors``).
StoredVectors = Callable[[Sequence[str]], Mapping[str, PassageVectors]]

log = logging.getLogger(__name__)

FEATURES = (
    "cov_sentence",  # IDF-weighted share of question terms in the sentence (the noun that asked
    # for a name, "city" in "what city", counts half in a sentence holding a name of that kind)
    "cov_context",  # ... in the sentence, its predecessor and the article title
    "cov_passage",  # ... anywhere in the passage or title
    "bigrams",  # share of the question's adjacent term pairs found in the sentence
    "dense",  # cosine of the question and the sentence embedded under its article title (the
    # vector ingest stored, else embedded now; 0 without embeddings)
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
    "cov_seen",  # coverage of the question terms that occur somewhere in the retrieved passages
    "cov_seen_context",  # ... in the sentence, its predecessor and the title
    "unseen_share",  # share of question terms found in no retrieved passage (chat filler, or
    # the detail an unanswerable question asks about)
    "span_focus",  # a phrase of the asked kind, in a sentence holding a focus term
    "typed_question",  # the question asks for a kind of phrase at all
    "dense_passage_best",  # the sentence is its passage's most question-like one
    "unseen_content",  # share of the question's content words (chat filler aside) found in no
    # retrieved passage: the detail an unanswerable question asks about
    "asks_reason",  # a why-question: its answer rarely shares the question's words
    "reason_cue",  # ... and the sentence gives a reason ("because", "due to", "led to")
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
    "max_span_focus",  # any sentence has a phrase of the asked kind beside a focus term
    "max_cov_seen_context",  # best coverage of the seen question terms
    *(f"top_{name}" for name in FEATURES),  # the best sentence's own features
)
# Both models were fitted with ``footnote eval answers --fit`` (``bot.evaluation.answers.
# fit_extractive``) on the *fit* halves of two sets: 600 SQuAD v1.1 dev questions (split by a hash
# of the question id) and the realistic news-dev questions (split by a hash of the article id;
# each news question weighs 6 SQuAD ones, since casual questions are what users ask). The
# threshold keeps false refusals on the news fit half at or under 0.05. These are the weights of
# the last fit, made when ``dense`` embedded bare sentences at answer time; it now reads the
# title + sentence vectors ingest stores (~0.3 s less per answer). A refit for that feature was
# measured and not shipped: it refused more (why-questions above all: the fit half holds two),
# held-out right 0.642 vs 0.660 with these weights, and the LLM path, which falls back on the
# reader, 0.604 vs 0.679. Figures on the held-out halves are in bench/results/eval-answers-*.md
# and the README.
DEFAULT_WEIGHTS: tuple[float, ...] = (
    0.7314, 0.6769, 0.4515, 0.4269, 2.2828, 0.6623, -0.9256, 0.3440,
    1.2566, 0.2108, -0.0768, 0.1601, 0.8414, 1.1721, 0.6280, 0.8161,
    0.7801, 0.4583, -0.0486, -0.2203, 0.6029, 0.5270, -0.5764, 0.1912,
)  # fmt: skip
DEFAULT_BIAS = -8.0769
DEFAULT_SUPPORT_WEIGHTS: tuple[float, ...] = (
    0.7143, 1.0754, -0.6426, 1.6894, 0.4381, 2.0059, -0.8823, 1.1912,
    -0.8258, 1.4003, -0.2763, -0.3510, 2.8789, 0.8920, -1.4267, -3.9405,
    0.9204, 0.4150, 1.2620, -0.7120, 0.1219, 0.7578, 0.2875, -0.8127,
    0.7343, 0.7514, -0.3204, 0.4351, 0.3388, -0.0694, 0.9682, -0.3559,
)  # fmt: skip
DEFAULT_SUPPORT_BIAS = -5.7555
DEFAULT_THRESHOLD = 0.45  # abstain when the support probability is below this
DEFAULT_SECOND_RATIO = 0.5  # a 2nd/3rd sentence must score this share of the best
DEFAULT_GATE_RATIO = 0.5  # a typed sentence must score this share of the best to lead
DEFAULT_HANDOFF_RATIO = 0.2  # a sentence near the best with the asked kind leads at this share
DEFAULT_HANDOFF_REACH = 2  # ... this many sentences away in its passage at most
# A why-question's answer shares few words with it, so support reads low even when the best
# sentences say "because ...": one that states a reason outright about the question's focus
# answers down to this support (and leads when it scores ``gate_ratio`` of the best).
DEFAULT_REASON_FLOOR = 0.3
# A question asking what someone calls something is answered by a sentence that gives a name
# ("it's called ...") when it scores this share of the best: a coined name shares no word with
# the question, so such sentences score far below one that merely repeats its words.
DEFAULT_NAME_RATIO = 0.05
_TYPE_FOUND = FEATURES.index("type_found")
_TYPE_MISSING = FEATURES.index("type_missing")
_FOCUS_CONTEXT = FEATURES.index("cov_focus_context")
# A sentence holding the kind asked that scores this share of a best sentence lacking it is read
# as the best by the support model (see ``ExtractiveAnswerer.support``).
TIE_RATIO = 0.9
SENTENCE_CACHE_SIZE = 50_000  # ~80 MB of 384-d vectors at most

# A list may be put in prose ("guitar and saxophone"): one found counts, none is no evidence.
SOFT_KINDS = frozenset({"list"})
NAMED_KINDS = frozenset({"place", "person", "org"})  # asked for with a class noun ("which city")
# An article's own question ("Which ad units are the most popular?") states no answer.
_ASKS = re.compile(r"\?[\s\"'”’)]*$")
_MONEY_TERMS = frozenset(stem(w) for w in MONEY_WORDS)
_CURRENCY = re.compile(
    r"[€$£¥]|\b(euros?|dollars?|pounds?|yen|yuan|francs?|rupees?|usd|eur|gbp|cents?)\b", re.I
)


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
    short_answer: str | None = None  # the phrase that answers, when one was found
    # The lead sentence states the kind of answer asked outright: a reason ("because ..."), a
    # name given ("it's called ..."), a list of the things asked for.
    stated: bool = False


def overlaps(a: str, b: str) -> bool:
    """True when one sentence holds the other (overlapping snippets cut one sentence twice)."""
    a, b = (" " + " ".join(re.findall(r"\w+", x.lower())) + " " for x in (a, b))
    return a in b or b in a


def sentences_beside(
    candidates: Sequence[Candidate], cand: Candidate, reach: int = 1
) -> tuple[list[Candidate], list[Candidate]]:
    """Up to ``reach`` sentences before ``cand`` (nearest first) and after it, in its passage."""
    same = sorted(
        (c for c in candidates if c.hit_index == cand.hit_index), key=lambda c: c.span.start
    )
    at = next(i for i, c in enumerate(same) if c.span == cand.span)
    return same[max(0, at - reach) : at][::-1], same[at + 1 : at + 1 + reach]


def _stored_vector(stored: PassageVectors | None, sentence: str) -> np.ndarray | None:
    """The stored vector of ``sentence``: its own, or the stored sentence that contains it.

    Ingest splits passages by its own rules; where those cut coarser, the containing sentence
    is the closest vector there is. ``None`` when no stored sentence holds it.
    """
    if stored is None or not stored.sentences:
        return None
    text = sentence.strip()
    for row, candidate in enumerate(stored.sentences):
        if candidate == text:
            return stored.sentence_vectors[row]
    for row, candidate in enumerate(stored.sentences):
        if text in candidate:
            return stored.sentence_vectors[row]
    return None


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


def _near_best(
    scored: Sequence[Candidate], holds: Callable[[Candidate], bool], ratio: float
) -> Candidate | None:
    """The best-scoring candidate that ``holds``, if it scores ``ratio`` of the best at least."""
    found = next((c for c in scored if holds(c)), None)
    if found is None or found.probability < scored[0].probability * ratio:
        return None
    return found


# Capitalised words in a row: "Kevin King", "Hazel Hen", "Hong Kong" (not across punctuation:
# "Meth. We're On It" is two runs).
_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*)+")


def named_in_question(question: str, hits: Sequence[Hit]) -> list[tuple[str, ...]]:
    """The names a question gives, lower-cased: full names of two words or more, then words.

    Typed in capitals after the first word ("how old is Kevin King?"), or in lower case as
    the retrieved passages capitalise them ("how old is kevin king?": casual questions come
    in lower case, and a pair of words the passages write "Kevin King" is a name). A name's
    words stand next to each other, nothing but a space between them, and the passages never
    write its first word in lower case. A single word is a name ("hayward") where the passages
    write it capitalised inside a sentence and never in lower case, in any form.
    """
    skip = STOPWORDS | QUESTION_WORDS | CHAT_FILLER
    known: set[tuple[str, str]] = set()
    common: set[str] = set()  # words the passages also write in lower case
    for hit in hits:
        for text in (hit.passage.title, hit.passage.text):
            for caps in _CAPITALISED_RUN.finditer(text):
                lowered = [w.lower() for w in words(caps.group())]
                known.update(zip(lowered, lowered[1:], strict=False))
        common.update(w for w in words(hit.passage.text) if w[0].islower())
    tokens = word_matches(question)

    def adjacent(i: int) -> bool:  # token i follows token i - 1 with only a space between
        return 0 < i < len(tokens) and not question[tokens[i - 1].end() : tokens[i].start()].strip()

    found: list[tuple[str, ...]] = []
    run: list[str] = []
    for i, match in enumerate(tokens):
        word, low = match.group(), match.group().lower()
        following = tokens[i + 1].group().lower() if adjacent(i + 1) else None
        name_word = (
            low not in skip
            and word[0].isalpha()
            and (
                (i > 0 and word[0].isupper())
                or (bool(run) and (run[-1], low) in known)
                or (following is not None and (low, following) in known)
            )
        )
        if run and not (name_word and adjacent(i)):
            if len(run) >= 2:
                found.append(tuple(run))
            run = []
        if name_word:
            run.append(low)
    if len(run) >= 2:
        found.append(tuple(run))
    # A name's first word is a name's ("Kevin"); one the passages also write in lower case
    # makes a title or a term ("Western Europe", "Medical Drama", "World Trade").
    names = [name for name in found if name[0] not in common]
    # A single word is a name where the passages write it capitalised inside a sentence and
    # never in lower case, in any form ("Hayward", "BART"; not "Grant" beside "grants").
    inside = {w for name in names for w in name}
    common_stems = {stem(w) for w in common}
    proper = _proper_words(hits) - _CALENDAR_WORDS
    for match in tokens:
        low = without_possessive(match.group().lower())
        if (
            low in proper
            and low not in skip
            and low not in inside
            and stem(low) not in common_stems
        ):
            inside.add(low)
            names.append((low,))
    return names


_CALENDAR_WORDS = frozenset(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
     "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december")
)  # fmt: skip
# A capitalised word inside a sentence: after a lower-case word, a digit or a comma.
_MID_SENTENCE_CAPITAL = re.compile(r"(?<=[a-z0-9,;] )[A-Z][\w&'’-]*")


def _proper_words(hits: Sequence[Hit]) -> set[str]:
    """Words the passages write capitalised inside a sentence (not where any sentence starts)."""
    return {
        without_possessive(m.group().lower())
        for hit in hits
        for m in _MID_SENTENCE_CAPITAL.finditer(hit.passage.text)
    }


def holds_name(passage_text: str, title: str, name: Sequence[str]) -> bool:
    """True when the passage (or its title) names ``name`` in full or by its last word."""
    text = f"{title}\n{passage_text}"
    full = r"\s+".join(re.escape(w) for w in name)
    if re.search(rf"(?<!\w){full}(?!\w)", text, re.I):
        return True
    last = name[-1]
    return bool(re.search(rf"(?<!\w){re.escape(last[:1].upper() + last[1:])}(?!\w)", text))


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
        gate_ratio: float = DEFAULT_GATE_RATIO,
        handoff_ratio: float = DEFAULT_HANDOFF_RATIO,
        handoff_reach: int = DEFAULT_HANDOFF_REACH,
        reason_floor: float = DEFAULT_REASON_FLOOR,
        name_ratio: float = DEFAULT_NAME_RATIO,
        stored_vectors: StoredVectors | None = None,
    ) -> None:
        """Build a reader; the arguments beyond the fitted knobs are these.

        embeddings: The store's model, for the ``dense`` feature (none: the feature is 0).
        stored_vectors: Reads the sentence vectors ingest stored with each passage; embedding
            ~40 sentences per question instead takes ~0.3 s on 2 cores. Sentences it has no
            vector for are embedded (and cached) the same way, title first.
        """
        if len(weights) != len(FEATURES):
            raise ValueError(f"need {len(FEATURES)} weights, got {len(weights)}")
        if len(support_weights) != len(SUPPORT_FEATURES):
            raise ValueError(f"need {len(SUPPORT_FEATURES)} support weights")
        self._embeddings = embeddings
        self._stored_vectors = stored_vectors
        # Sentences embedded here (no stored vector) are embedded once: popular passages come
        # back for many questions.
        self._sentence_vectors: dict[str, np.ndarray] = {}
        self.weights = tuple(weights)
        self.bias = bias
        self.support_weights = tuple(support_weights)
        self.support_bias = support_bias
        self.threshold = threshold
        self.max_sentences = max_sentences
        self.second_ratio = second_ratio
        self.gate_ratio = gate_ratio
        self.handoff_ratio = handoff_ratio
        self.handoff_reach = handoff_reach
        self.reason_floor = reason_floor
        self.name_ratio = name_ratio

    @classmethod
    def for_store(cls, store: ChromaArticleStore) -> ExtractiveAnswerer:
        """The reader over ``store``: its model for the question, its stored sentence vectors."""
        return cls(store.embeddings, stored_vectors=store.passage_vectors)

    def candidates(self, question: str, hits: Sequence[Hit]) -> list[Candidate]:
        """Every usable sentence of ``hits`` with its features (unscored)."""
        # A heuristic follow-up rewrite ends in "(context words)": they name the topic (like
        # a title does), the follow-up's own words are its focus.
        core, context_words = split_context(question)
        topic_terms = set(terms(context_words))
        q_terms = question_terms(question)
        q_bigrams = _bigrams(q_terms)
        kind = expected_type(core)
        noun = class_noun(core) if kind in NAMED_KINDS else None
        class_terms = set(terms(noun)) if noun else set()
        entities = question_entities(question)
        # Amounts of money answer "how much money/cost/price" though they share no word with it.
        money_terms = [t for t in q_terms if t in _MONEY_TERMS]
        raw: list[tuple[int, Span, str, list[str], set[str], set[str], list[str]]] = []
        seen: set[str] = set()
        for i, hit in enumerate(hits):
            text = hit.passage.text
            title_terms = set(terms(hit.passage.title))
            passage_terms = set(terms(text)) | title_terms
            seen |= passage_terms
            focus = [t for t in q_terms if t not in title_terms and t not in topic_terms]
            previous: set[str] = set()
            for span in split_sentences(text):
                sentence = span.of(text)
                sent_terms = terms(sentence)
                if money_terms and _CURRENCY.search(sentence):
                    sent_terms = sent_terms + money_terms  # "40 million euros" is money
                if not looks_like_injection(sentence) and not _ASKS.search(sentence):
                    context = set(sent_terms) | previous | title_terms
                    raw.append((i, span, sentence, sent_terms, context, passage_terms, focus))
                previous = set(sent_terms)
        if not raw:
            return []
        idf, unseen = idf_weights(r[3] for r in raw)
        dense = self._similarities(question, hits, [(r[0], r[2]) for r in raw])
        best_dense: dict[int, float] = {}
        for r, sim in zip(raw, dense, strict=True):
            best_dense[r[0]] = max(best_dense.get(r[0], -1.0), sim)
        out = []
        q_set = set(q_terms)
        seen_terms = [t for t in q_terms if t in seen]
        unseen_share = 1.0 - len(set(seen_terms)) / len(q_set) if q_set else 0.0
        content = {
            stem(w.lower())
            for w in words(core)
            if w.lower() not in CHAT_FILLER and stem(w.lower()) in q_set
        }
        unseen_content = len(content - seen) / len(content) if content else 0.0
        max_idf = max((idf.get(t, unseen) for t in q_set), default=1.0) or 1.0
        for (i, span, sentence, sent_terms, context, passage_terms, focus), sim in zip(
            raw, dense, strict=True
        ):
            sent_set = set(sent_terms)
            phrase = best_span(kind, sentence, core) if kind is not None else None
            typed = phrase is not None
            # "what city": a sentence naming a place has (half of) what "city" asked for
            implied = class_terms if typed else frozenset()
            has_focus = any(t in sent_set for t in focus if t in seen) or not focus
            features = (
                weighted_coverage(q_terms, sent_set, idf, unseen, implied),
                weighted_coverage(q_terms, context, idf, unseen, implied),
                weighted_coverage(q_terms, passage_terms, idf, unseen),
                len(q_bigrams & _bigrams(sent_terms)) / len(q_bigrams) if q_bigrams else 0.0,
                sim,
                1.0 if typed else 0.0,
                1.0 if kind is not None and kind not in SOFT_KINDS and not typed else 0.0,
                len(sent_set - q_set) / len(sent_set) if sent_set else 0.0,
                1.0 / (1.0 + i),
                math.log(1 + len(words(sentence))),
                len(entities & context) / len(entities) if entities else 1.0,
                len(entities & passage_terms) / len(entities) if entities else 1.0,
                max((idf.get(t, unseen) for t in q_set - context), default=0.0) / max_idf,
                weighted_coverage(focus, sent_set, idf, unseen, implied),
                weighted_coverage(focus, context, idf, unseen, implied),
                weighted_coverage(seen_terms, sent_set, idf, unseen, implied)
                if seen_terms
                else 0.0,
                weighted_coverage(seen_terms, context, idf, unseen, implied) if seen_terms else 0.0,
                unseen_share,
                1.0 if typed and has_focus else 0.0,
                1.0 if kind is not None else 0.0,
                1.0 if sim >= best_dense[i] else 0.0,
                unseen_content,
                1.0 if kind == "reason" else 0.0,
                1.0 if kind == "reason" and typed else 0.0,
            )
            out.append(Candidate(i, span, sentence, features))
        return out

    def _similarities(
        self, question: str, hits: Sequence[Hit], sentences: Sequence[tuple[int, str]]
    ) -> list[float]:
        """Cosine of the question and each ``(hit index, sentence)`` under its article title."""
        if self._embeddings is None:
            return [0.0] * len(sentences)
        q = np.asarray(self._embeddings.embed_query(question), dtype=np.float32)
        q /= float(np.linalg.norm(q)) or 1.0
        stored = self._stored(hits)
        found: list[np.ndarray | str] = []  # each sentence's vector, or the input to embed for it
        for i, sentence in sentences:
            vector = _stored_vector(stored.get(hits[i].passage.id), sentence)
            if vector is None:
                key = sentence_input(sentence, hits[i].passage.title)
                vector = self._sentence_vectors.get(key)
                found.append(key if vector is None else vector)
            else:
                found.append(vector)
        missing = list(dict.fromkeys(f for f in found if isinstance(f, str)))
        fresh: dict[str, np.ndarray] = {}  # read from here: another thread may clear the cache
        if missing:
            matrix = np.asarray(self._embeddings.embed_documents(missing), dtype=np.float32)
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            fresh = dict(zip(missing, matrix / np.where(norms == 0, 1.0, norms), strict=True))
            if len(self._sentence_vectors) + len(missing) > SENTENCE_CACHE_SIZE:
                self._sentence_vectors.clear()
            self._sentence_vectors.update(fresh)
        return [float((fresh[f] if isinstance(f, str) else f) @ q) for f in found]

    def _stored(self, hits: Sequence[Hit]) -> Mapping[str, PassageVectors]:
        """The stored vectors of the hits' passages (none when unavailable: they get embedded)."""
        if self._stored_vectors is None or not hits:
            return {}
        try:
            return self._stored_vectors(list(dict.fromkeys(h.passage.id for h in hits)))
        except Exception:  # a store hiccup costs speed, never the answer
            log.warning("could not read stored sentence vectors; embedding instead", exc_info=True)
            return {}

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
            max(c.features[18] for c in scored),
            max(c.features[16] for c in scored),
            *top.features,
        )

    def support(self, scored: Sequence[Candidate]) -> float:
        """Probability that the passages hold an answer, read from the scored sentences.

        The support model reads the best sentence's own features. When that sentence only
        restates the question ("Wales beat Hungary 2-0" for "who scored for wales against
        hungary?") and one of the next two, holding the kind asked, scores nearly as well
        (``TIE_RATIO``), that one is read as the best: a near-tie must not decide abstention.
        """
        if not scored:
            return 0.0
        top = scored[0]
        if top.features[_TYPE_MISSING]:
            tied = next(
                (
                    c
                    for c in scored[1:3]
                    if c.features[_TYPE_FOUND] and c.probability >= top.probability * TIE_RATIO
                ),
                None,
            )
            if tied is not None:
                scored = [tied, *(c for c in scored if c is not tied)]
        features = self.support_features(scored)
        return _sigmoid(
            self.support_bias
            + sum(w * f for w, f in zip(self.support_weights, features, strict=True))
        )

    def select(
        self,
        scored: Sequence[Candidate],
        support: float | None = None,
        *,
        gated: bool = False,
        decisive: bool = False,
        reason: bool = False,
        named: str | None = None,
        listed: float | None = None,
    ) -> list[Candidate]:
        """The sentences the answer will quote (empty: abstain).

        With ``gated`` (the question asks for an amount, a date, a name...), the lead sentence
        must hold a phrase of that kind: the best such sentence leads if it scores at least
        ``gate_ratio`` of the best sentence overall, or else a neighbour of the best sentence
        holding one (``_handoff``: "... is the Barnett Tower." "It is 617 ft tall."); otherwise
        the answerer abstains: no sentence states what was asked. With ``decisive`` (a phrase of
        the kind is the answer itself: an abbreviation's long form beside it), the best sentence
        holding one leads, whatever the support. With ``reason`` (a why-question), the best
        sentence that states a reason outright leads if it scores ``gate_ratio`` of the best, and
        alone answers down to ``reason_floor`` when it holds a term of the question's focus.
        With ``named`` (the question, when it asks what someone calls something), the best sentence
        that gives a name ("it's called ...", "what I'll call ...") leads if it scores
        ``name_ratio`` of the best, down to ``reason_floor`` support: a coined name shares no
        words with the question. With ``listed`` (a question asking for several things), the
        best sentence holding a list leads if it scores that share of the best: a list is a
        sentence of names with few of the question's words.
        """
        if support is None:
            support = self.support(scored)
        if not scored:
            return []
        typed = [c for c in scored if c.features[_TYPE_FOUND]] if decisive else []
        stated = None
        if named is not None:  # a name given after a cue
            stated = _near_best(
                scored, lambda c: bool(given_names(c.sentence, named)), self.name_ratio
            )
        elif listed is not None:  # a list
            stated = _near_best(scored, lambda c: bool(c.features[_TYPE_FOUND]), listed)
        elif reason:  # a reason stated outright
            stated = _near_best(scored, lambda c: states_reason(c.sentence), self.gate_ratio)
        if support < self.threshold and not typed:
            if stated is None or support < self.reason_floor:
                return []
            if reason and not stated.features[_FOCUS_CONTEXT]:
                return []
            return [stated]
        best = scored[0].probability
        lead = scored[0]
        if typed:
            lead = typed[0]
        elif stated is not None:
            lead = stated
        elif gated:
            typed = [c for c in scored if c.features[_TYPE_FOUND]]
            if typed and typed[0].probability >= best * self.gate_ratio:
                lead = typed[0]
            else:  # the best sentence may restate the question and the next one state it
                lead = self._handoff(scored, lead, best)
                if not lead.features[_TYPE_FOUND]:
                    return []
        else:
            lead = self._handoff(scored, lead, best)
        chosen = [lead]
        for cand in scored:
            if cand is lead:
                continue
            if len(chosen) >= self.max_sentences:
                break
            if cand.probability < best * self.second_ratio:
                break
            if any(overlaps(c.sentence, cand.sentence) for c in chosen):
                continue
            chosen.append(cand)
        return chosen

    def list_ratio(self, question: str) -> float:
        """How near the best a sentence holding a list must score to lead a list answer.

        A list of exactly the number asked for ("which 5 companies") is the answer nearly
        wherever it stands; any other list must score ``handoff_ratio`` of the best.
        """
        return self.name_ratio if asked_count(question) is not None else self.handoff_ratio

    def _handoff(self, scored: Sequence[Candidate], lead: Candidate, best: float) -> Candidate:
        """The sentence near ``lead`` that says what ``lead`` only restates, or ``lead``.

        The sentence closest to a question's words often restates it ("The Hawks beat the
        Rovers") and one after or before it holds the asked-for phrase ("Ina Berg scored twice";
        a quote, then "…, said a Rovers fan"; "The Hawks' cup run ended on Saturday." "Berg said
        the game was their biggest." "In the end, they lost 3-1."). Walking away from the lead in
        its passage past at most ``handoff_reach`` - 1 sentences that lack the asked kind too,
        the first one that has it leads if it scores ``handoff_ratio`` of the best.
        """
        if not lead.features[_TYPE_MISSING]:
            return lead
        before, after = sentences_beside(scored, lead, self.handoff_reach)
        typed = []
        for side in (after, before):
            found = next((c for c in side if not c.features[_TYPE_MISSING]), None)
            if (
                found is not None
                and found.features[_TYPE_FOUND]
                and found.probability >= best * self.handoff_ratio
            ):
                typed.append(found)
        return max(typed, key=lambda c: c.probability) if typed else lead

    def compose(
        self, question: str, hits: Sequence[Hit], *, avoid: Sequence[str] = ()
    ) -> ExtractiveResult:
        """Answer ``question`` from ``hits``, or abstain.

        The reply leads with the short answer when the question asks for a kind of phrase (an
        amount, a date, a name, a reason) and the best sentence holds one, then quotes that
        sentence verbatim with its citation; further sentences that score nearly as well follow.

        Args:
            question: The standalone question.
            hits: The retrieved passages, best first.
            avoid: Sentences already quoted in this conversation: a follow-up asks something new,
                so they give way to another sentence that scores nearly as well.

        Returns:
            The answer text (each sentence verbatim and cited ``[n]``, numbered by first
            appearance) and its citations; ``abstained`` when no sentence supports an answer.
        """
        return self.compose_scored(
            question, hits, self.score(self.candidates(question, hits)), avoid=avoid
        )

    def compose_scored(
        self,
        question: str,
        hits: Sequence[Hit],
        scored: Sequence[Candidate],
        *,
        avoid: Sequence[str] = (),
    ) -> ExtractiveResult:
        """``compose`` from candidates already scored (the LLM path scores them once for both)."""
        core, _ = split_context(question)
        kind = expected_type(core)
        term = asks_term(core)
        named = self._naming(core, hits, scored)
        if asks_win(core):  # a sentence that says no one won names no winner
            named = [c for c in named if states_win(c.sentence, core)]
        # Setting stories aside narrows the reading; it never makes the passages read as a
        # stronger answer (a best sentence left alone has a wider margin over the rest). When
        # the best sentence stays, the reading is the one the support model was fitted on.
        support = self.support(scored)
        if not named or named[0] is not scored[0]:
            support = min(support, self.support(named))
        scored = named
        if avoid:
            scored = self._demote(scored, set(avoid))
        chosen = self.select(
            scored,
            support,
            gated=kind in GATED_KINDS,
            decisive=kind in DECISIVE_KINDS,
            reason=kind == "reason",
            named=core if term else None,
            listed=self.list_ratio(core) if kind == "list" else None,
        )
        log.debug("extractive support=%.3f chosen=%d of %d", support, len(chosen), len(scored))
        if not chosen or (chosen[0].sentence in avoid and chosen[0].features[_TYPE_MISSING]):
            # A follow-up (or a question's second part) asks something new: a sentence already
            # quoted that holds no phrase of the kind now asked ("who designed it?" after the
            # repair's cost) does not answer it, however well it covers the borrowed subject.
            return ExtractiveResult("", (), True, support)
        focus = set(question_terms(core))
        lead = chosen[0]
        lead_names = given_names(lead.sentence, core) if term else []
        numbers: dict[int, int] = {}
        citations: list[Citation] = []
        parts = []
        short: Phrase | None = None
        for position, cand in enumerate(chosen):
            if cand.hit_index not in numbers:
                numbers[cand.hit_index] = len(numbers) + 1
                citations.append(
                    Citation(
                        n=numbers[cand.hit_index],
                        passage=hits[cand.hit_index].passage,
                        quote=cand.sentence,
                    )
                )
            quoted = f"“{shown_quote(cand.sentence)}” [{numbers[cand.hit_index]}]"
            if position == 0:
                # The article's own subject ("WeWork" in a WeWork story) is everywhere; the
                # phrase asked for sits by the words that are the question's focus ("Meetup").
                title = set(terms(hits[cand.hit_index].passage.title))
                short = best_span(kind, cand.sentence, core, focus - title or focus)
                short = next(iter(lead_names), short)
                if short is None and kind is None:  # "what bacterium": the name beside it
                    short = named_beside(cand.sentence, core)
                if short is not None and short.text.strip() != cand.sentence.strip():
                    shown = short.text
                    if kind == "date":
                        shown = dated(shown, hits[cand.hit_index].passage.published)
                    quoted = f"{shown} — {quoted}"
            parts.append(quoted)
        stated = (
            (kind == "reason" and states_reason(lead.sentence))
            or (kind == "list" and bool(lead.features[_TYPE_FOUND]))
            or bool(lead_names)
        )
        return ExtractiveResult(
            "\n".join(parts),
            tuple(citations),
            False,
            support,
            short.text if short else None,
            stated,
        )

    @staticmethod
    def _naming(question: str, hits: Sequence[Hit], scored: Sequence[Candidate]) -> list[Candidate]:
        """The sentences of passages that name whom the question names, when some passages do.

        "how old is kevin king?" is not answered by an age in a story about someone else,
        however well it reads: where the stories that name Kevin King state no age, the reader
        abstains. A story names someone when one of its retrieved passages does, in full or by
        last name (news refers to people so; its other passages say "he"); the passages of one
        story share its id, and the snippets of one page its title. Questions naming no one, or
        no one any passage names, read all sentences.
        """
        names = named_in_question(question, hits)
        if hits:  # a single word sets stories aside only when the best passage's story names it
            top = hits[0].passage
            best = [
                h.passage
                for h in hits
                if h.passage.article_id == top.article_id
                or (top.title and h.passage.title == top.title)
            ]
            names = [
                name
                for name in names
                if len(name) > 1 or any(holds_name(p.text, p.title, name) for p in best)
            ]
        if not names:
            return list(scored)
        naming = [
            hit.passage
            for hit in hits
            if any(holds_name(hit.passage.text, hit.passage.title, name) for name in names)
        ]
        if not naming:
            return list(scored)
        articles = {p.article_id for p in naming}
        titles = {p.title for p in naming if p.title}
        about = {
            i
            for i, hit in enumerate(hits)
            if hit.passage.article_id in articles or hit.passage.title in titles
        }
        return [c for c in scored if c.hit_index in about]

    @staticmethod
    def _demote(scored: Sequence[Candidate], avoid: set[str]) -> list[Candidate]:
        """Halve the score of sentences the conversation already quoted, then re-sort."""
        demoted = [
            replace(c, probability=c.probability * 0.5) if c.sentence in avoid else c
            for c in scored
        ]
        demoted.sort(key=lambda c: (-c.probability, c.hit_index, c.span.start))
        return demoted
