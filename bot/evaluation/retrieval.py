"""Retrieval evaluation: Hits@k and MRR over a question set with gold answers (e.g. SQuAD dev).

A retrieved passage is a hit when it belongs to the question's gold article and contains one of
the gold answer strings. The hybrid, dense-only and BM25-only rankings are measured in one run,
sharing each query's embedding and BM25 pass.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine.models import Retriever
from vectorstore.base import Hit
from vectorstore.errors import FootnoteError

log = logging.getLogger(__name__)

DEFAULT_KS = (1, 5, 10)
RETRIEVER_LABELS = {
    "hybrid": "hybrid (RRF + evidence rerank)",
    "rrf": "RRF only (no rerank)",
    "dense": "dense only",
    "bm25": "BM25 only",
}


class DatasetError(FootnoteError):
    """An evaluation dataset is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Question:
    """One evaluation question with its gold answers and where they are."""

    id: str
    question: str
    answers: tuple[str, ...]
    article_id: str
    passage_id: str | None = None


@dataclass(frozen=True, slots=True)
class Dataset:
    """A corpus file plus the questions of one split."""

    name: str
    directory: Path
    corpus_path: Path
    split: str
    questions: tuple[Question, ...]
    article_urls: Mapping[str, str]  # gold article id -> URL, to recognise re-keyed articles


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file; a bad line or an unreadable file is a ``DatasetError``."""
    rows = []
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except ValueError as exc:
                        raise DatasetError(f"{path}:{number}: not JSON: {exc}") from exc
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc}") from exc
    return rows


def load_dataset(directory: Path | str, split: str = "dev") -> Dataset:
    """Read ``DIR/corpus.jsonl`` (its ids and URLs) and ``DIR/queries.<split>.jsonl``.

    Raises:
        DatasetError: a file is missing or a row lacks a required field.
    """
    directory = Path(directory)
    corpus = directory / "corpus.jsonl"
    queries = directory / f"queries.{split}.jsonl"
    for path in (corpus, queries):
        if not path.is_file():
            raise DatasetError(f"{path} does not exist")
    urls: dict[str, str] = {}
    for row in read_jsonl(corpus):
        if "id" not in row:
            raise DatasetError(f"{corpus}: an article has no 'id'")
        if row.get("url"):
            urls[str(row["id"])] = str(row["url"])
    questions = []
    for row in read_jsonl(queries):
        try:
            questions.append(
                Question(
                    id=str(row["id"]),
                    question=str(row["question"]),
                    answers=tuple(str(a) for a in row["answers"]),
                    article_id=str(row["article_id"]),
                    passage_id=row.get("passage_id"),
                )
            )
        except KeyError as exc:
            raise DatasetError(f"{queries}: a question lacks {exc}") from exc
    return Dataset(directory.name, directory, corpus, split, tuple(questions), urls)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def is_hit(hit: Hit, question: Question, article_urls: Mapping[str, str]) -> bool:
    """True when ``hit`` is from the gold article and contains a gold answer string."""
    passage = hit.passage
    gold_url = article_urls.get(question.article_id)
    same_article = passage.article_id == question.article_id or (
        gold_url is not None and passage.url == gold_url
    )
    if not same_article:
        return False
    text = _squash(passage.text)
    return any(_squash(answer) in text for answer in question.answers if answer.strip())


def searched_rankings(retriever: Retriever, k: int) -> Callable[[str], dict[str, list[Hit]]]:
    """Each mode's top ``k`` for a question, searched as the bot searches it.

    Read as meant and with typos read as the corpus's words: the figures measure the retrieval
    users get. A ``HybridRetriever`` gives every mode it has; any other retriever its own list.
    """
    from bot.engine.answering import searched_for

    modes = getattr(retriever, "retrieve_modes", None)
    if callable(modes):
        return lambda query: modes(searched_for(query, retriever), k)
    return lambda query: {"retriever": retriever.retrieve(searched_for(query, retriever), k)}


def evaluate_retrieval(
    retriever: Retriever,
    dataset: Dataset,
    ks: Sequence[int] = DEFAULT_KS,
    limit: int | None = None,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, dict[str, float]]:
    """Hits@k for each k and MRR@max(k), per retriever.

    A ``HybridRetriever`` is measured as ``hybrid``, ``rrf``, ``dense`` and ``bm25`` in the same
    run; any other ``Retriever`` as ``retriever``.

    Returns:
        ``{name: {"hits@1": .., "hits@5": .., "hits@10": .., "mrr@10": .., "n": ..}}``.
    """
    ks = tuple(sorted(set(ks)))
    if not ks or ks[0] < 1:
        raise ValueError("ks must be positive")
    depth = ks[-1]
    questions = dataset.questions[:limit] if limit is not None else dataset.questions
    rank = searched_rankings(retriever, depth)
    first_hit: dict[str, list[int | None]] = {}
    started = time.perf_counter()
    for number, question in enumerate(questions, start=1):
        for name, hits in rank(question.question).items():
            position = next(
                (
                    i
                    for i, hit in enumerate(hits[:depth], start=1)
                    if is_hit(hit, question, dataset.article_urls)
                ),
                None,
            )
            first_hit.setdefault(name, []).append(position)
        if on_progress is not None:
            on_progress(number, len(questions))
    log.info("evaluated %d questions in %.1fs", len(questions), time.perf_counter() - started)
    results: dict[str, dict[str, float]] = {}
    for name, positions in first_hit.items():
        n = len(positions)
        metrics: dict[str, float] = {}
        for k in ks:
            metrics[f"hits@{k}"] = sum(1 for p in positions if p is not None and p <= k) / n
        metrics[f"mrr@{depth}"] = sum(1.0 / p for p in positions if p is not None) / n
        metrics["n"] = n
        results[name] = metrics
    return results


def _metric_columns(results: Mapping[str, Mapping[str, float]]) -> list[str]:
    columns: list[str] = []
    for metrics in results.values():
        for key in metrics:
            if key != "n" and key not in columns:
                columns.append(key)
    hits = sorted((c for c in columns if c.startswith("hits@")), key=lambda c: int(c[5:]))
    return hits + [c for c in columns if not c.startswith("hits@")]


def format_table(results: Mapping[str, Mapping[str, float]]) -> str:
    """A markdown table: one row per retriever, one column per metric."""
    columns = _metric_columns(results)
    head = "| retriever | " + " | ".join(
        c.replace("hits", "Hits").replace("mrr", "MRR") for c in columns
    )
    lines = [head + " | n |", "|---" * (len(columns) + 2) + "|"]
    for name, metrics in results.items():
        cells = " | ".join(f"{metrics.get(c, float('nan')):.3f}" for c in columns)
        lines.append(f"| {RETRIEVER_LABELS.get(name, name)} | {cells} | {int(metrics['n'])} |")
    return "\n".join(lines)


def _slug(text: str) -> str:
    return re.sub(r"[^a-zA-Z0-9._-]+", "-", text).strip("-").lower() or "report"


def write_report(
    results: Mapping[str, Mapping[str, float]],
    out_dir: Path | str,
    title: str,
    *,
    stem: str | None = None,
    details: Mapping[str, object] | None = None,
) -> Path:
    """Write ``<stem>.md`` (table), ``<stem>.png`` (Hits@k per retriever) and ``<stem>.json``.

    Returns:
        The markdown file's path.
    """
    from matplotlib.figure import Figure  # Agg canvas, no pyplot global state

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = stem or f"eval-retrieval-{_slug(title)}"
    png, md, js = out / f"{stem}.png", out / f"{stem}.md", out / f"{stem}.json"

    figure = Figure(figsize=(6, 4), dpi=100)
    axes = figure.add_subplot()
    for name, metrics in results.items():
        ks = sorted(int(key[5:]) for key in metrics if key.startswith("hits@"))
        axes.plot(
            ks,
            [metrics[f"hits@{k}"] for k in ks],
            marker="o",
            label=RETRIEVER_LABELS.get(name, name),
        )
    axes.set_xlabel("k")
    axes.set_ylabel("Hits@k")
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(png)

    lines = [f"# {title}", "", format_table(results), ""]
    if details:
        lines += [f"- {key}: {value}" for key, value in details.items()]
        lines.append("")
    lines += [f"![Hits@k per retriever]({png.name})", ""]
    md.write_text("\n".join(lines), encoding="utf-8")
    js.write_text(
        json.dumps({"title": title, "results": results, "details": dict(details or {})}, indent=2)
        + "\n",
        encoding="utf-8",
    )
    return md
