"""Score our HTML extraction on the Zyte article-extraction benchmark.

Usage::

    python -m bench.extraction [--eval-dir ../shared/eval/article-extraction] [--out bench/results]

The metric is the upstream one (scrapinghub/article-extraction-benchmark, ``evaluate.py``),
re-implemented here from its description in the eval folder's README:

1. tokens are the ``\\w+`` matches of a text (Unicode, case kept);
2. a shingle is a 4-gram of consecutive tokens (a text with < 4 tokens gives one shorter
   shingle, an empty text one empty shingle that never counts);
3. per page, the multisets of predicted and true shingles give TP, FP and FN, normalised to
   sum to 1;
4. precision and recall are the means over pages of TP/(TP+FP) and TP/(TP+FN), pages where
   the denominator is 0 left out (an empty prediction only lowers recall);
5. F1 is the harmonic mean of those two means.

Our pipeline (``ingest.extraction.extract_html``) runs side by side with two trafilatura
baselines in the same process, so the ms/page figures are comparable.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import click

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "eval" / "article-extraction"
DEFAULT_OUT_DIR = REPO_ROOT / "bench" / "results"
SHINGLE_SIZE = 4
BOOTSTRAP_ROUNDS = 1000

_TOKEN_RE = re.compile(r"\w+")

Counts = tuple[float, float, float]


# --------------------------------------------------------------------------- metric


def tokenize(text: str | None) -> list[str]:
    """The benchmark's tokens: ``\\w+`` runs, case kept."""
    return _TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Multiset of the ``n``-grams of consecutive tokens (one shorter one for short texts)."""
    tokens = tokenize(text)
    grams: Counter[tuple[str, ...]] = Counter()
    for i in range(max(1, len(tokens) - n + 1)):
        gram = tuple(tokens[i : i + n])
        if gram:
            grams[gram] += 1
    return grams


def page_counts(truth: str | None, prediction: str | None) -> Counts:
    """TP, FP, FN of one page's shingles, normalised to sum to 1 (all 0 when both empty)."""
    true_grams, pred_grams = shingles(truth), shingles(prediction)
    tp = float(sum((true_grams & pred_grams).values()))
    fp = float(sum((pred_grams - true_grams).values()))
    fn = float(sum((true_grams - pred_grams).values()))
    total = tp + fp + fn
    if total == 0:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def precision_score(tp: float, fp: float, fn: float) -> float:
    """One page's precision (1 for a perfect match, 0 when nothing right was predicted)."""
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def recall_score(tp: float, fp: float, fn: float) -> float:
    """One page's recall (1 for a perfect match, 0 when nothing true was found)."""
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def page_f1(counts: Counts) -> float:
    """F1 of a single page (for per-page reports, not part of the benchmark's average)."""
    p, r = precision_score(*counts), recall_score(*counts)
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


@dataclass(frozen=True, slots=True)
class Scores:
    """Benchmark scores over a set of pages."""

    precision: float
    recall: float
    f1: float


def aggregate(rows: Sequence[Counts]) -> Scores:
    """Mean precision and recall over pages, and F1 as their harmonic mean."""
    precisions = [precision_score(*r) for r in rows if r[0] + r[1] > 0]
    recalls = [recall_score(*r) for r in rows if r[0] + r[2] > 0]
    precision = statistics.fmean(precisions) if precisions else 0.0
    recall = statistics.fmean(recalls) if recalls else 0.0
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return Scores(precision, recall, f1)


def bootstrap_ci(rows: Sequence[Counts], rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0) -> Scores:
    """1.96 × the bootstrap standard deviation of each score (resampling pages)."""
    rng = random.Random(seed)
    samples = [aggregate(rng.choices(rows, k=len(rows))) for _ in range(rounds)]
    return Scores(
        1.96 * statistics.stdev(s.precision for s in samples),
        1.96 * statistics.stdev(s.recall for s in samples),
        1.96 * statistics.stdev(s.f1 for s in samples),
    )


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class EvalPage:
    """One benchmark page: its id, URL, raw HTML and hand-checked article body."""

    page_id: str
    url: str
    html: str
    truth: str


