"""Extractive answer time after retrieval: stored sentence vectors against embedding at answer time.

``python -m bench.answer_latency`` ingests the news pages of ``../shared/eval/news-dev`` (their
questions are read, their answers are not), retrieves the top 6 passages of each question once,
then times ``ExtractiveAnswerer.compose`` on those passages for two readers, interleaved:

- **stored**: reads the sentence vectors ingest stored with each passage (one store read);
- **embedded** (the baseline, how the reader worked before): embeds each sentence under its
  title at answer time, keeping a cache across questions as the running bot does.

Both include embedding the question (retrieval has usually just done it). Without the shared
data it uses the sample corpus and a few questions of its own. Target: p95 <= 150 ms on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from bench.timing import summary

REPO = Path(__file__).resolve().parents[1]
NEWS_DEV = REPO.parent / "shared" / "eval" / "news-dev"
RESULTS = REPO / "bench" / "results"
TARGET_P95_MS = 150.0
TOP_K = 6
# Questions over examples/corpus, for machines without the shared eval data.
SAMPLE_QUESTIONS = (
    "How much did the harbour bridge repair cost?",
    "when does the 24-hour library pilot start?",
    "How many passengers can the Aurora carry?",
    "library pilot cost",
    "How much money did Kelpwave raise?",
    "who won the 1998 football world cup final?",
    "why was the bridge closed?",
    "harbour bridge reopening date",
)


def _corpus(data_dir: Path) -> tuple[Any, list[str], str]:
    """The store, the questions and the corpus's name."""
    from bot.config import BotSettings
    from bot.evaluation.scratch import scratch_store

    settings = BotSettings(_env_file=None, data_dir=data_dir)
    if (NEWS_DEV / "questions.jsonl").exists():
        from bot.evaluation.news import load_news_dataset

        dataset = load_news_dataset(NEWS_DEV)
        store, _ = scratch_store(settings, dataset.name, [str(dataset.corpus)])
        questions = [q.question for q in dataset.questions]
        return store, questions, f"news-dev ({dataset.corpus})"
    print(f"no shared eval data at {NEWS_DEV}: using examples/corpus", file=sys.stderr)
    store, _ = scratch_store(settings, "bench-sample", [str(REPO / "examples" / "corpus")])
    return store, list(SAMPLE_QUESTIONS), "examples/corpus"


def run(data_dir: Path, limit: int | None) -> dict[str, Any]:
    """Time both readers on the same retrieved passages; returns the report."""
    from bot.engine.extractive import ExtractiveAnswerer
    from bot.engine.retrieval import HybridRetriever

    store, questions, corpus = _corpus(data_dir)
    questions = questions[:limit] if limit else questions
    retriever = HybridRetriever(store, data_dir=data_dir, background_refresh=False)
    hits = [retriever.retrieve(q, k=TOP_K) for q in questions]
    readers = {
        "stored": ExtractiveAnswerer.for_store(store),
        "embedded": ExtractiveAnswerer(store.embeddings),
    }
    readers["stored"].compose("warm-up question", hits[0])  # loads the model, not timed
    times: dict[str, list[float]] = {name: [] for name in readers}
    same = 0
    for n, (question, found) in enumerate(zip(questions, hits, strict=True)):
        order = list(readers) if n % 2 == 0 else list(readers)[::-1]
        texts = {}
        for name in order:
            started = time.perf_counter()
            texts[name] = readers[name].compose(question, found).text
            times[name].append((time.perf_counter() - started) * 1000)
        same += texts["stored"] == texts["embedded"]
    stored, embedded = summary(times["stored"], 1), summary(times["embedded"], 1)
    return {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "corpus": corpus,
        "questions": len(questions),
        "top_k": TOP_K,
        "stored": stored,
        "embedded": embedded,
        "speedup_p50": round(embedded["p50_ms"] / stored["p50_ms"], 2),
        "speedup_p95": round(embedded["p95_ms"] / stored["p95_ms"], 2),
        "same_reply_share": round(same / len(questions), 3),
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": stored["p95_ms"] <= TARGET_P95_MS,
    }


def write(report: dict[str, Any], out: Path) -> None:
    """``answer_latency.json`` and ``.md`` under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "answer_latency.json").write_text(json.dumps(report, indent=2) + "\n")
    rows = [
        f"| {name} | {report[name]['p50_ms']} | {report[name]['p95_ms']} | "
        f"{report[name]['mean_ms']} | {report[name]['max_ms']} |"
        for name in ("stored", "embedded")
    ]
    (out / "answer_latency.md").write_text(
        "\n".join(
            [
                "# Extractive answer time after retrieval",
                "",
                f"{report['questions']} questions over {report['corpus']}, top {report['top_k']} "
                f"passages each, {report['machine']}; both readers in the same run, interleaved.",
                "",
                "| reader | p50 ms | p95 ms | mean ms | max ms |",
                "| --- | --- | --- | --- | --- |",
                *rows,
                "",
                f"Stored sentence vectors: **{report['speedup_p50']}x** faster at p50, "
                f"**{report['speedup_p95']}x** at p95, than embedding at answer time. "
                f"Target p95 <= {report['target_p95_ms']:.0f} ms: "
                f"{'met' if report['meets_target'] else 'not met'}. "
                f"Same reply from both: {report['same_reply_share']:.1%} of questions (stored "
                "vectors are int8; a few sentences are split differently by ingest and the "
                "reader, and read the stored sentence around them).",
                "",
            ]
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO / "data" / "bench-answer-latency")
    parser.add_argument("--limit", type=int, default=None, help="at most this many questions")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    report = run(args.data_dir, args.limit)
    write(report, args.out)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
