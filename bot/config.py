"""Settings of the bot and the answer engine (they include the ingest and store settings)."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from ingest.config import IngestSettings


class BotSettings(IngestSettings):
    """Everything ``footnote`` reads from the environment or ``.env``.

    Only entry points build this; the core receives plain values through its constructors.
    """

    model_config = SettingsConfigDict(
        env_prefix="FOOTNOTE_",
        env_file=".env",
        extra="ignore",
        env_ignore_empty=True,
        populate_by_name=True,
    )

    # Discord. DISCORD_TOKEN is accepted too: it is what most hosting guides name it.
    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("FOOTNOTE_DISCORD_TOKEN", "DISCORD_TOKEN")
    )
    guild_id: int | None = None
    admin_role: str | None = None  # role id or name allowed to run /ingest, besides Manage Server
    ingest_every: str | None = None  # e.g. "6h", "30m"; off when unset
    rate_limit_questions: int = Field(default=5, ge=1)
    rate_limit_seconds: float = Field(default=60.0, gt=0)
    max_question_chars: int = Field(default=500, ge=10)
    stream_edit_interval: float = Field(default=1.0, ge=0.2)
    answer_workers: int = Field(default=2, ge=1)  # answers computed at once; others wait in line
    answer_queue_limit: int = Field(default=50, ge=0)  # questions allowed to wait in that line
    lookup_workers: int = Field(default=4, ge=1)  # threads for autocomplete, /source, buttons
    log_file: str | None = None
    # Mention and thread answering need the privileged Message Content intent; off = slash only.
    message_content: bool = True

    # Answering.
    llm: str | None = None  # "openai:gpt-4o-mini", "ollama:qwen2.5", ...; unset: extractive
    llm_base_url: str | None = None  # any OpenAI-compatible server (vLLM, llama.cpp, LM Studio)
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(default=60.0, gt=0)
    llm_temperature: float = 0.0
    # Hard cap on any reply's tokens (a rambling local model once ran to 531 tokens and 290 s).
    llm_max_tokens: int = Field(default=256, ge=16, le=8192)
    # Follow-ups ("and when was that?") are made standalone by a rule that borrows the
    # conversation's subject; on, the LLM rewrites them instead (one more model call). With the
    # small local model the rule was right on more news-dev follow-ups; a large model may do better.
    llm_rewrite_followups: bool = False
    # A second, one-token model call confirms that the quoted sentence states the model's answer
    # (small models answer unanswerable questions from a neighbouring fact); off saves the call.
    llm_check_answers: bool = True
    top_k: int = Field(default=6, ge=1, le=25)
