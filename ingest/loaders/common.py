"""What the loaders share: the per-item error, article ids, dates, and bytes -> text.

Decisions worth knowing:

* **Article ids** never depend on content, so an edited article keeps its id. They are a short
  sha256 of the URL the article is known by (a web page: the URL as listed in the feed, sitemap or
  sources file; a local file: the ``url`` in its metadata or its canonical link), else of its
  location: the absolute file path, plus ``#<id>`` / ``#L<line>`` / ``#item-<n>`` for one object
  of a JSON or JSONL file. Within one source an id is handed out once: a second local file that
  claims the same URL is identified by its location instead.
* **Text encodings**: local text files must be UTF-8 (a BOM is fine) or UTF-16 with a BOM;
  anything else is reported as "not UTF-8" rather than guessed, because a wrong guess silently
  stores garbled text. HTML may declare its charset (``<meta charset>``, or the HTTP header for
  web pages); web pages that declare nothing and are not UTF-8 are read as windows-1252, as
  browsers do. Files with NUL bytes or many control characters are reported as binary.
* **Dates** are ISO 8601. A date with a time of day (JSON-LD ``datePublished``,
  ``article:published_time``, a feed entry's date) wins over the date-only value trafilatura
  finds.
"""

from __future__ import annotations

import codecs
import datetime as dt
import gzip
import hashlib
import io
import json
import logging
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from ingest.articles import LoadFailure
from ingest.extraction import EARLIEST_PUBLISHED_YEAR, parse_date
from ingest.fetch import FetchedDoc, describe_size, fetch
from vectorstore.errors import FootnoteError

if TYPE_CHECKING:
    import httpx

    from ingest.config import IngestSettings

log = logging.getLogger(__name__)

SourceKind = Literal["path", "page", "feed", "sitemap"]

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
ID_HEX_CHARS = 20
BINARY_SAMPLE = 8192

_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_JSONLD = re.compile(
    r"<script[^>]+type\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>(.*?)</script>", re.I | re.S
)
_META_TAG = re.compile(r"<meta\b[^>]*>", re.I)
_ATTR = re.compile(r"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_DATE_META_NAMES = frozenset(
    {
        "article:published_time",
        "og:published_time",
        "datepublished",
        "pubdate",
        "publish-date",
        "publishdate",
        "dc.date.issued",
    }
)
_XML_PREAMBLE = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", re.S | re.I)
_FIRST_TAG = re.compile(rb"<([A-Za-z][\w:.-]*)")


class LoadError(FootnoteError):
    """One item cannot be read; the loaders turn it into a :class:`LoadFailure`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------------------------
# Ids


def digest(key: str) -> str:
    """The article id for ``key`` (a URL key or a location): short, so ids stay readable."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:ID_HEX_CHARS]


def url_key(url: str) -> str:
    """The spelling of a URL used for ids: lowercase scheme and host, no fragment.

    Two spellings of one address must give one id, or an article would be stored twice.
    """
    parts = urlsplit(url.strip())
    netloc = parts.netloc.lower()
    scheme = parts.scheme.lower()
    if (scheme, netloc.rpartition(":")[2]) in {("http", "80"), ("https", "443")}:
        netloc = netloc.rpartition(":")[0]
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


