"""Questions about an article itself: who wrote it, when it came out, which outlet ran it, the gist.

People ask about a story they read once by its byline as often as by its content ("who wrote
that wired piece on neobanks?", "when was the doobie brothers tour story published?"). The body
of an article rarely says so (ingest keeps the byline, date and publisher as metadata), so the
reader would answer with a name or date from the text: the wrong one. These questions are
answered from the metadata of the article the question names, found by retrieval, and only when
that article covers what the question says about it; otherwise the normal reader takes over.
Asked for the gist ("tl;dr of the kelp story?", "what's that op-ed about?", "what happened with
wework?"), the answer quotes
the article's opening sentences: news is written lead first, and no sentence scores well against
a question that names only the story.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.engine.followup import split_context
from bot.engine.models import Citation
from bot.engine.text import (
    QUESTION_WORDS,
    STOPWORDS,
    looks_like_injection,
    shown_quote,
    split_sentences,
    stem,
    terms,
    words,
)
from bot.engine.wordlists import CHAT_FILLER
from vectorstore.base import Hit, Passage

ArticleField = Literal["author", "published", "source", "summary"]
# Reads an article's first passage from the store (``None``: not available).
OpeningOf = Callable[[str], "Passage | None"]

# What people call an article. "report" and "review" are left out: "who wrote the report?"
# asks about a report the story covers as often as about the story.
_ARTICLE = (
    r"(?:article|piece|story|stories|post(?!\s+office)|blog\s*post|blog|op-?ed|column|editorial"
    r"|write-?up|news\s+item)"
)
# An article the user means ("the wired piece", "that story", "this op-ed"), not any article:
# "what publication published an article about Tesla in 1912?" asks about the text's history.
_DETERMINER = r"(?:the|that|this|those|these)"
_REF = rf"\b{_DETERMINER}\s+(?:(?!{_DETERMINER}\b)[\w'’&.+-]+\s+){{0,5}}?{_ARTICLE}\b"
_WROTE = r"(?:wrote|writes|written|penned|authored)"
_OUTLET = (
    r"(?:site|website|outlet|news\s+outlet|publication|paper|newspaper|magazine|news\s+site"
    r"|publisher|blog)"
)
_FIELD_PATTERNS: tuple[tuple[ArticleField, re.Pattern[str]], ...] = (
    (
        "author",
        re.compile(
            rf"\bwho(?:'s|’s| is| was)?\s+"
            rf"(?:{_WROTE}|the\s+(?:author|writer|reporter)\s+of)\s+{_REF}"
            rf"|\b(?:author|writer|byline)\s+(?:of|on|for|behind)\s+{_REF}"
            rf"|{_REF}.*\b(?:written|penned)\s+by\s+(?:whom|who)\b"
            rf"|\bwho\s+(?:was|is)\s+{_REF}\s+(?:by|from)\b",
            re.I,
        ),
    ),
    (
        "published",
        re.compile(
            rf"\bwhen\s+(?:was|were|did|is)\b.*{_REF}.*"
            r"\b(?:published|posted|written|put\s+out|out|come\s+out|came\s+out|go\s+up"
            r"|run|ran|released|dated)\b"
            rf"|\bwhen\s+(?:was|were)\s+{_REF}\s*\??\s*$"
            r"|\bwhen\s+(?:was|were)\s+(?:it|that|this)\s+(?:published|posted|written)\b"
            rf"|\b(?:publication|publish(?:ed|ing)?|post(?:ed|ing)?)\s+date\s+of\s+{_REF}"
            rf"|{_REF}.*\b(?:publication|publish(?:ed|ing)?|post(?:ed|ing)?)\s+date\b"
            rf"|\bwhat\s+(?:date|day)\s+(?:was|did)\b.*{_REF}.*"
            r"\b(?:published|posted|come\s+out|run)\b"
            rf"|\bhow\s+old\s+is\s+{_REF}",
            re.I,
        ),
    ),
    (
        "source",
        re.compile(
            rf"\b(?:which|what)\s+{_OUTLET}\b.*(?:{_REF}|\b(?:published|ran|run|posted|carried)"
            rf"\s+(?:it|that|this)\b)"
            rf"|\b(?:which|what)\s+{_OUTLET}\s+(?:was|is)\s+(?:it|that|this)\s+(?:on|from|in)\b"
            rf"|\bwho\s+(?:published|ran|posted|carried)\s+{_REF}"
            rf"|\bwhere\s+(?:was|were|did)\b.*{_REF}.*"
            r"\b(?:published|posted|run|ran|appear|appeared|come\s+out)\b",
            re.I,
        ),
    ),
)

_SUMMARY = re.compile(
    r"\btl\s?;?\s?dr\b|\bsumm?ari[sz]e\b|\b(?:summary|gist|recap)\s+of\b|\bbrief\s+me\s+on\b"
    rf"|\bwhat(?:'s|’s| is| was)\s+{_REF}.*\babout\s*\??\s*$"
    rf"|\bwhat\s+(?:does|did)\s+{_REF}\s+say\s*\??\s*$"
    r"|\bwhat(?:'s|’s| is)\s+(?:the\s+)?(?:story|deal|latest)\s+(?:with|on|about)\b"
    r"|\bwhat(?:'s|’s| is)\s+(?:going\s+on|up|new)\s+with\b"
    # "what happened with the rate of flow in the rhine ...?" asks about a detail: only a short
    # subject closing the question names a story
    r"|\bwhat(?:'s|’s| is)?\s+happen(?:ed|ing)\s+with\s+(?:[\w&+'’.-]+\s*){1,4}[?!.\s]*$"
    r"|\bany(?:thing)?\s+(?:new|news|updates?)\s+(?:on|about|with)\b"
    r"|\b(?:catch|fill)\s+me\s+(?:up|in)\s+on\b",
    re.I,
)
# An opening sentence shorter than this is a kicker or a caption ("Advertisement"), not the lead.
MIN_LEAD_WORDS = 6
LEAD_SENTENCES = 2

# Words that say what is asked about the article, not which article: left out of the words the
# article must cover.
_ASKING_WORDS = frozenset(
    stem(w)
    for w in (
        "who", "wrote", "write", "writes", "written", "writer", "author", "authored", "penned",
        "pen", "byline", "reporter", "journalist", "when", "published", "publish", "publication",
        "posted", "post", "date", "dated", "day", "out", "come", "came", "released", "release",
        "run", "ran", "carried", "appear", "appeared", "which", "what", "where", "site",
        "website", "outlet", "paper", "newspaper", "magazine", "publisher", "name", "article",
        "piece", "story", "stories", "blog", "op", "ed", "column", "editorial", "write-up",
        "feature", "interview", "news", "item", "whose", "old", "go", "went", "put", "tl",
        "dr", "tldr", "summarize", "summarise", "summary", "gist", "recap", "brief", "latest",
        "deal", "going", "say", "says", "about", "happened", "happening", "update",
        "updates",
    )
)  # fmt: skip
# Phrases that ask for the gist, whose words ("catch") may name an article elsewhere ("plague
# catches"): left out as phrases, not as words.
_ASKING_PHRASES = re.compile(r"\b(?:catch|fill)\s+me\s+(?:up|in)\b|\banything\s+new\b", re.I)
_FILLER = frozenset(stem(w) for w in CHAT_FILLER)
# The share (by rarity) of the question's own words about the article that it must hold (title,
# publisher, retrieved passages): below it, the question names an article the corpus lacks.
MIN_COVERAGE = 0.6


@dataclass(frozen=True, slots=True)
class ArticleFact:
    """An answer about an article: the reply text with ``[1]`` and its citation."""

    field: ArticleField
    short_answer: str | None  # the byline, date or outlet (None for the gist, or when unknown)
    text: str
    citation: Citation
    abstained: bool = False  # the article's metadata lacks the field asked for


def asked_field(question: str) -> ArticleField | None:
    """What the question asks about an article itself, or ``None`` (a question about content)."""
    core, _ = split_context(question)
    for field, pattern in _FIELD_PATTERNS:
        if pattern.search(core):
            return field
    return "summary" if _SUMMARY.search(core) else None


def article_words(question: str) -> dict[str, str]:
    """The question's words that say which article it means, by stem ("wired", "neobanks")."""
    found: dict[str, str] = {}
    for word in _naming_words(question):
        found.setdefault(stem(word.lower()), word.lower())
    return found


