"""Reading articles from sources: local files, web pages, RSS/Atom feeds and sitemaps.

:func:`iter_source` turns one source spec into a stream of :class:`~ingest.articles.Article` and
:class:`~ingest.articles.LoadFailure` values. Expected problems (an empty or binary file, a
malformed JSON line, a 404, a page without article text...) become failures that name the item
and the reason; the rest of the source still loads.

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
* **Fatal failures** (``LoadFailure.fatal``) mean the source could not be listed completely (a
  missing directory, a feed or sitemap that cannot be fetched, a single page that cannot be
  fetched): the job must then keep what it ingested from that source before.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email.utils
import glob
import gzip
import hashlib
import io
import json
import logging
import os
import re
import zlib
from collections import deque
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ingest.articles import Article, LoadFailure
from ingest.extraction import extract_html
from ingest.fetch import FetchedDoc, FetchError, describe_size, fetch, make_client
from ingest.sources import is_url, normalize_spec, split_kind_prefix
from vectorstore.errors import FootnoteError

if TYPE_CHECKING:
    import httpx

    from ingest.config import IngestSettings
    from ingest.extraction import ExtractedPage

log = logging.getLogger(__name__)

SourceKind = Literal["path", "page", "feed", "sitemap"]

# File name suffix -> format. Each is also read gzip-compressed (``name.md.gz``).
FORMATS: dict[str, str] = {
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".json": "json",
    ".jsonl": "jsonl",
}
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
ID_HEX_CHARS = 20
MAX_TITLE_LINE = 200  # a .txt file's first line longer than this is text, not a title
MAX_SITEMAP_DEPTH = 4
BINARY_SAMPLE = 8192

_FEED_WORDS = frozenset({"feed", "feeds", "rss", "rss2", "atom", "rdf"})
_GLOB_CHARS = re.compile(r"[*?\[]")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_ATX_TITLE = re.compile(r"\A\s*#[ \t]+(.+?)[ \t#]*(?:\n|\Z)")
_SETEXT_TITLE = re.compile(r"\A\s*([^\n]+)\n=+[ \t]*(?:\n|\Z)")
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
_HTML_IN_TEXT = re.compile(
    r"<(?:p|div|br|span|a|b|i|em|strong|ul|ol|li|h[1-6]|img|blockquote|table)\b[^>]*>", re.I
)
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_XML_PREAMBLE = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", re.S | re.I)
_FIRST_TAG = re.compile(rb"<([A-Za-z][\w:.-]*)")


class LoadError(FootnoteError):
    """One item cannot be read; :func:`iter_source` turns it into a :class:`LoadFailure`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------------------------
# Public API


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
    return _guess_url_kind(target)[0]


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
        yield from _PathSource(origin, settings).run()
        return
    own_client = client is None
    http = make_client(settings) if client is None else client
    try:
        yield from _WebSource(origin, settings, http).run()
    finally:
        if own_client:
            http.close()


# --------------------------------------------------------------------------------------------
# Ids, dates, text helpers


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:ID_HEX_CHARS]


def _url_key(url: str) -> str:
    """The spelling of a URL used for ids: lowercase scheme and host, no fragment."""
    parts = urlsplit(url.strip())
    netloc = parts.netloc.lower()
    scheme = parts.scheme.lower()
    if (scheme, netloc.rpartition(":")[2]) in {("http", "80"), ("https", "443")}:
        netloc = netloc.rpartition(":")[0]
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


