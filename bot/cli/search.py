"""``footnote search`` and ``footnote eval retrieval`` (see ``bot.cli``)."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import config_exit, load_settings
from vectorstore.errors import ConfigError, FootnoteError

if TYPE_CHECKING:
    from bot.config import BotSettings
    from bot.engine.models import SearchFilters
    from bot.engine.retrieval import HybridRetriever
    from vectorstore.base import Hit

log = logging.getLogger(__name__)

EMPTY_CORPUS = (
    "the corpus is empty: ingest some articles first, e.g. `footnote-ingest examples/corpus`"
)


def _open_retriever(settings: BotSettings) -> HybridRetriever:
    """The configured store and a hybrid retriever over it; errors become CLI errors."""
    from bot.engine.retrieval import HybridRetriever
    from vectorstore.chroma import ChromaArticleStore

    try:
        store = ChromaArticleStore.from_settings(settings)
        if store.count() == 0:
            raise click.ClickException(EMPTY_CORPUS)
    except ConfigError as exc:
        config_exit(str(exc))
    except FootnoteError as exc:
        raise click.ClickException(str(exc)) from exc
    return HybridRetriever(store, data_dir=settings.data_dir)


def hits_to_json(hits: list[Hit]) -> list[dict[str, object]]:
    """``[{"rank", "score", "article_id", "title", "url", "published", "text"}]``."""
    from bot.cli.ask import hit_to_json

    return [hit_to_json(rank, hit) for rank, hit in enumerate(hits, start=1)]


def render_hits(hits: list[Hit]) -> str:
    """A readable ranked list for a terminal."""
    if not hits:
        return "No passages found."
    lines = []
    for rank, hit in enumerate(hits, start=1):
        p = hit.passage
        meta = ", ".join(x for x in (p.source, (p.published or "")[:10]) if x)
        lines.append(f"{rank}. {p.title}" + (f" ({meta})" if meta else "") + f"  [{hit.score:.4f}]")
        if p.url:
            lines.append(f"   {p.url}")
        text = " ".join(p.text.split())
        lines.append(f"   {text[:300]}{'…' if len(text) > 300 else ''}")
    return "\n".join(lines)


@click.command()
@click.argument("query")
@click.option("-k", "k", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--source", "sources", multiple=True, help="Only this publisher (repeatable).")
@click.option("--after", help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--before", help="Only articles published on or before this date (YYYY-MM-DD).")
@click.option("--recent", is_flag=True, help="Prefer recent articles (a mild boost).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (one line per query).")
def search(
    query: str,
    k: int,
    sources: tuple[str, ...],
    after: str | None,
    before: str | None,
    recent: bool,
    as_json: bool,
) -> None:
    """Show the passages that best match QUERY, ranked, without answering.

    With QUERY "-", read one query per line from stdin and print one result per query (the
    models load once); with --json each result is one JSON array on one line.
    """
    from bot.cli.ask import make_filters

    filters = make_filters(sources, after, before)
    if recent:
        from dataclasses import replace

        from bot.engine.models import SearchFilters

        filters = replace(filters or SearchFilters(), prefer_recent=True)
    retriever = _open_retriever(load_settings())
    queries = [query] if query != "-" else (line.strip() for line in sys.stdin)
    for text in queries:
        if not text:
            continue
        hits = _search_one(retriever, text, k, filters)
        if as_json:
            click.echo(json.dumps(hits_to_json(hits), ensure_ascii=False))
        else:
            click.echo((f"Q: {text}\n" if query == "-" else "") + render_hits(hits) + "\n")
        sys.stdout.flush()


def _search_one(
    retriever: HybridRetriever, text: str, k: int, filters: SearchFilters | None
) -> list[Hit]:
    started = time.perf_counter()
    try:
        hits = retriever.retrieve(text, k=k, filters=filters)
    except FootnoteError as exc:
        raise click.ClickException(str(exc)) from exc
    log.info(
        "search q_len=%d hits=%d in %.3fs", len(text), len(hits), time.perf_counter() - started
    )
    return hits


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-").lower() or "dataset"


@click.command(name="retrieval")
@click.option(
    "--dataset",
    "dataset_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="A folder with corpus.jsonl and queries.<split>.jsonl (../shared/eval/squad-v1.1-dev).",
)
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
    dataset_dir: Path, split: str, limit: int | None, as_json: bool, out_dir: Path
) -> None:
    """Hits@1/5/10 and MRR@10 of hybrid, dense-only and BM25-only retrieval on a dataset.

    The dataset's corpus is ingested into a scratch store under <data dir>/eval/<name>/retrieval
    (reused, and updated incrementally, on later runs); the real corpus is not touched.
    """
    from bot.engine.retrieval import HybridRetriever
    from bot.evaluation.retrieval import (
        evaluate_retrieval,
        format_table,
        load_dataset,
        write_report,
    )
    from ingest.pipeline import run_ingest
    from vectorstore.chroma import ChromaArticleStore

    settings = load_settings()
    name = _slug(dataset_dir.resolve().name)
    scratch = settings.data_dir / "eval" / name / "retrieval"
    scoped = settings.model_copy(update={"data_dir": scratch, "collection": f"eval-{name}"[:512]})
    try:
        dataset = load_dataset(dataset_dir, split)
        store = ChromaArticleStore.from_settings(scoped)
        started = time.perf_counter()
        report = run_ingest(
            [str(dataset.corpus_path)], scoped, store=store, show_progress=not as_json
        )
        ingest_seconds = time.perf_counter() - started
        log.info("scratch store ready in %.1fs: %s", ingest_seconds, report)
        passages = store.count()
        if passages == 0:
            raise click.ClickException(f"nothing was ingested from {dataset.corpus_path}")
        retriever = HybridRetriever(store, data_dir=scratch)
        total = min(limit or len(dataset.questions), len(dataset.questions))
        click.echo(f"evaluating {total} {split} questions over {passages} passages...", err=True)
        started = time.perf_counter()

        def progress(done: int, of: int) -> None:
            if not as_json and (done % 500 == 0 or done == of):
                click.echo(f"  {done}/{of} ({time.perf_counter() - started:.0f}s)", err=True)

        results = evaluate_retrieval(retriever, dataset, limit=limit, on_progress=progress)
    except ConfigError as exc:
        config_exit(str(exc))
    except FootnoteError as exc:
        raise click.ClickException(str(exc)) from exc
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


def register(main: click.Group, eval_group: click.Group) -> None:
    """Add this module's commands to ``footnote``."""
    main.add_command(search)
    eval_group.add_command(eval_retrieval)
