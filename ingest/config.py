"""Settings of the ingestion job."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from vectorstore.config import StoreSettings


class IngestSettings(StoreSettings):
    """Where articles come from and how they are cut into passages."""

    model_config = SettingsConfigDict(
        env_prefix="FOOTNOTE_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    sources_file: Path = Path("sources.toml")
    max_file_mb: float = Field(default=20.0, gt=0)
    http_timeout: float = Field(default=20.0, gt=0)
    user_agent: str = "FootnoteBot/0.1 (+https://github.com/footnote-bot/footnote)"
    max_pages_per_source: int = Field(default=500, ge=1)
    chunk_tokens: int = Field(default=200, ge=32)
    chunk_overlap_tokens: int = Field(default=32, ge=0)

    @property
    def max_file_bytes(self) -> int:
        """The size cap for one input file or download."""
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def record_manager_url(self) -> str:
        """SQLAlchemy URL of LangChain's record manager (what was indexed, with hashes)."""
        return f"sqlite:///{(self.data_dir / 'records.sqlite').resolve()}"