class _Ids:
    """Hands out article ids within one source, each at most once."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}

    def claim(self, url: str | None, location: str) -> str:
        article_id = _digest(_url_key(url) if url else location)
        owner = self._owners.get(article_id)
        if owner is not None and owner != location:
            log.warning(
                "%s has the same URL as %s; identifying it by its location instead", location, owner
            )
            article_id = _digest(location)
        self._owners[article_id] = location
        return article_id


def _iso_date(value: object) -> str | None:
    """ISO 8601 for a date given as a datetime, date, ISO string, RFC 2822 string or epoch."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if 1e8 < value < 1e10:  # epoch seconds between 1973 and 2286
            return dt.datetime.fromtimestamp(value, tz=dt.UTC).isoformat()
        return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if _DATE_ONLY.fullmatch(text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    try:
        return dt.datetime.fromisoformat(text.replace(" ", "T", 1)).isoformat()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError):
        log.debug("unparseable date %r", text)
        return None


def _has_time(iso: str | None) -> bool:
    return iso is not None and "T" in iso


def _prefer_timed(*candidates: str | None) -> str | None:
    """The first candidate with a time of day, else the first one at all."""
    for candidate in candidates:
        if _has_time(candidate):
            return candidate
    return next((c for c in candidates if c), None)


def _clean_str(value: object) -> str | None:
    """A metadata value as one line of text; names are taken from lists and schema.org objects."""
    if isinstance(value, str):
        text = " ".join(value.split())
        return text or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, Mapping):
        return _clean_str(value.get("name"))
    if isinstance(value, list):
        names = [name for name in (_clean_str(item) for item in value) if name]
        return ", ".join(names) or None
    return None


def _normalize_text(text: str) -> str:
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


def _maybe_html_to_text(text: str) -> str:
    return html_to_text(text) if _HTML_IN_TEXT.search(text) else _normalize_text(text)


def _structured_published(html: str) -> str | None:
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
        found.extend(iso for iso in map(_iso_date, articles + others) if iso)
    for tag in _META_TAG.findall(html):
        attrs = {k.lower(): (v1 or v2) for k, v1, v2 in _ATTR.findall(tag)}
        name = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if name in _DATE_META_NAMES:
            iso = _iso_date(attrs.get("content"))
            if iso:
                found.append(iso)
    return _prefer_timed(*found)


# --------------------------------------------------------------------------------------------
# Bytes -> text


def _read_capped(stream: io.BufferedIOBase, cap: int, what: str) -> bytes:
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise LoadError(f"{what} is over the {describe_size(cap)} cap (FOOTNOTE_MAX_FILE_MB)")
    return data


def _gunzip(data: bytes, cap: int) -> bytes:
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


def _decode(data: bytes, *, declared: str | None = None, web: bool = False) -> str:
    """Decode text strictly (see the module docstring for the policy)."""
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
    text = _normalize_text(text)
    if not text:
        raise LoadError("empty file (only whitespace)")
    return text


def _html_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


# --------------------------------------------------------------------------------------------
# Local files


def _record_text(record: Mapping[str, Any]) -> str | None:
    for key in ("body", "text", "content"):
        value = record.get(key)
        if isinstance(value, list):
            value = "\n\n".join(str(part) for part in value if isinstance(part, str))
        if isinstance(value, str) and value.strip():
            text = _maybe_html_to_text(value)
            if text:
                return text
    return None


