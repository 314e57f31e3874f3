"""Embedding dtype: every candidate's speed on this machine, as a ratio to fp32, and the choice.

    python -m bench.embedding_dtype [--rounds 5]

Measures passages per second of each dtype ``embedding_dtype=auto`` chooses from (fp32 and bf16
through sentence-transformers, interleaved rounds, best round each, a batch like ingestion's), the
same way the job does (:mod:`vectorstore.dtype_choice`), and reports what ``auto`` picks from
these numbers and what is recorded for this machine in ``FOOTNOTE_DATA_DIR``. ONNX Runtime int8 is
listed with the reason it is not a candidate. Writes bench/results/embedding_dtype.{json,md}.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"


def main() -> None:  # noqa: D103 - a benchmark script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from vectorstore import dtype_choice
    from vectorstore.config import StoreSettings
    from vectorstore.embeddings import resolve_model_path

    settings = StoreSettings()
    path = resolve_model_path(settings.embedding_model)
    dtype_choice.ROUNDS = args.rounds
    rates = dtype_choice.measure(path, settings.embedding_device, dtype_choice.CANDIDATES)
    base = rates["float32"]
    pick = dtype_choice.decide(rates)
    fingerprint = dtype_choice.machine_fingerprint(path, settings.embedding_device)
    recorded_file = Path(settings.data_dir) / dtype_choice.CHOICE_FILE
    recorded = dtype_choice._recorded(recorded_file, fingerprint)
    onnx_note = (
        "not a candidate: exporting and quantizing the model needs the `onnx` package"
        if importlib.util.find_spec("onnx") is None
        else "not a candidate: measured int8 lost 1 point of Hits@5 (shared/NOTES.md)"
    )

    rows = [
        {"dtype": d, "passages_per_second": round(r, 1), "ratio_to_fp32": round(r / base, 2)}
        for d, r in rates.items()
    ]
    print(f"embedding dtype on {dtype_choice._cpu_identity()} ({args.rounds} rounds, batch "
          f"{dtype_choice.BATCH}):")  # fmt: skip
    for row in rows:
        mark = "  <- auto picks this" if row["dtype"] == pick else ""
        print(f"  {row['dtype']:<9} {row['passages_per_second']:7.1f} passages/s  "
              f"{row['ratio_to_fp32']:.2f}x fp32{mark}")  # fmt: skip
    print(f"  onnx-int8 {onnx_note}")
    print(f"auto picks {pick} (a candidate must be >= {dtype_choice.MIN_GAIN}x fp32)")
    if recorded is not None:
        print(f"recorded for this machine in {recorded_file}: {recorded['choice']} "
              f"(measured {recorded.get('measured_at')})")  # fmt: skip
    else:
        print(f"nothing recorded for this machine in {recorded_file} yet")

    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "machine": dtype_choice._cpu_identity(),
        "python": platform.python_version(),
        "rounds": args.rounds,
        "candidates": rows,
        "onnx_int8": onnx_note,
        "auto_picks": pick,
        "min_gain": dtype_choice.MIN_GAIN,
        "recorded": recorded,
    }
    (RESULTS / "embedding_dtype.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Embedding dtype",
        "",
        f"Machine: {result['machine']}; {args.rounds} interleaved rounds, best each.",
        "",
        "| dtype | passages/s | ratio to fp32 |",
        "| --- | --- | --- |",
        *(f"| {r['dtype']} | {r['passages_per_second']} | {r['ratio_to_fp32']}x |" for r in rows),
        f"| onnx-int8 | - | {onnx_note} |",
        "",
        f"`embedding_dtype=auto` picks **{pick}** (never one below {dtype_choice.MIN_GAIN}x fp32).",
    ]
    (RESULTS / "embedding_dtype.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
