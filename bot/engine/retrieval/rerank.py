"""Evidence rerank: the fused top candidates reordered by where the question's evidence is.

Fusion finds the right article well but often ranks another passage of it above the one holding
the answer: the passages of one article share a title and a topic, so their embeddings and BM25
scores look alike. What tells them apart is the sentence that answers, so the top ``depth`` fused
candidates are rescored with a linear model over cheap features, most of them about the passage's
best sentence (sentence vectors are stored at ingest, see ``vectorstore.sentences``):

- ``fused``: the fused rank, as ``1 / (rrf_k + rank)``;
- ``dense``: the passage's cosine to the question, minus the best candidate's;
- ``bm25``: the passage's BM25 score over the best candidate's;
- ``sentence``: the best sentence's cosine to the question, minus the best candidate's;
- ``sentence_terms``: the largest share (by IDF) of the question's terms that one sentence holds;
- ``sentence_both``: the best sentence by terms share + cosine, minus the best candidate's;
- ``sentence_typed``: the largest terms share of a sentence that holds a phrase of the kind the
  question asks for ("how much" -> an amount, "when" -> a date; ``answer_types``), 0 for a
  question that asks for no kind: the passage that answers states one, its neighbours often don't;
- ``passage_focus``: the share (by IDF) of the question's terms *beyond the passage's title* that
  the passage holds. Every passage of an article carries its title, so the words the question
  shares with it ("lc 500 convertible") rank all of them alike and, being rare, outweigh the
  words that say what is asked ("soft top", "close"); those decide between them.

Relative features (minus or over the best candidate) keep one weight vector valid across
questions whose scores sit at different heights. The weights are fitted offline (listwise, on
the fit half of a realistic set plus SQuAD; ``bot.evaluation.rerank_fit``) and shipped as data in
``rerank_weights.json``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from bot.engine.answer_types import expected_type, find_spans
from vectorstore.sentences import PassageVectors

log = logging.getLogger(__name__)

FEATURES = (
    "fused",
    "dense",
    "bm25",
    "sentence",
    "sentence_terms",
    "sentence_both",
    "sentence_typed",
    "passage_focus",
)
DEFAULT_RERANK_DEPTH = 30
WEIGHTS_FILE = "rerank_weights.json"


@dataclass(frozen=True, slots=True)
class RerankWeights:
    """One weight per feature (``FEATURES`` order) and where they came from."""

    values: tuple[float, ...]
    provenance: str = ""

    def __post_init__(self) -> None:
        if len(self.values) != len(FEATURES):
            raise ValueError(f"expected {len(FEATURES)} weights, got {len(self.values)}")

    def as_dict(self) -> dict[str, object]:
        """The JSON form written by the fit and read by ``load_weights``."""
        return {
            "features": list(FEATURES),
            "weights": [round(v, 6) for v in self.values],
            "provenance": self.provenance,
        }


@cache
def load_weights() -> RerankWeights:
    """The shipped weights (``rerank_weights.json`` beside this module)."""
    text = resources.files(__package__).joinpath(WEIGHTS_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    by_name = dict(zip(data["features"], data["weights"], strict=True))
    missing = set(FEATURES) - set(by_name)
    if missing:
        raise ValueError(f"{WEIGHTS_FILE} lacks weights for {sorted(missing)}")
    return RerankWeights(tuple(float(by_name[f]) for f in FEATURES), str(data.get("provenance")))


@dataclass(frozen=True, slots=True)
class Candidate:
    """One fused candidate as the reranker sees it."""

    id: str
    rank: int  # 1-based position in the fused (and diversified) list
    bm25: float  # its BM25 score (0 when BM25 did not score it)
    vectors: PassageVectors


def candidate_features(
    query_vector: np.ndarray,
    query_terms: Sequence[str],
    idf: Mapping[str, float],
    candidates: Sequence[Candidate],
    tokenize: Callable[[str], list[str]],
    rrf_k: float,
    query: str = "",
) -> np.ndarray:
    """The (candidates x ``FEATURES``) matrix for one question (``query``: its text).

    A passage stored without sentence vectors counts as one sentence: itself.
    """
    n = len(candidates)
    out = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if n == 0:
        return out
    q = np.asarray(query_vector, dtype=np.float32)
    q = q / (float(np.linalg.norm(q)) or 1.0)
    terms = set(query_terms)
    total = sum(idf.get(t, 0.0) for t in terms) or 1.0
    dense = np.zeros(n)
    sentence = np.zeros(n)
    sentence_terms = np.zeros(n)
    sentence_both = np.zeros(n)
    sentence_typed = np.zeros(n)
    passage_focus = np.zeros(n)
    kind = expected_type(query) if query else None
    for i, cand in enumerate(candidates):
        vectors = cand.vectors
        dense[i] = float(vectors.vector @ q) / (float(np.linalg.norm(vectors.vector)) or 1.0)
        if vectors.sentences:
            cosines = vectors.sentence_vectors @ q
            texts: Sequence[str] = vectors.sentences
        else:
            cosines = np.asarray([dense[i]])
            texts = (vectors.passage.text,)
        token_sets = [set(tokenize(s)) for s in texts]
        shares = np.asarray(
            [sum(idf.get(t, 0.0) for t in terms.intersection(s)) / total for s in token_sets]
        )
        focus = terms.difference(tokenize(vectors.passage.title))
        if focus:
            held = focus.intersection(set().union(*token_sets))
            passage_focus[i] = sum(idf.get(t, 0.0) for t in held) / (
                sum(idf.get(t, 0.0) for t in focus) or 1.0
            )
        sentence[i] = float(cosines.max())
        sentence_terms[i] = float(shares.max())
        sentence_both[i] = float((cosines + shares).max())
        if kind is not None:
            # Best share first: the first sentence holding the kind is the feature's value (a
            # phrase search costs ~30-150 us, so stopping there saves most of them).
            for j in np.argsort(-shares, kind="stable"):
                if shares[j] <= 0:
                    break
                if find_spans(kind, texts[j], query):
                    sentence_typed[i] = float(shares[j])
                    break
    bm25 = np.asarray([c.bm25 for c in candidates], dtype=np.float64)
    top_bm25 = float(bm25.max())
    out[:, 0] = [1.0 / (rrf_k + c.rank) for c in candidates]
    out[:, 1] = dense - dense.max()
    out[:, 2] = bm25 / top_bm25 if top_bm25 > 0 else 0.0
    out[:, 3] = sentence - sentence.max()
    out[:, 4] = sentence_terms
    out[:, 5] = sentence_both - sentence_both.max()
    out[:, 6] = sentence_typed
    out[:, 7] = passage_focus
    return out


def rerank_scores(features: np.ndarray, weights: RerankWeights) -> np.ndarray:
    """Positive scores, largest first is best: ``exp(w . x - max)`` (the model's probabilities)."""
    if features.size == 0:
        return np.zeros(0)
    linear = features @ np.asarray(weights.values, dtype=np.float64)
    return np.exp(linear - linear.max())