class EvalDataMissing(Exception):
    """The benchmark folder is absent or incomplete."""


def load_eval(eval_dir: Path, limit: int | None = None) -> list[EvalPage]:
    """Read the benchmark pages, sorted by id (the first ``limit`` when given)."""
    truth_path = eval_dir / "ground-truth.json"
    if not truth_path.is_file():
        raise EvalDataMissing(
            f"{truth_path} not found: the Zyte article-extraction eval data must sit in "
            f"{eval_dir} (ground-truth.json and html/<id>.html.gz); pass --eval-dir"
        )
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth)[:limit]:
        html_path = eval_dir / "html" / f"{page_id}.html.gz"
        if not html_path.is_file():
            raise EvalDataMissing(f"{html_path} is missing: the eval data is incomplete")
        with gzip.open(html_path) as fh:
            html = fh.read().decode("utf-8")
        entry = truth[page_id]
        pages.append(EvalPage(page_id, entry.get("url", ""), html, entry.get("articleBody", "")))
    return pages


# --------------------------------------------------------------------------- systems

Extractor = Callable[[EvalPage], str]


def footnote_system(page: EvalPage) -> str:
    """Our pipeline: ``ingest.extraction.extract_html`` (with the page URL, as in ingestion)."""
    from ingest.extraction import extract_html

    result = extract_html(page.html, url=page.url)
    return result.text if result is not None else ""


def trafilatura_plain(page: EvalPage) -> str:
    """Baseline: ``trafilatura.extract(html)`` with its defaults."""
    import trafilatura

    return trafilatura.extract(page.html) or ""


def trafilatura_precision(page: EvalPage) -> str:
    """Baseline: ``favor_precision=True, include_comments=False``."""
    import trafilatura

    return trafilatura.extract(page.html, favor_precision=True, include_comments=False) or ""


SYSTEMS: dict[str, tuple[str, Extractor]] = {
    "footnote": ("ingest.extraction.extract_html (ours)", footnote_system),
    "trafilatura": ("trafilatura.extract(html)", trafilatura_plain),
    "trafilatura-precision": (
        "trafilatura.extract(html, favor_precision=True, include_comments=False)",
        trafilatura_precision,
    ),
}


@dataclass(frozen=True, slots=True)
class SystemResult:
    """Scores and timing of one system over the benchmark."""

    name: str
    description: str
    precision: float
    recall: float
    f1: float
    precision_ci: float
    recall_ci: float
    f1_ci: float
    exact: float  # share of pages whose token list equals the truth's
    empty: int  # pages with an empty prediction
    ms_per_page: float  # wall clock
    ms_p95: float
    cpu_ms_per_page: float  # this process's CPU time: steadier when others share the machine
    pages: int


def run_system(
    name: str, description: str, extractor: Extractor, pages: Sequence[EvalPage]
) -> tuple[SystemResult, list[dict[str, object]]]:
    """Run one extractor over all pages; its scores and per-page details."""
    rows: list[Counts] = []
    details: list[dict[str, object]] = []
    times: list[float] = []
    cpu = 0.0
    exact = empty = 0
    for page in pages:
        start, cpu_start = time.perf_counter(), time.process_time()
        prediction = extractor(page)
        times.append(time.perf_counter() - start)
        cpu += time.process_time() - cpu_start
        counts = page_counts(page.truth, prediction)
        rows.append(counts)
        exact += tokenize(prediction) == tokenize(page.truth)
        empty += not tokenize(prediction)
        details.append(
            {
                "id": page.page_id,
                "precision": round(precision_score(*counts), 4),
                "recall": round(recall_score(*counts), 4),
                "f1": round(page_f1(counts), 4),
                "chars": len(prediction),
                "ms": round(1000 * times[-1], 1),
            }
        )
    scores, ci = aggregate(rows), bootstrap_ci(rows)
    ordered = sorted(times)
    result = SystemResult(
        name=name,
        description=description,
        precision=scores.precision,
        recall=scores.recall,
        f1=scores.f1,
        precision_ci=ci.precision,
        recall_ci=ci.recall,
        f1_ci=ci.f1,
        exact=exact / len(pages),
        empty=empty,
        ms_per_page=1000 * statistics.fmean(times),
        ms_p95=1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        cpu_ms_per_page=1000 * cpu / len(pages),
        pages=len(pages),
    )
    return result, details


