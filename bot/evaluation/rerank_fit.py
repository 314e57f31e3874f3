"""Fit the evidence rerank's weights (``bot/engine/retrieval/rerank_weights.json``).

Run: ``python -m bot.evaluation.rerank_fit --news ../shared/eval/news-dev
--squad ../shared/eval/squad-v1.1-dev`` (with ``FOOTNOTE_DATA_DIR`` pointing at a data folder:
the scratch stores of ``footnote eval`` are reused, and made when missing).

What is fitted, and on what: one weight per rerank feature, by a listwise softmax loss (the
probability the model gives to the candidates that hold the evidence), on the **fit half** of a
realistic set (weighted ``news_weight`` times, so its few questions count) plus the questions of
one half of SQuAD's articles (by the same kind of hash), with a small L2 penalty. The report
halves are never seen. The features come from ``HybridRetriever.rerank_features``, the very code
that serves, so the fit and the bot cannot drift apart.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.engine.retrieval.rerank import FEATURES, WEIGHTS_FILE, RerankWeights

log = logging.getLogger(__name__)

DEFAULT_NEWS_WEIGHT = 6.0
DEFAULT_L2 = 1.0
DEFAULT_SQUAD_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class Group:
    """One question's candidates: features, which hold the evidence, and its weight."""

    features: np.ndarray  # (candidates, features)
    labels: np.ndarray  # bool per candidate
    weight: float = 1.0


def squad_half(article_id: str) -> int:
    """0 or 1: which half of SQuAD's articles a question belongs to (0 is fitted on)."""
    digest = hashlib.sha256(f"footnote-squad-split:{article_id}".encode()).hexdigest()
    return int(digest[:8], 16) % 2


def fit_weights(groups: Sequence[Group], l2: float = DEFAULT_L2, steps: int = 3000) -> np.ndarray:
    """Weights maximising the weighted log-probability of the evidence candidates.

    Groups with no positive (or only positives) carry no ranking signal and are skipped. Features
    are standardised for the descent and the weights mapped back, so ``l2`` treats them alike.
    """
    useful = [g for g in groups if 0 < int(g.labels.sum()) < len(g.labels)]
    if not useful:
        raise ValueError("no question has both evidence and non-evidence candidates")
    width = max(len(g.labels) for g in useful)
    dims = useful[0].features.shape[1]
    x = np.zeros((len(useful), width, dims))
    y = np.zeros((len(useful), width))
    mask = np.zeros((len(useful), width), dtype=bool)
    for i, g in enumerate(useful):
        n = len(g.labels)
        x[i, :n], y[i, :n], mask[i, :n] = g.features, g.labels, True
    stacked = x[mask]
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0) + 1e-9
    xs = np.where(mask[..., None], (x - mean) / scale, 0.0)
    weights = np.asarray([g.weight for g in useful], dtype=np.float64)
    weights = weights / weights.sum()
    w = np.zeros(dims)
    m = np.zeros(dims)
    v = np.zeros(dims)
    rate = 0.05
    for step in range(1, steps + 1):  # Adam on a smooth convex loss: a few thousand steps suffice
        s = np.where(mask, xs @ w, -np.inf)
        s = s - s.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        pos = (p * y).sum(axis=1)
        # d(-log pos)/dw = E_p[x] - E_{p|positive}[x]
        expect = np.einsum("qc,qcd->qd", p, xs)
        expect_pos = np.einsum("qc,qcd->qd", p * y, xs) / pos[:, None]
        grad = weights @ (expect - expect_pos) + 2 * l2 * w / len(useful)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w / scale  # the mean shift is the same for every candidate of a question: no bias


def news_groups(retriever: Any, dataset: Any, weight: float) -> list[Group]:
    """Groups of the realistic set's fit half (answerable, follow-up and multi questions)."""
    from bot.evaluation.news import covers

    groups = []
    for q in dataset.questions:
        if q.kind == "unanswerable" or q.split != "fit":
            continue
        query = " ".join(q.turns) if q.kind == "followup" else q.question
        passages, features = retriever.rerank_features(query)
        labels = np.asarray([any(covers(p.text, e) for e in q.evidence) for p in passages])
        groups.append(Group(features, labels, weight))
    return groups


def squad_groups(retriever: Any, dataset: Any, limit: int) -> list[Group]:
    """Groups of SQuAD questions whose article is in the fitted half (at most ``limit``)."""
    from bot.evaluation.retrieval import is_hit
    from vectorstore.base import Hit

    groups = []
    for q in dataset.questions:
        if squad_half(q.article_id) != 0:
            continue
        passages, features = retriever.rerank_features(q.question)
        labels = np.asarray([is_hit(Hit(p, 0.0), q, dataset.article_urls) for p in passages])
        groups.append(Group(features, labels))
        if len(groups) >= limit:
            break
    return groups


def main(argv: Sequence[str] | None = None) -> None:
    """Fit on the scratch stores of the given sets and write the weights file."""
    from bot.config import BotSettings
    from bot.engine.retrieval import HybridRetriever
    from bot.evaluation.news import load_news_dataset
    from bot.evaluation.retrieval import load_dataset
    from bot.evaluation.scratch import scratch_store, slug

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--news", type=Path, required=True, help="a realistic set (fit half)")
    parser.add_argument("--squad", type=Path, help="a SQuAD-style set (one half of its articles)")
    parser.add_argument("--news-weight", type=float, default=DEFAULT_NEWS_WEIGHT)
    parser.add_argument("--squad-limit", type=int, default=DEFAULT_SQUAD_LIMIT)
    parser.add_argument("--l2", type=float, default=DEFAULT_L2)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parents[1] / "engine/retrieval" / WEIGHTS_FILE
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = BotSettings()
    news = load_news_dataset(args.news)
    store, root = scratch_store(settings, news.name, [str(news.corpus)])
    groups = news_groups(HybridRetriever(store, data_dir=root), news, args.news_weight)
    log.info("news fit half: %d questions", len(groups))
    if args.squad is not None:
        squad = load_dataset(args.squad)
        name = slug(args.squad.resolve().name)
        store, root = scratch_store(settings, name, [str(squad.corpus_path)])
        more = squad_groups(HybridRetriever(store, data_dir=root), squad, args.squad_limit)
        log.info("SQuAD fitted half: %d questions", len(more))
        groups += more
    weights = fit_weights(groups, l2=args.l2)
    provenance = (
        f"listwise softmax fit (l2={args.l2}) on the fit half of {news.name} "
        f"(x{args.news_weight:g}, {sum(1 for g in groups if g.weight != 1.0)} questions)"
        + (
            f" + {sum(1 for g in groups if g.weight == 1.0)} questions of one half of "
            f"{args.squad.name}'s articles"
            if args.squad is not None
            else ""
        )
        + "; python -m bot.evaluation.rerank_fit"
    )
    fitted = RerankWeights(tuple(float(w) for w in weights), provenance)
    args.out.write_text(json.dumps(fitted.as_dict(), indent=2) + "\n", encoding="utf-8")
    log.info("weights %s -> %s", dict(zip(FEATURES, np.round(weights, 3), strict=True)), args.out)


if __name__ == "__main__":
    main()
