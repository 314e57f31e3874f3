"""From a source spec to the loader that reads it: a local path, a page, a feed or a sitemap.

:func:`iter_source` turns one source spec into a stream of :class:`~ingest.articles.Article` and
:class:`~ingest.articles.LoadFailure` values. Expected problems (an empty or binary file, a
malformed JSON line, a 404, a page without article text...) become failures that name the item
and the reason; the rest of the source still loads.

**Fatal failures** (``LoadFailure.fatal``) mean the source could not be listed completely (a
missing directory, a feed or sitemap that cannot be fetched, a single page that cannot be
fetched): the job must then keep what it ingested from that source before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from ingest.articles import Article, LoadFailure
from ingest.fetch import FetchError, fetch, make_client
from ingest.loaders.common import SourceKind, WebSource, sniff
from ingest.loaders.feeds import read_feed
from ingest.loaders.files import PathSource
from ingest.loaders.pages import read_page
from ingest.loaders.sitemaps import read_sitemap
from ingest.sources import is_url, normalize_spec, split_kind_prefix

if TYPE_CHECKING:
    import httpx

    from ingest.config import IngestSettings

log = logging.getLogger(__name__)

_FEED_WORDS = frozenset({"feed", "feeds", "rss", "rss2", "atom", "rdf"})


def source_kind(spec: str) -> SourceKind:
    """What kind of source ``spec`` names, judged from the spec alone.

    Local paths are ``"path"``. For URLs an explicit ``feed:``/``sitemap:``/``page:`` prefix
    decides; otherwise the name does: ``sitemap`` in the file name or ``.xml.gz`` means a
    sitemap; ``.rss``/``.atom``/``.rdf``, a path segment such as ``feed``, ``rss`` or
    ``atom.xml``, or a ``?feed=`` / ``?format=rss`` query means a feed. Those names are trusted.
    Any other ``.xml`` URL is guessed to be a feed and anything else a page, but these guesses
    are ambiguous: when such a URL is read, :func:`iter_source` sniffs the content and follows
    what it finds (a feed behind ``/news``, an HTML page behind ``/data.xml``).
    """
    explicit, target = split_kind_prefix(spec)
    if explicit is not None:
        return explicit  # type: ignore[return-value]
    if not is_url(target):
        return "path"
    return guess_url_kind(target)[0]


def is_authoritative(spec: str) -> bool:
    """Whether an article missing from this source's listing has been removed.

    True for local paths, sitemaps and single pages. False for RSS/Atom feeds: a feed only shows
    its latest entries, so an article that drops off it is kept.
    """
    return source_kind(spec) != "feed"


def iter_source(
    spec: str, settings: IngestSettings, *, client: httpx.Client | None = None
) -> Iterator[Article | LoadFailure]:
    """Read every article of one source.

    Args:
        spec: A local path (file, directory read recursively, or glob), or a page, feed or
            sitemap URL (optionally prefixed ``feed:``, ``sitemap:`` or ``page:``).
        settings: Size cap, timeout, User-Agent and page cap per source.
        client: An HTTP client to reuse; by default one is made (and closed) for URL sources.

    Yields:
        Articles, and a :class:`LoadFailure` for each item that could not be read. A failure
        with ``fatal=True`` means the source could not be listed completely.
    """
    origin = normalize_spec(spec)
    kind = source_kind(origin)
    if kind == "path":
        yield from PathSource(origin, settings).run()
        return
    own_client = client is None
    http = make_client(settings) if client is None else client
    try:
        yield from _read_url(origin, settings, http)
    finally:
        if own_client:
            http.close()


def guess_url_kind(url: str) -> tuple[SourceKind, bool]:
    """The kind a URL's name suggests, and whether the name is clear about it."""
    parts = urlsplit(url)
    path = parts.path.lower()
    segments = [segment for segment in path.split("/") if segment]
    name = segments[-1] if segments else ""
    if "sitemap" in name or name.endswith(".xml.gz"):
        return "sitemap", True
    if name.endswith((".rss", ".atom", ".rdf")):
        return "feed", True
    if any(segment.split(".")[0] in _FEED_WORDS for segment in segments):
        return "feed", True
    for key, value in parse_qsl(parts.query):
        if key.lower() == "feed" or value.lower() in _FEED_WORDS:
            return "feed", True
    if name.endswith(".xml"):
        return "feed", False  # most other XML URLs are feeds; the content decides
    return "page", False  # the content decides: an extensionless URL may be a feed


def _read_url(
    origin: str, settings: IngestSettings, client: httpx.Client
) -> Iterator[Article | LoadFailure]:
    """Fetch a URL source, settle its kind (prefix, else a clear name, else content), read it."""
    explicit, url = split_kind_prefix(origin)
    named, certain = guess_url_kind(url)
    try:
        doc = fetch(client, url, settings)
    except FetchError as exc:
        yield LoadFailure(item=url, reason=exc.reason, origin=origin, fatal=True)
        return
    if explicit is not None:
        kind: SourceKind = explicit  # type: ignore[assignment]
    elif certain:
        kind = named
    else:
        kind = sniff(doc, settings.max_file_bytes) or named
    if kind != named:
        log.info("%s looks like a %s, not a %s: reading it as a %s", url, kind, named, kind)
        if (kind == "feed") != (named == "feed"):
            # is_authoritative() only sees the name; the prefix makes it see the truth.
            log.warning(
                "%s is a %s but its name suggests a %s: list it as '%s:%s' so that "
                "articles missing from it are handled as a %s's",
                url,
                kind,
                named,
                kind,
                url,
                kind,
            )
    source = WebSource(origin=origin, url=url, settings=settings, client=client)
    if kind == "sitemap":
        yield from read_sitemap(source, doc)
    elif kind == "feed":
        yield from read_feed(source, doc)
    else:
        yield from read_page(source, doc)