def article_query(question: str) -> str:
    """The question cut down to its words about the article, as a search query.

    "when was the article on the sonos move published" searches for "sonos move": the words
    asking for a date or a byline only pull in pages that talk about dates and writers.
    """
    return " ".join(_naming_words(question))


def _naming_words(question: str) -> list[str]:
    """The words of the question (and of a follow-up's borrowed context) naming the article."""
    core, context = split_context(question)
    core = _ASKING_PHRASES.sub(" ", core)
    return [w for w in words(f"{core} {context}") if _about_article(w)]


def _about_article(word: str) -> bool:
    found = terms(word, drop=STOPWORDS | QUESTION_WORDS)
    return bool(found) and found[0] not in _ASKING_WORDS and found[0] not in _FILLER


def _outlet_named(passage: Passage, asked_words: set[str]) -> bool:
    """True when the question names the article's outlet (every content word of it)."""
    outlet = [w.lower() for w in words(passage.source or "") if w.lower() not in STOPWORDS]
    return bool(outlet) and all(w in asked_words for w in outlet)


def _rarity(word: str) -> float:
    """How much a word says about which article is meant: rare words say most.

    Read from general English frequency (wordfreq's Zipf scale, ~1 rare to ~7 "the"): the
    retrieved passages are too few to tell "coming back" from "quantum" by their own counts.
    """
    from wordfreq import zipf_frequency  # ~50 MB list, loaded on the first such question

    return max(0.5, 7.5 - zipf_frequency(word, "en"))


