"""Two questions in one are read part by part (our own questions)."""

from __future__ import annotations

import pytest

from bot.engine.decompose import split_question


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "how much did the bridge repair cost, and when does the library pilot start?",
            ["how much did the bridge repair cost?", "when does the library pilot start?"],
        ),
        (
            "who designed the ferry? and where was it built?",
            ["who designed the ferry?", "Where was it built? (designed ferry)"],
        ),
        (  # "that" opens the part's own clause: it points at nothing before
            "how much did the bridge repair cost, and what was the 2014 slogan that got axed?",
            ["how much did the bridge repair cost?", "what was the 2014 slogan that got axed?"],
        ),
        (  # after a function word, "that" points back
            "how much did the bridge repair cost, and when was that decided?",
            ["how much did the bridge repair cost?", "When was that decided? (bridge repair cost)"],
        ),
    ],
)
def test_two_questions_are_split(question, parts):
    assert split_question(question) == parts


@pytest.mark.parametrize(
    "question",
    [
        "how much did the bridge and the tunnel cost?",  # one question about two things
        "what did the mayor say about the ferry?",
        "rain and wind?",
    ],
)
def test_one_question_stays_whole(question):
    assert split_question(question) == [question]


def test_a_part_that_leans_on_the_other_borrows_its_key_words():
    first, second = split_question("which ferry is faster, and by how much?")
    assert first == "which ferry is faster?"
    assert second.startswith("By how much?") and "ferry" in second and "faster" in second
