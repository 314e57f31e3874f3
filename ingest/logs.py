"""Logging for the command lines (``footnote``, ``footnote-ingest``): one plain stderr handler.

Plain text, no colour codes: CLI logs often end up in files, journald or CI logs, where ANSI
escapes are noise. Third-party chatter stays at WARNING unless -vv asks for everything, and
discord.py's voice warnings (PyNaCl, davey) never apply to a text bot.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%H:%M:%S"
QUIET_LIBRARIES = ("httpx", "chromadb", "sentence_transformers", "trafilatura", "urllib3", "bm25s")
VOICE_WARNINGS = ("PyNaCl is not installed", "davey is not installed")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (click's test runner swaps it per call)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


class _NoVoiceWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(VOICE_WARNINGS)


def level_for(default: int, verbose: int = 0, quiet: bool = False) -> int:
    """The level a command runs at: each -v one step more, -q one step less, DEBUG..ERROR."""
    level = default - 10 * verbose + (10 if quiet else 0)
    return min(max(level, logging.DEBUG), logging.ERROR)


def configure_logging(level: int) -> None:
    """(Re)configure the root logger for a CLI run; safe to call more than once."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _StderrHandler):
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT, DATE_FORMAT))
    # A level on the handler holds even for libraries that set their own loggers to DEBUG
    # on import (bm25s).
    handler.setLevel(level)
    root.addHandler(handler)
    root.setLevel(level)
    library_level = logging.DEBUG if level <= logging.DEBUG else max(level, logging.WARNING)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(library_level)
    silence_voice_warnings()


def silence_voice_warnings() -> None:
    """Drop discord.py's 'voice will NOT be supported' warnings: Footnote never uses voice."""
    client_log = logging.getLogger("discord.client")
    if not any(isinstance(f, _NoVoiceWarnings) for f in client_log.filters):
        client_log.addFilter(_NoVoiceWarnings())


def plain_handlers() -> None:
    """Replace coloured formatters (discord.py's, which colours in Docker even without a TTY).

    Keeps colour only where stderr is a terminal.
    """
    if sys.stderr.isatty():
        return
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(
            handler, logging.FileHandler
        ):
            handler.setFormatter(logging.Formatter(LOG_FORMAT, "%Y-%m-%d %H:%M:%S"))