def _covers(
    wanted: Mapping[str, float], passages: Sequence[Passage], *, by_title: bool = False
) -> bool:
    """True when ``passages`` (one article) hold ``MIN_COVERAGE`` of ``wanted`` (term: rarity).

    With ``by_title``, only the article's title and publisher count.
    """
    if not wanted:
        return False
    first = passages[0]
    texts = [] if by_title else [p.text for p in passages]
    held = set(terms(" ".join([first.title, first.source or "", *texts])))
    total = sum(wanted.values())
    found = sum(weight for term, weight in wanted.items() if term in held)
    return found / total >= MIN_COVERAGE


def _day(published: str) -> str:
    """The date part of a stored ISO timestamp ("2019-11-15T08:00:00Z" -> "2019-11-15")."""
    return published.strip()[:10]


# A byline part naming an outlet, a desk or a role rather than a person ("Condé Nast", "AP
# National Political Writer", "NJ Advance Media", "Staff writer", "CNN Editor-at-large").
_NOT_A_PERSON = re.compile(
    r"\b(?:writer|writers|editor|editors|editor-at-large|correspondent|reporter|contributor"
    r"|staff|desk|team|media|press|news|com|inc|llc|ltd|group|network|magazine|newspaper"
    r"|insider|wire|agency|nast|service|bureau|ministries|ministry|department)\b",
    re.I,
)
# Date scraps: a weekday and what follows it ("Malcolm Owen Monday"), a month alone
# ("November"); a month inside a name stays ("May Okafor").
_WEEKDAY_ON = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b.*$", re.I
)
_MONTH_ALONE = re.compile(
    r"^(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december)(?:\s+\d{1,2})?(?:,?\s+\d{4})?$",
    re.I,
)
_ARTICLES = frozenset({"the", "a", "an", "our", "your", "this", "that"})
# A one-word byline commoner than this as an English word is a label ("Editorial", "Staff").
SINGLE_NAME_ZIPF = 4.0
_CREDENTIAL = re.compile(r"^(?:[A-Z]{2,4}|Ph\.?D\.?|M\.?D\.?)$")
_BY = re.compile(r"^(?:(?:analysis|opinion|commentary|story|text|words|report)\s+)?by\s+", re.I)


