"""Hybrid retrieval: dense and lexical rankings fused by weighted reciprocal rank, then reranked.

The dense side catches paraphrases, BM25 catches the names and numbers embeddings blur; fusion
by rank (not score) needs no calibration between the two. Fusion finds the right article; the
evidence rerank (``rerank``) then picks, among its top candidates, the passages whose sentences
answer the question.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.engine.retrieval.dense import DenseRetriever
from bot.engine.retrieval.filters import CompiledFilter, passage_timestamp
from bot.engine.retrieval.lexical import (
    DEFAULT_REFRESH_SECONDS,
    LexicalIndex,
    LexicalRetriever,
    LexicalSearch,
    Tokenizer,
)
from bot.engine.retrieval.rerank import (
    DEFAULT_RERANK_DEPTH,
    Candidate,
    RerankWeights,
    candidate_features,
    load_weights,
    rerank_scores,
)
from vectorstore.base import (
    ArticleStore,
    Hit,
    Passage,
)

if TYPE_CHECKING:
    from bot.engine.models import SearchFilters


DEFAULT_DENSE_CANDIDATES = 50
DEFAULT_LEXICAL_CANDIDATES = 50
# Tuned on SQuAD dev (see bench/results/eval-retrieval-*.md): a small k trusts the head of each
# list more, and BM25 (names, numbers, rare words) earns a larger weight than the dense side.
DEFAULT_RRF_K = 5
DEFAULT_DENSE_WEIGHT = 1.0
DEFAULT_LEXICAL_WEIGHT = 1.5
DEFAULT_OVER_CAP_DECAY = 0.8
DEFAULT_MAX_PER_ARTICLE = 2
# The rerank reads the first ``rerank_depth`` passages of the capped list and, beside them, the
# first this-many of the fused list: a long article on the question's subject fills the fused
# head with its passages, and the cap pushed the one holding the answer below the rerank's depth
# (fused rank 10 -> capped 35 for a question about a 25-passage story).
DEFAULT_RERANK_FUSED = 15
MODES = ("hybrid", "rrf", "dense", "bm25")


@dataclass(frozen=True, slots=True)
class _Ranked:
    """Candidate lists of one query, before fusion and the per-article cap."""

    dense: list[Hit]
    lexical_rows: list[tuple[int, float]]
    index: LexicalIndex
    query_vector: Sequence[float] | None = None
    lexical: LexicalSearch | None = None
    query: str = ""  # the query's text, for the rerank's answer-kind feature


class HybridRetriever:
    """Dense + BM25 fused with weighted reciprocal rank fusion, then diversified per article.

    ``score = dense_weight / (rrf_k + dense_rank) + lexical_weight / (rrf_k + lexical_rank)``;
    a passage missing from one list gets nothing from it. With ``prefer_recent`` the fused score
    is multiplied by ``1 + recency_weight * 0.5 ** (age_days / recency_half_life_days)``, the age
    counted back from the newest article in the corpus.

    Diversity is a soft per-article cap: an article's first ``max_per_article`` passages keep
    their score, each further one is multiplied by ``over_cap_decay`` once more (0.8, 0.64, ...)
    before the final sort, so one long article gives way to other articles without hiding a
    clearly better passage of its own (a hard cap cost 5 points of Hits@5 on SQuAD). With
    ``over_cap_decay=0`` the extra passages go behind every other candidate; they are never
    dropped, so a narrow filter still fills ``k``.

    ``hybrid`` then reranks the first ``rerank_depth`` candidates of that list (and any of the
    first ``rerank_fused`` of the fused list the cap pushed below them) by the evidence
    their sentences hold (see ``rerank``; ``Hit.score`` becomes the model's probability, or with
    ``prefer_recent`` ``1 / (rrf_k + reranked rank)`` times the boost) and applies the cap again;
    ``rrf`` is the fused list without the rerank. A store that keeps no sentence vectors (no
    ``passage_vectors``) gets the fused list.
    """

    def __init__(
        self,
        store: ArticleStore,
        *,
        data_dir: Path | None = None,
        dense_candidates: int = DEFAULT_DENSE_CANDIDATES,
        lexical_candidates: int = DEFAULT_LEXICAL_CANDIDATES,
        rrf_k: int = DEFAULT_RRF_K,
        dense_weight: float = DEFAULT_DENSE_WEIGHT,
        lexical_weight: float = DEFAULT_LEXICAL_WEIGHT,
        max_per_article: int | None = DEFAULT_MAX_PER_ARTICLE,
        over_cap_decay: float = DEFAULT_OVER_CAP_DECAY,
        recency_weight: float = 0.3,
        recency_half_life_days: float = 30.0,
        refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
        background_refresh: bool = True,
        tokenizer: Tokenizer | None = None,
        rerank_depth: int = DEFAULT_RERANK_DEPTH,
        rerank_weights: RerankWeights | None = None,
        rerank_fused: int = DEFAULT_RERANK_FUSED,
    ) -> None:
        if max_per_article is not None and max_per_article < 1:
            raise ValueError("max_per_article must be at least 1 (or None for no cap)")
        if not 0.0 <= over_cap_decay <= 1.0:
            raise ValueError("over_cap_decay must be within [0, 1]")
        self.store = store
        self.dense = DenseRetriever(store)
        self.lexical = LexicalRetriever(
            store,
            data_dir=data_dir,
            tokenizer=tokenizer,
            refresh_seconds=refresh_seconds,
            background_refresh=background_refresh,
        )
        self.dense_candidates = dense_candidates
        self.lexical_candidates = lexical_candidates
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.max_per_article = max_per_article
        self.over_cap_decay = over_cap_decay
        self.recency_weight = recency_weight
        self.recency_half_life_days = recency_half_life_days
        self.rerank_depth = rerank_depth
        self.rerank_fused = rerank_fused
        self.rerank_weights = rerank_weights or load_weights()

    # Retriever protocol -------------------------------------------------------------------

    def retrieve(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        """The ``k`` best passages for ``query``; ``Hit.score`` falls with the reranked rank."""
        return self.retrieve_modes(query, k, filters, modes=("hybrid",))["hybrid"]

    def retrieve_dense(
        self, query: str, k: int = 10, filters: SearchFilters | None = None
    ) -> list[Hit]:
        """Dense only (cosine similarity scores), with the same filters and per-article cap."""
        return self.retrieve_modes(query, k, filters, modes=("dense",))["dense"]

    def retrieve_lexical(
        self, query: str, k: int = 10, filters: SearchFilters | None = None
    ) -> list[Hit]:
        """BM25 only (BM25 scores), with the same filters and per-article cap."""
        return self.retrieve_modes(query, k, filters, modes=("bm25",))["bm25"]

    def correct_spelling(self, text: str) -> str:
        """``text`` with its typos read as the indexed words one edit away (see ``lexical``)."""
        return self.lexical.correct_spelling(text)

    def refresh(self) -> None:
        """Rebuild the lexical index now."""
        self.lexical.refresh()

    def retrieve_modes(
        self,
        query: str,
        k: int = 10,
        filters: SearchFilters | None = None,
        *,
        modes: Sequence[str] = MODES,
    ) -> dict[str, list[Hit]]:
        """Several rankings of one query sharing one embedding and one BM25 pass (for eval).

        ``modes`` names any of ``hybrid`` (fused + evidence rerank), ``rrf`` (fused only),
        ``dense`` and ``bm25``.
        """
        unknown = set(modes) - set(MODES)
        if unknown:
            raise ValueError(f"unknown retrieval modes: {sorted(unknown)}")
        compiled = CompiledFilter.from_filters(filters)
        prefer_recent = bool(filters and filters.prefer_recent)
        fused_modes = {"hybrid", "rrf"} & set(modes)
        need_dense = bool(fused_modes) or "dense" in modes
        need_lexical = bool(fused_modes) or "bm25" in modes
        # The cap may push passages out; fetch enough that k distinct-enough ones remain.
        depth_dense = max(self.dense_candidates, 2 * k) if fused_modes else 2 * k
        depth_lexical = max(self.lexical_candidates, 2 * k) if fused_modes else 2 * k
        if "dense" in modes:
            depth_dense = max(depth_dense, 3 * k)
        if "bm25" in modes:
            depth_lexical = max(depth_lexical, 3 * k)
        dense: list[Hit] = []
        query_vector: list[float] | None = None
        if need_dense:
            query_vector = self.dense.embed(query)
            dense = self.dense.search_vector(query_vector, depth_dense, compiled)
        lexical = self.lexical.search_all(query, depth_lexical if need_lexical else 0, compiled)
        index, rows = lexical.index, lexical.rows
        ranked = _Ranked(dense, rows, index, query_vector, lexical, query)
        out: dict[str, list[Hit]] = {}
        known = {hit.passage.id: hit.passage for hit in dense}
        for mode in modes:
            if mode == "dense":
                scored = [(h.passage.id, h.score) for h in dense]
            elif mode == "bm25":
                scored = [(index.ids[row], score) for row, score in rows]
            else:
                scored = self._fuse(ranked)
            if prefer_recent:
                scored = self._boost_recent(scored, ranked)
            if mode == "hybrid":
                scored = self._rerank(scored, k, ranked, known, prefer_recent)
            out[mode] = self._finish(scored, k, ranked, known)
        return out

    # internals ---------------------------------------------------------------------------

    def _fuse(self, ranked: _Ranked) -> list[tuple[str, float]]:
        fused: dict[str, float] = {}
        for rank, hit in enumerate(ranked.dense, start=1):
            fused[hit.passage.id] = self.dense_weight / (self.rrf_k + rank)
        for rank, (row, _) in enumerate(ranked.lexical_rows, start=1):
            pid = ranked.index.ids[row]
            fused[pid] = fused.get(pid, 0.0) + self.lexical_weight / (self.rrf_k + rank)
        return sorted(fused.items(), key=lambda item: item[1], reverse=True)

    def _rerank(
        self,
        scored: list[tuple[str, float]],
        k: int,
        ranked: _Ranked,
        known: dict[str, Passage],
        prefer_recent: bool,
    ) -> list[tuple[str, float]]:
        """The rerank candidates (see ``_candidates``) by evidence, then the rest in fused order.

        Reads the candidates' passage and sentence vectors in one store call; their passages
        join ``known`` so finishing fetches nothing twice.
        """
        found = self._candidates(scored, k, ranked, known)
        if found is None:
            return scored
        ordered, candidates, features = found
        scores = rerank_scores(features, self.rerank_weights)
        order = sorted(range(len(candidates)), key=lambda i: -scores[i])
        reranked_ids = {c.id for c in candidates}
        rest = [pid for pid, _ in ordered if pid not in reranked_ids]
        if prefer_recent:
            # The model's scores spread too far for a x1.3 to count: asked for recent articles,
            # score by reranked rank as fusion scores by fused rank, 1 / (rrf_k + rank), so the
            # boost weighs as much as it does on fused scores.
            by_rank = [
                (pid, 1.0 / (self.rrf_k + rank))
                for rank, pid in enumerate([candidates[i].id for i in order] + rest, start=1)
            ]
            return self._boost_recent(by_rank, ranked)
        reranked = [(candidates[i].id, float(scores[i])) for i in order]
        # The rest keep their fused order, below every reranked candidate.
        floor = float(scores[order[-1]])
        tail = [(pid, floor * 0.5 ** (i + 1) / (1 + len(rest))) for i, pid in enumerate(rest)]
        return reranked + tail

    def _candidates(
        self,
        scored: list[tuple[str, float]],
        k: int,
        ranked: _Ranked,
        known: dict[str, Passage],
    ) -> tuple[list[tuple[str, float]], list[Candidate], np.ndarray] | None:
        """The diversified fused list, its head as rerank candidates and their features.

        The head is the first ``rerank_depth`` (at least ``k``) of the capped list, and then any
        of the first ``rerank_fused`` fused passages the cap pushed below it; each candidate's
        rank is its place in the capped list.

        None when there is nothing to rerank or the store keeps no sentence vectors.
        """
        fetch = getattr(self.store, "passage_vectors", None)
        if not scored or ranked.query_vector is None or not callable(fetch):
            return None
        ordered = scored
        if self.max_per_article is not None:
            ordered = self._diversify(scored, ranked, known, self.max_per_article)
        head = ordered[: max(self.rerank_depth, k)]
        if ordered is not scored:  # the cap must not keep the best fused passages from it
            taken = {pid for pid, _ in head}
            position = {pid: i for i, (pid, _) in enumerate(ordered)}
            pushed_out = [item for item in scored[: self.rerank_fused] if item[0] not in taken]
            head += sorted(pushed_out, key=lambda item: position[item[0]])
        rank_of = {pid: i for i, (pid, _) in enumerate(ordered, start=1)}
        vectors = fetch([pid for pid, _ in head])
        lexical = ranked.lexical
        candidates = [
            Candidate(pid, rank_of[pid], lexical.score_of(pid) if lexical else 0.0, vectors[pid])
            for pid, _ in head
            if pid in vectors  # deleted since the lexical index was built: dropped
        ]
        if not candidates:
            return None
        for cand in candidates:
            known.setdefault(cand.id, cand.vectors.passage)
        tokens = lexical.tokens if lexical else []
        features = candidate_features(
            np.asarray(ranked.query_vector, dtype=np.float32),
            tokens,
            lexical.index.idf(tokens) if lexical else {},
            candidates,
            self.lexical.tokenizer,
            self.rrf_k,
            ranked.query,
        )
        return ordered, candidates, features

    def rerank_features(
        self, query: str, k: int = 10, filters: SearchFilters | None = None
    ) -> tuple[list[Passage], np.ndarray]:
        """The rerank candidates of ``query`` and their features, as ``retrieve`` computes them.

        For fitting the weights: the fit sees exactly what serving sees.
        """
        compiled = CompiledFilter.from_filters(filters)
        query_vector = self.dense.embed(query)
        dense = self.dense.search_vector(query_vector, max(self.dense_candidates, 2 * k), compiled)
        lexical = self.lexical.search_all(query, max(self.lexical_candidates, 2 * k), compiled)
        ranked = _Ranked(dense, lexical.rows, lexical.index, query_vector, lexical, query)
        known = {hit.passage.id: hit.passage for hit in dense}
        found = self._candidates(self._fuse(ranked), k, ranked, known)
        if found is None:
            return [], np.zeros((0, len(self.rerank_weights.values)))
        _, candidates, features = found
        return [c.vectors.passage for c in candidates], features

    def _boost_recent(
        self, scored: list[tuple[str, float]], ranked: _Ranked
    ) -> list[tuple[str, float]]:
        index = ranked.index
        dense_ts = {h.passage.id: passage_timestamp(h.passage) for h in ranked.dense}
        stamps = []
        for pid, _ in scored:
            row = index.position.get(pid)
            ts: float | None = None
            if row is not None and math.isfinite(index.published_ts[row]):
                ts = float(index.published_ts[row])
            elif dense_ts.get(pid) is not None:
                ts = float(dense_ts[pid])  # type: ignore[arg-type]
            stamps.append(ts)
        known = [t for t in stamps if t is not None]
        if not known:
            return scored
        newest = max([*known, index.newest_ts or -math.inf])
        boosted = []
        for (pid, score), ts in zip(scored, stamps, strict=True):
            if ts is not None:
                age_days = max(0.0, (newest - ts) / 86400.0)
                factor = 1.0 + self.recency_weight * 0.5 ** (age_days / self.recency_half_life_days)
                # BM25 and cosine scores can be negative or zero; boost by magnitude.
                score = score * factor if score > 0 else score / factor
            boosted.append((pid, score))
        boosted.sort(key=lambda item: item[1], reverse=True)
        return boosted

    def _article_of(self, pid: str, ranked: _Ranked, known: dict[str, Passage]) -> str:
        passage = known.get(pid)
        if passage is not None:
            return passage.article_id
        row = ranked.index.position.get(pid)
        return ranked.index.article_ids[row] if row is not None else pid

    def _diversify(
        self,
        scored: list[tuple[str, float]],
        ranked: _Ranked,
        known: dict[str, Passage],
        cap: int,
    ) -> list[tuple[str, float]]:
        decay = self.over_cap_decay
        first: list[tuple[str, float]] = []
        overflow: list[tuple[str, float]] = []
        per_article: dict[str, int] = {}
        for pid, score in scored:
            article = self._article_of(pid, ranked, known)
            seen = per_article.get(article, 0)
            per_article[article] = seen + 1
            if seen < cap:
                first.append((pid, score))
            elif decay == 0.0:
                overflow.append((pid, score))
            else:
                factor = decay ** (seen + 1 - cap)
                first.append((pid, score * factor if score > 0 else score / factor))
        first.sort(key=lambda item: item[1], reverse=True)  # stable: ties keep their order
        return first + overflow

    def _finish(
        self,
        scored: list[tuple[str, float]],
        k: int,
        ranked: _Ranked,
        known: dict[str, Passage],
    ) -> list[Hit]:
        if k <= 0:
            return []
        ordered = scored
        if self.max_per_article is not None:
            ordered = self._diversify(scored, ranked, known, self.max_per_article)
        # A few spare candidates cover passages deleted since the lexical index was built.
        head = ordered[: k + 5]
        missing = [pid for pid, _ in head if pid not in known]
        fetched = {p.id: p for p in self.store.get(missing)} if missing else {}
        hits = []
        for pid, score in head:
            passage = known.get(pid) or fetched.get(pid)
            if passage is not None:
                hits.append(Hit(passage, score))
            if len(hits) == k:
                break
        return hits
