"""Sitemaps and sitemap indexes (plain or gzip-compressed): every listed page is read.

Nested indexes are followed breadth-first, at most :data:`MAX_SITEMAP_DEPTH` deep, and at most
``max_pages_per_source`` pages are read. A sitemap is authoritative: a page that leaves it has
been removed. So a sitemap (or a nested one) that cannot be fetched or parsed is a fatal failure:
the listing is incomplete and nothing from this source may be treated as gone.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator

from ingest.articles import Article, LoadFailure
from ingest.fetch import FetchedDoc, FetchError
from ingest.loaders.common import LoadError, WebSource, gunzip, url_key
from ingest.loaders.pages import read_listed_page

log = logging.getLogger(__name__)

MAX_SITEMAP_DEPTH = 4


def parse_sitemap(data: bytes, cap: int) -> tuple[bool, list[str]]:
    """``(is_index, locations)`` of a sitemap or sitemap index (gzip-compressed or not).

    Args:
        data: The downloaded sitemap.
        cap: The size cap for decompressed content.

    Returns:
        Whether it is a sitemap index, and the http(s) locations it lists (sitemaps for an
        index, pages otherwise).

    Raises:
        LoadError: The data is not valid XML, or not a sitemap.
    """
    from lxml import etree

    if data[:2] == b"\x1f\x8b":
        data = gunzip(data, cap)
    # No entities and no network: a sitemap is untrusted input.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise LoadError(f"not a valid sitemap (XML error: {exc})") from exc
    tag = etree.QName(root).localname
    if tag == "sitemapindex":
        child = "sitemap"
    elif tag == "urlset":
        child = "url"
    else:
        raise LoadError(
            f"not a sitemap (root element <{tag}>, expected <urlset> or <sitemapindex>)"
        )
    locations = []
    for element in root:
        if not isinstance(element.tag, str) or etree.QName(element).localname != child:
            continue
        for loc in element:
            if isinstance(loc.tag, str) and etree.QName(loc).localname == "loc" and loc.text:
                location = loc.text.strip()
                if location.lower().startswith(("http://", "https://")):
                    locations.append(location)
    return tag == "sitemapindex", locations


def read_sitemap(source: WebSource, root_doc: FetchedDoc) -> Iterator[Article | LoadFailure]:
    """Read every page a sitemap (or sitemap index) lists.

    The whole listing is gathered (and its size logged) before any page is read.

    Args:
        source: The sitemap's source; its ``seen`` set keeps a page listed twice from being
            read twice.
        root_doc: The downloaded sitemap at ``source.url``.

    Yields:
        An article per page, and failures for pages or sitemaps that could not be read.
    """
    cap = source.settings.max_pages_per_source
    pages: list[str] = []
    queue: deque[tuple[str, FetchedDoc | None, int]] = deque([(source.url, root_doc, 0)])
    visited = {url_key(source.url)}
    while queue and len(pages) < cap:
        url, doc, depth = queue.popleft()
        try:
            if doc is None:
                doc = source.fetch(url)
            is_index, locations = parse_sitemap(doc.content, source.settings.max_file_bytes)
        except (FetchError, LoadError) as exc:
            # Part of the listing is missing: nothing from this source may be treated as gone.
            yield source.fail(url, exc.reason, fatal=True)
            continue
        if is_index:
            if depth >= MAX_SITEMAP_DEPTH:
                yield source.fail(
                    url, f"sitemap indexes nested deeper than {MAX_SITEMAP_DEPTH}", fatal=True
                )
                continue
            for location in locations:
                key = url_key(location)
                if key not in visited and len(visited) <= cap:
                    visited.add(key)
                    queue.append((location, None, depth + 1))
            continue
        for location in locations:
            key = url_key(location)
            if key in source.seen:
                continue
            if len(pages) >= cap:
                log.warning(
                    "%s lists more than %d pages; reading the first %d "
                    "(FOOTNOTE_MAX_PAGES_PER_SOURCE)",
                    source.url,
                    cap,
                    cap,
                )
                break
            source.seen.add(key)
            pages.append(location)
    log.info("sitemap %s lists %d pages", source.url, len(pages))
    for page_url in pages:
        yield from read_listed_page(source, page_url)
