"""A small JSON file that says what the last ingestion did and which corpus generation is live.

Readers (the bot's lexical index) compare ``generation`` to know when the store changed; the file
is replaced atomically so nobody ever reads half of it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

STATE_FILE = "ingest-state.json"


def state_path(data_dir: Path) -> Path:
    """Where the state file lives."""
    return Path(data_dir) / STATE_FILE


def read_state(data_dir: Path) -> dict[str, Any]:
    """The last written state, or ``{}`` before any ingestion."""
    try:
        return dict(json.loads(state_path(data_dir).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def read_generation(data_dir: Path) -> str | None:
    """An opaque token that changes whenever an ingestion changed the store."""
    value = read_state(data_dir).get("generation")
    return str(value) if value is not None else None


def write_state(data_dir: Path, state: dict[str, Any]) -> None:
    """Replace the state file atomically (write a temp file, fsync, rename)."""
    path = state_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".state-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
