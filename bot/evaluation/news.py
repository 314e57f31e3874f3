"""Realistic question sets: casual, paraphrased questions about news pages, in four kinds.

A dataset folder holds ``questions.jsonl`` (one object per line, ``kind`` one of ``answerable``,
``unanswerable``, ``multi``, ``followup``; see ``../shared/eval/news-dev/README.md``) and names its
corpus: ``corpus/`` or ``html/`` beside it, else the pages of ``../article-extraction/html/``.

Scoring, as the dataset's README defines it: an answer is **right** when it does not abstain and
contains the gold answer or an alias (case-insensitive, whitespace and curly quotes normalised); a
refusal on an ``unanswerable`` question is right; a **multi** question is right when the reply
carries the fact of each of its two articles; a **follow-up** is asked as the second turn of one
conversation. A retrieved passage **covers** the evidence when it holds (nearly) all of its words.

Whatever is fitted on such a set is fitted on one half and reported on the other: the halves are
split by a hash of the article id (``split_of``), so no article is in both.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.engine.models import Answer, Turn
from bot.evaluation.retrieval import DatasetError, read_jsonl, searched_rankings
from bot.evaluation.scratch import scratch_store, slug
from vectorstore.base import Hit

log = logging.getLogger(__name__)

KINDS = ("answerable", "unanswerable", "multi", "followup")
QUESTIONS_FILE = "questions.jsonl"
SPLITS = ("fit", "report")
_TOKEN = re.compile(r"\w+", re.UNICODE)
_MARKER = re.compile(r"\[\d+\]")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\u00a0": " "})
COVER_RECALL = 0.8  # share of the evidence's words a passage must hold to cover it
_FACT_STOP = frozenset(
    [
        "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "at", "by", "with", "from",
        "as", "is", "was", "are", "were", "be", "it", "its", "this", "that", "vs", "than", "about",
        "roughly", "around", "some", "up", "so"
    ]
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class NewsQuestion:
    """One question of a realistic set; which fields are set depends on ``kind``."""

    id: str
    kind: str
    turns: tuple[str, ...]  # one question, or (first question, follow-up)
    answers: tuple[str, ...] = ()  # gold answer and aliases (empty for unanswerable)
    article_ids: tuple[str, ...] = ()  # gold article(s); the near article for unanswerable
    evidence: tuple[str, ...] = ()  # one exact substring per gold article
    style: str | None = None

    @property
    def question(self) -> str:
        """The question that is scored (the follow-up for ``followup``)."""
        return self.turns[-1]

    @property
    def split(self) -> str:
        """``"fit"`` or ``"report"``, by the (first) article id."""
        return split_of(min(self.article_ids) if self.article_ids else self.id)


@dataclass(frozen=True, slots=True)
class NewsDataset:
    """A realistic question set and the corpus it is asked over."""

    name: str
    directory: Path
    corpus: Path
    questions: tuple[NewsQuestion, ...]


def split_of(article_id: str) -> str:
    """``"fit"`` or ``"report"``: which half an article (and all its questions) belongs to."""
    digest = hashlib.sha256(f"footnote-news-split:{article_id}".encode()).hexdigest()
    return SPLITS[int(digest[:8], 16) % 2]


def is_news_dataset(directory: Path) -> bool:
    """True for a folder with ``questions.jsonl`` (SQuAD-style folders have ``queries.*``)."""
    return (Path(directory) / QUESTIONS_FILE).is_file()


def _corpus_of(directory: Path) -> Path:
    for candidate in (
        directory / "corpus",
        directory / "html",
        directory.parent / "article-extraction" / "html",
    ):
        if candidate.is_dir():
            return candidate
    raise DatasetError(
        f"{directory}: no corpus found (looked for corpus/, html/ and ../article-extraction/html/)"
    )


def _strings(row: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = row.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DatasetError(f"{where}: '{key}' must be a string or a list of strings")


def parse_question(row: dict[str, Any], where: str) -> NewsQuestion:
    """One ``questions.jsonl`` row, checked for the fields its kind needs."""
    kind = row.get("kind")
    if kind not in KINDS:
        raise DatasetError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    qid = str(row.get("id") or where)
    style = row.get("style") if isinstance(row.get("style"), str) else None
    if kind == "followup":
        turns = _strings(row, "turns", where)
        if len(turns) < 2:
            raise DatasetError(f"{where}: a followup needs 'turns' with at least two questions")
    else:
        turns = _strings(row, "question", where)
        if len(turns) != 1 or not turns[0].strip():
            raise DatasetError(f"{where}: '{kind}' needs a non-empty 'question'")
    if kind == "unanswerable":
        near = _strings(row, "near_article_id", where)
        return NewsQuestion(qid, kind, turns, article_ids=near, style=style)
    answers = _strings(row, "answer", where) + _strings(row, "answer_aliases", where)
    if not answers:
        raise DatasetError(f"{where}: '{kind}' needs an 'answer'")
    ids = _strings(row, "article_ids" if kind == "multi" else "article_id", where)
    evidence = _strings(row, "evidence", where)
    if not ids or not evidence:
        raise DatasetError(f"{where}: '{kind}' needs its article id(s) and evidence")
    if kind == "multi" and len(ids) != len(evidence):
        raise DatasetError(f"{where}: a multi question needs one evidence per article")
    return NewsQuestion(qid, kind, turns, answers, ids, evidence, style)


def load_news_dataset(directory: Path | str, corpus: Path | None = None) -> NewsDataset:
    """Read and check ``questions.jsonl``; find the corpus.

    Raises:
        DatasetError: the file is missing, a row is not JSON, has an unknown kind or lacks a field.
    """
    directory = Path(directory)
    path = directory / QUESTIONS_FILE
    if not path.is_file():
        raise DatasetError(f"{path} does not exist")
    questions = [
        parse_question(row, f"{path}:{n}") for n, row in enumerate(read_jsonl(path), start=1)
    ]
    if not questions:
        raise DatasetError(f"{path} holds no questions")
    return NewsDataset(
        directory.resolve().name, directory, corpus or _corpus_of(directory), tuple(questions)
    )


# --- matching ----------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, straight quotes, single spaces (the dataset's matching rule)."""
    return " ".join(text.translate(_QUOTES).lower().split())


