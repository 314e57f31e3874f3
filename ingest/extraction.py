"""Main text and metadata from an HTML page (boilerplate stripped)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """What extraction finds in one page."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None  # ISO 8601
    site_name: str | None = None
    url: str | None = None  # canonical URL when the page declares one


def extract_html(html: str, url: str | None = None) -> ExtractedPage | None:
    """Extract the article from ``html``; ``None`` when the page has no article text."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url, include_comments=False, favor_precision=True, with_metadata=True
    )
    if doc is None or not (doc.text or "").strip():
        return None
    return ExtractedPage(
        text=doc.text.strip(),
        title=doc.title,
        author=doc.author,
        published=doc.date,
        site_name=doc.sitename,
        url=doc.url,
    )
