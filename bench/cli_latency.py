"""CLI latency: how long the cheap commands take, and `footnote ask` from a cold start.

``python -m bench.cli_latency`` runs each command as a user would (a fresh process, the real
entry points of this venv) several times, interleaved with the baseline: a bare
``python -c "import torch"`` measured in the same run, so a loaded machine moves both. Goals:
``footnote-ingest --status``, ``footnote gaps`` and argument errors <= 1.0 s each (median);
``footnote ask`` cold <= 4 s on the 2-core machine, reported also as a ratio to the baseline.
The sample corpus (examples/corpus) is ingested once into a temporary data folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
BIN = Path(sys.executable).parent
CHEAP_GOAL_S = 1.0
ASK_GOAL_S = 4.0
QUESTION = "How much did the harbour bridge repair cost?"


def commands() -> dict[str, tuple[list[str], int, float | None]]:
    """name -> (argv, expected exit code, goal in seconds or None for the baseline)."""
    return {
        "baseline: python -c 'import torch'": (
            [sys.executable, "-c", "import torch"], 0, None,
        ),
        "footnote-ingest --status": ([str(BIN / "footnote-ingest"), "--status"], 0, CHEAP_GOAL_S),
        "footnote gaps": ([str(BIN / "footnote"), "gaps"], 0, CHEAP_GOAL_S),
        "footnote feedback": ([str(BIN / "footnote"), "feedback"], 0, CHEAP_GOAL_S),
        "footnote ask --after <bad date>": (
            [str(BIN / "footnote"), "ask", QUESTION, "--after", "last tuesday"], 2, CHEAP_GOAL_S,
        ),
        "footnote-ingest --status <extra source>": (
            [str(BIN / "footnote-ingest"), "--status", "somewhere"], 2, CHEAP_GOAL_S,
        ),
        "footnote ask (cold)": ([str(BIN / "footnote"), "ask", QUESTION], 0, ASK_GOAL_S),
    }  # fmt: skip


def timed(argv: list[str], env: dict[str, str], cwd: Path, code: int) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != code:
        raise SystemExit(f"{argv} exited {done.returncode}, expected {code}:\n{done.stderr}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command (median kept)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="footnote-cli-bench-") as tmp:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTNOTE_")}
        env.update(
            FOOTNOTE_DATA_DIR=str(work / "data"),
            HF_HUB_OFFLINE="1",
            ANONYMIZED_TELEMETRY="False",
        )
        print("ingesting the sample corpus...", file=sys.stderr)
        timed(
            [str(BIN / "footnote-ingest"), "-q", str(REPO / "examples" / "corpus")], env, work, 0
        )
        table = commands()
        samples: dict[str, list[float]] = {name: [] for name in table}
        for run in range(args.runs):  # interleaved: machine load hits every command alike
            for name, (cmd, code, _goal) in table.items():
                samples[name].append(timed(cmd, env, work, code))
            print(f"run {run + 1}/{args.runs} done", file=sys.stderr)

    baseline = statistics.median(samples["baseline: python -c 'import torch'"])
    rows: dict[str, Any] = {}
    for name, (_cmd, _code, goal) in table.items():
        median = statistics.median(samples[name])
        rows[name] = {
            "median_s": round(median, 3),
            "min_s": round(min(samples[name]), 3),
            "max_s": round(max(samples[name]), 3),
            "ratio_to_import_torch": round(median / baseline, 2),
            "goal_s": goal,
            "meets_goal": None if goal is None else median <= goal,
            "meets_goal_best_run": None if goal is None else min(samples[name]) <= goal,
        }
    load = os.getloadavg()
    results = {
        "runs": args.runs,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load[0]:.1f} at the end of the run",
        "commands": rows,
    }
    write_results(results, args.out)
    print(json.dumps(results, indent=2))
    return 0


def write_results(results: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "cli_latency.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        "# CLI latency",
        "",
        f"Each command run {results['runs']} times in a fresh process, interleaved with the "
        "baseline (`python -c \"import torch\"`); median, min and max wall-clock seconds.",
        "",
        "| command | median s | min s | max s | × import torch | goal | met (median) "
        "| met (best run) |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for name, r in results["commands"].items():
        goal = f"≤ {r['goal_s']:.1f} s" if r["goal_s"] is not None else "baseline"
        met = "" if r["meets_goal"] is None else ("yes" if r["meets_goal"] else "**no**")
        best = r["meets_goal_best_run"]
        met_best = "" if best is None else ("yes" if best else "**no**")
        lines.append(
            f"| `{name}` | {r['median_s']:.2f} | {r['min_s']:.2f} | {r['max_s']:.2f} | "
            f"{r['ratio_to_import_torch']:.2f} | {goal} | {met} | {met_best} |"
        )
    lines += [
        "",
        "The goals are absolute seconds on an otherwise idle 2-core machine; when other jobs load "
        "it, every process slows (the baseline too), so read the ratio column, and the best run "
        "as the least disturbed one.",
        "",
        f"Machine: {results['machine']}",
        "",
    ]
    (out / "cli_latency.md").write_text("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
