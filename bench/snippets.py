"""Answers over short search-result snippets, asked as questions and as keyword queries.

news-dev asks casual questions over whole pages. Users also paste search results (a title and
forty words cut mid-sentence) and type keyword queries ("harbour bridge reopening date"). This
bench builds that setting from ``../shared/eval/squad-v1.1-dev`` and runs the realistic-set
evaluation (``footnote eval answers`` on a questions.jsonl folder) on it, twice:

- **corpus**: every paragraph of a third of the articles (chosen by a hash of the article id)
  cut into snippets of at most ~40 words, each its own record titled "<article> - Wikipedia",
  with "…" where a snippet starts or stops mid-paragraph. The other snippets of the same article
  are the on-topic distractors.
- **unanswerable**: one paragraph in eight (by hash) is left out of the corpus; its questions
  whose gold answers no kept snippet holds are asked as unanswerable.
- **answerable**: up to two questions per kept paragraph, about a third of them (by hash); the
  evidence is the snippet that holds the gold answer.
- **questions** asks SQuAD's own wording; **keywords** asks the same questions cut down to
  their content words, with the kind of answer as a word when the question word said it
  ("when did the bridge reopen?" -> "bridge reopen date").

The answerer is whatever the settings configure (the extractive reader without an LLM), as for
``footnote eval answers``. Reports: ``bench/results/eval-answers-snippets-<way>-<answerer>.*``
and a side-by-side ``bench/results/snippets.md``. Without the shared data it says so and exits 2.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report_cells import answer_cells, write_results

REPO = Path(__file__).resolve().parents[1]
SQUAD = REPO.parent / "shared" / "eval" / "squad-v1.1-dev"
RESULTS = REPO / "bench" / "results"
ARTICLE_SHARE = 35  # percent of the articles in the corpus
DROPPED_SHARE = 12  # percent of their paragraphs left out (their questions are unanswerable)
ASKED_SHARE = 35  # percent of the kept paragraphs' questions asked
MAX_SNIPPET_WORDS = 38  # sentences are grouped up to this many words
CUT_WORDS = 42  # a longer single sentence is cut here, as search engines do
# Question-shaping words a keyword query leaves out.
_SHAPING = frozenset(
    [
        "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "did", "does",
        "do", "is", "was", "were", "are", "the", "a", "an", "of", "in", "on", "to", "for", "by",
        "with", "at", "from", "and", "that", "this", "as", "be", "been", "has", "have", "had",
        "it", "its", "their", "his", "her", "many", "much", "year",
    ]
)  # fmt: skip
_KIND_WORD = (
    (re.compile(r"^(?:in |during )?what year\b|^when\b", re.I), "date"),
    (re.compile(r"^how many\b", re.I), "number"),
    (re.compile(r"^how much\b", re.I), "amount"),
    (re.compile(r"^where\b", re.I), "location"),
    (re.compile(r"^why\b", re.I), "reason"),
)


def bucket(key: str, salt: str = "") -> int:
    """A stable 0-99 bucket for ``key`` (the selection must not change between runs)."""
    return int(hashlib.sha1(f"{key}{salt}".encode()).hexdigest(), 16) % 100


def keyword_query(question: str) -> str:
    """``question`` as a keyword query: its content words, plus the kind of answer it asks."""
    from bot.engine.text import STOPWORDS

    kind = next((word for pattern, word in _KIND_WORD if pattern.search(question.strip())), None)
    kept = [
        token.strip(".").lower()
        for token in re.findall(r"[\w'’.-]+", question)
        if token.lower() not in _SHAPING and token.lower() not in STOPWORDS
    ]
    return " ".join([t for t in kept if t] + ([kind] if kind else []))


@dataclass(frozen=True, slots=True)
class Snippet:
    """A cut of one paragraph, at ``start``..``end`` of its text."""

    paragraph_id: str
    article_id: str
    start: int
    end: int
    text: str  # as shown, with "…" where it is cut


def snippets_of(paragraph_id: str, article_id: str, text: str) -> Iterator[Snippet]:
    """``text`` as search-result snippets: whole sentences grouped up to ~40 words."""
    from bot.engine.text import split_sentences

    group: list[tuple[int, int]] = []
    spans = [(s.start, s.end) for s in split_sentences(text)]
    for span in [*spans, None]:
        if span is not None and (
            not group
            or sum(len(text[a:b].split()) for a, b in group) + len(text[span[0] : span[1]].split())
            <= MAX_SNIPPET_WORDS
        ):
            group.append(span)
            continue
        if group:
            start, end = group[0][0], group[-1][1]
            shown = text[start:end]
            cut = shown.split()
            if len(cut) > CUT_WORDS + 3:
                shown = " ".join(cut[:CUT_WORDS]) + " …"
            if start > 0:
                shown = "… " + shown
            yield Snippet(paragraph_id, article_id, start, end, shown)
        group = [span] if span is not None else []


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def build(squad: Path, out: Path, *, keywords: bool) -> dict[str, int]:
    """Write ``out/questions.jsonl`` and ``out/corpus/snippets.jsonl``; return counts."""
    articles = [a for a in _read_jsonl(squad / "corpus.jsonl") if bucket(a["id"]) < ARTICLE_SHARE]
    titles = {a["id"]: a["title"] for a in articles}
    paragraphs = [p for p in _read_jsonl(squad / "passages.jsonl") if p["article_id"] in titles]
    dropped = {p["id"] for p in paragraphs if bucket(p["id"], "drop") < DROPPED_SHARE}
    snippets = [
        s
        for p in paragraphs
        if p["id"] not in dropped
        for s in snippets_of(p["id"], p["article_id"], p["text"])
    ]
    (out / "corpus").mkdir(parents=True, exist_ok=True)
    with (out / "corpus" / "snippets.jsonl").open("w", encoding="utf-8") as f:
        for n, s in enumerate(snippets):
            record = {
                "id": f"{s.paragraph_id}#s{n}",
                "title": f"{titles[s.article_id]} - Wikipedia",
                "url": f"https://en.wikipedia.org/wiki/{s.article_id}/snippet-{n}",
                "body": s.text,
            }
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    shown = " ".join(s.text for s in snippets).lower()
    by_paragraph: dict[str, list[Snippet]] = {}
    for s in snippets:
        by_paragraph.setdefault(s.paragraph_id, []).append(s)
    rows = list(_questions(squad, titles, dropped, by_paragraph, shown, keywords=keywords))
    with (out / "questions.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {
        "articles": len(titles),
        "snippets": len(snippets),
        "answerable": sum(r["kind"] == "answerable" for r in rows),
        "unanswerable": sum(r["kind"] == "unanswerable" for r in rows),
    }


def _questions(
    squad: Path,
    titles: dict[str, str],
    dropped: set[str],
    by_paragraph: dict[str, list[Snippet]],
    shown: str,
    *,
    keywords: bool,
) -> Iterable[dict[str, Any]]:
    per_paragraph: dict[str, list[dict[str, Any]]] = {}
    for q in _read_jsonl(squad / "queries.dev.jsonl"):
        if q["article_id"] in titles:
            per_paragraph.setdefault(q["passage_id"], []).append(q)
    for paragraph_id, questions in per_paragraph.items():
        left_out = paragraph_id in dropped
        for q in questions[:3] if left_out else questions[:2]:
            if not left_out and bucket(q["id"], "pick") >= ASKED_SHARE:
                continue
            asked = keyword_query(q["question"]) if keywords else q["question"]
            if left_out:
                if any(a.lower() in shown for a in q["answers"]):
                    continue  # another snippet still holds it: not unanswerable
                yield {
                    "id": q["id"],
                    "kind": "unanswerable",
                    "question": asked,
                    "near_article_id": q["article_id"],
                }
                continue
            at = q["answer_spans"][0]["start"]
            holding = [s for s in by_paragraph.get(paragraph_id, []) if s.start <= at < s.end]
            evidence = holding[0].text.strip("… ") if holding else ""
            if q["answers"][0] not in evidence:
                continue  # the answer was cut off the snippet
            yield {
                "id": q["id"],
                "kind": "answerable",
                "question": asked,
                "answer": q["answers"][0],
                "answer_aliases": q["answers"][1:],
                "article_id": q["article_id"],
                "evidence": evidence,
                "style": "keywords" if keywords else "question",
            }


def _headline_row(way: str, report: dict[str, Any]) -> list[str]:
    p95 = report["headline"]["report"]["after_retrieval_p95_seconds"]
    return [way, *answer_cells(report), f"{p95:.3f}"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--squad", type=Path, default=SQUAD, help="SQuAD-style folder")
    parser.add_argument("--work", type=Path, default=None, help="where the sets are built")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not (args.squad / "queries.dev.jsonl").is_file():
        print(f"no SQuAD dev data at {args.squad}: nothing to build snippets from", file=sys.stderr)
        return 2
    from bot.config import BotSettings
    from bot.evaluation.news import run_news_eval

    settings = BotSettings()
    work = args.work or settings.data_dir / "bench-snippets"
    rows = []
    summary: dict[str, Any] = {}
    for way, keywords in (("questions", False), ("keywords", True)):
        folder = work / f"snippets-{way}"
        counts = build(args.squad, folder, keywords=keywords)
        print(f"{way}: {counts}", file=sys.stderr)
        report = run_news_eval(settings, folder, out_dir=args.out)
        summary[way] = {
            "counts": counts,
            "headline": report["headline"],
            "report": report["report"],
        }
        rows.append(_headline_row(way, report))
        answerer = report["answerer"]
    table = [
        "| asked as | held-out: right / false refusals / unanswerable refused | fit half: same "
        "| retrieval Hits@1 / @5 (held-out) | answer time after retrieval p95, s |",
        "| --- | --- | --- | --- | --- |",
        *("| " + " | ".join(r) + " |" for r in rows),
    ]
    counts = summary["questions"]["counts"]
    text = (
        f"# Snippets and keyword queries ({answerer})\n\n"
        f"`python -m bench.snippets`: {counts['snippets']} snippets of {counts['articles']} "
        f"SQuAD dev articles, {counts['answerable']} answerable and {counts['unanswerable']} "
        "unanswerable questions (their paragraph left out), asked in SQuAD's wording and as "
        "keyword queries. Halves split by a hash of the article id. See the module doc for how "
        "the set is built.\n\n" + "\n".join(table) + "\n"
    )
    write_results(args.out, "snippets", answerer, text, summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
