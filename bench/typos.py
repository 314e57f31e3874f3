"""Answers to questions typed in a hurry: news-dev with one typo per question, beside news-dev.

People type questions fast, on phones: "how much did wework pay when it bouhgt meetup?". This
bench copies ``../shared/eval/news-dev/questions.jsonl`` into a work folder with one typo in each
question (in the follow-up turn of a follow-up), over the same pages, and runs the realistic-set
evaluation (``footnote eval answers``) on both, in one run:

- **which word**: one of the question's words of four letters or more that is not a stopword,
  chosen by a hash of the question id (the same typos on every run);
- **which typo**, by the same hash: two neighbouring letters swapped (35%), a letter left out
  (30%), a key next to the right one on a QWERTY keyboard (20%), a letter doubled (15%); the
  first letter is kept (people seldom miss it).

The typo'd copy is written under the work folder (default ``<data dir>/bench-typos``), never
into the project. Reports: ``bench/results/eval-answers-news-dev-typos-<answerer>.*`` and a
side-by-side ``bench/results/typos.md`` (the clean set's figures are measured in the same run:
the ratio of typo'd to clean right answers is the figure to compare across machines and
releases). Without the shared data it says so and exits 2.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NEWS_DEV = REPO.parent / "shared" / "eval" / "news-dev"
RESULTS = REPO / "bench" / "results"
MIN_WORD = 4
# Keys beside each letter on a QWERTY keyboard (same row and the rows above and below).
_NEIGHBOURS = {
    "q": "wa", "w": "qeas", "e": "wrsd", "r": "etdf", "t": "ryfg", "y": "tugh", "u": "yihj",
    "i": "uojk", "o": "ipkl", "p": "ol", "a": "qwsz", "s": "awedxz", "d": "serfcx",
    "f": "drtgvc", "g": "ftyhbv", "h": "gyujnb", "j": "huikmn", "k": "jiolm", "l": "kop",
    "z": "asx", "x": "zsdc", "c": "xdfv", "v": "cfgb", "b": "vghn", "n": "bhjm", "m": "njk",
}  # fmt: skip
_WORD = re.compile(r"[A-Za-z]+")


def _hash(key: str) -> int:
    return int(hashlib.sha1(key.encode()).hexdigest(), 16)


def with_typo(text: str, key: str) -> str:
    """``text`` with one typo in one of its longer words, chosen by a hash of ``key``."""
    from bot.engine.text import STOPWORDS

    words = [m for m in _WORD.finditer(text) if len(m.group()) >= MIN_WORD]
    words = [m for m in words if m.group().lower() not in STOPWORDS] or words
    if not words:
        return text
    h = _hash(key)
    match = words[h % len(words)]
    word = match.group()
    at = 1 + (h // 7) % (len(word) - 1)  # never the first letter
    kind = (h // 1009) % 100
    if kind < 35 and at < len(word) - 1:  # two neighbouring letters swapped
        typo = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif kind < 65:  # a letter left out
        typo = word[:at] + word[at + 1 :]
    elif kind < 85 and word[at].lower() in _NEIGHBOURS:  # the key beside the right one
        keys = _NEIGHBOURS[word[at].lower()]
        typo = word[:at] + keys[(h // 13) % len(keys)] + word[at + 1 :]
    else:  # a letter doubled
        typo = word[:at] + word[at] + word[at:]
    return text[: match.start()] + typo + text[match.end() :]


def build(source: Path, out: Path) -> dict[str, int]:
    """Write ``out/questions.jsonl``: ``source``'s questions, each with one typo."""
    out.mkdir(parents=True, exist_ok=True)
    changed = 0
    rows = []
    with (source / "questions.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            if "turns" in row:
                turns = list(row["turns"])
                turns[-1] = with_typo(turns[-1], row["id"])
                changed += turns != row["turns"]
                row["turns"] = turns
            else:
                typo = with_typo(row["question"], row["id"])
                changed += typo != row["question"]
                row["question"] = typo
            rows.append(row)
    with (out / "questions.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {"questions": len(rows), "with_a_typo": changed}


def _cells(name: str, report: dict[str, Any]) -> list[str]:
    cells = [name]
    for part in ("report", "fit"):
        h = report["headline"][part]
        cells.append(
            f"{h['right']:.3f} / {h['false_refusals']:.3f} / {h['unanswerable_refused']:.3f}"
        )
    hybrid = report["retrieval"].get("report/hybrid", {})
    nan = float("nan")
    cells.append(f"{hybrid.get('hits@1', nan):.3f} / {hybrid.get('hits@5', nan):.3f}")
    return cells


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--news", type=Path, default=NEWS_DEV, help="the news-dev folder")
    parser.add_argument("--work", type=Path, default=None, help="where the typo'd copy is built")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not (args.news / "questions.jsonl").is_file():
        print(f"no news-dev questions at {args.news}: nothing to add typos to", file=sys.stderr)
        return 2

    from bot.config import BotSettings
    from bot.evaluation.news import load_news_dataset, run_news_eval

    settings = BotSettings()
    clean = load_news_dataset(args.news)
    work = (args.work or settings.data_dir / "bench-typos") / f"{clean.name}-typos"
    counts = build(args.news, work)
    print(f"typos: {counts}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as scratch:  # the clean set's own report is eval's
        reports = {
            "clean": run_news_eval(settings, args.news, out_dir=Path(scratch)),
            "typos": run_news_eval(settings, work, out_dir=args.out, corpus=clean.corpus),
        }
    answerer = reports["typos"]["answerer"]
    right = {k: r["headline"]["report"]["right"] for k, r in reports.items()}
    ratio = right["typos"] / right["clean"] if right["clean"] else float("nan")
    table = [
        "| questions | held-out: right / false refusals / unanswerable refused | fit half: same "
        "| retrieval Hits@1 / @5 (held-out) |",
        "| --- | --- | --- | --- |",
        "| " + " | ".join(_cells("as written", reports["clean"])) + " |",
        "| " + " | ".join(_cells("one typo each", reports["typos"])) + " |",
    ]
    text = (
        f"# Questions with typos ({answerer})\n\n"
        f"`python -m bench.typos`: news-dev's {counts['questions']} questions, "
        f"{counts['with_a_typo']} of them given one typo (a swapped, missing, wrong-key or doubled "
        "letter in a word of four letters or more; see the module doc), over the same pages, "
        "beside the questions as written, in one run. Halves split by a hash of the article id."
        f"\n\n" + "\n".join(table) + "\n\n"
        f"Held-out right answers with typos / as written: **{ratio:.2f}**.\n"
    )
    summary = {
        "counts": counts,
        "right_ratio_held_out": ratio,
        **{k: {"headline": r["headline"], "retrieval": r["retrieval"]} for k, r in reports.items()},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "typos" if answerer == "extractive" else f"typos-{answerer}"
    (args.out / f"{stem}.md").write_text(text, encoding="utf-8")
    (args.out / f"{stem}.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