class _PathSource:
    """A local file, directory or glob."""

    def __init__(self, origin: str, settings: IngestSettings) -> None:
        self.origin = origin
        self.settings = settings
        self.ids = _Ids()

    def run(self) -> Iterator[Article | LoadFailure]:
        if _GLOB_CHARS.search(self.origin):
            matches = sorted(glob.glob(self.origin, recursive=True))
            if not matches:
                yield self._fail(self.origin, "no files match this pattern", fatal=True)
                return
            for match in matches:
                path = Path(match)
                if path.is_dir():
                    yield from self._walk(path)
                elif path.is_file():
                    yield from self._load_file(path, explicit=False)
            return
        path = Path(self.origin)
        if path.is_dir():
            yield from self._walk(path)
        elif path.is_file():
            yield from self._load_file(path, explicit=True)
        elif not path.exists():
            yield self._fail(self.origin, "no such file or directory", fatal=True)
        else:
            yield self._fail(self.origin, "not a regular file or directory", fatal=True)

    def _fail(self, item: str, reason: str, *, fatal: bool = False) -> LoadFailure:
        return LoadFailure(item=item, reason=reason, origin=self.origin, fatal=fatal)

    def _walk(self, root: Path) -> Iterator[Article | LoadFailure]:
        errors: list[OSError] = []
        for folder, dirnames, filenames in os.walk(root, onerror=errors.append):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                yield from self._load_file(Path(folder) / name, explicit=False)
        for error in errors:
            yield self._fail(
                str(error.filename or root),
                f"cannot list directory: {error.strerror or error}",
                fatal=True,
            )

    def _load_file(self, path: Path, *, explicit: bool) -> Iterator[Article | LoadFailure]:
        name = path.name.lower()
        compressed = name.endswith(".gz")
        inner = name[:-3] if compressed else name
        fmt = FORMATS.get(Path(inner).suffix)
        if fmt is None:
            if explicit:
                yield self._fail(
                    str(path),
                    f"unsupported file type {Path(name).suffix or '(no extension)'!r}; expected "
                    + ", ".join(sorted(FORMATS))
                    + " (optionally .gz)",
                )
            else:
                log.debug("skipping %s: not a supported file type", path)
            return
        location = str(path)
        try:
            data = self._read(path, compressed)
            if fmt == "html":
                yield self._html(path, _decode(data, declared=_html_charset(data)))
            elif fmt == "markdown":
                yield self._markdown(path, _decode(data))
            elif fmt == "text":
                yield self._text(path, _decode(data))
            elif fmt == "json":
                yield from self._json(path, _decode(data))
            else:
                yield from self._jsonl(path, _decode(data))
        except LoadError as exc:
            yield self._fail(location, exc.reason)

    def _read(self, path: Path, compressed: bool) -> bytes:
        cap = self.settings.max_file_bytes
        try:
            size = path.stat().st_size
            if size > cap:
                raise LoadError(
                    f"file is {describe_size(size)}, over the {describe_size(cap)} cap "
                    "(FOOTNOTE_MAX_FILE_MB)"
                )
            if size == 0:
                raise LoadError("empty file")
            data = path.read_bytes()
        except OSError as exc:
            raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
        return _gunzip(data, cap) if compressed else data

    def _title_fallback(self, path: Path) -> str:
        name = path.name
        for suffix in (".gz", *FORMATS):
            if name.lower().endswith(suffix):
                name = name[: -len(suffix)]
        return name or path.name

    def _article(
        self,
        *,
        path: Path,
        location: str,
        text: str,
        title: str | None,
        url: str | None = None,
        source: str | None = None,
        author: str | None = None,
        published: str | None = None,
    ) -> Article:
        return Article(
            article_id=self.ids.claim(url, location),
            text=text,
            title=title or self._title_fallback(path),
            origin=self.origin,
            location=location,
            url=url,
            source=source,
            author=author,
            published=published,
        )

    def _html(self, path: Path, html: str) -> Article:
        page = extract_html(html, None)
        if page is None:
            raise LoadError("no article text found in the HTML (only boilerplate or no body)")
        return self._article(
            path=path,
            location=str(path),
            text=page.text,
            title=_clean_str(page.title),
            url=page.url,
            source=_clean_str(page.site_name),
            author=_clean_str(page.author),
            published=_prefer_timed(_structured_published(html), _iso_date(page.published)),
        )

    def _markdown(self, path: Path, text: str) -> Article:
        meta: dict[str, Any] = {}
        match = _FRONT_MATTER.match(text)
        if match:
            import yaml

            try:
                loaded = yaml.safe_load(match.group(1))
            except yaml.YAMLError as exc:
                problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
                mark = getattr(exc, "problem_mark", None)
                where = f" at line {mark.line + 2}" if mark is not None else ""
                raise LoadError(f"front matter is not valid YAML: {problem}{where}") from exc
            if loaded is not None and not isinstance(loaded, dict):
                raise LoadError("front matter must be a YAML mapping (key: value lines)")
            meta = loaded or {}
            text = text[match.end() :]
        title = _clean_str(meta.get("title"))
        if title is None:
            heading = _ATX_TITLE.match(text) or _SETEXT_TITLE.match(text)
            if heading:
                title = _clean_str(heading.group(1))
                text = text[heading.end() :]
        body = _normalize_text(text)
        if not body:
            raise LoadError("no text after the front matter and title")
        return self._article(
            path=path,
            location=str(path),
            text=body,
            title=title,
            url=_clean_str(meta.get("url")),
            source=_clean_str(meta.get("source") or meta.get("publisher")),
            author=_clean_str(meta.get("author") or meta.get("authors")),
            published=_iso_date(meta.get("published") or meta.get("date")),
        )

    def _text(self, path: Path, text: str) -> Article:
        first, _, rest = text.partition("\n")
        title = None
        if rest.strip() and len(first.strip()) <= MAX_TITLE_LINE:
            title, text = first.strip(), rest.strip()
        return self._article(path=path, location=str(path), text=text, title=title)

    def _record(self, path: Path, location: str, record: object) -> Article:
        if not isinstance(record, dict):
            raise LoadError(f"expected a JSON object, found {type(record).__name__}")
        text = _record_text(record)
        if text is None:
            raise LoadError('no text (expected a non-empty "body", "text" or "content" field)')
        return self._article(
            path=path,
            location=location,
            text=text,
            title=_clean_str(record.get("title") or record.get("headline")),
            url=_clean_str(record.get("url")),
            source=_clean_str(record.get("source") or record.get("publisher")),
            author=_clean_str(record.get("author") or record.get("authors")),
            published=_iso_date(
                record.get("published") or record.get("date") or record.get("datePublished")
            ),
        )

    @staticmethod
    def _record_location(path: Path, record: object, fallback: str) -> str:
        if isinstance(record, dict):
            record_id = _clean_str(record.get("id"))
            if record_id:
                return f"{path}#{record_id}"
        return f"{path}#{fallback}"

    def _json(self, path: Path, text: str) -> Iterator[Article | LoadFailure]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LoadError(
                f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from exc
        if isinstance(data, dict):
            yield self._record(path, str(path), data)
            return
        if not isinstance(data, list):
            raise LoadError(
                f"expected a JSON object or an array of objects, found {type(data).__name__}"
            )
        if not data:
            raise LoadError("empty JSON array")
        for number, record in enumerate(data, start=1):
            location = self._record_location(path, record, f"item-{number}")
            try:
                yield self._record(path, location, record)
            except LoadError as exc:
                yield self._fail(location, exc.reason)

    def _jsonl(self, path: Path, text: str) -> Iterator[Article | LoadFailure]:
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield self._fail(
                    f"{path}#L{number}", f"malformed JSON line: {exc.msg} (column {exc.colno})"
                )
                continue
            location = self._record_location(path, record, f"L{number}")
            try:
                yield self._record(path, location, record)
            except LoadError as exc:
                yield self._fail(location, exc.reason)


# --------------------------------------------------------------------------------------------
# The web


def _guess_url_kind(url: str) -> tuple[SourceKind, bool]:
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


def _sniff(doc: FetchedDoc, cap: int) -> SourceKind | None:
    """The kind of a fetched document from its first element, or its content type."""
    data = doc.content
    if data[:2] == b"\x1f\x8b":
        try:
            data = _gunzip(data, cap)
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


def _parse_sitemap(data: bytes, cap: int) -> tuple[bool, list[str]]:
    """``(is_index, locations)`` of a sitemap or sitemap index (gzip-compressed or not)."""
    from lxml import etree

    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, cap)
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