class ArticleIds:
    """Hands out article ids within one source, each at most once."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}

    def claim(self, url: str | None, location: str) -> str:
        """The id of the article at ``location``: from its URL, unless another item owns that.

        Args:
            url: The URL the article says it is known by, if any.
            location: Where the article was read (a file path, maybe with ``#...``).

        Returns:
            An id no other location of this source has been given.
        """
        article_id = digest(url_key(url) if url else location)
        owner = self._owners.get(article_id)
        if owner is not None and owner != location:
            log.warning(
                "%s has the same URL as %s; identifying it by its location instead", location, owner
            )
            article_id = digest(location)
        self._owners[article_id] = location
        return article_id


# --------------------------------------------------------------------------------------------
# Dates and metadata values


def iso_date(value: object) -> str | None:
    """ISO 8601 for a date given as a datetime, date, ISO string, RFC 2822 string or epoch.

    Metadata spells dates every way; anything unparseable is dropped rather than stored raw, and
    so is a placeholder ("0001-01-01T00:00:00Z" in some pages' JSON-LD means no date). Strings
    are read by the HTML extractor's ``parse_date``, so every loader reads a date alike.
    """
    parsed: dt.date | None
    if isinstance(value, dt.date):  # a datetime is a date too
        parsed = value
    elif isinstance(value, bool):
        return None
    elif isinstance(value, int | float):
        if not 1e8 < value < 1e10:  # epoch seconds between 1973 and 2286
            return None
        parsed = dt.datetime.fromtimestamp(value, tz=dt.UTC)
    elif isinstance(value, str):
        parsed = parse_date(value)
        if parsed is None and value.strip():
            log.debug("unparseable date %r", value)
    else:
        return None
    if parsed is None or parsed.year < EARLIEST_PUBLISHED_YEAR:
        return None
    return parsed.isoformat()


def _has_time(iso: str | None) -> bool:
    return iso is not None and "T" in iso


def prefer_timed(*candidates: str | None) -> str | None:
    """The first candidate with a time of day, else the first one at all."""
    for candidate in candidates:
        if _has_time(candidate):
            return candidate
    return next((c for c in candidates if c), None)


def clean_str(value: object) -> str | None:
    """A metadata value as one line of text; names are taken from lists and schema.org objects."""
    if isinstance(value, str):
        text = " ".join(value.split())
        return text or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, Mapping):
        return clean_str(value.get("name"))
    if isinstance(value, list):
        names = [name for name in (clean_str(item) for item in value) if name]
        return ", ".join(names) or None
    return None


def structured_published(html: str) -> str | None:
    """The publication date from JSON-LD or meta tags, preferring one with a time of day."""
    found: list[str] = []
    for block in _JSONLD.findall(html):
        try:
            data = json.loads(block.strip())
        except json.JSONDecodeError:
            continue
        articles: list[object] = []
        others: list[object] = []
        stack: list[Any] = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                stack.extend(reversed(node.get("@graph", []) or []))
                if node.get("datePublished"):
                    kind = " ".join(node["@type"]) if isinstance(node.get("@type"), list) else ""
                    kind = kind or str(node.get("@type", ""))
                    target = articles if ("Article" in kind or "Posting" in kind) else others
                    target.append(node["datePublished"])
        found.extend(iso for iso in map(iso_date, articles + others) if iso)
    for tag in _META_TAG.findall(html):
        attrs = {k.lower(): (v1 or v2) for k, v1, v2 in _ATTR.findall(tag)}
        name = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if name in _DATE_META_NAMES:
            iso = iso_date(attrs.get("content"))
            if iso:
                found.append(iso)
    return prefer_timed(*found)


# --------------------------------------------------------------------------------------------
# Text


def normalize_text(text: str) -> str:
    """Unix line ends, no trailing spaces, no blank lines at either end.

    The same text saved on another system (CRLF, trailing blanks) must read the same.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


class _TextCollector(HTMLParser):
    """Text of an HTML fragment, one paragraph per block element, scripts and styles dropped."""

    BLOCK = frozenset(
        {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
        | {"pre", "tr", "table", "section", "article", "header", "footer", "figure", "hr"}
        | {"figcaption", "dd", "dt", "dl"}
    )
    SKIP = frozenset({"script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed entry's content), one paragraph per block."""
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    lines = (line.strip() for line in "".join(collector.parts).split("\n"))
    return "\n\n".join(line for line in lines if line)


# --------------------------------------------------------------------------------------------
# Bytes -> text


def _read_capped(stream: io.BufferedIOBase, cap: int, what: str) -> bytes:
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise LoadError(f"{what} is over the {describe_size(cap)} cap (FOOTNOTE_MAX_FILE_MB)")
    return data


def gunzip(data: bytes, cap: int) -> bytes:
    """Decompress gzip data, refusing more than ``cap`` bytes so a gzip bomb cannot fill memory.

    Raises:
        LoadError: The data is truncated or corrupt, or decompresses to more than ``cap``.
    """
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            return _read_capped(stream, cap, "decompressed content")
    except EOFError as exc:
        raise LoadError("truncated gzip data (ends before the end-of-stream marker)") from exc
    except gzip.BadGzipFile as exc:
        raise LoadError(f"not valid gzip data: {exc}") from exc
    except zlib.error as exc:
        raise LoadError(f"corrupt gzip data: {exc}") from exc


def _looks_binary(data: bytes) -> bool:
    sample = data[:BINARY_SAMPLE]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 9 or 13 < byte < 32 or byte == 127)
    return controls > len(sample) * 0.05


def decode_text(data: bytes, *, declared: str | None = None, web: bool = False) -> str:
    """Decode text strictly (see the module docstring for the policy).

    Args:
        data: The raw bytes of a file or web page.
        declared: The charset the document or server declared, tried after UTF-8.
        web: Whether the bytes came from the web, where windows-1252 is the last resort.

    Returns:
        The text with normalized line ends.

    Raises:
        LoadError: The data is empty, binary or in an encoding we will not guess.
    """
    if not data.strip():
        raise LoadError("empty file" if not data else "empty file (only whitespace)")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError(f"invalid UTF-16 text: {exc.reason} at byte {exc.start}") from exc
    else:
        if _looks_binary(data):
            raise LoadError("binary file, not text (contains NUL or control bytes)")
        encodings = ["utf-8-sig"]
        if declared:
            try:
                name = codecs.lookup(declared).name
            except LookupError:
                log.debug("unknown declared charset %r", declared)
            else:
                if name not in ("utf-8", "utf-8-sig"):
                    encodings.append(name)
        if web:
            encodings.append("cp1252")
        first_error: UnicodeDecodeError | None = None
        for encoding in encodings:
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError as exc:
                first_error = first_error or exc
        else:
            assert first_error is not None
            bad = data[first_error.start : first_error.start + 1].hex()
            raise LoadError(
                f"not UTF-8 text (invalid byte 0x{bad} at offset {first_error.start}); "
                "save it as UTF-8"
            )
    text = normalize_text(text)
    if not text:
        raise LoadError("empty file (only whitespace)")
    return text


def html_charset(data: bytes) -> str | None:
    """The charset an HTML document declares in a ``<meta>`` tag near its start, if any."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


# --------------------------------------------------------------------------------------------
# The web: what the page, feed and sitemap loaders share


def sniff(doc: FetchedDoc, cap: int) -> SourceKind | None:
    """The kind of a fetched document from its first element, or its content type.

    A URL's name can mislead (a feed behind ``/news``, an HTML page behind ``/data.xml``), so
    the content has the last word when the name was only a guess.
    """
    data = doc.content
    if data[:2] == b"\x1f\x8b":
        try:
            data = gunzip(data, cap)
        except LoadError:
            return None
    head = _XML_PREAMBLE.sub(b"", data[:4096].lstrip(codecs.BOM_UTF8).lstrip())
    match = _FIRST_TAG.search(head)
    if match:
        tag = match.group(1).decode("ascii").lower().rpartition(":")[2]
        if tag in ("urlset", "sitemapindex"):
            return "sitemap"
        if tag in ("rss", "feed", "rdf"):
            return "feed"
        if tag == "html":
            return "page"
    return "page" if doc.content_type in HTML_TYPES else None


@dataclass(frozen=True, slots=True)
class WebSource:
    """One URL source being read: what its page, feed and sitemap loaders need to share.

    ``seen`` holds the URL keys already read from this source, so a page listed twice (or by
    two nested sitemaps) is read once.
    """

    origin: str
    url: str
    settings: IngestSettings
    client: httpx.Client
    seen: set[str] = field(default_factory=set)

    def fail(self, item: str, reason: str, *, fatal: bool = False) -> LoadFailure:
        """A failure of ``item``, attributed to this source."""
        return LoadFailure(item=item, reason=reason, origin=self.origin, fatal=fatal)

    def fetch(self, url: str) -> FetchedDoc:
        """Download ``url`` with this source's client and limits.

        Raises:
            FetchError: The URL could not be downloaded.
        """
        return fetch(self.client, url, self.settings)
