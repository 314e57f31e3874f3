"""Answers to questions as people type them: news-dev with typos, in capitals, with chat around it.

news-dev's questions are casual but tidy. People type in a hurry, on phones, in a channel: "how
much did wework pay when it bouhgt meetup?", "WHO WON THE DAVIS CUP", "hey quick question: ...
thanks!". This bench copies ``../shared/eval/news-dev/questions.jsonl`` into work folders, each
question changed one way (in both turns of a follow-up), over the same pages, and runs the
realistic-set evaluation (``footnote eval answers``) on each and on the questions as written, in
one run:

- **one typo each**: one of the question's words of four letters or more that is not a
  stopword, chosen by a hash of the question id; by the same hash, two neighbouring letters
  swapped (35%), a letter left out (30%), a key next to the right one on a QWERTY keyboard (20%),
  a letter doubled (15%); the first letter is kept (people seldom miss it);
- **in capitals** and **in Title Case** (every word's first letter);
- **with chat around it**: a greeting or a request before it and thanks, laughter or a hedge
  after it, by the same hash, from lists that include phrasings ``bot.engine.asked`` was not
  written for ("so I read this earlier today.", "yo bot", "cheers mate", "(not 100% sure)").

The copies are written under the work folder (default ``<data dir>/bench-as-typed``), never into
the project. Reports: ``bench/results/as_typed.md`` and ``.json`` (each variant's full report,
failures listed, is what ``footnote eval answers --dataset <work>/<variant>/news-dev --corpus
../shared/eval/article-extraction/html`` writes). The ratio of held-out
right answers to those on the questions as written is the figure to compare across machines and
releases. Without the shared data it says so and exits 2.
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

from bench.report_cells import answer_cells, write_results

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


# Chat around a question (by a hash of its id). Some phrasings here are ones the reader's framing
# rules (bot.engine.asked) were written for; others are not, on purpose.
_BEFORE = (
    "", "hey, quick question: ", "so I read this earlier today. ", "@Footnote ", "random but ",
    "ok ", "can you tell me ", "i was wondering, ", "pls help: ", "yo bot ", "does anyone know ",
    "hi! ",
)  # fmt: skip
_AFTER = (
    "", " thanks!", " 🙏", " ??", " lol", " asking for a friend", " (i think it was last week)",
    "!!", " cheers mate", " (not 100% sure)", " thx", " :)",
)  # fmt: skip


def in_title_case(text: str, key: str) -> str:
    """Every word's first letter in capitals (not ``str.title``'s "What'S")."""
    return re.sub(r"(?<![\w'’])([a-z])", lambda m: m.group(1).upper(), text)


def with_chat(text: str, key: str) -> str:
    """``text`` with a greeting or request before it and thanks or a hedge after it."""
    h = _hash(key)
    return _BEFORE[h % len(_BEFORE)] + text + _AFTER[(h // 101) % len(_AFTER)]


# name -> (label, how each question is changed, whether only the follow-up turn is)
VARIANTS = {
    "typos": ("one typo each", with_typo, True),
    "capitals": ("in capitals", lambda text, key: text.upper(), False),
    "title-case": ("in Title Case", in_title_case, False),
    "chat": ("with chat around it", with_chat, False),
}


def build(source: Path, out: Path, variant: str = "typos") -> dict[str, int]:
    """Write ``out/questions.jsonl``: ``source``'s questions, each changed as ``variant`` says."""
    _, change, last_turn_only = VARIANTS[variant]
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
                first = len(turns) - 1 if last_turn_only else 0
                for i in range(first, len(turns)):
                    turns[i] = change(turns[i], f"{row['id']}#{i}" if i else row["id"])
                changed += turns != row["turns"]
                row["turns"] = turns
            else:
                typed = change(row["question"], row["id"])
                changed += typed != row["question"]
                row["question"] = typed
            rows.append(row)
    with (out / "questions.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {"questions": len(rows), "changed": changed}


def _cells(label: str, report: dict[str, Any], clean_right: float) -> list[str]:
    held_out, fit, retrieval = answer_cells(report)
    right = report["headline"]["report"]["right"]
    ratio = f"{right / clean_right:.2f}" if clean_right else "n/a"
    return [label, held_out, fit, ratio, retrieval]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--news", type=Path, default=NEWS_DEV, help="the news-dev folder")
    parser.add_argument("--work", type=Path, default=None, help="where the copies are built")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not (args.news / "questions.jsonl").is_file():
        print(f"no news-dev questions at {args.news}: nothing to change", file=sys.stderr)
        return 2

    from bot.config import BotSettings
    from bot.evaluation.news import load_news_dataset, run_news_eval

    settings = BotSettings()
    clean = load_news_dataset(args.news)
    work = args.work or settings.data_dir / "bench-as-typed"
    reports: dict[str, dict[str, Any]] = {}
    counts: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory() as scratch:  # each variant's report: eval's own files
        reports["as written"] = run_news_eval(settings, args.news, out_dir=Path(scratch))
        for name in VARIANTS:
            # Named like the set, so every copy reads the one scratch store of its pages.
            folder = work / name / clean.name
            counts[name] = build(args.news, folder, name)
            print(f"{name}: {counts[name]}", file=sys.stderr)
            reports[name] = run_news_eval(
                settings, folder, out_dir=Path(scratch) / name, corpus=clean.corpus
            )
    answerer = reports["as written"]["answerer"]
    clean_right = reports["as written"]["headline"]["report"]["right"]
    rows = [_cells("as written", reports["as written"], clean_right)]
    rows += [_cells(VARIANTS[name][0], reports[name], clean_right) for name in VARIANTS]
    table = [
        "| questions | held-out: right / false refusals / unanswerable refused | fit half: same "
        "| held-out right / as written | retrieval Hits@1 / @5 (held-out) |",
        "| --- | --- | --- | --- | --- |",
        *("| " + " | ".join(r) + " |" for r in rows),
    ]
    text = (
        f"# Questions as people type them ({answerer})\n\n"
        f"`python -m bench.as_typed`: news-dev's {len(clean.questions)} questions as written and "
        "changed four ways (see the module doc), over the same pages, in one run. Halves split "
        "by a hash of the article id.\n\n" + "\n".join(table) + "\n"
    )
    summary = {
        "counts": counts,
        **{k: {"headline": r["headline"], "retrieval": r["retrieval"]} for k, r in reports.items()},
    }
    write_results(args.out, "as_typed", answerer, text, summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
