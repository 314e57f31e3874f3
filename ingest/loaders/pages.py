"""Single web pages: check that a download is HTML, decode it and extract its article.

A source that is one page URL is read here, and so is every page a feed or sitemap lists.
The page's article id comes from the URL it was asked for (as listed), not the URL it
redirected to, so a moved page keeps its id.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ingest.articles import Article, LoadFailure
from ingest.extraction import extract_html
from ingest.fetch import FetchedDoc, FetchError
from ingest.loaders.common import (
    HTML_TYPES,
    LoadError,
    WebSource,
    clean_str,
    decode_text,
    digest,
    html_charset,
    iso_date,
    prefer_timed,
    sniff,
    structured_published,
    url_key,
)

if TYPE_CHECKING:
    from ingest.extraction import ExtractedPage


def extract_page(doc: FetchedDoc, cap: int) -> tuple[ExtractedPage, str | None]:
    """The article of a downloaded page, and its publication date.

    Args:
        doc: The downloaded page.
        cap: The size cap, in case the page is gzip-compressed and must be sniffed.

    Returns:
        The extracted page, and the best publication date found (one with a time of day wins).

    Raises:
        LoadError: The document is not HTML, or holds no article text.
    """
    sniffed = sniff(doc, cap)
    if doc.content_type not in HTML_TYPES and sniffed != "page":
        raise LoadError(f"not an HTML page (content type {doc.content_type or 'unknown'})")
    html = decode_text(doc.content, declared=doc.charset or html_charset(doc.content), web=True)
    page = extract_html(html, doc.url)
    if page is None:
        raise LoadError("no article text found in the page (only boilerplate or no body)")
    return page, prefer_timed(structured_published(html), iso_date(page.published))


def page_article(source: WebSource, url: str, doc: FetchedDoc) -> Article:
    """The article of the page ``url`` of ``source``, downloaded as ``doc``.

    Raises:
        LoadError: The page holds no article (see :func:`extract_page`).
    """
    page, published = extract_page(doc, source.settings.max_file_bytes)
    return Article(
        article_id=digest(url_key(url)),
        text=page.text,
        title=clean_str(page.title) or url,
        origin=source.origin,
        location=url,
        url=page.url or doc.url,
        source=clean_str(page.site_name),
        author=clean_str(page.author),
        published=published,
    )


def read_page(source: WebSource, doc: FetchedDoc) -> Iterator[Article | LoadFailure]:
    """Read a source that is a single page, already downloaded as ``doc``."""
    try:
        yield page_article(source, source.url, doc)
    except LoadError as exc:
        yield source.fail(source.url, exc.reason)


def read_listed_page(source: WebSource, url: str) -> Iterator[Article | LoadFailure]:
    """Download and read one page that a feed or sitemap lists; a failure is the page's alone."""
    try:
        doc = source.fetch(url)
        yield page_article(source, url, doc)
    except (FetchError, LoadError) as exc:
        yield source.fail(url, exc.reason)
