"""RSS and Atom feeds: each entry's linked page is read, else the entry's own content.

A feed only shows its latest entries, so it is not authoritative: an article that drops off it
is kept (see :func:`~ingest.loaders.dispatch.is_authoritative`). An entry's id comes from its
link, or for an entry without one from the feed URL plus its guid (``#entry-<n>`` without a
guid). A feed that cannot be fetched or parsed at all is a fatal failure; a feed cut short by
an XML error still yields the entries before the error, plus a (non-fatal) failure saying so.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ingest.articles import Article, LoadFailure
from ingest.fetch import FetchedDoc, FetchError
from ingest.loaders.common import (
    LoadError,
    WebSource,
    clean_str,
    digest,
    html_to_text,
    iso_date,
    prefer_timed,
    url_key,
)
from ingest.loaders.pages import extract_page

if TYPE_CHECKING:
    from ingest.extraction import ExtractedPage

log = logging.getLogger(__name__)


def _entry_published(entry: Mapping[str, Any]) -> str | None:
    for key in ("published", "updated", "created"):
        iso = iso_date(entry.get(key))
        if iso is None and entry.get(f"{key}_parsed"):
            parsed = entry[f"{key}_parsed"]
            year, month, day, hour, minute, second = parsed[:6]
            iso = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC).isoformat()
        if iso:
            return iso
    return None


def _entry_text(entry: Mapping[str, Any]) -> str | None:
    candidates = [part.get("value", "") for part in entry.get("content", []) or []]
    candidates.append(entry.get("summary", "") or "")
    best = max(candidates, key=len)
    text = html_to_text(best) if best else ""
    return text or None


def read_feed(source: WebSource, doc: FetchedDoc) -> Iterator[Article | LoadFailure]:
    """Read the entries of a feed, up to ``max_pages_per_source``.

    Args:
        source: The feed's source; its ``seen`` set keeps an entry listed twice from being read
            twice.
        doc: The downloaded feed.

    Yields:
        An article per entry, and failures for entries (or a feed) that could not be read.
    """
    import feedparser

    parsed = feedparser.parse(
        io.BytesIO(doc.content),
        response_headers={
            "content-type": doc.content_type + (f"; charset={doc.charset}" if doc.charset else ""),
            "content-location": doc.url,
        },
    )
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    harmless = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    if isinstance(problem, harmless):
        problem = None
    if not parsed.entries and (problem is not None or not parsed.get("version")):
        reason = f"not a valid RSS/Atom feed ({problem})" if problem else "not an RSS/Atom feed"
        yield source.fail(source.url, reason, fatal=True)
        return
    entries = parsed.entries
    if problem is not None:
        # The entry the error cut short is a fragment; drop it unless it still says something.
        entries = [e for e in entries if e.get("link") or _entry_text(e)]
        yield source.fail(
            source.url,
            f"feed is not well-formed ({problem}); read the {len(entries)} entries "
            "found before the error",
        )
    feed_title = clean_str(parsed.feed.get("title"))
    cap = source.settings.max_pages_per_source
    if len(entries) > cap:
        log.warning("%s has %d entries; reading the first %d", source.url, len(entries), cap)
    for number, entry in enumerate(entries[:cap], start=1):
        yield from _read_entry(source, number, entry, feed_title)


def _read_entry(
    source: WebSource, number: int, entry: Mapping[str, Any], feed_title: str | None
) -> Iterator[Article | LoadFailure]:
    link = clean_str(entry.get("link"))
    if link and not link.lower().startswith(("http://", "https://")):
        link = None
    guid = clean_str(entry.get("id"))
    location = link or f"{source.url}#{guid or f'entry-{number}'}"
    key = url_key(link) if link else location
    if key in source.seen:
        return
    source.seen.add(key)
    page: ExtractedPage | None = None
    page_published = None
    if link is None:
        problem = "the feed entry has no link"
    else:
        try:
            page, page_published = extract_page(source.fetch(link), source.settings.max_file_bytes)
            problem = ""
        except (FetchError, LoadError) as exc:
            problem = exc.reason
    if page is not None:
        text = page.text
    else:
        fallback = _entry_text(entry)
        if fallback is None:
            yield source.fail(location, f"{problem}; the feed entry has no content to fall back on")
            return
        log.info("%s: %s; using the feed entry's own content", location, problem)
        text = fallback
    yield Article(
        article_id=digest(key),
        text=text,
        title=clean_str(entry.get("title")) or (page and clean_str(page.title)) or location,
        origin=source.origin,
        location=location,
        url=link or (page.url if page else None),
        source=(page and clean_str(page.site_name)) or feed_title,
        author=clean_str(entry.get("author")) or (page and clean_str(page.author)) or None,
        published=prefer_timed(_entry_published(entry), page_published),
    )
