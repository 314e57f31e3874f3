"""Settings of the vector store: where Chroma lives and which embedding model fills it."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
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
