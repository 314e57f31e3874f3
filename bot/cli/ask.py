"""``footnote ask``, ``footnote chat`` and ``footnote eval answers`` (see ``bot.cli``)."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from bot.cli.common import cli_errors, load_settings, require_corpus
from bot.cli.feedback import record_refusal
from bot.engine.about_article import byline
from bot.engine.errors import QuestionRejected
from vectorstore.errors import FootnoteError

if TYPE_CHECKING:
    from bot.config import BotSettings
    from bot.engine.models import Answer, SearchFilters
    from bot.wiring import Services
    from vectorstore.base import Hit, Passage

log = logging.getLogger(__name__)

CHAT_HISTORY_TURNS = 10
SNIPPET_CHARS = 160


# --- JSON shapes (documented in the README; the eval scripts depend on them) -------------------


def hit_to_json(rank: int, hit: Hit) -> dict[str, Any]:
    """A retrieved passage: rank, score, article_id, title, url, published, text."""
    p = hit.passage
    return {
        "rank": rank,
        "score": round(float(hit.score), 6),
        "article_id": p.article_id,
        "title": p.title,
        "url": p.url,
        "published": p.published,
        "text": p.text,
    }


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """``{"answer", "abstained", "citations", "sources"}``, exactly."""
    return {
        "answer": answer.text,
        "abstained": answer.abstained,
        "citations": [
            {
                "n": c.n,
                "article_id": c.passage.article_id,
                "title": c.passage.title,
                "url": c.passage.url or "",
                "published": c.passage.published,
                "quote": c.quote,
                "passage": c.passage.text,
            }
            for c in answer.citations
        ],
        "sources": [hit_to_json(rank, hit) for rank, hit in enumerate(answer.sources, start=1)],
    }


def _meta(p: Passage) -> str:
    """The publisher, date and "by <names>" of a source line, as far as the metadata has them."""
    names = byline(p.author, p.source)
    by = f"by {names}" if names else ""
    return ", ".join(x for x in (p.source, (p.published or "")[:10], by) if x)


def render_text(answer: Answer) -> str:
    """The answer for a terminal: text with [n] markers, then the sources with their quotes."""
    lines = [answer.text, ""]
    if answer.citations:
        lines.append("Sources:")
        for c in answer.citations:
            p = c.passage
            meta = _meta(p)
            lines.append(f"[{c.n}] {p.title}" + (f" ({meta})" if meta else ""))
            if p.url:
                lines.append(f"    {p.url}")
            lines.append(f'    "{c.quote}"')
    elif answer.sources:
        lines.append("Closest sources:")
        seen: set[str] = set()
        for hit in answer.sources:
            p = hit.passage
            if p.article_id in seen:  # one line per article; its best passage first
                continue
            seen.add(p.article_id)
            meta = _meta(p)
            lines.append(f"- {p.title}" + (f" ({meta})" if meta else ""))
            if p.url:
                lines.append(f"    {p.url}")
            snippet = " ".join(p.text.split())
            lines.append(
                f"    {snippet[:SNIPPET_CHARS]}{'…' if len(snippet) > SNIPPET_CHARS else ''}"
            )
    if answer.notice:
        lines += ["", f"Note: {answer.notice}"]
    return "\n".join(lines).rstrip()


# --- wiring helpers ----------------------------------------------------------------------------


def load_services(settings: BotSettings | None = None) -> Services:
    """``build_services`` with the CLI's error conventions (78 for config, 1 for the rest).

    Cheap checks come first: the LLM settings (exit 78), then whether the store holds anything
    (exit 1, creating nothing), and only then the embedding model loads.
    """
    from bot.engine.llm import make_chat_model
    from bot.wiring import build_services

    settings = settings or load_settings()
    with cli_errors():
        llm = make_chat_model(settings)
        require_corpus(settings)
        return build_services(settings, llm=llm, answer_only=True)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][0-9:.+\-Z]+)?$")


def make_filters(
    sources: Iterable[str], after: str | None, before: str | None
) -> SearchFilters | None:
    """``SearchFilters`` from the CLI options (``None`` when none is given)."""
    from bot.engine.models import SearchFilters

    for name, value in (("--after", after), ("--before", before)):
        if value is not None and not _DATE.match(value.strip()):
            raise click.BadParameter(f"{value!r} is not an ISO date (YYYY-MM-DD)", param_hint=name)
    sources = tuple(s for s in sources if s.strip())
    if not sources and after is None and before is None:
        return None
    return SearchFilters(sources=sources, published_after=after, published_before=before)


# --- commands ----------------------------------------------------------------------------------


@click.command()
@click.argument("question")
@click.option("--source", "sources", multiple=True, help="Only this publisher (repeatable).")
@click.option("--after", help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--before", help="Only articles published on or before this date (YYYY-MM-DD).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object (one per line with -)."
)
def ask(
    question: str, sources: tuple[str, ...], after: str | None, before: str | None, as_json: bool
) -> None:
    """Answer QUESTION from the corpus, citing the passages used.

    With QUESTION "-", read one question per line from stdin and answer each (models load once).
    A refused single question counts as a coverage gap (see `footnote gaps`); batch input does
    not, since it is usually an evaluation set.
    """
    filters = make_filters(sources, after, before)
    services = load_services()
    if question != "-":
        try:
            answer = services.answers.answer(question, filters=filters)
        except FootnoteError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(
            json.dumps(answer_to_json(answer), ensure_ascii=False)
            if as_json
            else render_text(answer)
        )
        record_refusal(services.settings, answer)  # a coverage gap, like the bot's refusals
        return
    failed = 0
    for line in sys.stdin:
        text = line.strip()
        if not text:
            continue
        try:
            answer = services.answers.answer(text, filters=filters)
        except QuestionRejected as exc:
            failed += 1
            if as_json:
                click.echo(json.dumps({"error": str(exc)}, ensure_ascii=False))
            else:
                click.echo(f"Error: {exc}\n")
            continue
        except FootnoteError as exc:
            raise click.ClickException(str(exc)) from exc
        if as_json:
            click.echo(json.dumps(answer_to_json(answer), ensure_ascii=False))
        else:
            click.echo(f"Q: {text}\n{render_text(answer)}\n")
        sys.stdout.flush()
    if failed:
        raise click.ClickException(f"{failed} question(s) were rejected")


@click.command()
@click.option("--source", "sources", multiple=True, help="Only this publisher (repeatable).")
@click.option("--after", help="Only articles published on or after this date.")
@click.option("--before", help="Only articles published on or before this date.")
def chat(sources: tuple[str, ...], after: str | None, before: str | None) -> None:
    """Talk with the corpus: follow-up questions use the conversation (/exit to quit)."""
    from bot.engine.models import Answer, Turn

    filters = make_filters(sources, after, before)
    services = load_services()
    history: list[Turn] = []
    click.echo(
        f"Footnote chat ({services.answers.answerer_name}). Ask away; /exit to quit, /new to "
        "forget the conversation.",
        err=True,
    )
    while True:
        try:
            question = input("you> ")
        except EOFError:
            click.echo("", err=True)
            return
        question = question.strip()
        if not question:
            continue
        if question in ("/exit", "/quit"):
            return
        if question == "/new":
            history.clear()
            continue
        streamed: list[str] = []
        final: Answer | None = None
        try:
            for item in services.answers.stream(question, history=history, filters=filters):
                if isinstance(item, Answer):
                    final = item
                else:
                    streamed.append(item.text)
                    click.echo(item.text, nl=False)
                    sys.stdout.flush()
        except QuestionRejected as exc:
            click.echo(f"\n{exc}", err=True)
            continue
        except FootnoteError as exc:
            raise click.ClickException(str(exc)) from exc
        assert final is not None
        record_refusal(services.settings, final)
        if "".join(streamed).strip() != final.text.strip():
            click.echo("\n\n(after checking citations:)\n" + final.text, nl=False)
        if final.standalone_question != final.question:
            click.echo(f"\n(understood as: {final.standalone_question})", err=True)
        click.echo("\n" + render_text(final).split("\n", 1)[-1].strip() + "\n")
        history += [Turn("user", question), Turn("assistant", final.text)]
        del history[: max(0, len(history) - CHAT_HISTORY_TURNS)]


def register(main: click.Group, eval_group: click.Group) -> None:
    """Add this module's commands to ``footnote``."""
    main.add_command(ask)
    main.add_command(chat)
