"""Which dtype embeds fastest on this machine: measured once, kept in the data folder.

CPU flags do not say it: with AMX, bf16 encodes ~3.4x faster than fp32; with AVX512-BF16 but no
AMX only ~2x; on other CPUs bf16 is emulated and slower than fp32. So ``embedding_dtype=auto``
times a small batch of passages per candidate (interleaved rounds, best round each, so machine
load hits every candidate alike) and picks the fastest, but never one that is not clearly faster
than fp32 (:data:`MIN_GAIN`). The result is stored per machine (CPU, cores, torch, model) in
``<data_dir>/embedding-dtype.json``, so a data folder shared by machines keeps one decision each,
and in the user's cache folder (``~/.cache/footnote/``), so a new data folder on a machine that
has measured already (a test run, a second corpus) does not measure again.

Candidates are the dtypes ``SentenceTransformer`` runs directly. ONNX Runtime int8 (via
``onnxruntime``, which chromadb already installs) would need the ``onnx`` package to export and
quantize the model, a dependency we do not take; ``bench.embedding_dtype`` reports it as
unavailable.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CHOICE_FILE = "embedding-dtype.json"
CANDIDATES: tuple[str, ...] = ("float32", "bfloat16")
MIN_GAIN = 1.15  # a candidate must beat fp32 by this much: noise must not pick a slower one
BATCH = 32  # passages per timed encode (the ingest batch size)
ROUNDS = 3
_FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_tile", "amx_int8")

Measure = Callable[[str, str, Sequence[str]], dict[str, float]]
_MEASURED: dict[str, tuple[str, dict[str, float]]] = {}  # fingerprint -> choice, rates (process)


def _cpu_identity() -> str:
    model, flags = platform.processor() or "", set()
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        for line in text.splitlines():
            if line.startswith("model name") and not model:
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    return f"{model}|{','.join(f for f in _FLAGS if f in flags)}|{os.cpu_count()}"


def machine_fingerprint(model_path: str, device: str) -> str:
    """What the decision depends on: the CPU, its core count, torch, the model and device."""
    import torch

    raw = f"{_cpu_identity()}|torch {torch.__version__}|{Path(model_path).name}|{device}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def sample_passages(n: int = BATCH) -> list[str]:
    """``n`` distinct passages of ~150-200 word pieces (the length ingestion embeds)."""
    words = [
        "council", "harbour", "bridge", "repair", "budget", "ferry", "library", "volunteers",
        "engineers", "residents", "station", "school", "river", "timetable", "election",
        "museum", "festival", "market", "storm", "cyclists",
    ]  # fmt: skip
    return [
        " ".join(words[(i * 7 + j * j) % len(words)] for j in range(120)) + f" report {i}."
        for i in range(n)
    ]


def measure(model_path: str, device: str, dtypes: Sequence[str]) -> dict[str, float]:
    """Passages per second of each dtype on a batch like ingestion's (best of interleaved rounds).

    Loads each dtype's model once (cached for the process, so the chosen one is reused).
    """
    from vectorstore.embeddings import load_sentence_transformer

    texts = sample_passages()
    models = {dtype: load_sentence_transformer(model_path, dtype, device) for dtype in dtypes}
    for model in models.values():  # warm-up: first calls allocate and pick kernels
        model.encode(texts[:8], batch_size=8, show_progress_bar=False)
    best = dict.fromkeys(dtypes, 0.0)
    for _ in range(ROUNDS):
        for dtype, model in models.items():
            started = time.perf_counter()
            model.encode(texts, batch_size=BATCH, show_progress_bar=False)
            best[dtype] = max(best[dtype], len(texts) / (time.perf_counter() - started))
    return best


def decide(rates: Mapping[str, float]) -> str:
    """The fastest dtype, unless it is not at least :data:`MIN_GAIN` times fp32's speed."""
    base = rates.get("float32", 0.0)
    fastest = max(rates, key=lambda d: rates[d]) if rates else "float32"
    if fastest != "float32" and base > 0 and rates[fastest] < MIN_GAIN * base:
        return "float32"
    return fastest


def machine_cache_file() -> Path:
    """The per-user copy of the decisions (``$XDG_CACHE_HOME/footnote``, ``~/.cache/footnote``)."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "footnote" / CHOICE_FILE


def _recorded(path: Path, fingerprint: str) -> dict[str, Any] | None:
    entry = _read(path).get(fingerprint)
    if isinstance(entry, dict) and entry.get("choice") in CANDIDATES:
        return entry
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".dtype-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only folder: decide again next time
        Path(tmp).unlink(missing_ok=True)
        log.warning("could not record the embedding dtype choice in %s: %s", path, exc)


def chosen_dtype(
    model_path: str,
    device: str,
    data_dir: Path,
    *,
    measure_fn: Measure | None = None,
    fingerprint: str | None = None,
) -> str:
    """The dtype for this machine: recorded in ``data_dir``, else measured now and recorded.

    A data folder that does not exist is not created (read-only commands create nothing): the
    measurement then holds for this process only.
    """
    fingerprint = fingerprint or machine_fingerprint(model_path, device)
    path = Path(data_dir) / CHOICE_FILE
    recorded = _recorded(path, fingerprint)
    if recorded is not None:
        return str(recorded["choice"])
    cached = _recorded(machine_cache_file(), fingerprint)
    if cached is not None:  # this machine measured before, for another data folder
        choice, rates = str(cached["choice"]), dict(cached.get("passages_per_second") or {})
    elif fingerprint in _MEASURED:  # measured by this process already
        choice, rates = _MEASURED[fingerprint]
    else:
        started = time.perf_counter()
        rates = (measure_fn or measure)(model_path, device, CANDIDATES)
        choice = decide(rates)
        base = rates.get("float32") or 1.0
        log.info(
            "embedding dtype for this machine: %s (%s; measured in %.1fs)",
            choice,
            ", ".join(f"{d} {r:.0f}/s = {r / base:.2f}x" for d, r in rates.items()),
            time.perf_counter() - started,
        )
        _MEASURED[fingerprint] = (choice, rates)
    entry = cached or {
        "choice": choice,
        "passages_per_second": {d: round(r, 1) for d, r in rates.items()},
        "cpu": _cpu_identity(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if Path(data_dir).is_dir():
        _record(path, fingerprint, entry)
    if cached is None:
        try:
            machine_cache_file().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.debug("no cache folder for the dtype choice: %s", exc)
        else:
            _record(machine_cache_file(), fingerprint, entry)
    return choice


def _record(path: Path, fingerprint: str, entry: dict[str, Any]) -> None:
    data = _read(path)
    data[fingerprint] = entry
    _write(path, data)