def render_markdown(
    results: Sequence[SystemResult], eval_dir: Path, load: tuple[float, float] | None = None
) -> str:
    """The results table as markdown."""
    fastest = min(r.cpu_ms_per_page for r in results)
    lines = [
        "# Article extraction: Zyte benchmark",
        "",
        f"Data: `{eval_dir.name}` (scrapinghub/article-extraction-benchmark), upstream metric "
        "(4-gram shingles of `\\w+` tokens, per-page normalised, precision and recall averaged "
        "over pages, F1 their harmonic mean); ± = 1.96 × bootstrap std over pages. Produced by "
        "`python -m bench.extraction`; all systems ran in the same process.",
        "",
        "| system | F1 | precision | recall | exact | empty | ms/page | p95 ms | CPU ms/page "
        "| CPU × fastest |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r.name}: {r.description} | {r.f1:.3f} ± {r.f1_ci:.3f} "
            f"| {r.precision:.3f} ± {r.precision_ci:.3f} | {r.recall:.3f} ± {r.recall_ci:.3f} "
            f"| {r.exact:.3f} | {r.empty} | {r.ms_per_page:.1f} | {r.ms_p95:.1f} "
            f"| {r.cpu_ms_per_page:.1f} | {r.cpu_ms_per_page / fastest:.2f} |"
        )
    if load is not None:
        lines += [
            "",
            f"ms/page is wall clock, CPU ms/page this process's CPU time; 1-minute load average "
            f"{load[0]:.1f} at the start and {load[1]:.1f} at the end (other jobs share the "
            "CPU: wall times grow with load, compare systems within a run).",
        ]
    return "\n".join(lines) + "\n"


@click.command()
@click.option(
    "--eval-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_EVAL_DIR,
    show_default=True,
    help="Folder of the Zyte article-extraction benchmark.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_OUT_DIR,
    show_default=True,
    help="Where extraction.json and extraction.md are written.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Score only the first N pages.")
@click.option(
    "--system",
    "system_names",
    type=click.Choice(sorted(SYSTEMS)),
    multiple=True,
    help="Run only these systems (default: all).",
)
def main(eval_dir: Path, out_dir: Path, limit: int | None, system_names: tuple[str, ...]) -> None:
    """Score ingest.extraction.extract_html against trafilatura baselines."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # trafilatura logs every discarded page at WARNING; that is expected here.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    try:
        pages = load_eval(eval_dir, limit)
    except EvalDataMissing as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{len(pages)} pages from {eval_dir}", err=True)
    load_start = os.getloadavg()[0]
    results: list[SystemResult] = []
    per_page: dict[str, list[dict[str, object]]] = {}
    for name in system_names or tuple(SYSTEMS):
        description, extractor = SYSTEMS[name]
        extractor(pages[0])  # warm-up: imports and lazy initialisation are not per-page cost
        result, details = run_system(name, description, extractor, pages)
        results.append(result)
        per_page[name] = details
        click.echo(
            f"{name:<24} F1={result.f1:.4f} P={result.precision:.4f} R={result.recall:.4f} "
            f"{result.ms_per_page:.1f} ms/page ({result.cpu_ms_per_page:.1f} CPU)",
            err=True,
        )
    load = (load_start, os.getloadavg()[0])
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "scrapinghub/article-extraction-benchmark",
        "eval_dir": str(eval_dir),
        "pages": len(pages),
        "load_average": {"start": load[0], "end": load[1]},
        "systems": [asdict(r) for r in results],
        "per_page": per_page,
    }
    (out_dir / "extraction.json").write_text(json.dumps(payload, indent=2) + "\n")
    markdown = render_markdown(results, eval_dir, load)
    (out_dir / "extraction.md").write_text(markdown)
    click.echo(markdown)


if __name__ == "__main__":
    main()
