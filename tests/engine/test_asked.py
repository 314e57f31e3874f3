"""A question typed in a chat is read as meant: no greetings or thanks, no shouting."""

from __future__ import annotations

import pytest

from bot.engine.asked import as_meant, casing_says_nothing, spelled_out, without_framing


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("hey, quick question: who won the davis cup? thanks!", "who won the davis cup?"),
        ("can u tell me how much wework paid for meetup lol", "how much wework paid for meetup"),
        ("ok so does anyone know when the bridge reopens??", "when the bridge reopens?"),
        ("@Footnote i was wondering, who built the mill 🙏", "who built the mill"),
        (
            "pls help: what was the final score? (i think it was last week)",
            "what was the final score?",
        ),
        ("lol what did the mayor say", "what did the mayor say"),
    ],
)
def test_chat_framing_around_a_question_is_dropped(typed: str, meant: str) -> None:
    assert without_framing(typed) == meant


@pytest.mark.parametrize(
    "question",
    [
        "what was the q3 revenue for home depot",  # "q" only goes as "q:"
        "unit measured to determine circuit complexity",  # "ty" ends a word, not a thank-you
        "Help Desk hours?",  # "help" only goes before punctuation
        "who won (the one in madrid)?",  # brackets that say which one stay
        "ok",  # nothing would be left: kept as typed
    ],
)
def test_words_that_carry_the_question_stay(question: str) -> None:
    assert without_framing(question) == question


def test_capitals_and_title_case_are_read_in_lower_case() -> None:
    assert as_meant("WHO WON THE DAVIS CUP?") == "who won the davis cup?"
    assert as_meant("Who Directed Star Trek Beyond?") == "who directed star trek beyond?"
    # Normal case keeps its capitals: they mark the names.
    assert not casing_says_nothing("When did Star Trek Beyond open?")
    assert not casing_says_nothing("Who is Fiona Hill?")
    assert as_meant("Which AEI China scholar is quoted?") == "Which AEI China scholar is quoted?"


@pytest.mark.timeout(10)
def test_a_long_run_of_chat_words_is_read_in_linear_time() -> None:
    # The trailer pattern once tried every way to split the spaces between "lol"s: 2^120 steps.
    assert as_meant("lol " * 120 + "x").endswith("x")
    assert as_meant("who won" + " 🙏 lol" * 80) == "who won"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("how many ppl rode the ferry?", "how many people rode the ferry?"),
        ("what did the govt say abt the bridge", "what did the government say about the bridge"),
        ("is the mayor worth like 17 mil?", "is the mayor worth like 17 million?"),
        (
            "a 2.5 bil deal w/ the port b/c of what",
            "a 2.5 billion deal with the port because of what",
        ),
        (
            "how many hrs did the repair take, approx",
            "how many hours did the repair take, approximately",
        ),
        ("was it called off cuz of rain yday?", "was it called off because of rain yesterday?"),
        ("how much are tix for the ferry tour", "how much are tickets for the ferry tour"),
    ],
)
def test_chat_shorthand_is_written_out_as_articles_write_it(typed: str, meant: str) -> None:
    assert as_meant(typed) == meant


@pytest.mark.parametrize(
    "question",
    [
        "what TV channel showed the final?",  # articles write "TV" too
        "who makes the mil-spec radios?",
        "what's the w/e score",
        "how much does the HRC program cost?",
    ],
)
def test_words_that_only_look_like_shorthand_stay(question: str) -> None:
    assert spelled_out(question) == question