def tokens(text: str) -> list[str]:
    """Lower-case word tokens, quotes straightened."""
    return _TOKEN.findall(text.translate(_QUOTES).lower())


def contains_answer(reply: str, answers: Iterable[str]) -> bool:
    """True when ``reply`` contains a gold answer or alias (normalised, citation markers dropped).

    Spacing around punctuation is forgiven ("$ 200" and "$200") by also comparing with spaces
    removed.
    """
    text = normalise(_MARKER.sub(" ", reply))
    squashed = text.replace(" ", "")
    for answer in answers:
        needle = normalise(answer)
        if needle and (needle in text or needle.replace(" ", "") in squashed):
            return True
    return False


def covers(passage_text: str, evidence: str) -> bool:
    """True when a passage holds (nearly) all the words of an evidence string."""
    wanted = tokens(evidence)
    if not wanted:
        return False
    have = set(tokens(passage_text))
    return sum(1 for t in wanted if t in have) / len(wanted) >= COVER_RECALL


def evidence_rank(hits: Sequence[Hit], evidence: str) -> int | None:
    """1-based rank of the first hit covering ``evidence`` (None: not retrieved)."""
    for rank, hit in enumerate(hits, start=1):
        if covers(hit.passage.text, evidence):
            return rank
    return None


def fact_found(reply: str, evidence: str, answer: str) -> bool:
    """True when ``reply`` carries the part of a two-fact ``answer`` that ``evidence`` states.

    The fact's key words are the gold answer's words that occur in this evidence (numbers, names);
    at least half of them must be in the reply.
    """
    reply_tokens = set(tokens(_MARKER.sub(" ", reply)))
    evidence_tokens = set(tokens(evidence))
    key = {t for t in tokens(answer) if t in evidence_tokens and t not in _FACT_STOP}
    if not key:
        key = {t for t in evidence_tokens if t not in _FACT_STOP and (t[0].isdigit() or len(t) > 6)}
    if not key:
        return False
    return sum(1 for t in key if t in reply_tokens) / len(key) >= 0.5


