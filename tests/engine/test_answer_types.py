"""What a question asks for, and the phrase of a sentence that says it (our own sentences)."""

from __future__ import annotations

import pytest

from bot.engine.answer_types import best_span, expected_type, find_spans


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How much did the council pay for the ferry?", "money"),
        ("what's the new stadium's price tag", "money"),
        ("how old is the mayor", "age"),
        ("wat % of voters turned out?", "percent"),
        ("final score of the cup game?", "score"),
        ("how long did the strike last", "duration"),
        ("how far is the lighthouse from town", "distance"),
        ("when does the market reopen?", "date"),
        ("In what year was it built?", "date"),
        ("how many buses were bought", "quantity"),
        ("why was the bridge closed?", "reason"),
        ("where did the parade end", "place"),
        ("who opened the bridge?", "person"),
        ("which company built the tunnel?", "org"),
        ("what colour is the new logo?", "colour"),
        ("what did the mayor promise?", None),
        # keyword queries, as typed into a search box
        ("harbour bridge reopening date", "date"),
        ("library pilot cost", "money"),
        ("kelpwave ceo age", "age"),
        ("cup final score", "score"),
        ("ferry strike reason", "reason"),
        ("aurora ferry capacity", "quantity"),
        ("harbour bridge corrosion", None),
        ("is the date of the vote known?", None),  # a question, not a keyword query
    ],
)
def test_expected_type(question, kind):
    assert expected_type(question) == kind


@pytest.mark.parametrize(
    ("question", "sentence", "phrase"),
    [
        (
            "how much did the council pay for the ferry?",
            "The council bought the ferry for $4.2 million in March.",
            "$4.2 million",
        ),
        ("how old is the mayor", "The 61-year-old mayor cut the ribbon.", "61-year-old"),
        ("when does the market reopen?", "The market reopens on March 3, 2027.", "March 3, 2027"),
        (
            "when did the pier reopen?",
            "The pier reopened at 6:00 on Saturday 17 October 2026, after two years.",
            "on Saturday 17 October 2026",
        ),
        ("final score?", "Harbour Town won 3-1 at home.", "3-1"),
        (
            "why was the bridge closed?",
            "The bridge was closed because inspectors found corroded cables.",
            "because inspectors found corroded cables",
        ),
        (
            "who opened the bridge?",
            "It was opened by Mayor Ana Halvorsen on Friday.",
            "Mayor Ana Halvorsen",
        ),
        ("how long did the strike last", "The strike lasted 12 days.", "12 days"),
    ],
)
def test_best_span_finds_the_answering_phrase(question, sentence, phrase):
    found = best_span(expected_type(question), sentence, question)
    assert found is not None and found.text == phrase
    assert sentence[found.start : found.end] == found.text  # a verbatim substring


def test_a_phrase_must_bring_something_the_question_does_not_have():
    question = "how much did the 2025 repair cost?"
    assert find_spans("money", "The 2025 repair was costly.", question) == []
    assert find_spans("quantity", "The team lost in the second quarter.", "how many goals?") == []
    # "23-year-old" is an age, not a contract length
    assert find_spans("duration", "The 23-year-old signed on Monday.", "how many years") == []


def test_nearest_phrase_to_the_focus_words_wins():
    sentence = "Tickets cost $40, and the band earned $2 million from the tour."
    question = "how much did the band earn from the tour?"
    span = best_span("money", sentence, question, focus={"band", "earn", "tour"})
    assert span is not None and span.text == "$2 million"
