"""What every ``footnote`` command shares: reading settings and the configuration exit code."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from bot.config import BotSettings

EX_CONFIG = 78  # sysexits.h EX_CONFIG: the settings are unusable


def config_exit(message: str) -> NoReturn:
    """Report a configuration problem on stderr and exit 78."""
    click.echo(f"Error: configuration: {message}", err=True)
    sys.exit(EX_CONFIG)


def load_settings() -> BotSettings:
    """``BotSettings()`` from env/.env (imported lazily: fast --help); unusable ones exit 78."""
    from pydantic import ValidationError

    from bot.config import BotSettings
    from vectorstore.config import describe_settings_error

    try:
        return BotSettings()
    except ValidationError as exc:
        config_exit(describe_settings_error(exc, BotSettings))