def byline(author: str | None, source: str | None = None) -> str | None:
    """The people an article's stored byline names, as "A, B and C" (``None``: none named).

    Extracted bylines carry the outlet, a desk or role, credentials and date scraps beside the
    names ("Condé Nast; Louise Matsakis", "STEVE PEOPLES; AP National Political Writer",
    "Mike Wuerthele; Malcolm Owen Monday; November"): only the names are the answer.
    """
    if not author or not author.strip():
        return None
    outlet = {w.lower() for w in words(source or "")}
    parts = re.split(r"[;|]|,\s*(?=[A-Z])|\s+and\s+", author)
    if len(parts) == 1 and _single_name(parts[0].strip(), outlet):
        return parts[0].strip()  # a blogger signing with one name ("Regan")
    names: list[str] = []
    for part in parts:
        part = _WEEKDAY_ON.sub("", _BY.sub("", part.strip())).strip(" ,.-")
        part = re.sub(r"\s+Associated Press$", "", part)
        tokens = part.split()
        if not part or _CREDENTIAL.match(part) or _MONTH_ALONE.match(part):
            continue
        if _NOT_A_PERSON.search(part):
            continue
        if len(tokens) < 2 or len(tokens) > 4 or tokens[0].lower() in _ARTICLES:
            continue  # "CNN", "Futurism", "The Russian", a sentence: not a person's name
        if {w.lower() for w in words(part)} <= outlet:
            continue
        if part.isupper():
            part = " ".join(t.capitalize() for t in tokens)
        if any(_same_person(part, seen) for seen in names):
            continue
        names.append(part)
    if not names:
        return None
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _single_name(part: str, outlet: set[str]) -> bool:
    """True for a one-word byline that reads as a name: capitalised, rare as a word."""
    from wordfreq import zipf_frequency

    return (
        bool(re.fullmatch(r"[A-Z][a-z'’-]+", part))
        and part.lower() not in outlet
        and zipf_frequency(part, "en") < SINGLE_NAME_ZIPF
    )


def _same_person(a: str, b: str) -> bool:
    """True for two forms of one name ("Troy Smith", "Troy L Smith")."""
    x, y = a.lower().split(), b.lower().split()
    return x[0] == y[0] and x[-1] == y[-1]


def _field_value(passage: Passage, field: ArticleField) -> str | None:
    value = {"author": passage.author, "published": passage.published, "source": passage.source}
    text = (value.get(field) or "").strip()
    if not text:
        return None
    if field == "author":
        return byline(text, passage.source)
    return _day(text) if field == "published" else text


def _described(passage: Passage, field: ArticleField) -> str:
    """``“Title” (Publisher, date)``, leaving out the field the answer states."""
    names: tuple[ArticleField, ...] = ("source", "published")
    shown = [
        value
        for name in names
        if name != field and (value := _field_value(passage, name)) is not None
    ]
    extra = f" ({', '.join(shown)})" if shown else ""
    return f"“{passage.title or passage.article_id}”{extra}"


_STATED = {
    "author": "{value} — the author of {article} [1]",
    "published": "{value} — the publication date of {article} [1]",
    "source": "{value} — the publisher of {article} [1]",
}
_NOT_STATED = {
    "author": "The articles I have don't say who wrote {article}.",
    "published": "The articles I have don't say when {article} was published.",
    "source": "The articles I have don't say which outlet published {article}.",
}


def _lead(passage: Passage) -> list[str]:
    """The opening sentences of ``passage`` that read as a lead (verbatim)."""
    found = []
    for span in split_sentences(passage.text):
        sentence = span.of(passage.text)
        if len(words(sentence)) < MIN_LEAD_WORDS or looks_like_injection(sentence):
            continue
        if sentence.count("|") >= 2:
            continue  # a table row, not prose
        if sentence.rstrip(" \"'”’)").endswith("?"):
            continue  # a rhetorical opening question states nothing
        found.append(sentence)
        if len(found) >= LEAD_SENTENCES:
            break
    return found