def citations_valid(answer: Answer) -> bool:
    """The contract: every ``[n]`` names a citation whose quote is verbatim in a shown passage."""
    numbers = {int(m.group()[1:-1]) for m in _MARKER.finditer(answer.text)}
    by_n = {c.n: c for c in answer.citations}
    shown = {h.passage.id for h in answer.sources}
    if not numbers or not numbers <= set(by_n):
        return False
    return all(
        c.quote and c.quote in c.passage.text and (not shown or c.passage.id in shown)
        for c in answer.citations
    )


# --- running --------------------------------------------------------------------------------------


AnswerFn = Callable[[str, Sequence[Turn]], Answer]


@dataclass(slots=True)
class Outcome:
    """One scored question."""

    question: NewsQuestion
    answer: Answer
    seconds: float
    right: bool
    refused: bool
    cited_ok: bool | None  # None when it abstained
    evidence_ranks: tuple[int | None, ...] = ()
    first_answer: str | None = None  # a follow-up's first turn, as answered

    def row(self) -> dict[str, Any]:
        """JSON-ready record (for the failure list and the raw results)."""
        q = self.question
        return {
            "id": q.id,
            "kind": q.kind,
            "style": q.style,
            "split": q.split,
            "turns": list(q.turns),
            "gold": list(q.answers[:1]),
            "reply": self.answer.text,
            "first_reply": self.first_answer,
            "abstained": self.answer.abstained,
            "right": self.right,
            "evidence_ranks": list(self.evidence_ranks),
            "seconds": round(self.seconds, 3),
            # The LLM path says which side decided (model / reader / model-refused / ...).
            **{
                k: self.answer.extra[k]
                for k in ("decision", "model_text")
                if k in self.answer.extra
            },
        }


def score(q: NewsQuestion, answer: Answer, seconds: float, first: Answer | None = None) -> Outcome:
    """Score one answer by the rules of the question's kind."""
    refused = answer.abstained
    ranks = tuple(evidence_rank(answer.sources, e) for e in q.evidence)
    if q.kind == "unanswerable":
        right = refused
    elif refused:
        right = False
    elif q.kind == "multi":
        gold = q.answers[0]
        right = all(fact_found(answer.text, e, gold) for e in q.evidence) or contains_answer(
            answer.text, q.answers
        )
    else:
        right = contains_answer(answer.text, q.answers)
    return Outcome(
        q,
        answer,
        seconds,
        right,
        refused,
        None if refused else citations_valid(answer),
        ranks,
        first.text if first is not None else None,
    )


def ask(q: NewsQuestion, answer_with: AnswerFn) -> Outcome:
    """Ask one question (a follow-up as the second turn of a conversation) and score it."""
    history: list[Turn] = []
    first: Answer | None = None
    for turn in q.turns[:-1]:
        first = answer_with(turn, tuple(history))
        history += [Turn("user", turn), Turn("assistant", first.text)]
    started = time.perf_counter()
    answer = answer_with(q.question, tuple(history))
    return score(q, answer, time.perf_counter() - started, first)


