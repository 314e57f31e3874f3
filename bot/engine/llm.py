"""The chat model, through LangChain: any ``init_chat_model`` provider or OpenAI-compatible server.

OpenAI-compatible servers (vLLM, llama.cpp's server, LM Studio, gateways) are reached by base URL.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from vectorstore.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from bot.config import BotSettings

log = logging.getLogger(__name__)

# provider prefix -> (python module, pip extra of footnote-bot that installs it)
PROVIDER_PACKAGES: dict[str, tuple[str, str]] = {
    "openai": ("langchain_openai", "openai"),
    "azure_openai": ("langchain_openai", "openai"),
    "ollama": ("langchain_ollama", "ollama"),
    "anthropic": ("langchain_anthropic", "anthropic"),
}


def _split_model(spec: str) -> tuple[str | None, str]:
    if ":" in spec:
        provider, name = spec.split(":", 1)
        return provider.strip().lower() or None, name.strip()
    return None, spec.strip()


def _require(module: str, extra: str | None, what: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        hint = (
            f"pip install 'footnote-bot[{extra}]'"
            if extra
            else f"pip install {module.replace('_', '-')}"
        )
        raise ConfigError(f"{what} needs the package {module}: {hint}")


def _setup_error(setting: str, exc: BaseException) -> str:
    """One line for a provider that refused to start: the setting, the reason, the way out.

    Provider SDKs raise their own exception types with multi-line texts; the user needs the
    setting to change, not the traceback.
    """
    reason = " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
    if len(reason) > 200:
        reason = reason[:199] + "…"
    hint = ""
    if any(word in reason.lower() for word in ("api_key", "api key", "credential", "token")):
        hint = "; set FOOTNOTE_LLM_API_KEY (or the provider's own variable, e.g. OPENAI_API_KEY)"
    return f"cannot set up the LLM {setting}: {reason}{hint}"


def make_chat_model(settings: BotSettings) -> BaseChatModel | None:
    """The configured chat model, or ``None`` (then Footnote answers extractively).

    ``FOOTNOTE_LLM_BASE_URL`` selects an OpenAI-compatible server (model name from
    ``FOOTNOTE_LLM``, ``local`` when unset; API key ``FOOTNOTE_LLM_API_KEY`` or a placeholder,
    since local servers ignore it). Otherwise ``FOOTNOTE_LLM`` is ``provider:model`` for
    LangChain's ``init_chat_model`` (``openai:gpt-4o-mini``, ``ollama:qwen2.5``, ...).

    Raises:
        ConfigError: The provider is unknown or its LangChain package is not installed.
    """
    spec = (settings.llm or "").strip()
    base_url = (settings.llm_base_url or "").strip()
    api_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    if not spec and not base_url:
        return None
    if base_url:
        _require("langchain_openai", "openai", "FOOTNOTE_LLM_BASE_URL")
        from langchain_openai import ChatOpenAI

        provider, name = _split_model(spec) if spec else (None, "")
        if provider not in (None, "openai"):
            log.warning(
                "FOOTNOTE_LLM_BASE_URL is set: ignoring provider %r of FOOTNOTE_LLM", provider
            )
        log.info("LLM: OpenAI-compatible server %s model=%s", base_url, name or "local")
        try:
            return ChatOpenAI(
                base_url=base_url,
                api_key=api_key or "not-needed",  # type: ignore[arg-type]
                model=name or "local",
                timeout=settings.llm_timeout,
                temperature=settings.llm_temperature,
                max_retries=1,
                max_tokens=settings.llm_max_tokens,  # type: ignore[call-arg]
                # langchain-openai sends max_completion_tokens, which llama.cpp's and other
                # OpenAI-compatible servers ignore; their own name for the cap is max_tokens.
                extra_body={"max_tokens": settings.llm_max_tokens},
            )
        except Exception as exc:  # noqa: BLE001 - any provider error at set-up is a config error
            raise ConfigError(_setup_error(f"FOOTNOTE_LLM_BASE_URL={base_url}", exc)) from exc
    provider, name = _split_model(spec)
    if provider is None or not name:
        raise ConfigError(
            f"FOOTNOTE_LLM={spec!r} must look like provider:model, e.g. openai:gpt-4o-mini"
        )
    module, extra = PROVIDER_PACKAGES.get(provider, (f"langchain_{provider}", ""))
    _require(module, extra or None, f"FOOTNOTE_LLM={spec}")
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {
        "temperature": settings.llm_temperature,
        "timeout": settings.llm_timeout,
        "max_tokens": settings.llm_max_tokens,
    }
    if api_key:
        kwargs["api_key"] = api_key
    try:
        model = init_chat_model(name, model_provider=provider, **kwargs)
    except Exception as exc:  # noqa: BLE001 - providers raise their own types (openai.OpenAIError)
        raise ConfigError(_setup_error(f"FOOTNOTE_LLM={spec}", exc)) from exc
    log.info("LLM: %s via init_chat_model", spec)
    return model


def capped(llm: BaseChatModel, max_tokens: int, **options: Any) -> BaseChatModel:
    """``llm`` bound to reply in at most ``max_tokens`` tokens, with any other call ``options``.

    A call's own cap never exceeds the model's (``FOOTNOTE_LLM_MAX_TOKENS``). langchain-openai
    sends the cap as ``max_completion_tokens``, which llama.cpp's server ignores: it reads
    ``max_tokens`` from the body, which ``make_chat_model`` fills with the settings' cap through
    ``extra_body``. Binding only ``max_tokens`` would leave that body value in force, so the
    body's cap is replaced as well wherever the model has one.
    """
    extra = getattr(llm, "extra_body", None)
    body = extra if isinstance(extra, dict) else {}
    for ceiling in (getattr(llm, "max_tokens", None), body.get("max_tokens")):
        if isinstance(ceiling, int) and ceiling > 0:
            max_tokens = min(max_tokens, ceiling)
    if "max_tokens" in body:
        options["extra_body"] = body | {"max_tokens": max_tokens}
    try:
        return llm.bind(max_tokens=max_tokens, **options)  # type: ignore[return-value]
    except (AttributeError, NotImplementedError, TypeError):  # pragma: no cover - exotic models
        return llm


def model_name(llm: BaseChatModel) -> str:
    """A short name for the model (shown in /status and recorded in ``Answer.answerer``)."""
    for attr in ("model_name", "model", "model_id"):
        value = getattr(llm, attr, None)
        if isinstance(value, str) and value:
            return value
    return type(llm).__name__