def _entry_published(entry: Mapping[str, Any]) -> str | None:
    for key in ("published", "updated", "created"):
        iso = _iso_date(entry.get(key))
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


class _WebSource:
    """A page, feed or sitemap URL."""

    def __init__(self, origin: str, settings: IngestSettings, client: httpx.Client) -> None:
        self.origin = origin
        self.explicit, self.url = split_kind_prefix(origin)
        self.kind, self.certain = _guess_url_kind(self.url)
        self.settings = settings
        self.client = client
        self.seen: set[str] = set()

    def _fail(self, item: str, reason: str, *, fatal: bool = False) -> LoadFailure:
        return LoadFailure(item=item, reason=reason, origin=self.origin, fatal=fatal)

    def run(self) -> Iterator[Article | LoadFailure]:
        try:
            doc = fetch(self.client, self.url, self.settings)
        except FetchError as exc:
            yield self._fail(self.url, exc.reason, fatal=True)
            return
        if self.explicit is not None:
            kind: SourceKind = self.explicit  # type: ignore[assignment]
        elif self.certain:
            kind = self.kind
        else:
            kind = _sniff(doc, self.settings.max_file_bytes) or self.kind
        if kind != self.kind:
            log.info(
                "%s looks like a %s, not a %s: reading it as a %s", self.url, kind, self.kind, kind
            )
            if (kind == "feed") != (self.kind == "feed"):
                # is_authoritative() only sees the name; the prefix makes it see the truth.
                log.warning(
                    "%s is a %s but its name suggests a %s: list it as '%s:%s' so that "
                    "articles missing from it are handled as a %s's",
                    self.url,
                    kind,
                    self.kind,
                    kind,
                    self.url,
                    kind,
                )
        if kind == "sitemap":
            yield from self._sitemap(doc)
        elif kind == "feed":
            yield from self._feed(doc)
        else:
            self.seen.add(_url_key(self.url))
            try:
                yield self._page_article(self.url, doc)
            except LoadError as exc:
                yield self._fail(self.url, exc.reason)

    # pages

    def _extract(self, doc: FetchedDoc) -> tuple[ExtractedPage, str | None]:
        sniffed = _sniff(doc, self.settings.max_file_bytes)
        if doc.content_type not in HTML_TYPES and sniffed != "page":
            raise LoadError(f"not an HTML page (content type {doc.content_type or 'unknown'})")
        html = _decode(doc.content, declared=doc.charset or _html_charset(doc.content), web=True)
        page = extract_html(html, doc.url)
        if page is None:
            raise LoadError("no article text found in the page (only boilerplate or no body)")
        return page, _prefer_timed(_structured_published(html), _iso_date(page.published))

    def _page_article(self, url: str, doc: FetchedDoc) -> Article:
        page, published = self._extract(doc)
        return Article(
            article_id=_digest(_url_key(url)),
            text=page.text,
            title=_clean_str(page.title) or url,
            origin=self.origin,
            location=url,
            url=page.url or doc.url,
            source=_clean_str(page.site_name),
            author=_clean_str(page.author),
            published=published,
        )

    def _listed_page(self, url: str) -> Iterator[Article | LoadFailure]:
        try:
            doc = fetch(self.client, url, self.settings)
            yield self._page_article(url, doc)
        except (FetchError, LoadError) as exc:
            yield self._fail(url, exc.reason)

    # sitemaps

    def _sitemap(self, root_doc: FetchedDoc) -> Iterator[Article | LoadFailure]:
        cap = self.settings.max_pages_per_source
        pages: list[str] = []
        queue: deque[tuple[str, FetchedDoc | None, int]] = deque([(self.url, root_doc, 0)])
        visited = {_url_key(self.url)}
        while queue and len(pages) < cap:
            url, doc, depth = queue.popleft()
            try:
                if doc is None:
                    doc = fetch(self.client, url, self.settings)
                is_index, locations = _parse_sitemap(doc.content, self.settings.max_file_bytes)
            except (FetchError, LoadError) as exc:
                # Part of the listing is missing: nothing from this source may be treated as gone.
                yield self._fail(url, exc.reason, fatal=True)
                continue
            if is_index:
                if depth >= MAX_SITEMAP_DEPTH:
                    yield self._fail(
                        url, f"sitemap indexes nested deeper than {MAX_SITEMAP_DEPTH}", fatal=True
                    )
                    continue
                for location in locations:
                    key = _url_key(location)
                    if key not in visited and len(visited) <= cap:
                        visited.add(key)
                        queue.append((location, None, depth + 1))
                continue
            for location in locations:
                key = _url_key(location)
                if key in self.seen:
                    continue
                if len(pages) >= cap:
                    log.warning(
                        "%s lists more than %d pages; reading the first %d "
                        "(FOOTNOTE_MAX_PAGES_PER_SOURCE)",
                        self.url,
                        cap,
                        cap,
                    )
                    break
                self.seen.add(key)
                pages.append(location)
        log.info("sitemap %s lists %d pages", self.url, len(pages))
        for page_url in pages:
            yield from self._listed_page(page_url)

    # feeds

    def _feed(self, doc: FetchedDoc) -> Iterator[Article | LoadFailure]:
        import feedparser

        parsed = feedparser.parse(
            io.BytesIO(doc.content),
            response_headers={
                "content-type": doc.content_type
                + (f"; charset={doc.charset}" if doc.charset else ""),
                "content-location": doc.url,
            },
        )
        problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
        harmless = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
        if isinstance(problem, harmless):
            problem = None
        if not parsed.entries and (problem is not None or not parsed.get("version")):
            reason = f"not a valid RSS/Atom feed ({problem})" if problem else "not an RSS/Atom feed"
            yield self._fail(self.url, reason, fatal=True)
            return
        entries = parsed.entries
        if problem is not None:
            # The entry the error cut short is a fragment; drop it unless it still says something.
            entries = [e for e in entries if e.get("link") or _entry_text(e)]
            yield self._fail(
                self.url,
                f"feed is not well-formed ({problem}); read the {len(entries)} entries "
                "found before the error",
            )
        feed_title = _clean_str(parsed.feed.get("title"))
        cap = self.settings.max_pages_per_source
        if len(entries) > cap:
            log.warning("%s has %d entries; reading the first %d", self.url, len(entries), cap)
        for number, entry in enumerate(entries[:cap], start=1):
            yield from self._feed_entry(number, entry, feed_title)

    def _feed_entry(
        self, number: int, entry: Mapping[str, Any], feed_title: str | None
    ) -> Iterator[Article | LoadFailure]:
        link = _clean_str(entry.get("link"))
        if link and not link.lower().startswith(("http://", "https://")):
            link = None
        guid = _clean_str(entry.get("id"))
        location = link or f"{self.url}#{guid or f'entry-{number}'}"
        key = _url_key(link) if link else location
        if key in self.seen:
            return
        self.seen.add(key)
        page: ExtractedPage | None = None
        page_published = None
        if link is None:
            problem = "the feed entry has no link"
        else:
            try:
                page, page_published = self._extract(fetch(self.client, link, self.settings))
                problem = ""
            except (FetchError, LoadError) as exc:
                problem = exc.reason
        if page is not None:
            text = page.text
        else:
            fallback = _entry_text(entry)
            if fallback is None:
                yield self._fail(
                    location, f"{problem}; the feed entry has no content to fall back on"
                )
                return
            log.info("%s: %s; using the feed entry's own content", location, problem)
            text = fallback
        yield Article(
            article_id=_digest(key),
            text=text,
            title=_clean_str(entry.get("title")) or (page and _clean_str(page.title)) or location,
            origin=self.origin,
            location=location,
            url=link or (page.url if page else None),
            source=(page and _clean_str(page.site_name)) or feed_title,
            author=_clean_str(entry.get("author")) or (page and _clean_str(page.author)) or None,
            published=_prefer_timed(_entry_published(entry), page_published),
        )
