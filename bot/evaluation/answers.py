"""``footnote eval answers``: how often the configured answerer is right, cites right, and refuses.

Two question sets from a SQuAD-style dataset (``../shared/eval/squad-v1.1-dev``):

- **answerable**: the dataset's questions against the whole corpus. Answer accuracy = the answer
  text contains a gold answer (SQuAD normalisation); citation validity = a cited passage contains
  a gold answer; false refusals = abstentions.
- **unanswerable, on topic**: the same questions with their gold paragraph filtered out of the
  retrieved passages, kept only when no other retrieved passage contains a gold answer. The
  right reply is a refusal; the refusal rate is reported.

``--fit`` also fits the extractive answerer's sentence model and abstention threshold on one slice
of the questions and reports on another (the split is by a hash of the question id).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.engine.models import Answer, SearchFilters
from bot.engine.text import split_sentences
from bot.evaluation.scratch import slug
from vectorstore.base import Hit, Passage

if TYPE_CHECKING:
    from bot.config import BotSettings
    from bot.engine.extractive import Candidate, ExtractiveAnswerer
    from bot.engine.models import Retriever
    from vectorstore.chroma import ChromaArticleStore

log = logging.getLogger(__name__)

_PUNCT = set(string.punctuation) | {"‘", "’", "“", "”", "–", "—"}
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_MARKER = re.compile(r"\[\d+\]")


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no a/an/the, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains_answer(text: str, golds: Iterable[str]) -> bool:
    """True when ``text`` contains one of the gold answers (normalised, on word boundaries)."""
    haystack = f" {normalize_answer(_MARKER.sub(' ', text))} "
    for gold in golds:
        needle = normalize_answer(gold)
        if needle and f" {needle} " in haystack:
            return True
    return False


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    """One dataset question with its gold answers and gold paragraph text."""

    id: str
    question: str
    answers: tuple[str, ...]
    article_id: str
    gold_text: str


def load_questions(
    dataset: Path, *, limit: int | None = None, salt: str = ""
) -> list[EvalQuestion]:
    """The dataset's dev questions, in a stable pseudo-random order (by a hash of the id).

    Args:
        dataset: A folder with ``corpus.jsonl``, ``passages.jsonl`` and ``queries.dev.jsonl``
            (SQuAD-style schema, read with ``bot.evaluation.load_dataset``).
        limit: Keep only the first ``limit`` questions of that order.
        salt: Changes the order (different slices for fitting and reporting).
    """
    from bot.evaluation.retrieval import DatasetError, load_dataset, read_jsonl

    data = load_dataset(dataset)
    passages = {str(row["id"]): str(row["text"]) for row in read_jsonl(dataset / "passages.jsonl")}
    questions = []
    for q in data.questions:
        if q.passage_id not in passages:
            raise DatasetError(f"question {q.id}: its gold passage is not in passages.jsonl")
        questions.append(
            EvalQuestion(
                id=q.id,
                question=q.question,
                answers=q.answers,
                article_id=q.article_id,
                gold_text=passages[q.passage_id],
            )
        )
    questions.sort(key=lambda q: hashlib.sha256(f"{salt}:{q.id}".encode()).hexdigest())
    return questions[:limit] if limit is not None else questions


def slice_of(question_id: str) -> str:
    """``"fit"`` or ``"report"``: which half of the questions a fit may look at."""
    digest = hashlib.sha256(f"footnote-answers-slice:{question_id}".encode()).hexdigest()
    return "fit" if int(digest[:8], 16) % 2 == 0 else "report"


def overlaps_gold(passage: Passage, gold_text: str) -> bool:
    """True when a stored passage holds text of the gold paragraph (chunks may cut paragraphs)."""
    if passage.text.strip() and passage.text.strip() in gold_text:
        return True
    for span in split_sentences(passage.text):
        sentence = span.of(passage.text)
        if len(sentence) >= 25 and sentence in gold_text:
            return True
    return False


class ExcludingRetriever:
    """Wraps a retriever and hides one question's gold paragraph: the unanswerable set."""

    def __init__(self, inner: Retriever, gold_text: str) -> None:
        self._inner = inner
        self._gold = gold_text

    def retrieve(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        """The inner retriever's hits minus the gold paragraph's passages, ``k`` at most."""
        hits = self._inner.retrieve(query, k=k + 6, filters=filters)
        return [h for h in hits if not overlaps_gold(h.passage, self._gold)][:k]


def unanswerable_hits(retriever: Retriever, q: EvalQuestion, k: int) -> list[Hit] | None:
    """Hits for ``q`` without its gold paragraph, or ``None`` if another passage answers it."""
    hits = ExcludingRetriever(retriever, q.gold_text).retrieve(q.question, k=k)
    if any(contains_answer(h.passage.text, q.answers) for h in hits):
        return None
    return hits


# --- scoring an answerer ------------------------------------------------------------------------


@dataclass(slots=True)
class AnswerScores:
    """Counts for one question set; rates are derived."""

    questions: int = 0
    abstained: int = 0
    correct: int = 0  # answer text contains a gold answer
    cited_valid: int = 0  # answered and a cited passage contains a gold answer
    quote_valid: int = 0  # answered and a quote contains a gold answer
    seconds: float = 0.0

    def rates(self) -> dict[str, float]:
        """The rates reported (0 when nothing was asked)."""
        n = self.questions or 1
        answered = (self.questions - self.abstained) or 1
        return {
            "questions": self.questions,
            "abstention_rate": self.abstained / n,
            "accuracy": self.correct / n,
            "accuracy_when_answered": self.correct / answered,
            "citation_validity": self.cited_valid / answered,
            "quote_validity": self.quote_valid / answered,
            "seconds_per_question": self.seconds / n,
        }


def score_answer(
    scores: AnswerScores, answer: Answer, golds: Sequence[str], seconds: float
) -> None:
    """Add one answer to ``scores``."""
    scores.questions += 1
    scores.seconds += seconds
    if answer.abstained:
        scores.abstained += 1
        return
    if contains_answer(answer.text, golds):
        scores.correct += 1
    if any(contains_answer(c.passage.text, golds) for c in answer.citations):
        scores.cited_valid += 1
    if any(contains_answer(c.quote, golds) for c in answer.citations):
        scores.quote_valid += 1


AnswerFn = Callable[[str, "Retriever"], Answer]


@dataclass(slots=True)
class AnswerEvaluation:
    """The result of ``evaluate_answers``."""

    answerer: str
    answerable: AnswerScores = field(default_factory=AnswerScores)
    unanswerable: AnswerScores = field(default_factory=AnswerScores)
    skipped_unanswerable: int = 0  # another passage contained a gold answer

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        ans, una = self.answerable.rates(), self.unanswerable.rates()
        return {
            "answerer": self.answerer,
            "answerable": ans,
            "unanswerable": una,
            "accuracy": ans["accuracy"],
            "citation_validity": ans["citation_validity"],
            "abstention_rate": ans["abstention_rate"],
            "false_refusal_rate": ans["abstention_rate"],
            "refusal_rate_unanswerable": una["abstention_rate"],
            "unanswerable_skipped": self.skipped_unanswerable,
            "counts": {
                "answerable": asdict(self.answerable),
                "unanswerable": asdict(self.unanswerable),
            },
        }


def evaluate_answers(
    answer_with: AnswerFn,
    retriever: Retriever,
    questions: Sequence[EvalQuestion],
    *,
    answerer: str,
    progress: Callable[[int, int], None] | None = None,
) -> AnswerEvaluation:
    """Ask every question twice: against the corpus, and with its gold paragraph hidden.

    Args:
        answer_with: ``(question, retriever) -> Answer`` (an ``AnswerService`` over ``retriever``).
        retriever: The corpus retriever.
        questions: The questions.
        answerer: Name recorded in the report.
        progress: Called with ``(done, total)``.
    """
    result = AnswerEvaluation(answerer=answerer)
    for i, q in enumerate(questions, start=1):
        t0 = time.perf_counter()
        answer = answer_with(q.question, retriever)
        score_answer(result.answerable, answer, q.answers, time.perf_counter() - t0)
        hidden = ExcludingRetriever(retriever, q.gold_text)
        probe = hidden.retrieve(q.question, k=10)
        if any(contains_answer(h.passage.text, q.answers) for h in probe):
            result.skipped_unanswerable += 1
        else:
            t0 = time.perf_counter()
            answer = answer_with(q.question, hidden)
            score_answer(result.unanswerable, answer, q.answers, time.perf_counter() - t0)
        if progress is not None:
            progress(i, len(questions))
    return result


# --- fitting the extractive answerer ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FitCase:
    """Candidate sentences of one question, labelled; ``answerable=False`` for the hidden set."""

    question_id: str
    answerable: bool
    candidates: tuple[Candidate, ...]
    labels: tuple[bool, ...]  # sentence contains a gold answer
    split: str = ""  # "fit" or "report"; empty: by a hash of the question id (SQuAD)
    weight: float = 1.0  # how much the case counts in the fit (small sets weigh more)

    @property
    def part(self) -> str:
        """The half this case belongs to."""
        return self.split or slice_of(self.question_id)


def fit_cases(
    extractive: ExtractiveAnswerer,
    retriever: Retriever,
    questions: Sequence[EvalQuestion],
    *,
    k: int,
) -> Iterator[FitCase]:
    """Featurised candidates for each question, answerable and (where valid) unanswerable."""
    for q in questions:
        hits = retriever.retrieve(q.question, k=k)
        cands = extractive.candidates(q.question, hits)
        yield FitCase(
            q.id, True, tuple(cands), tuple(contains_answer(c.sentence, q.answers) for c in cands)
        )
        hidden = unanswerable_hits(retriever, q, k)
        if hidden is not None:
            cands = extractive.candidates(q.question, hidden)
            yield FitCase(q.id, False, tuple(cands), tuple(False for _ in cands))


@dataclass(frozen=True, slots=True)
class FitResult:
    """Fitted weights and the threshold, with the numbers they give on each slice."""

    weights: tuple[float, ...]
    bias: float
    support_weights: tuple[float, ...]
    support_bias: float
    threshold: float
    second_ratio: float
    fit_metrics: dict[str, float]
    report_metrics: dict[str, float]


def _logistic_regression(
    x: Any, y: Any, *, l2: float = 1e-2, steps: int = 3000, sample_weight: Any = None
) -> tuple[list[float], float]:
    """Plain batch gradient descent on the (weighted) log loss (numpy only; a few features)."""
    import numpy as np

    sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    sw = sw / sw.mean()
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    w = np.zeros(z.shape[1])
    pos = float(np.average(y, weights=sw))
    b = float(np.log(pos / (1 - pos))) if 0 < pos < 1 else 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        grad = (p - y) * sw
        w -= 0.5 * (z.T @ grad / len(y) + l2 * w)
        b -= 0.5 * float(grad.mean())
    raw_w = w / std  # back to the raw feature scale
    raw_b = b - float((w * mean / std).sum())
    return [float(v) for v in raw_w], raw_b


@dataclass(frozen=True, slots=True)
class _Prepared:
    case: FitCase
    scored: tuple[Candidate, ...]
    support: float


def _prepare(extractive: ExtractiveAnswerer, cases: Sequence[FitCase]) -> list[_Prepared]:
    out = []
    for case in cases:
        scored = tuple(extractive.score(case.candidates))
        out.append(_Prepared(case, scored, extractive.support(scored)))
    return out


def _metrics(
    prepared: Sequence[_Prepared],
    golds: dict[str, tuple[str, ...]],
    threshold: float,
    ratio: float,
    max_sentences: int = 3,
) -> dict[str, float]:
    """Accuracy, false refusals and refusals on unanswerable cases for one setting."""
    n_ans = n_una = correct = refused = refused_una = 0
    for item in prepared:
        answers = bool(item.scored) and item.support >= threshold
        if not item.case.answerable:
            n_una += 1
            refused_una += not answers
            continue
        n_ans += 1
        if not answers:
            refused += 1
            continue
        best = item.scored[0].probability
        chosen = [c.sentence for c in item.scored[:max_sentences] if c.probability >= best * ratio]
        correct += contains_answer(" ".join(chosen), golds[item.case.question_id])
    return {
        "answerable": n_ans,
        "unanswerable": n_una,
        "accuracy": correct / (n_ans or 1),
        "false_refusal_rate": refused / (n_ans or 1),
        "refusal_rate_unanswerable": refused_una / (n_una or 1),
    }


def fit_extractive(
    extractive: ExtractiveAnswerer,
    cases: Sequence[FitCase],
    golds: dict[str, tuple[str, ...]],
    *,
    max_false_refusal: float = 0.2,
    select_on: Callable[[FitCase], bool] | None = None,
    max_false_refusal_rest: float | None = None,
) -> FitResult:
    """Fit both models on the fit slice, pick threshold and ratio there, report on the other.

    1. The sentence model: logistic regression, "this sentence contains a gold answer", over the
       candidates of answerable questions whose answer is among them.
    2. The support model: logistic regression, "the passages answer this question", over the
       question-level features of answerable vs. gold-removed (unanswerable) questions.
    3. The threshold and the extra-sentence ratio maximise accuracy + refusals on unanswerable
       questions, with at most ``max_false_refusal`` false refusals on the fit slice (on the
       cases ``select_on`` accepts, when given: the kind of question the answerer is tuned for)
       and, with ``max_false_refusal_rest``, at most that many on the other fit cases: a few
       dozen tuned-for questions alone put the threshold at the edge of what they tolerate.
    """
    import numpy as np

    from bot.engine.extractive import ExtractiveAnswerer as _EA

    fit = [c for c in cases if c.part == "fit"]
    report = [c for c in cases if c.part == "report"]
    rows: list[tuple[float, ...]] = []
    labels: list[float] = []
    row_weights: list[float] = []
    for case in fit:
        if case.answerable and any(case.labels):
            rows.extend(c.features for c in case.candidates)
            labels.extend(1.0 if label else 0.0 for label in case.labels)
            # Each question counts as much as any other, however many sentences it has.
            row_weights.extend([case.weight / len(case.candidates)] * len(case.candidates))
    if not rows or len(set(labels)) < 2:
        raise ValueError("too few questions to fit: need answerable questions with answers found")
    weights, bias = _logistic_regression(
        np.asarray(rows, dtype=float), np.asarray(labels), sample_weight=row_weights
    )
    ranker = _EA(weights=weights, bias=bias)
    q_rows: list[tuple[float, ...]] = []
    q_labels: list[float] = []
    q_weights: list[float] = []
    for case in fit:
        if case.candidates:
            q_rows.append(ranker.support_features(ranker.score(case.candidates)))
            q_labels.append(1.0 if case.answerable else 0.0)
            q_weights.append(case.weight)
    if len(set(q_labels)) < 2:
        raise ValueError("too few questions to fit: need answerable and unanswerable ones")
    s_weights, s_bias = _logistic_regression(
        np.asarray(q_rows, dtype=float), np.asarray(q_labels), sample_weight=q_weights
    )
    model = _EA(weights=weights, bias=bias, support_weights=s_weights, support_bias=s_bias)
    prepared_fit = _prepare(model, [c for c in fit if select_on is None or select_on(c)])
    prepared_rest = (
        _prepare(model, [c for c in fit if select_on is not None and not select_on(c)])
        if max_false_refusal_rest is not None
        else []
    )
    best: tuple[float, float, float] | None = None
    for ratio in (0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        for threshold in np.linspace(0.05, 0.95, 91):
            m = _metrics(prepared_fit, golds, float(threshold), ratio)
            if m["false_refusal_rate"] > max_false_refusal:
                continue
            if prepared_rest and max_false_refusal_rest is not None:
                rest = _metrics(prepared_rest, golds, float(threshold), ratio)
                if rest["false_refusal_rate"] > max_false_refusal_rest:
                    continue
            objective = m["accuracy"] + m["refusal_rate_unanswerable"]
            if best is None or objective > best[0] + 1e-9:
                best = (objective, float(threshold), ratio)
    if best is None:  # nothing meets the cap: refuse as little as the grid allows
        best = (0.0, 0.05, 1.0)
    _, threshold, ratio = best
    return FitResult(
        weights=tuple(weights),
        bias=bias,
        support_weights=tuple(s_weights),
        support_bias=s_bias,
        threshold=threshold,
        second_ratio=ratio,
        fit_metrics=_metrics(prepared_fit, golds, threshold, ratio),
        report_metrics=_metrics(
            _prepare(model, [c for c in report if select_on is None or select_on(c)]),
            golds,
            threshold,
            ratio,
        ),
    )


# --- the command -----------------------------------------------------------------------------


def scratch_store(settings: BotSettings, dataset: Path) -> tuple[ChromaArticleStore, Path]:
    """A SQuAD-style set's ``corpus.jsonl`` in its scratch store (``bot.evaluation.scratch``)."""
    from bot.evaluation.scratch import scratch_store as ingest_scratch

    return ingest_scratch(settings, dataset.resolve().name, [str(dataset / "corpus.jsonl")])


def run_eval(
    settings: BotSettings,
    dataset: Path,
    *,
    limit: int,
    out_dir: Path,
    fit: bool = False,
) -> dict[str, Any]:
    """Evaluate the configured answerer on ``limit`` report-slice questions; write the reports.

    Returns:
        The JSON summary (also written to ``out_dir/eval-answers-<name>.json``).
    """
    from bot.engine.answering import AnswerService
    from bot.engine.extractive import ExtractiveAnswerer
    from bot.engine.llm import make_chat_model, model_name
    from bot.engine.retrieval import HybridRetriever

    llm = make_chat_model(settings)
    store, root = scratch_store(settings, dataset)
    retriever = HybridRetriever(store, data_dir=root)
    extractive = ExtractiveAnswerer.for_store(store)
    answerer = model_name(llm) if llm is not None else ExtractiveAnswerer.name

    def answer_with(question: str, ret: Retriever) -> Answer:
        service = AnswerService.from_settings(settings, ret, llm=llm, fallback=extractive)
        return service.answer(question)

    questions = [q for q in load_questions(dataset) if slice_of(q.id) == "report"][:limit]
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done % 25 == 0 or done == total:
            log.warning(
                "eval answers: %d/%d questions (%.0fs)", done, total, time.perf_counter() - started
            )

    evaluation = evaluate_answers(
        answer_with, retriever, questions, answerer=answerer, progress=progress
    )
    report: dict[str, Any] = {
        "dataset": str(dataset),
        "slice": "report",
        "top_k": settings.top_k,
        "extractive": {
            "threshold": extractive.threshold,
            "second_ratio": extractive.second_ratio,
        },
        **evaluation.as_dict(),
    }
    if fit:
        pool = load_questions(dataset)[: 2 * limit]
        cases = list(fit_cases(extractive, retriever, pool, k=settings.top_k))
        try:
            result = fit_extractive(extractive, cases, {q.id: q.answers for q in pool})
        except ValueError as exc:
            report["fit"] = {"error": str(exc)}
        else:
            report["fit"] = asdict(result)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"{slug(dataset.name)}-{slug(answerer)}"
    report["retrieval"] = retrieval_on_same_questions(
        retriever, dataset, {q.id for q in questions}, out_dir, stem=f"eval-answers-{name}-hits"
    )
    (out_dir / f"eval-answers-{name}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out_dir / f"eval-answers-{name}.md").write_text(
        markdown_report(report) + "\n", encoding="utf-8"
    )
    return report


def retrieval_on_same_questions(
    retriever: Retriever, dataset: Path, ids: set[str], out_dir: Path, *, stem: str
) -> dict[str, dict[str, float]]:
    """Hits@k of hybrid, dense and BM25 on the questions just answered, with its plot.

    An answer can only be as good as what retrieval put in front of the answerer, so the answer
    report carries the same table and Hits@k plot as ``footnote eval retrieval``.
    """
    from dataclasses import replace

    from bot.evaluation.retrieval import evaluate_retrieval, load_dataset, write_report

    data = load_dataset(dataset)
    subset = replace(data, questions=tuple(q for q in data.questions if q.id in ids))
    results = evaluate_retrieval(retriever, subset)
    write_report(results, out_dir, f"Retrieval for the answer eval ({dataset.name})", stem=stem)
    return results


def markdown_report(report: dict[str, Any]) -> str:
    """A short markdown report: one table for both question sets."""
    ans, una = report["answerable"], report["unanswerable"]
    lines = [
        f"# Answer evaluation: {report['answerer']} on {Path(report['dataset']).name}",
        "",
        f"{ans['questions']} answerable questions (report slice), {una['questions']} of them also "
        f"asked with the gold paragraph hidden (on-topic unanswerable; "
        f"{report['unanswerable_skipped']} skipped because another passage held the answer). "
        f"top_k={report['top_k']}.",
        "",
        "| metric | value |",
        "| --- | --- |",
        f"| answer accuracy (gold answer in the answer) | {ans['accuracy']:.3f} |",
        f"| accuracy when answered | {ans['accuracy_when_answered']:.3f} |",
        f"| citation validity (a cited passage holds a gold answer) "
        f"| {ans['citation_validity']:.3f} |",
        f"| quote validity (a quote holds a gold answer) | {ans['quote_validity']:.3f} |",
        f"| false refusals (abstained on answerable) | {ans['abstention_rate']:.3f} |",
        f"| refusals on unanswerable | {una['abstention_rate']:.3f} |",
        f"| seconds per question | {ans['seconds_per_question']:.3f} |",
    ]
    retrieval = report.get("retrieval")
    if retrieval:
        from bot.evaluation.retrieval import format_table

        stem = f"eval-answers-{slug(Path(report['dataset']).name)}-{slug(report['answerer'])}"
        lines += [
            "",
            "## Retrieval on the same questions",
            "",
            format_table(retrieval),
            "",
            f"![Hits@k per retriever]({stem}-hits.png)",
        ]
    fit = report.get("fit")
    if fit and "error" in fit:
        lines += ["", f"Extractive fit: not done ({fit['error']})."]
    elif fit:
        lines += [
            "",
            "## Extractive fit",
            "",
            f"threshold={fit['threshold']:.3f} second_ratio={fit['second_ratio']}",
            "",
            f"- fit slice: {json.dumps(fit['fit_metrics'])}",
            f"- report slice: {json.dumps(fit['report_metrics'])}",
            f"- weights: {json.dumps([round(w, 4) for w in fit['weights']])}, "
            f"bias {fit['bias']:.4f}",
        ]
    return "\n".join(lines)
