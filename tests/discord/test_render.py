"""Pure rendering: Discord's size limits, mention neutralising, citations kept intact."""

from __future__ import annotations

import re

import pytest

from bot.discord_adapter.render import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    CitedPassage,
    EmbedData,
    EmbedField,
    answer_embed,
    fit_embed,
    list_with_more,
    neutralize_mentions,
    render_answer_text,
    render_passages,
    render_stream_preview,
    split_message,
)
from bot.engine.models import Answer, Citation
from vectorstore.base import Hit, Passage

MARKER = re.compile(r"\[\d+\]")


def passage(i: int, *, title: str | None = None, text: str = "Some passage text.") -> Passage:
    return Passage(
        id=f"a{i}:0",
        article_id=f"a{i}",
        index=0,
        text=text,
        title=title or f"Article number {i}",
        url=f"https://news.example/{i}",
        source="Gazette",
        published="2026-01-02T10:00:00",
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hi @everyone and @here", "hi @\u200beveryone and @\u200bhere"),
        ("@EVERYONE", "@\u200bEVERYONE"),
        ("<@123> <@!456> <@&789>", "<\u200b@123> <\u200b@!456> <\u200b@&789>"),
        ("mail me at a@b.org", "mail me at a@b.org"),
    ],
)
def test_neutralize_mentions(raw, expected):
    assert neutralize_mentions(raw) == expected


def test_short_text_is_one_message():
    assert split_message("  Short answer [1].  ") == ["Short answer [1]."]
    assert split_message("   ") == []


def test_split_prefers_paragraphs_then_sentences_and_keeps_markers():
    para = ("Sentence number one is here [1]. " * 20).strip()
    text = "\n\n".join([para] * 4)
    parts = split_message(text, limit=1500)
    assert all(len(p) <= 1500 for p in parts)
    assert parts[0] == para + "\n\n" + para  # cut at the paragraph break, not mid-paragraph
    assert MARKER.findall(" ".join(parts)) == MARKER.findall(text)


def test_split_at_sentence_end_keeps_trailing_markers_with_their_sentence():
    text = "A claim that is supported. [12] " * 100
    parts = split_message(text, limit=200)
    assert all(len(p) <= 200 for p in parts)
    assert all(p.endswith("[12]") for p in parts)


def test_hard_cut_never_splits_a_marker():
    text = ("x" * 1997) + "[123]" + ("y" * 100)  # the limit falls inside the marker
    parts = split_message(text, limit=2000)
    assert all(len(p) <= 2000 for p in parts)
    assert parts[0] == "x" * 1997
    assert parts[1].startswith("[123]")
    assert "".join(parts) == text


@pytest.mark.parametrize("limit", [50, 200, 2000])
def test_split_preserves_all_words(limit):
    words = [f"w{i}" if i % 7 else f"[{i}]." for i in range(800)]
    text = " ".join(words)
    parts = split_message(text, limit=limit)
    assert all(len(p) <= limit for p in parts)
    assert " ".join(parts).split() == words


def test_answer_text_puts_the_fallback_notice_first_and_neutralizes():
    answer = Answer(
        question="q",
        standalone_question="q",
        text="@everyone it cost 4 [1].",
        abstained=False,
        notice="The LLM failed; answered extractively.",
    )
    assert render_answer_text(answer) == (
        "-# ⚠️ The LLM failed; answered extractively.\n@\u200beveryone it cost 4 [1]."
    )


def test_stream_preview_is_clipped_with_a_cursor():
    assert render_stream_preview("") == "…"
    assert render_stream_preview("abc") == "abc ▌"
    long = render_stream_preview("word " * 1000)
    assert len(long) <= 2000 and long.endswith("…")


def test_oversized_source_list_ends_with_more_and_fits_embed_limits():
    citations = tuple(
        Citation(i, passage(i, title="T" * 300 + f" {i}"), "Some passage text.")
        for i in range(1, 61)
    )
    answer = Answer("q", "q", "text [1]", False, citations=citations, answerer="llm")
    embed = answer_embed(answer)
    assert embed is not None
    assert len(embed.description) <= EMBED_DESCRIPTION_LIMIT
    assert embed.size() <= EMBED_TOTAL_LIMIT
    last = embed.description.splitlines()[-1]
    assert re.fullmatch(r"\+\d+ more", last)
    shown = len(embed.description.splitlines()) - 1
    assert int(last[1:].split()[0]) == 60 - shown


