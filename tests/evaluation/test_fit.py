"""Fitting the extractive reader: the threshold honours false-refusal caps on the fit cases."""

from __future__ import annotations

import random

from bot.engine.extractive import FEATURES, Candidate, ExtractiveAnswerer
from bot.engine.text import Span
from bot.evaluation.answers import FitCase, _metrics, _prepare, fit_extractive


def _case(qid: str, answerable: bool, strength: float, rng: random.Random) -> FitCase:
    """Six sentences; an answerable case's first one is the answer, ``strength`` above noise."""
    candidates = []
    for n in range(6):
        lift = strength if answerable and n == 0 else 0.0
        # The answer stands out on the first three features only; the rest are noise.
        features = tuple(
            rng.gauss(0.0, 0.5) + (lift if f < 3 else 0.0) for f in range(len(FEATURES))
        )
        candidates.append(Candidate(0, Span(n * 10, n * 10 + 9), f"{qid} sentence {n}", features))
    labels = tuple(answerable and n == 0 for n in range(6))
    return FitCase(qid, answerable, tuple(candidates), labels, split="fit")


def _cases() -> list[FitCase]:
    rng = random.Random(7)
    cases = []
    for i in range(40):  # the questions tuned for: clear answers
        cases.append(_case(f"tuned-a{i}", True, 2.0, rng))
    for i in range(15):
        cases.append(_case(f"tuned-u{i}", False, 0.0, rng))
    for i in range(200):  # the rest: weaker answers, refused first as the threshold rises
        cases.append(_case(f"rest-a{i}", True, 0.6, rng))
    for i in range(60):
        cases.append(_case(f"rest-u{i}", False, 0.0, rng))
    return cases


def test_a_cap_on_the_other_fit_cases_keeps_the_threshold_below_what_they_tolerate():
    cases = _cases()
    golds = {c.question_id: (f"{c.question_id} sentence 0",) for c in cases}
    tuned = lambda case: case.question_id.startswith("tuned")  # noqa: E731
    free = fit_extractive(
        ExtractiveAnswerer(), cases, golds, max_false_refusal=0.05, select_on=tuned
    )
    capped = fit_extractive(
        ExtractiveAnswerer(),
        cases,
        golds,
        max_false_refusal=0.05,
        select_on=tuned,
        max_false_refusal_rest=0.05,
    )
    model = ExtractiveAnswerer(
        weights=capped.weights,
        bias=capped.bias,
        support_weights=capped.support_weights,
        support_bias=capped.support_bias,
    )
    rest = _prepare(model, [c for c in cases if not tuned(c)])
    assert _metrics(rest, golds, free.threshold, free.second_ratio)["false_refusal_rate"] > 0.05
    assert capped.threshold < free.threshold
    assert (
        _metrics(rest, golds, capped.threshold, capped.second_ratio)["false_refusal_rate"] <= 0.05
    )
    assert capped.fit_metrics["false_refusal_rate"] <= 0.05
