"""Questions about an article itself, asked of every news-dev page: is the right article named?

news-dev asks what articles say; people also ask who wrote a story, when it came out, which
outlet ran it. This probe builds such questions for each page of the news-dev corpus (the
article-extraction pages, ingested as for ``footnote eval answers``), naming the article the way
a reader might: its outlet and its three rarest title words ("who wrote the wired piece on
instagram analytics grocery?"). Questions are built from the stored metadata by a template, so
this measures finding the article and reading its metadata, not understanding phrasing; the
reply is right when it names the article's byline people (``about_article.byline``), date or
outlet and cites a passage of that article. Pages whose metadata lacks the field are asked too:
the right reply then says the article does not say.

Reports ``bench/results/about_article.md`` and ``.json``. Without the shared data it says so and
exits 2.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NEWS_DEV = REPO.parent / "shared" / "eval" / "news-dev"
RESULTS = REPO / "bench" / "results"
TITLE_WORDS = 3
TEMPLATES = {
    "author": "who wrote the {outlet}piece on {words}?",
    "published": "when was the {outlet}story about {words} published?",
    "source": "which site ran the story on {words}?",
}


def _rare_title_words(title: str, outlet: str, n: int = TITLE_WORDS) -> list[str]:
    """The ``n`` rarest content words of a title (wordfreq), the outlet's own words left out."""
    from wordfreq import zipf_frequency

    from bot.engine.text import STOPWORDS, words

    own = {w.lower() for w in words(outlet)}
    found = [
        w.lower()
        for w in words(title)
        if w.lower() not in STOPWORDS and w.lower() not in own and len(w) > 2
    ]
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda w: zipf_frequency(w, "en"))[:n]


def main(argv: list[str] | None = None) -> int:
    """Ask the byline, date and outlet of every news-dev page; write the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--news", type=Path, default=NEWS_DEV, help="the news-dev folder")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not (args.news / "questions.jsonl").is_file():
        print(f"{args.news} is absent: the shared eval data is not checked out", file=sys.stderr)
        return 2

    from bot.config import BotSettings
    from bot.engine.about_article import byline
    from bot.engine.answering import AnswerService
    from bot.engine.retrieval import HybridRetriever
    from bot.evaluation.news import load_news_dataset
    from bot.evaluation.scratch import scratch_store

    settings = BotSettings()
    dataset = load_news_dataset(args.news)
    store, root = scratch_store(settings, dataset.name, [str(dataset.corpus)])
    service = AnswerService.from_settings(settings, HybridRetriever(store, data_dir=root), llm=None)
    firsts = {p.article_id: p for p in store.iter_passages() if p.index == 0}
    rows: list[dict[str, Any]] = []
    for article_id, first in sorted(firsts.items()):
        outlet = first.source or ""
        title_words = _rare_title_words(first.title, outlet)
        # As a reader would name it: "the hill piece", not "the the hill piece"; an outlet
        # name longer than three words ("LinkNaija | Nigeria's Popular News Platform") unsaid.
        spoken = outlet.lower().removeprefix("the ").strip()
        if len(spoken.split()) > 3 or "|" in spoken:
            spoken = ""
        if len(title_words) < 2:
            continue
        for field, template in TEMPLATES.items():
            named_outlet = f"{spoken} " if spoken and field != "source" else ""
            question = template.format(outlet=named_outlet, words=" ".join(title_words))
            expected = {
                "author": byline(first.author, first.source) if first.author else None,
                "published": (first.published or "")[:10] or None,
                "source": outlet or None,
            }[field]
            answer = service.answer(question)
            cited = {c.passage.article_id for c in answer.citations}
            if expected is None:
                right = answer.abstained and answer.extra.get("article_field") == field
            else:
                right = not answer.abstained and expected in answer.text and article_id in cited
            rows.append(
                {
                    "article_id": article_id,
                    "field": field,
                    "question": question,
                    "expected": expected,
                    "reply": answer.text[:300],
                    "right": right,
                }
            )
    summary: dict[str, Any] = {"questions": len(rows), "by_field": {}}
    lines = [
        "# Questions about an article itself (news-dev pages)",
        "",
        "`python -m bench.about_article`: for each page, its byline, date and outlet asked by a "
        "template naming the outlet and the title's three rarest words (see the module doc).",
        "",
        "| asked | questions | right | metadata lacks it |",
        "| --- | --- | --- | --- |",
    ]
    for field in TEMPLATES:
        mine = [r for r in rows if r["field"] == field]
        right = sum(r["right"] for r in mine) / (len(mine) or 1)
        missing = sum(r["expected"] is None for r in mine)
        summary["by_field"][field] = {"questions": len(mine), "right": right, "missing": missing}
        lines.append(f"| {field} | {len(mine)} | {right:.3f} | {missing} |")
    wrong = [r for r in rows if not r["right"]]
    summary["right"] = sum(r["right"] for r in rows) / (len(rows) or 1)
    summary["wrong"] = wrong
    lines += ["", f"All: {summary['right']:.3f} of {len(rows)}.", "", "## Wrong", ""]
    for r in wrong[:40]:
        digest = hashlib.sha1(r["article_id"].encode()).hexdigest()[:8]
        lines.append(f"- `{digest}` {r['question']} — expected {r['expected']!r}; {r['reply']!r}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "about_article.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (args.out / "about_article.json").write_text(json.dumps(summary, indent=2) + "\n")
    print("\n".join(lines[:14]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