@dataclass(slots=True)
class Tally:
    """Counts for one group of outcomes; rates are derived."""

    n: int = 0
    right: int = 0
    refused: int = 0
    answered: int = 0
    cited_ok: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, o: Outcome) -> None:
        """Count one outcome."""
        self.n += 1
        self.right += o.right
        self.refused += o.refused
        if not o.refused:
            self.answered += 1
            self.cited_ok += bool(o.cited_ok)
        self.seconds.append(o.seconds)

    def rates(self) -> dict[str, float]:
        """Right, refusal and citation-validity rates, latency percentiles."""
        n = self.n or 1
        secs = sorted(self.seconds) or [0.0]
        return {
            "questions": self.n,
            "right": self.right / n,
            "refused": self.refused / n,
            "citation_validity": self.cited_ok / (self.answered or 1),
            "p50_seconds": secs[len(secs) // 2],
            "p95_seconds": secs[min(len(secs) - 1, int(round(0.95 * (len(secs) - 1))))],
        }


def summarise(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Rates per split, per kind and per style, and the headline metrics of each split."""
    groups: dict[str, Tally] = {}

    def bump(key: str, o: Outcome) -> None:
        groups.setdefault(key, Tally()).add(o)

    for o in outcomes:
        q = o.question
        for split in (q.split, "all"):
            bump(f"{split}/kind/{q.kind}", o)
            if q.style:
                bump(f"{split}/style/{q.style}", o)
            bump(f"{split}/all", o)
    table = {key: tally.rates() for key, tally in sorted(groups.items())}
    headline: dict[str, dict[str, float]] = {}
    for split in (*SPLITS, "all"):

        def rate(kind: str, metric: str, split: str = split) -> float:
            return table.get(f"{split}/kind/{kind}", {}).get(metric, float("nan"))

        answered_kinds = [
            t for k, t in groups.items() if k.startswith(f"{split}/kind/") and "unanswer" not in k
        ]
        n_ok = sum(t.cited_ok for t in answered_kinds)
        n_answered = sum(t.answered for t in answered_kinds)
        headline[split] = {
            "right": rate("answerable", "right"),
            "false_refusals": rate("answerable", "refused"),
            "unanswerable_refused": rate("unanswerable", "right"),
            "followup_right": rate("followup", "right"),
            "multi_both_facts": rate("multi", "right"),
            "citation_validity": n_ok / (n_answered or 1),
            "p50_seconds": table.get(f"{split}/all", {}).get("p50_seconds", float("nan")),
            "p95_seconds": table.get(f"{split}/all", {}).get("p95_seconds", float("nan")),
            **_first_text(o for o in outcomes if split == "all" or o.question.split == split),
        }
    return {"headline": headline, "groups": table}


def _first_text(outcomes: Iterable[Outcome]) -> dict[str, float]:
    """p50/p95 of the time to the first streamed text and of the answer time after retrieval."""
    chosen = list(outcomes)
    out: dict[str, float] = {}
    for key, label in (
        ("first_text_seconds", "first_text"),
        ("after_retrieval_seconds", "after_retrieval"),
    ):
        times = sorted(
            float(t) for o in chosen if isinstance(t := o.answer.extra.get(key), (int, float))
        )
        if times:
            out[f"{label}_p50_seconds"] = times[len(times) // 2]
            out[f"{label}_p95_seconds"] = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return out


def failures(outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
    """The wrong outcomes, with what was asked, expected, replied, and where the evidence ranked."""
    return [o.row() for o in outcomes if not o.right]


def run_questions(
    dataset: NewsDataset,
    answer_with: AnswerFn,
    *,
    limit: int | None = None,
    kinds: Sequence[str] = KINDS,
    progress: Callable[[int, int], None] | None = None,
) -> list[Outcome]:
    """Ask every question of ``kinds`` (at most ``limit`` in total) and score it."""
    chosen = [q for q in dataset.questions if q.kind in kinds][:limit]
    outcomes = []
    for i, q in enumerate(chosen, start=1):
        outcomes.append(ask(q, answer_with))
        if progress is not None:
            progress(i, len(chosen))
    return outcomes


def fit_cases(
    dataset: NewsDataset,
    extractive: Any,
    retrieve: Callable[[str], list[Hit]],
    standalone: Callable[[str, Sequence[Turn]], str],
    *,
    weight: float = 1.0,
) -> list[Any]:
    """Labelled candidate sentences for fitting the extractive reader (``answers.FitCase``).

    Answerable questions and follow-ups (as their standalone rewrite) label a sentence right
    when it contains the gold answer; unanswerable questions are negatives at the question level.
    Multi-article questions are left out (no one sentence answers them). Each case carries the
    split of its article, so a fit looks only at the ``fit`` half.
    """
    from bot.evaluation.answers import FitCase

    cases = []
    for q in dataset.questions:
        if q.kind == "multi":
            continue
        history: list[Turn] = []
        for turn in q.turns[:-1]:
            history += [Turn("user", turn), Turn("assistant", "")]
        question = standalone(q.question, history) if history else q.question
        candidates = tuple(extractive.candidates(question, retrieve(question)))
        answerable = q.kind != "unanswerable"
        labels = tuple(answerable and contains_answer(c.sentence, q.answers) for c in candidates)
        cases.append(FitCase(q.id, answerable, candidates, labels, q.split, weight))
    return cases


# --- retrieval ---------------------------------------------------------------------------------


def retrieval_hits(
    rank_modes: Callable[[str], dict[str, list[Hit]]],
    dataset: NewsDataset,
    ks: Sequence[int] = (1, 5, 10),
) -> dict[str, dict[str, float]]:
    """Hits@k per retriever mode on answerable, follow-up and multi questions (by split).

    A follow-up is searched as its first turn plus the follow-up (what a conversation knows); a
    multi question counts for ``both@10`` when both articles' evidence is in the top 10.
    """
    depth = max(ks)
    counts: dict[str, dict[str, float]] = {}
    for q in dataset.questions:
        if q.kind == "unanswerable":
            continue
        query = " ".join(q.turns) if q.kind == "followup" else q.question
        for mode, hits in rank_modes(query).items():
            hits = hits[:depth]
            ranks = [evidence_rank(hits, e) for e in q.evidence]
            for split in (q.split, "all"):
                c = counts.setdefault(f"{split}/{mode}", {"questions": 0, "multi": 0})
                if q.kind == "multi":
                    c["multi"] += 1
                    c["multi_both@10"] = c.get("multi_both@10", 0) + all(
                        r is not None and r <= 10 for r in ranks
                    )
                    continue
                c["questions"] += 1
                rank = ranks[0]
                for k in ks:
                    c[f"hits@{k}"] = c.get(f"hits@{k}", 0) + (rank is not None and rank <= k)
                c["mrr"] = c.get("mrr", 0.0) + (1.0 / rank if rank else 0.0)
    out: dict[str, dict[str, float]] = {}
    for key, c in sorted(counts.items()):
        n, m = c["questions"] or 1, c["multi"] or 1
        row = {f"hits@{k}": c.get(f"hits@{k}", 0) / n for k in ks}
        row["mrr@10"] = c.get("mrr", 0.0) / n
        row["multi_both@10"] = c.get("multi_both@10", 0) / m
        row["questions"] = c["questions"]
        row["multi_questions"] = c["multi"]
        out[key] = row
    return out


# --- reports -----------------------------------------------------------------------------------


def markdown(report: dict[str, Any]) -> str:
    """The answer report: headline per split, per kind and style, retrieval, failures."""
    head = report["headline"]
    lines = [
        f"# Answers on {report['dataset']}: {report['answerer']}",
        "",
        f"{report['questions']} questions over {report['passages']} passages "
        f"(corpus `{report['corpus']}`), top_k={report['top_k']}. Halves split by a hash of the "
        "article id: **fit** is what any tuning looked at, **report** is held out.",
        "",
        "| metric | report (held out) | fit | all |",
        "| --- | --- | --- | --- |",
    ]
    labels = {
        "right": "right (answerable)",
        "false_refusals": "false refusals (answerable)",
        "unanswerable_refused": "unanswerables refused",
        "followup_right": "follow-ups right",
        "multi_both_facts": "multi: both facts",
        "citation_validity": "citation validity (answered)",
        "p50_seconds": "seconds per answer, p50",
        "p95_seconds": "seconds per answer, p95",
        "first_text_p50_seconds": "seconds to the first streamed text, p50",
        "first_text_p95_seconds": "seconds to the first streamed text, p95",
        "after_retrieval_p50_seconds": "seconds per answer after retrieval, p50",
        "after_retrieval_p95_seconds": "seconds per answer after retrieval, p95",
    }
    for key, label in labels.items():
        if key not in head["all"]:
            continue
        cells = [f"{head[s].get(key, float('nan')):.3f}" for s in ("report", "fit", "all")]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "## Per kind and style (all questions)", "", "| group | n | right | refused |"]
    lines.append("| --- | --- | --- | --- |")
    for key, r in report["groups"].items():
        if key.startswith("all/") and key != "all/all":
            lines.append(
                f"| {key[4:]} | {r['questions']} | {r['right']:.3f} | {r['refused']:.3f} |"
            )
    if report.get("retrieval"):
        table = retrieval_table(report["retrieval"])
        lines += ["", "## Retrieval on the same questions", "", table]
    if report.get("plot"):
        lines += ["", f"![right / refused per kind]({report['plot']})"]
    lines += ["", f"## Failures ({len(report['failures'])})", ""]
    for f in report["failures"]:
        asked = " → ".join(f["turns"])
        reply = " ".join(f["reply"].split())[:300]
        lines.append(
            f"- `{f['id']}` ({f['kind']}{'/' + f['style'] if f['style'] else ''}, {f['split']}) "
            f"**{asked}** — gold: {f['gold'][0] if f['gold'] else '(refuse)'}; evidence rank "
            f"{f['evidence_ranks']}; reply: {reply}"
        )
    return "\n".join(lines) + "\n"


def retrieval_table(results: dict[str, dict[str, float]]) -> str:
    """Markdown table of ``retrieval_hits`` output."""
    lines = [
        "| split / retriever | Hits@1 | Hits@5 | Hits@10 | MRR@10 | multi both@10 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, r in results.items():
        lines.append(
            f"| {key} | {r['hits@1']:.3f} | {r['hits@5']:.3f} | {r['hits@10']:.3f} | "
            f"{r['mrr@10']:.3f} | {r['multi_both@10']:.3f} |"
        )
    return "\n".join(lines)


def plot(report: dict[str, Any], path: Path) -> None:
    """Bar chart: right and refused per kind, report vs fit half."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = report["groups"]
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.2
    for i, (split, metric, label) in enumerate(
        [
            ("report", "right", "right (report)"),
            ("fit", "right", "right (fit)"),
            ("report", "refused", "refused (report)"),
            ("fit", "refused", "refused (fit)"),
        ]
    ):
        values = [groups.get(f"{split}/kind/{k}", {}).get(metric, 0.0) for k in KINDS]
        ax.bar([x + (i - 1.5) * width for x in range(len(KINDS))], values, width, label=label)
    ax.set_xticks(range(len(KINDS)), KINDS)
    ax.set_ylim(0, 1)
    ax.set_title(f"{report['answerer']} on {report['dataset']}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_reports(report: dict[str, Any], out_dir: Path, stem: str) -> Path:
    """Write ``stem.md``, ``stem.json`` and ``stem.png`` under ``out_dir``; return the md path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f"{stem}.png"
    report["plot"] = png.name
    plot(report, png)
    (out_dir / f"{stem}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    md = out_dir / f"{stem}.md"
    md.write_text(markdown(report), encoding="utf-8")
    return md


# --- the command ---------------------------------------------------------------------------------


def streamed_answer(service: Any, question: str, history: Sequence[Turn]) -> Answer:
    """Answer as the bot does (streaming); the time to the first text goes in ``extra``."""
    started = time.perf_counter()
    first: float | None = None
    final: Answer | None = None
    for item in service.stream(question, history=history):
        if isinstance(item, Answer):
            final = item
        elif first is None:
            first = time.perf_counter() - started
    assert final is not None
    if first is None:  # nothing streamed: the first text the user sees is the answer itself
        first = time.perf_counter() - started
    final.extra["first_text_seconds"] = round(first, 3)
    return final


NEWS_FIT_WEIGHT = 6.0  # a realistic question counts as much as six SQuAD ones in a fit
FIT_MAX_FALSE_REFUSALS = 0.05  # on the fit half; small halves refuse more on the held-out one
FIT_MAX_FALSE_REFUSALS_SQUAD = 0.10  # ... and on the SQuAD fit questions, 10x as many
FIT_SQUAD_QUESTIONS = 600


def fit_reader(
    settings: Any,
    dataset: NewsDataset,
    retriever: Any,
    extractive: Any,
    *,
    squad: Path | None = None,
) -> dict[str, Any]:
    """Refit the reader on the fit half of ``dataset`` (and of a SQuAD-style set, if given).

    This is how the shipped weights were made: ``footnote eval answers --dataset news-dev --fit
    --fit-with ../shared/eval/squad-v1.1-dev`` prints them with their figures on both halves.
    """
    from dataclasses import asdict

    from bot.engine.extractive import ExtractiveAnswerer
    from bot.engine.followup import rewrite_question
    from bot.engine.retrieval import HybridRetriever
    from bot.evaluation import answers as ev

    cases = fit_cases(
        dataset,
        extractive,
        lambda q: retriever.retrieve(q, k=settings.top_k),
        lambda q, history: rewrite_question(q, history),
        weight=NEWS_FIT_WEIGHT,
    )
    golds: dict[str, tuple[str, ...]] = {q.id: q.answers for q in dataset.questions}
    news_ids = {c.question_id for c in cases}
    if squad is not None:
        store, root = ev.scratch_store(settings, squad)
        questions = ev.load_questions(squad)[:FIT_SQUAD_QUESTIONS]
        # Features only (no weights): a reader over the SQuAD store reads its stored vectors.
        reader = ExtractiveAnswerer.for_store(store)
        cases += list(
            ev.fit_cases(reader, HybridRetriever(store, data_dir=root), questions, k=settings.top_k)
        )
        golds.update({q.id: q.answers for q in questions})
    result = ev.fit_extractive(
        extractive,
        cases,
        golds,
        max_false_refusal=FIT_MAX_FALSE_REFUSALS,
        select_on=lambda c: c.question_id in news_ids,
        max_false_refusal_rest=FIT_MAX_FALSE_REFUSALS_SQUAD,
    )
    return asdict(result)


def run_news_eval(
    settings: Any,
    dataset_dir: Path,
    *,
    out_dir: Path,
    limit: int | None = None,
    corpus: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    fit: bool = False,
    fit_with: Path | None = None,
) -> dict[str, Any]:
    """Evaluate the configured answerer (extractive or LLM) on a realistic set; write reports."""
    from bot.engine.answering import AnswerService
    from bot.engine.extractive import ExtractiveAnswerer
    from bot.engine.llm import make_chat_model, model_name
    from bot.engine.retrieval import HybridRetriever

    dataset = load_news_dataset(dataset_dir, corpus)
    llm = make_chat_model(settings)
    store, root = scratch_store(settings, dataset.name, [str(dataset.corpus)])
    retriever = HybridRetriever(store, data_dir=root)
    service = AnswerService.from_settings(
        settings, retriever, llm=llm, fallback=ExtractiveAnswerer.for_store(store)
    )
    answerer = model_name(llm) if llm is not None else ExtractiveAnswerer.name
    outcomes = run_questions(
        dataset,
        lambda q, history: streamed_answer(service, q, history),
        limit=limit,
        progress=progress,
    )
    report: dict[str, Any] = {
        "dataset": dataset.name,
        "corpus": str(dataset.corpus),
        "answerer": answerer,
        "questions": len(outcomes),
        "passages": store.count(),
        "top_k": settings.top_k,
        **summarise(outcomes),
        "retrieval": retrieval_hits(searched_rankings(retriever, 10), dataset),
        "failures": failures(outcomes),
    }
    if fit:
        try:
            report["fit"] = fit_reader(
                settings, dataset, retriever, service.extractive, squad=fit_with
            )
        except ValueError as exc:  # too few questions of a kind in the fit half
            report["fit"] = {"error": str(exc)}
    stem = f"eval-answers-{slug(dataset.name)}-{slug(answerer)}"
    report["report"] = str(write_reports(report, out_dir, stem))
    return report


def run_news_retrieval(
    settings: Any, dataset_dir: Path, *, out_dir: Path, corpus: Path | None = None
) -> dict[str, Any]:
    """Hits@k of hybrid, dense and BM25 on a realistic set; writes ``eval-retrieval-<name>``."""
    from bot.engine.retrieval import HybridRetriever

    dataset = load_news_dataset(dataset_dir, corpus)
    store, root = scratch_store(settings, dataset.name, [str(dataset.corpus)])
    retriever = HybridRetriever(store, data_dir=root)
    started = time.perf_counter()
    results = retrieval_hits(searched_rankings(retriever, 10), dataset)
    report = {
        "dataset": dataset.name,
        "passages": store.count(),
        "seconds": round(time.perf_counter() - started, 1),
        "hit": "a top-k passage holding >= 80% of the words of the question's evidence",
        "results": results,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"eval-retrieval-{dataset.name}"
    (out_dir / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (out_dir / f"{stem}.md").write_text(
        f"# Retrieval on {dataset.name}\n\n{report['passages']} passages; a hit is "
        f"{report['hit']}. Halves split by a hash of the article id.\n\n"
        + retrieval_table(results)
        + "\n",
        encoding="utf-8",
    )
    report["report"] = str(out_dir / f"{stem}.md")
    return report
