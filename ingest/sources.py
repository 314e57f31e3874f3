"""The sources file (``sources.toml``) and the canonical spelling of a source.

Format (see ``examples/sources.toml``)::

    sources = [
      "corpus",                                 # a directory, relative to this file
      "notes/**/*.md",                          # a glob
      "https://example.org/feed.rss",           # an RSS/Atom feed
      "https://example.org/sitemap_index.xml",  # a sitemap or sitemap index
      "https://example.org/2026/10/story",      # a single page
      "feed:https://example.org/news",          # an explicit kind for a URL that hides it
    ]
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from vectorstore.errors import ConfigError

log = logging.getLogger(__name__)

URL_SCHEMES = ("http://", "https://")
KIND_PREFIXES = ("page:", "feed:", "sitemap:")


class SourcesFileError(ConfigError):
    """The sources file is missing or not in the documented format."""


def is_url(spec: str) -> bool:
    """True for ``http(s)://`` URLs, with or without a ``feed:``/``sitemap:``/``page:`` prefix."""
    return split_kind_prefix(spec)[1].lower().startswith(URL_SCHEMES)


def split_kind_prefix(spec: str) -> tuple[str | None, str]:
    """``("feed", "https://x/news")`` for ``"feed:https://x/news"``; ``(None, spec)`` otherwise."""
    lowered = spec.lower()
    for prefix in KIND_PREFIXES:
        if lowered.startswith(prefix) and lowered[len(prefix) :].startswith(URL_SCHEMES):
            return prefix[:-1], spec[len(prefix) :]
    return None, spec


def normalize_spec(spec: str) -> str:
    """The canonical string for a source: what ``Article.origin`` holds.

    Local paths (files, directories, globs) become absolute, with ``~`` expanded and symlinks
    resolved, so ``corpus``, ``./corpus/`` and ``/abs/corpus`` name the same source. URLs are
    returned unchanged (only surrounding whitespace is dropped).
    """
    spec = spec.strip()
    if is_url(spec):
        return spec
    return str(Path(spec).expanduser().resolve())


def load_sources_file(path: Path) -> list[str]:
    """Read the list of sources from a TOML sources file.

    Relative paths in the file are resolved against the file's own folder, so the file works from
    any current directory.

    Args:
        path: The TOML file; its ``sources`` key is a list of strings.

    Returns:
        The sources, local paths made absolute (as :func:`normalize_spec` does), in file order,
        without duplicates.

    Raises:
        SourcesFileError: The file is missing, unreadable, not TOML, or ``sources`` is not a
            non-empty list of non-empty strings.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise SourcesFileError(f"sources file {path} does not exist") from exc
    except OSError as exc:
        raise SourcesFileError(f"cannot read sources file {path}: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SourcesFileError(f"sources file {path} is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourcesFileError(f"sources file {path} is not valid TOML: {exc}") from exc
    entries = data.get("sources")
    if entries is None:
        raise SourcesFileError(
            f'sources file {path} has no `sources` key (expected: sources = ["corpus", ...])'
        )
    if not isinstance(entries, list) or not entries:
        raise SourcesFileError(f"`sources` in {path} must be a non-empty list of strings")
    unknown = sorted(set(data) - {"sources"})
    if unknown:
        log.warning("sources file %s: ignoring unknown keys %s", path, ", ".join(unknown))
    base = path.resolve().parent
    specs: list[str] = []
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, str) or not entry.strip():
            raise SourcesFileError(
                f"entry {position} of `sources` in {path} must be a non-empty string, not {entry!r}"
            )
        entry = entry.strip()
        if not is_url(entry):
            local = Path(entry).expanduser()
            entry = normalize_spec(str(local if local.is_absolute() else base / local))
        if entry not in specs:
            specs.append(entry)
    return specs
