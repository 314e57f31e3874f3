"""Table cells and result files shared by the benches that run the realistic-set evaluation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def answer_cells(report: dict[str, Any]) -> list[str]:
    """Held-out and fit ``right / false refusals / unanswerable refused``, then held-out Hits@1/5.

    ``report`` is what ``bot.evaluation.news.run_news_eval`` returns.
    """
    cells = []
    for part in ("report", "fit"):
        h = report["headline"][part]
        cells.append(
            f"{h['right']:.3f} / {h['false_refusals']:.3f} / {h['unanswerable_refused']:.3f}"
        )
    hybrid = report["retrieval"].get("report/hybrid", {})
    nan = float("nan")
    cells.append(f"{hybrid.get('hits@1', nan):.3f} / {hybrid.get('hits@5', nan):.3f}")
    return cells


def write_results(out: Path, name: str, answerer: str, text: str, summary: dict[str, Any]) -> None:
    """``out/<name>.md`` and ``.json`` (``<name>-<answerer>`` for an LLM), and ``text`` printed."""
    out.mkdir(parents=True, exist_ok=True)
    stem = name if answerer == "extractive" else f"{name}-{answerer}"
    (out / f"{stem}.md").write_text(text, encoding="utf-8")
    (out / f"{stem}.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(text)
