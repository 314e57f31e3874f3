"""Local sources: a file, a directory (read recursively) or a glob.

Formats are chosen by file name (:data:`FORMATS`), each also read gzip-compressed
(``name.md.gz``): HTML (the article is extracted as from a web page), Markdown (optional YAML
front matter; a leading heading is the title), plain text (a short first line is the title), a
JSON object or array of objects, and JSONL (one object a line). A JSON record's text is its
``body``, ``text`` or ``content`` field. A JSON array or JSONL file yields one article per
record, and a bad record fails alone.

Text and Markdown articles lose the page furniture a copied page brings along
(:mod:`ingest.loaders.plain`): a repeated title, the byline (which becomes the author), date
lines, and the site's closing blocks.

In a directory or glob, hidden files and folders are skipped and so are files of other types
(logged at debug level); a file named explicitly with an unsupported type is a failure. A path
that does not exist is a fatal failure: the source could not be listed.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.articles import Article, LoadFailure
from ingest.extraction import extract_html
from ingest.fetch import describe_size
from ingest.loaders.common import (
    ArticleIds,
    LoadError,
    clean_str,
    decode_text,
    gunzip,
    html_charset,
    html_to_text,
    iso_date,
    normalize_text,
    prefer_timed,
    structured_published,
)
from ingest.loaders.plain import clean_plain_article

if TYPE_CHECKING:
    from ingest.config import IngestSettings

log = logging.getLogger(__name__)

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
MAX_TITLE_LINE = 200  # a .txt file's first line longer than this is text, not a title

_GLOB_CHARS = re.compile(r"[*?\[]")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_ATX_TITLE = re.compile(r"\A\s*#[ \t]+(.+?)[ \t#]*(?:\n|\Z)")
_SETEXT_TITLE = re.compile(r"\A\s*([^\n]+)\n=+[ \t]*(?:\n|\Z)")
_HTML_IN_TEXT = re.compile(
    r"<(?:p|div|br|span|a|b|i|em|strong|ul|ol|li|h[1-6]|img|blockquote|table)\b[^>]*>", re.I
)


def _maybe_html_to_text(text: str) -> str:
    return html_to_text(text) if _HTML_IN_TEXT.search(text) else normalize_text(text)


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


class PathSource:
    """A local file, directory or glob.

    One instance reads one source, so article ids are handed out once across all its files.
    """

    def __init__(self, origin: str, settings: IngestSettings) -> None:
        self.origin = origin
        self.settings = settings
        self.ids = ArticleIds()

    def run(self) -> Iterator[Article | LoadFailure]:
        """Read every supported file of the source, in a stable (sorted) order.

        Yields:
            Articles, and a :class:`LoadFailure` for each file or record that could not be read;
            ``fatal=True`` when the path or a directory in it could not be listed.
        """
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
                yield self._html(path, decode_text(data, declared=html_charset(data)))
            elif fmt == "markdown":
                yield self._markdown(path, decode_text(data))
            elif fmt == "text":
                yield self._text(path, decode_text(data))
            elif fmt == "json":
                yield from self._json(path, decode_text(data))
            else:
                yield from self._jsonl(path, decode_text(data))
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
        return gunzip(data, cap) if compressed else data

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
            title=clean_str(page.title),
            url=page.url,
            source=clean_str(page.site_name),
            author=clean_str(page.author),
            published=prefer_timed(structured_published(html), iso_date(page.published)),
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
        title = clean_str(meta.get("title"))
        if title is None:
            heading = _ATX_TITLE.match(text) or _SETEXT_TITLE.match(text)
            if heading:
                title = clean_str(heading.group(1))
                text = text[heading.end() :]
        body = normalize_text(text)
        if not body:
            raise LoadError("no text after the front matter and title")
        cleaned = clean_plain_article(body, title)
        return self._article(
            path=path,
            location=str(path),
            text=cleaned.text,
            title=title,
            url=clean_str(meta.get("url")),
            source=clean_str(meta.get("source") or meta.get("publisher")),
            author=clean_str(meta.get("author") or meta.get("authors")) or cleaned.author,
            published=iso_date(meta.get("published") or meta.get("date")),
        )

    def _text(self, path: Path, text: str) -> Article:
        first, _, rest = text.partition("\n")
        title = None
        if rest.strip() and len(first.strip()) <= MAX_TITLE_LINE:
            title, text = first.strip(), rest.strip()
        cleaned = clean_plain_article(text, title)
        return self._article(
            path=path, location=str(path), text=cleaned.text, title=title, author=cleaned.author
        )

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
            title=clean_str(record.get("title") or record.get("headline")),
            url=clean_str(record.get("url")),
            source=clean_str(record.get("source") or record.get("publisher")),
            author=clean_str(record.get("author") or record.get("authors")),
            published=iso_date(
                record.get("published") or record.get("date") or record.get("datePublished")
            ),
        )

    @staticmethod
    def _record_location(path: Path, record: object, fallback: str) -> str:
        if isinstance(record, dict):
            record_id = clean_str(record.get("id"))
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
