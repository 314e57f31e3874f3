"""What every ``footnote`` command shares: reading settings and the configuration exit code."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import click

from vectorstore.errors import ConfigError, FootnoteError

if TYPE_CHECKING:
    from bot.config import BotSettings

EX_CONFIG = 78  # sysexits.h EX_CONFIG: the settings are unusable


def config_exit(message: str) -> NoReturn:
    """Report a configuration problem on stderr and exit 78."""
    click.echo(f"Error: configuration: {message}", err=True)
    sys.exit(EX_CONFIG)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Footnote's errors the CLI's way: configuration 78, others one ``Error:`` line (exit 1).

    Never a traceback; click prints the ``ClickException``.
    """
    try:
        yield
    except ConfigError as exc:
        config_exit(str(exc))
    except FootnoteError as exc:
        raise click.ClickException(str(exc)) from exc


def load_settings() -> BotSettings:
    """``BotSettings()`` from env/.env (imported lazily: fast --help); unusable ones exit 78."""
    from pydantic import ValidationError

    from bot.config import BotSettings
    from vectorstore.config import describe_settings_error

    try:
        return BotSettings()
    except ValidationError as exc:
        config_exit(describe_settings_error(exc, BotSettings))


def empty_corpus_message(settings: BotSettings) -> str:
    """What ``ask``, ``chat`` and ``search`` say when there is nothing to search (exit 1)."""
    from vectorstore.config import data_dir_hint

    return (
        "the corpus is empty: ingest articles first, e.g. `footnote-ingest examples/corpus` "
        f"({data_dir_hint(settings)})"
    )


def require_corpus(settings: BotSettings) -> None:
    """Stop with exit 1 when the store holds nothing; reads only, so no ``./data`` appears."""
    from vectorstore.client import collection_count

    try:
        count = collection_count(settings)
    except FootnoteError as exc:
        raise click.ClickException(str(exc)) from exc
    if count == 0:
        raise click.ClickException(empty_corpus_message(settings))
