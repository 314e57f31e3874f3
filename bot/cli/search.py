"""``footnote search`` and ``footnote eval retrieval`` (see ``bot.cli``)."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import TYPE_CHECKING

import click

from bot.cli.common import (
    cli_errors,
    empty_corpus_message,
    load_settings,
    require_corpus,
)
from vectorstore.errors import FootnoteError

if TYPE_CHECKING:
    from bot.config import BotSettings
    from bot.engine.models import SearchFilters
    from bot.engine.retrieval import HybridRetriever
    from vectorstore.base import Hit

log = logging.getLogger(__name__)


def _open_retriever(settings: BotSettings) -> HybridRetriever:
    """The configured store and a hybrid retriever over it; errors become CLI errors."""
    from bot.engine.retrieval import HybridRetriever
    from vectorstore.chroma import ChromaArticleStore
    from vectorstore.embeddings import SentenceTransformerEmbeddings

    require_corpus(settings)  # before the embedding model loads; creates nothing
    with cli_errors():
        store = ChromaArticleStore.from_settings(
            settings, SentenceTransformerEmbeddings.from_settings(settings, light=True)
        )
        if store.count() == 0:
            raise click.ClickException(empty_corpus_message(settings))
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


def register(main: click.Group, eval_group: click.Group) -> None:
    """Add this module's commands to ``footnote``."""
    main.add_command(search)
