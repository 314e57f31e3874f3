"""Turn answers, sources and job results into Discord-sized text and embed data.

Pure functions over plain values: no ``discord`` import here (the cogs build ``discord.Embed``
objects from :class:`EmbedData`), so the limits below are unit-tested without a client.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from bot.engine.about_article import byline
from bot.engine.models import Answer, ArticleRef, Citation
from ingest.report import IngestProgress, IngestReport
from vectorstore.base import Hit, Passage

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
MESSAGE_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELDS_LIMIT = 25
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000

ELLIPSIS = "…"
_ZWSP = "\u200b"

# @everyone / @here and <@id>, <@!id>, <@&id> (users, nicknames, roles). With allowed mentions
# set to none they would not ping, but they would still render as mentions; text we did not
# write (articles, LLM output, questions) should not even look like one.
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_ID_MENTION = re.compile(r"<@([!&]?\d+)>")
_MARKER = re.compile(r"\[\d+\]")
# A sentence end, with the citation markers that follow it kept on the same side.
_SENTENCE_END = re.compile(r"[.!?…](?:[\"')\]]*)(?:\s*\[\d+\])*\s+")
_MARKDOWN_SPECIAL = re.compile(r"([\\*_~`|<>\[\]()])")
# Line starts that Discord renders as headings (#), subtext (-#) or lists (-, +, *, 1.).
_LINE_START = re.compile(r"^([ \t]*)([#+-])", re.MULTILINE)
_ORDERED_ITEM = re.compile(r"^([ \t]*\d+)\.(?=\s)", re.MULTILINE)
_ESCAPED_MARKER = re.compile(r"\\\[(\d{1,3})\\\]")
_ESCAPE = re.compile(r"\\([\\*_~`|<>\[\]()#+.-])")


def neutralize_mentions(text: str) -> str:
    """Make ``@everyone``, ``@here`` and ``<@…>`` mentions inert text (zero-width space)."""
    text = _MASS_MENTION.sub(lambda m: f"@{_ZWSP}{m.group(1)}", text)
    return _ID_MENTION.sub(lambda m: f"<{_ZWSP}@{m.group(1)}>", text)


def escape_markdown(text: str) -> str:
    """Escape Markdown so article text (a title, a quote) is shown as written, never rendered.

    Covers masked links, bold/italics/strike, spoilers, code, quotes, and headings, subtext and
    lists at line starts; ``<`` too, so ``<#id>``, ``<t:…>`` and ``</cmd:id>`` stay plain text.
    """
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _ORDERED_ITEM.sub(r"\1\\.", text)  # "1\." ("\1" would show the backslash)
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)


def escape_answer_text(text: str) -> str:
    """Escape an answer's text, which is article-derived, except our own ``[n]`` markers.

    A marker directly followed by ``(url)`` stays harmless: the parenthesis is escaped.
    """
    return _ESCAPED_MARKER.sub(r"[\1]", escape_markdown(text))


def unescape_markdown(text: str) -> str:
    """Undo :func:`escape_markdown` (to read the bot's own messages back as plain text)."""
    return _ESCAPE.sub(r"\1", text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def _inside_marker(text: str, cut: int) -> bool:
    return any(m.start() < cut < m.end() for m in _MARKER.finditer(text, max(cut - 12, 0)))


def _best_cut(text: str, limit: int) -> int:
    """Where to end the next chunk of ``text`` (which is longer than ``limit``)."""
    window = text[: limit + 1]  # a boundary right at the limit is fine (the space is dropped)
    floor = limit // 3  # do not make tiny chunks just to honour a paragraph break
    for pattern in ("\n\n", "\n"):
        pos = window.rfind(pattern)
        if pos > floor:
            return pos
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= limit]
    if ends and ends[-1] > floor:
        return ends[-1]
    pos = max(window.rfind(" "), window.rfind("\t"))
    if pos > floor:
        return pos
    cut = limit
    while cut > 1 and _inside_marker(text, cut):
        cut -= 1
    return cut


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split ``text`` into messages of at most ``limit`` characters.

    Cuts at a paragraph break if possible, else a line break, a sentence end (keeping the
    ``[n]`` markers that follow it), a space, and only as a last resort mid-word; a ``[n]``
    marker is never cut in two.
    """
    text = text.strip()
    if not text:
        return []
    chunks: list[str] = []
    while len(text) > limit:
        cut = _best_cut(text, limit)
        chunk = text[:cut].rstrip()
        if chunk:
            chunks.append(chunk)
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks


def render_answer_text(answer: Answer) -> str:
    """The message text of an answer: a notice line if any, then the text with [n] markers."""
    parts: list[str] = []
    if answer.notice:
        parts.append(f"-# ⚠️ {answer.notice}")
    text = escape_answer_text(answer.text.strip())
    if answer.abstained and answer.sources:
        text += "\n\n-# The closest sources are listed below."
    parts.append(text)
    return neutralize_mentions("\n".join(parts))


THREAD_NAME_LIMIT = 100
_CHANNEL_MENTION = re.compile(r"<(?:#|/[\w -]+:)(\d+)>")
_ID_MENTION_TEXT = re.compile(r"<@([!&]?)\d+>")


def thread_name(question: str) -> str:
    """A thread name from a member's question: one line, no mention syntax, at most 100 chars.

    Names do not ping, but a thread called "@everyone …" still reads like a mass mention.
    """
    text = _ID_MENTION_TEXT.sub(lambda m: "@role" if m.group(1) == "&" else "@user", question)
    text = _CHANNEL_MENTION.sub("#channel", text)
    text = _MASS_MENTION.sub(lambda m: m.group(1), text)  # "@everyone" -> "everyone"
    text = " ".join(text.split())  # one line: names cannot hold newlines
    return clip(text, THREAD_NAME_LIMIT) or "Question"


def render_queue_place(place: int) -> str:
    """What a question shows while it waits for an answer worker."""
    ahead = "you're next" if place == 1 else f"yours is number {place} in line"
    return f"⏳ Many questions right now: {ahead}. I'll answer here as soon as I can."


def render_stream_preview(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """What a message shows while the answer streams: the text so far, with a cursor."""
    text = neutralize_mentions(escape_answer_text(text.strip()))
    if not text:
        return "…"
    return clip(text + " ▌", limit)


@dataclass(frozen=True, slots=True)
class EmbedField:
    """One field of an embed."""

    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class EmbedData:
    """An embed as plain data; ``bot.discord_adapter.cogs`` turns it into ``discord.Embed``."""

    title: str
    description: str = ""
    url: str | None = None
    fields: tuple[EmbedField, ...] = ()
    footer: str | None = None

    def size(self) -> int:
        """Characters Discord counts against the 6,000 total."""
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer or "")
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )


def fit_embed(data: EmbedData) -> EmbedData:
    """``data`` clipped to every embed limit (title, description, fields, footer, total)."""
    title = clip(neutralize_mentions(data.title), EMBED_TITLE_LIMIT)
    footer = clip(neutralize_mentions(data.footer), EMBED_FOOTER_LIMIT) if data.footer else None
    fields = tuple(
        EmbedField(
            clip(neutralize_mentions(f.name), EMBED_FIELD_NAME_LIMIT) or "-",
            clip(neutralize_mentions(f.value), EMBED_FIELD_VALUE_LIMIT) or "-",
            f.inline,
        )
        for f in data.fields[:EMBED_FIELDS_LIMIT]
    )
    budget = EMBED_TOTAL_LIMIT - len(title) - len(footer or "")
    # The description comes first (it holds the source list and its "+N more" line); fields
    # are kept in order while they fit in what is left of the 6,000 characters.
    description = clip(neutralize_mentions(data.description), min(EMBED_DESCRIPTION_LIMIT, budget))
    budget -= len(description)
    kept: list[EmbedField] = []
    for f in fields:
        if len(f.name) + len(f.value) > budget:
            break
        kept.append(f)
        budget -= len(f.name) + len(f.value)
    return EmbedData(title, description, data.url, tuple(kept), footer)


def _date(published: str | None) -> str | None:
    return published[:10] if published else None


URL_LIMIT = 2048  # longer embed URLs are refused by Discord
# RFC 3986 reserved and unreserved characters, and "%" (keeps existing escapes); all else is
# percent-encoded: whitespace, quotes, <>, backslashes, control and non-ASCII characters.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"
_HOST = re.compile(r"^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])$")


def safe_url(url: str | None) -> str | None:
    """``url`` encoded so Discord accepts it in an embed or link; ``None`` if it is unusable.

    Discord rejects a whole message (400) over one bad embed URL, so an article URL with
    whitespace, a non-http(s) scheme or a malformed host loses its link, never the reply.
    """
    if not url or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    if not _HOST.match(host if ":" not in host else f"[{host}]"):
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    if parts.username or parts.password:  # credentials never go into a public message
        return None
    encoded = urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            quote(parts.path, safe=_URL_SAFE),
            quote(parts.query, safe=_URL_SAFE),
            quote(parts.fragment, safe=_URL_SAFE),
        )
    )
    return encoded if len(encoded) <= URL_LIMIT else None


def _link(title: str, url: str | None) -> str:
    title = escape_markdown(title.strip() or "Untitled")
    if href := safe_url(url):
        # <...> stops the embed preview; ")" and ">" would end the link early.
        href = href.replace(">", "%3E").replace(")", "%29").replace("(", "%28")
        return f"[{title}](<{href}>)"
    return f"**{title}**"


def _source_line(numbers: Sequence[int], passage: Passage) -> str:
    meta = [m for m in (passage.source, _date(passage.published), _by(passage)) if m]
    prefix = f"**{''.join(f'[{n}]' for n in numbers)}** " if numbers else "• "
    suffix = f" · {escape_markdown(' · '.join(meta))}" if meta else ""
    return f"{prefix}{_link(passage.title, passage.url)}{suffix}"


def _by(passage: Passage) -> str | None:
    """The "by <names>" of a source line from the stored byline, or None when it names nobody."""
    names = byline(passage.author, passage.source)
    return f"by {names}" if names else None


def list_with_more(lines: Sequence[str], limit: int) -> str:
    """Join ``lines`` within ``limit`` characters; what does not fit becomes "+N more"."""
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        rest = len(lines) - i - 1
        reserve = len(f"\n+{rest} more") if rest else 0
        cost = len(line) + (1 if out else 0)
        if used + cost + reserve > limit:
            more = f"+{len(lines) - i} more"
            # The "+N more" line itself must fit: drop kept lines until it does.
            while out and used + len(more) + 1 > limit:
                used -= len(out.pop()) + (1 if out else 0)
                more = f"+{len(lines) - len(out)} more"
            out.append(more)
            return "\n".join(out)
        out.append(line)
        used += cost
    return "\n".join(out)


def _unique_articles(hits: Iterable[Hit]) -> list[Passage]:
    seen: set[str] = set()
    out: list[Passage] = []
    for hit in hits:
        if hit.passage.article_id not in seen:
            seen.add(hit.passage.article_id)
            out.append(hit.passage)
    return out


def answer_embed(answer: Answer) -> EmbedData | None:
    """The sources embed of an answer: its citations, or the closest sources on abstention."""
    if answer.citations and not answer.abstained:
        title = "Sources"
        # One line per article, with every citation number that points into it.
        numbers: dict[str, list[int]] = {}
        first: dict[str, Passage] = {}
        for c in sorted(answer.citations, key=lambda c: c.n):
            numbers.setdefault(c.passage.article_id, []).append(c.n)
            first.setdefault(c.passage.article_id, c.passage)
        lines = [_source_line(numbers[a], p) for a, p in first.items()]
    else:
        passages = _unique_articles(answer.sources)
        if not passages:
            return None
        title = "Closest sources (they do not answer the question)"
        lines = [_source_line((), p) for p in passages]
    description = list_with_more(lines, EMBED_DESCRIPTION_LIMIT)
    footer = f"Answered by {answer.answerer}" if not answer.abstained else None
    return fit_embed(EmbedData(title=title, description=description, footer=footer))


@dataclass(frozen=True, slots=True)
class CitedPassage:
    """What the Passages button shows for one citation; stored as JSON with the answer."""

    n: int
    title: str
    quote: str
    text: str
    url: str | None = None
    source: str | None = None
    published: str | None = None
    passage_id: str | None = None
    article_id: str | None = None

    @classmethod
    def from_citation(cls, citation: Citation) -> CitedPassage:
        """Copy what is shown of a checked citation."""
        p = citation.passage
        return cls(
            n=citation.n,
            title=p.title,
            quote=citation.quote,
            text=p.text,
            url=p.url,
            source=p.source,
            published=p.published,
            passage_id=p.id,
            article_id=p.article_id,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> CitedPassage:
        """Rebuild from ``dataclasses.asdict`` output (unknown keys are ignored)."""
        names = cls.__slots__
        return cls(**{k: data[k] for k in names if k in data})  # type: ignore[arg-type]


def _quote_block(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines())


def _passage_block(
    heading: str, text: str, highlight: str | None, limit: int = MESSAGE_LIMIT - 100
) -> str:
    body = escape_markdown(text.strip())
    if highlight:
        marked = escape_markdown(highlight.strip())
        if marked and marked in body:
            body = body.replace(marked, f"**{marked}**", 1)
    return neutralize_mentions(f"{heading}\n{_quote_block(clip(body, limit - len(heading)))}")


def render_passages(cited: Sequence[CitedPassage], limit: int = MESSAGE_LIMIT) -> list[str]:
    """The quoted passages behind an answer, as messages of at most ``limit`` characters.

    Each citation shows its article (linked), publisher and date, then the passage with the
    verbatim quote in bold.
    """
    if not cited:
        return ["This answer cites no passages."]
    blocks = []
    for c in sorted(cited, key=lambda c: c.n):
        meta = [m for m in (c.source, _date(c.published)) if m]
        suffix = f" · {escape_markdown(' · '.join(meta))}" if meta else ""
        heading = f"**[{c.n}]** {_link(c.title, c.url)}{suffix}"
        blocks.append(_passage_block(heading, c.text, c.quote, limit - 10))
    return _pack(blocks, limit)


def _pack(blocks: Sequence[str], limit: int) -> list[str]:
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            messages.append(current)
        current = clip(block, limit)
    if current:
        messages.append(current)
    return messages


def render_article(
    ref: ArticleRef,
    passages: Sequence[Passage],
    *,
    heading: str | None = None,
    highlight: str | None = None,
    total_passages: int | None = None,
) -> EmbedData:
    """The ``/source`` embed: an article's metadata and link, then its matching passages."""
    meta = []
    if ref.source:
        meta.append(f"**Publisher:** {escape_markdown(ref.source)}")
    if ref.published:
        meta.append(f"**Published:** {escape_markdown(ref.published)}")
    if names := byline(ref.author, ref.source):
        meta.append(f"**By:** {escape_markdown(names)}")
    meta.append(f"**Article id:** `{ref.article_id.replace('`', '')}`")
    if link := safe_url(ref.url):
        meta.append(f"**Link:** <{link}>")
    if heading:
        meta.insert(0, heading)
    fields = []
    for p in passages:
        value = escape_markdown(p.text.strip())
        if highlight:
            marked = escape_markdown(highlight.strip())
            if marked and marked in value:
                value = value.replace(marked, f"**{marked}**", 1)
        fields.append(EmbedField(f"Passage {p.index + 1} · `{p.id.replace('`', '')}`", value))
    shown = min(len(fields), 5)
    total = total_passages if total_passages is not None else len(passages)
    if total > shown:
        meta.append(f"-# {shown} of {total} passages shown")
    return fit_embed(
        EmbedData(
            title=ref.title or "Untitled",
            url=safe_url(ref.url),
            description="\n".join(meta),
            fields=tuple(fields[:shown]),
        )
    )


def render_article_list(refs: Sequence[ArticleRef], query: str) -> EmbedData:
    """Several articles matching a ``/source`` query, one line each."""
    lines = []
    for ref in refs:
        meta = [m for m in (ref.source, _date(ref.published)) if m]
        suffix = f" · {escape_markdown(' · '.join(meta))}" if meta else ""
        lines.append(f"• {_link(ref.title, ref.url)}{suffix} — `{ref.article_id}`")
    return fit_embed(
        EmbedData(
            title=f"Articles matching “{escape_markdown(query)}”",
            description=list_with_more(lines, EMBED_DESCRIPTION_LIMIT),
            footer="Use /source with an article id to see its passages.",
        )
    )


def render_ingest_progress(progress: IngestProgress, seconds: float) -> str:
    """The /ingest reply while the run goes on."""
    total = f"/{progress.articles_total}" if progress.articles_total is not None else ""
    line = (
        f"⏳ Ingesting… {progress.articles_done}{total} articles, "
        f"{progress.passages_done} passages ({seconds:.0f}s)"
    )
    if progress.current:
        line += f"\n-# {escape_markdown(clip(progress.current, 150))}"
    return neutralize_mentions(line)


def render_ingest_report(report: IngestReport, *, sources: Sequence[str] = ()) -> str:
    """The /ingest reply once the run has ended: the article-level summary."""
    what = f" of {', '.join(f'`{s}`' for s in sources)}" if sources else ""
    lines = [
        f"✅ Ingestion{what} finished in {report.seconds:.1f}s: "
        f"{report.added} added, {report.updated} updated, {report.skipped} skipped, "
        f"{report.deleted} deleted, {report.failed} failed."
    ]
    if report.failures:
        shown = [
            f"- {escape_markdown(clip(f.item, 120))}: {escape_markdown(clip(f.reason, 200))}"
            for f in report.failures
        ]
        lines.append(list_with_more(shown, 1200))
    return neutralize_mentions(clip("\n".join(lines), MESSAGE_LIMIT))


def render_ingest_failure(reason: str) -> str:
    """The /ingest reply when the run failed (``reason`` is safe to show: no internals)."""
    return neutralize_mentions(clip(f"❌ Ingestion failed: {reason}", MESSAGE_LIMIT))


def render_status(
    status: Mapping[str, object],
    *,
    answerer: str,
    gaps: int,
    ingest_running: bool = False,
    show_locations: bool = False,
) -> EmbedData:
    """The /status embed from ``CorpusStatus.as_json()`` plus what only the bot knows.

    ``show_locations`` (admins only) adds server file paths and the store's path or host:
    members see web sources by address but local folders only as "local files".
    """
    fields = [
        EmbedField("Articles", str(status.get("articles", "?")), True),
        EmbedField("Passages", str(status.get("passages", "?")), True),
        EmbedField("Coverage gaps", f"{gaps} refused question(s)", True),
    ]
    sources = status.get("sources") or []
    counts: dict[str, int | str] = {}  # shown label -> articles (labels merge for members)
    for item in sources if isinstance(sources, list | tuple) else [sources]:
        if isinstance(item, Mapping):  # {"origin": ..., "articles": n}
            label = _shown_origin(str(item.get("origin", "?")), show_locations)
            n = item.get("articles", "?")
            before = counts.get(label, 0)
            if isinstance(n, int) and isinstance(before, int):
                counts[label] = before + n
            else:
                counts[label] = str(n)
        else:
            counts.setdefault(_shown_origin(str(item), show_locations), "")
    source_lines = [f"{label}: {n} articles" if n != "" else label for label, n in counts.items()]
    fields.append(EmbedField("Sources", list_with_more(source_lines, 1000) or "none"))
    last = status.get("last_run")
    if ingest_running:
        last_text = "⏳ an ingestion is running now"
    elif isinstance(last, Mapping):
        last_text = _last_run_text(last)
    elif last:
        last_text = str(last)
    else:
        last_text = "never"
    fields.append(EmbedField("Last ingestion", last_text))
    fields.append(EmbedField("Embedding model", f"`{status.get('embedding_model', '?')}`", True))
    fields.append(EmbedField("Answerer", f"`{answerer}`", True))
    if show_locations and status.get("store"):
        fields.append(EmbedField("Store", f"`{status['store']}`", True))
    return fit_embed(EmbedData(title="Footnote status", fields=tuple(fields)))


def _shown_origin(origin: str, show_locations: bool) -> str:
    """A source as /status shows it: local paths stay private unless ``show_locations``."""
    if show_locations:
        return escape_markdown(clip(origin, 200))
    if origin.startswith(("http://", "https://")):  # the site only: a query may hold a key
        return escape_markdown(urlsplit(origin).hostname or "a web source")
    return "local files"


def _last_run_text(last: Mapping[str, object]) -> str:
    when = last.get("finished_at") or last.get("finished")
    report = last.get("report") if isinstance(last.get("report"), Mapping) else last
    assert isinstance(report, Mapping)
    counts = ", ".join(
        f"{report[k]} {k}"
        for k in ("added", "updated", "skipped", "deleted", "failed")
        if report.get(k) is not None
    )
    parts = [str(when)] if when else []
    if counts:
        parts.append(counts)
    return " — ".join(parts) or "unknown"


__all__ = [
    "CitedPassage",
    "EmbedData",
    "EmbedField",
    "answer_embed",
    "clip",
    "escape_answer_text",
    "escape_markdown",
    "fit_embed",
    "list_with_more",
    "neutralize_mentions",
    "render_answer_text",
    "render_article",
    "render_article_list",
    "render_ingest_failure",
    "render_ingest_progress",
    "render_ingest_report",
    "render_passages",
    "render_queue_place",
    "render_status",
    "render_stream_preview",
    "safe_url",
    "split_message",
    "thread_name",
    "unescape_markdown",
]