def _opening(passages: Sequence[Passage], opening_of: OpeningOf | None) -> Passage:
    """The article's first passage: from the store, else the earliest of ``passages``."""
    earliest = min(passages, key=lambda p: p.index)
    if earliest.index != 0 and opening_of is not None:
        return opening_of(earliest.article_id) or earliest
    return earliest


def _summarized(
    wanted: Mapping[str, float],
    by_article: Mapping[str, Sequence[Passage]],
    opening_of: OpeningOf | None,
) -> Passage | None:
    """The opening passage of the article whose gist is asked for, or ``None``.

    A story titled for what the question names comes first; else one whose opening passage
    names it. A story that only mentions it further down (a roundup of the year's gadgets, for
    "tl;dr on the sonos move?") has a lead about something else: the reader answers instead.
    """
    for passages in by_article.values():
        if _covers(wanted, passages, by_title=True):
            return _opening(passages, opening_of)
    for passages in by_article.values():
        if _covers(wanted, passages):
            opening = _opening(passages, opening_of)
            if _covers(wanted, [opening]):
                return opening
    return None


def answer_about_article(
    question: str,
    hits: Sequence[Hit],
    opening_of: OpeningOf | None = None,
    *,
    field: ArticleField | None = None,
) -> ArticleFact | None:
    """The answer to a question about an article itself, or ``None`` to read as usual.

    ``hits`` are best retrieved for ``article_query(question)``. The article is the best ranked
    one that holds at least ``MIN_COVERAGE`` of the question's words about it (its title,
    publisher and retrieved passages count), so "who wrote the piece on quantum gravity?" never
    names the author of whatever came closest. A byline, date or outlet is read from the
    metadata (which every cited source shows beside it), citing the opening sentence of the
    article's first passage; when the metadata lacks it, the answer abstains and says so. The
    gist quotes the opening sentences of the article's first passage (``opening_of`` reads it
    from the store; else the earliest retrieved one). ``field``: ``asked_field(question)`` when
    the caller has read it already.
    """
    field = field or asked_field(question)
    if field is None or not hits:
        return None
    # Each naming word's rarity, read once: every candidate article is weighed by the same.
    wanted = {term: _rarity(word) for term, word in article_words(question).items()}
    by_article: dict[str, list[Passage]] = {}
    for hit in hits:
        by_article.setdefault(hit.passage.article_id, []).append(hit.passage)
    # "the wall street journal piece on ...": that outlet's story first, however another
    # outlet's story on the same subject ranked.
    asked_words = {w.lower() for w in words(question)}
    by_article = dict(
        sorted(by_article.items(), key=lambda item: not _outlet_named(item[1][0], asked_words))
    )
    if field == "summary":
        opening = _summarized(wanted, by_article, opening_of)
        if opening is None:
            return None
    else:
        passages = next((p for p in by_article.values() if _covers(wanted, p)), None)
        if passages is None:
            return None
        opening = _opening(passages, opening_of)
    lead = _lead(opening)
    if not lead and field == "summary":
        return None
    spans = split_sentences(opening.text)
    quote = lead[0] if lead else (spans[0].of(opening.text) if spans else "")
    if not quote:
        return None
    citation = Citation(n=1, passage=opening, quote=quote)
    article = _described(opening, field)
    if field == "summary":
        quoted = "\n".join(f"“{shown_quote(sentence)}” [1]" for sentence in lead)
        return ArticleFact(field, None, f"{article}, in its opening lines:\n{quoted}", citation)
    value = _field_value(opening, field)
    if value is None:
        text = _NOT_STATED[field].format(article=article)
        return ArticleFact(field, None, text, citation, abstained=True)
    return ArticleFact(field, value, _STATED[field].format(value=value, article=article), citation)
