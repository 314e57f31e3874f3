"""The rerank fit: listwise weights that put the evidence candidate first."""

from __future__ import annotations

import numpy as np
import pytest

from bot.evaluation.rerank_fit import Group, fit_weights, squad_half


def test_the_fit_weights_the_feature_that_marks_the_evidence() -> None:
    rng = np.random.default_rng(3)
    groups = []
    for _ in range(200):
        x = rng.normal(size=(10, 3))
        labels = np.zeros(10, dtype=bool)
        labels[int(np.argmax(x[:, 1] + 0.3 * rng.normal(size=10)))] = True  # feature 1 decides
        groups.append(Group(x, labels))
    w = fit_weights(groups, steps=800)
    assert w[1] > 1.0 and abs(w[0]) < 0.5 * w[1] and abs(w[2]) < 0.5 * w[1]

    def hits(scores: list[np.ndarray]) -> float:
        pairs = zip(groups, scores, strict=True)
        return float(np.mean([g.labels[int(np.argmax(s))] for g, s in pairs]))

    fitted = hits([g.features @ w for g in groups])
    assert fitted >= hits([g.features[:, 1] for g in groups]) - 0.01  # as good as knowing
    assert fitted > hits([g.features[:, 0] for g in groups]) + 0.4


def test_groups_without_a_choice_teach_nothing() -> None:
    x = np.ones((3, 2))
    with pytest.raises(ValueError, match="no question"):
        fit_weights([Group(x, np.zeros(3, dtype=bool)), Group(x, np.ones(3, dtype=bool))])


def test_squad_halves_are_stable_and_both_used() -> None:
    halves = {squad_half(f"Article_{i}") for i in range(20)}
    assert halves == {0, 1} and squad_half("Warsaw") == squad_half("Warsaw")
