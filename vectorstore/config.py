"""Settings of the vector store: where Chroma lives and which embedding model fills it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_COLLECTION = "footnote"
DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

StoreMode = Literal["persistent", "http", "ephemeral"]


class StoreSettings(BaseSettings):
    """Where the corpus is stored and how it is embedded.

    The ``FOOTNOTE_`` prefix matters: chromadb's own settings also read ``.env``, unprefixed.
    """

    model_config = SettingsConfigDict(
        env_prefix="FOOTNOTE_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    data_dir: Path = Path("data")
    chroma_host: str | None = None
    chroma_port: int = 8000
    chroma_ssl: bool = False
    chroma_token: SecretStr | None = None
    chroma_ephemeral: bool = Field(
        default=False, description="In-memory Chroma (tests, throwaway runs); nothing is written."
    )
    collection: str = Field(default=DEFAULT_COLLECTION, pattern=r"^[a-zA-Z0-9._-]{3,512}$")
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    embedding_dtype: Literal["auto", "float32", "bfloat16"] = "auto"
    embedding_device: str = "cpu"
    embedding_batch_size: int = Field(default=32, ge=1, le=1024)

    @property
    def mode(self) -> StoreMode:
        """Which Chroma client to use; only ``make_client`` should need this."""
        if self.chroma_host:
            return "http"
        if self.chroma_ephemeral:
            return "ephemeral"
        return "persistent"

    @property
    def chroma_dir(self) -> Path:
        """Directory of the embedded Chroma database."""
        return self.data_dir / "chroma"


def env_names(settings_cls: type[BaseSettings], field: str) -> list[str]:
    """The environment variables that set ``field`` (its aliases, else prefix + NAME)."""
    info = settings_cls.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    if isinstance(alias, str):
        return [alias]
    prefix = str(settings_cls.model_config.get("env_prefix") or "")
    return [f"{prefix}{field}".upper()]


_EXPECTED = {
    "int_parsing": "an integer",
    "int_type": "an integer",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
}


def _limits(info: FieldInfo | None) -> str:
    """``from 1 to 25``-style bounds of a field, from its ``Field(ge=..., le=...)``."""
    parts = []
    for item in info.metadata if info is not None else ():
        for attr, word in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(item, attr, None)
            if value is not None:
                parts.append(f"{word} {value}")
    return " and ".join(parts)


def _expected(error: Mapping[str, Any], info: FieldInfo | None) -> str:
    ctx = error.get("ctx") or {}
    kind = str(error.get("type", ""))
    limits = _limits(info)
    if kind in _EXPECTED:
        return _EXPECTED[kind] + (f" {limits}" if limits else "")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"a value {limits}" if limits else str(error["msg"])
    if kind == "string_pattern_mismatch":
        return f"text matching {ctx.get('pattern')}"
    if kind == "literal_error":
        return f"one of {ctx.get('expected')}"
    return str(error["msg"])


def describe_settings_error(exc: ValidationError, settings_cls: type[BaseSettings]) -> str:
    """One line per bad setting, naming its environment variable and what it expects.

    Pydantic's own text names the Python field and links to its docs; users set environment
    variables, so that is what the message must say. Secret values are never repeated.
    """
    lines = []
    for error in exc.errors(include_url=False):
        field = str(error["loc"][0]) if error.get("loc") else ""
        names = env_names(settings_cls, field) if field else ["(unknown setting)"]
        info = settings_cls.model_fields.get(field)
        secret = info is not None and "SecretStr" in repr(info.annotation)
        shown = "" if secret or "input" not in error else f"={error['input']!s}"
        lines.append(f"{names[0]}{shown} is invalid: expected {_expected(error, info)}")
    return "; ".join(lines) + " (set in the environment or .env; see .env.example)"


def data_dir_hint(settings: StoreSettings) -> str:
    """Which folder a command looked in, and how to point it at another (for read-only commands).

    The data folder is relative to the current folder unless set absolute, so a command run from
    elsewhere finds nothing: saying where it looked is the fix users need.
    """
    where = (
        f"the Chroma server {settings.chroma_host}:{settings.chroma_port} (FOOTNOTE_CHROMA_HOST)"
        if settings.mode == "http"
        else str(Path(settings.data_dir).resolve())
    )
    return (
        f"looked in {where}; set FOOTNOTE_DATA_DIR (environment or ./.env) to use another folder"
    )
