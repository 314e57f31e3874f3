"""What an ingestion run reports, during the run (progress) and at its end (summary)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from ingest.articles import LoadFailure

# Bidirectional overrides and isolates reorder what follows them on screen.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """``text`` safe to print on one line: control characters shown as escapes.

    File names and URLs come from users and the web; a name holding a newline would otherwise
    fake an extra line in a summary or a log, and a terminal escape could rewrite the screen.
    """
    out: list[str] = []
    for char in text:
        if char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            escaped = repr(char)[1:-1]  # '\n', '\x1b', '\u2028'
            out.append(escaped if escaped != char else f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class IngestProgress:
    """A snapshot of a running ingestion, for progress bars and the Discord /ingest reply."""

    articles_done: int
    passages_done: int
    articles_total: int | None = None  # unknown while sources are still being listed
    current: str | None = None  # the item being read


@dataclass(slots=True)
class IngestReport:
    """Article-level outcome of one run; ``--json`` prints ``as_json()``."""

    added: int = 0
    updated: int = 0
    skipped: int = 0
    deleted: int = 0
    failures: list[LoadFailure] = field(default_factory=list)
    passages_added: int = 0
    passages_deleted: int = 0
    dry_run: bool = False
    seconds: float = 0.0
    # (action, item) per changed article: "add", "update" or "delete" with its file or URL.
    # Shown by `footnote-ingest --dry-run -v`; not part of ``as_json``.
    changes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """Number of items (files, pages, feed entries, sources) that could not be read."""
        return len(self.failures)

    def failure_lines(self) -> list[str]:
        """One escaped ``  - item: reason`` line per failure, for the human summary."""
        return [f"  - {printable(f.item)}: {printable(f.reason)}" for f in self.failures]

    def as_json(self) -> dict[str, object]:
        """The contract of ``footnote-ingest --json``: these keys, always."""
        return {
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "deleted": self.deleted,
            "failed": self.failed,
            "failures": [
                {"item": f.item, "reason": f.reason, "origin": f.origin} for f in self.failures
            ],
            "passages_added": self.passages_added,
            "passages_deleted": self.passages_deleted,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 3),
        }
