"""Table cells shared by the benches that run the realistic-set evaluation on built sets."""

from __future__ import annotations

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