def test_embed_groups_citations_of_one_article_and_escapes_titles():
    p1 = passage(1, title="Bridge [update] *now*")
    p2 = Passage(**{**{s: getattr(p1, s) for s in Passage.__slots__}, "id": "a1:1", "index": 1})
    answer = Answer(
        "q",
        "q",
        "x [1] y [2]",
        False,
        citations=(Citation(1, p1, "Some"), Citation(2, p2, "Some")),
        answerer="extractive",
    )
    embed = answer_embed(answer)
    assert embed.description == (
        "**[1][2]** [Bridge \\[update\\] \\*now\\*](<https://news.example/1>)"
        " · Gazette · 2026-01-02"
    )


def test_abstention_embed_lists_closest_articles_once():
    hits = (Hit(passage(1), 0.5), Hit(passage(1), 0.4), Hit(passage(2), 0.3))
    answer = Answer("q", "q", "The corpus does not say.", True, sources=hits)
    embed = answer_embed(answer)
    assert embed.title.startswith("Closest sources")
    assert len(embed.description.splitlines()) == 2
    assert answer_embed(Answer("q", "q", "no", True)) is None


def test_fit_embed_enforces_field_count_and_total():
    data = EmbedData(
        title="t" * 400,
        description="d" * 5000,
        fields=tuple(EmbedField(f"name {i}", "v" * 1500) for i in range(40)),
        footer="f" * 3000,
    )
    fitted = fit_embed(data)
    assert len(fitted.title) <= 256
    assert len(fitted.fields) <= 25
    assert all(len(f.value) <= 1024 for f in fitted.fields)
    assert fitted.size() <= EMBED_TOTAL_LIMIT


def test_list_with_more_counts_what_was_left_out():
    lines = [f"line {i:03d}" for i in range(100)]
    out = list_with_more(lines, 100).splitlines()
    assert out[-1] == f"+{100 - (len(out) - 1)} more"
    assert len("\n".join(out)) <= 100
    assert list_with_more(lines[:3], 100) == "line 000\nline 001\nline 002"


def test_passages_are_quoted_with_the_quote_in_bold_and_split_under_2000():
    cited = [
        CitedPassage(
            n=i,
            title=f"Title {i}",
            quote="the key sentence",
            text=("Filler text. " * 60) + "Here is the key sentence. @everyone",
            url=f"https://x.example/{i}",
            source="Gazette",
            published="2026-01-01",
        )
        for i in range(1, 6)
    ]
    messages = render_passages(cited)
    assert len(messages) > 1
    assert all(len(m) <= 2000 for m in messages)
    joined = "\n".join(messages)
    assert joined.count("**the key sentence**") == 5
    assert "@everyone" not in joined
    assert render_passages([]) == ["This answer cites no passages."]


def test_a_source_line_names_the_people_of_the_byline():
    base = passage(1)
    signed = Passage(
        **{**{s: getattr(base, s) for s in Passage.__slots__}, "author": "Gazette Staff; Ada Lind"}
    )
    answer = Answer("q", "q", "x [1]", False, citations=(Citation(1, signed, "Some"),))
    embed = answer_embed(answer)
    assert embed.description.endswith(" · Gazette · 2026-01-02 · by Ada Lind")
    unsigned = Answer("q", "q", "x [1]", False, citations=(Citation(1, base, "Some"),))
    assert answer_embed(unsigned).description.endswith(" · Gazette · 2026-01-02")


def test_the_source_embed_shows_who_wrote_the_article():
    from bot.discord_adapter.render import render_article
    from bot.engine.models import ArticleRef

    ref = ArticleRef("a1", "Bridge reopens", source="Gazette", author="ADA LIND; Gazette")
    embed = render_article(ref, [passage(1)])
    assert "**By:** Ada Lind" in embed.description
