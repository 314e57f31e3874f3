"""``footnote eval retrieval`` and ``footnote eval answers``: measure the engine on a dataset."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import click

from bot.cli.common import cli_errors, load_settings

log = logging.getLogger(__name__)

DEFAULT_EVAL_LIMIT = 300


# A realistic set (questions.jsonl) names its corpus; both eval commands accept another.
CORPUS_OPTION = click.option(
    "--corpus",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A realistic set's corpus folder (default: its corpus/ or ../article-extraction/html/).",
)


@click.command(name="retrieval")
@click.option(
    "--dataset",
    "dataset_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="A SQuAD-style folder (corpus.jsonl, queries.<split>.jsonl) or a realistic set "
    "(questions.jsonl, e.g. ../shared/eval/news-dev).",
)
@CORPUS_OPTION
@click.option("--split", default="dev", show_default=True, help="Which queries.<split>.jsonl.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N questions.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON object.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("bench/results"),
    show_default=True,
    help="Where the markdown, PNG and JSON reports go.",
)
def eval_retrieval(
    dataset_dir: Path,
    corpus: Path | None,
    split: str,
    limit: int | None,
    as_json: bool,
    out_dir: Path,
) -> None:
    """Hits@1/5/10 and MRR@10 of hybrid, dense-only and BM25-only retrieval on a dataset.

    The dataset's corpus is ingested into a scratch store under <data dir>/eval/<name>/retrieval
    (reused, and updated incrementally, on later runs); the real corpus is not touched. On a
    realistic set (questions.jsonl) a hit is a passage holding the question's evidence, and
    multi-article questions report both articles in the top 10.
    """
    from bot.evaluation.news import is_news_dataset, retrieval_table, run_news_retrieval

    if is_news_dataset(dataset_dir):
        settings = load_settings()
        with cli_errors():
            news_report = run_news_retrieval(settings, dataset_dir, out_dir=out_dir, corpus=corpus)
        if as_json:
            click.echo(json.dumps(news_report, ensure_ascii=False))
        else:
            click.echo(retrieval_table(news_report["results"]))
            click.echo(f"\nreport: {news_report['report']}", err=True)
        return
    from bot.engine.retrieval import HybridRetriever
    from bot.evaluation.retrieval import (
        evaluate_retrieval,
        format_table,
        load_dataset,
        write_report,
    )
    from bot.evaluation.scratch import scratch_store, slug

    settings = load_settings()
    name = slug(dataset_dir.resolve().name)
    with cli_errors():
        dataset = load_dataset(dataset_dir, split)
        store, scratch = scratch_store(
            settings, name, [str(dataset.corpus_path)], show_progress=not as_json
        )
        passages = store.count()
        retriever = HybridRetriever(store, data_dir=scratch)
        total = min(limit or len(dataset.questions), len(dataset.questions))
        click.echo(f"evaluating {total} {split} questions over {passages} passages...", err=True)
        started = time.perf_counter()

        def progress(done: int, of: int) -> None:
            if not as_json and (done % 500 == 0 or done == of):
                click.echo(f"  {done}/{of} ({time.perf_counter() - started:.0f}s)", err=True)

        results = evaluate_retrieval(retriever, dataset, limit=limit, on_progress=progress)
    seconds = time.perf_counter() - started
    details = {
        "dataset": str(dataset_dir),
        "split": split,
        "questions": total,
        "passages": passages,
        "chunk_tokens": settings.chunk_tokens,
        "chunk_overlap_tokens": settings.chunk_overlap_tokens,
        "embedding_model": settings.embedding_model,
        "rrf_k": retriever.rrf_k,
        "dense_weight": retriever.dense_weight,
        "lexical_weight": retriever.lexical_weight,
        "candidates": f"{retriever.dense_candidates} dense + {retriever.lexical_candidates} BM25",
        "max_per_article": retriever.max_per_article,
        "over_cap_decay": retriever.over_cap_decay,
        "bm25_tokenizer": retriever.lexical.tokenizer.version,
        "seconds": round(seconds, 1),
        "hit": "a top-k passage from the gold article that contains a gold answer string",
    }
    md = write_report(
        results,
        out_dir,
        f"Retrieval on {dataset_dir.name} ({split})",
        stem=f"eval-retrieval-{name}",
        details=details,
    )
    if as_json:
        payload = {**details, "results": results, "report": str(md)}
        click.echo(json.dumps(payload, ensure_ascii=False))
    else:
        click.echo(format_table(results))
        click.echo(f"\nreport: {md}", err=True)


@click.command(name="answers")
@click.option(
    "--dataset",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="A SQuAD-style folder (e.g. ../shared/eval/squad-v1.1-dev) or a realistic set with "
    "questions.jsonl (e.g. ../shared/eval/news-dev).",
)
@CORPUS_OPTION
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help=f"Questions asked (SQuAD: from the report slice, default {DEFAULT_EVAL_LIMIT}; "
    "a realistic set: all by default).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("bench/results"),
    show_default=True,
    help="Where the markdown and JSON reports go.",
)
@click.option(
    "--fit",
    is_flag=True,
    help="Also refit the extractive answerer's weights and threshold (fit slice) and report them.",
)
@click.option(
    "--fit-with",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="With --fit on a realistic set: also fit on this SQuAD-style set's fit half.",
)
def eval_answers(
    dataset: Path,
    corpus: Path | None,
    limit: int | None,
    as_json: bool,
    out_dir: Path,
    fit: bool,
    fit_with: Path | None,
) -> None:
    """Answer accuracy, citation validity and refusals of the configured answerer.

    On a realistic set (questions.jsonl): right / false refusals / refusals on unanswerable /
    citation validity per kind and style, follow-ups as two turns, multi-article questions on
    both facts, latency, and the failures; reported for each half (split by article).
    """
    from bot.evaluation import answers as ev
    from bot.evaluation import news

    settings = load_settings()
    if news.is_news_dataset(dataset):
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if not as_json and (done % 25 == 0 or done == total):
                seconds = time.perf_counter() - started
                click.echo(f"  {done}/{total} questions ({seconds:.0f}s)", err=True)

        with cli_errors():
            news_report = news.run_news_eval(
                settings,
                dataset,
                out_dir=out_dir,
                limit=limit,
                corpus=corpus,
                progress=progress,
                fit=fit,
                fit_with=fit_with,
            )
        if as_json:
            click.echo(json.dumps(news_report, ensure_ascii=False))
        else:
            click.echo(news.markdown(news_report).split("\n## Failures")[0])
            click.echo(f"report: {news_report['report']}", err=True)
        return
    with cli_errors():
        report = ev.run_eval(
            settings, dataset, limit=limit or DEFAULT_EVAL_LIMIT, out_dir=out_dir, fit=fit
        )
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        click.echo(ev.markdown_report(report))


def register(main: click.Group, eval_group: click.Group) -> None:
    """Add this module's commands to ``footnote eval``."""
    eval_group.add_command(eval_retrieval)
    eval_group.add_command(eval_answers)
