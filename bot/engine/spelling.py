"""Which words are English, for reading typos in questions (``LexicalRetriever.correct_spelling``).

A question word no article holds is either a typo ("bouhgt") or a real word the articles don't use
("severance"). Only a typo may be read as the indexed word one edit away: reading "severance" as
"severe" would answer a question the articles don't. wordfreq's English list (~300k words and
names, with their frequencies, shipped in the package) tells them apart.
"""

from __future__ import annotations

from functools import lru_cache

# wordfreq's list is made from web text, so it holds common misspellings too, rarely: "firts" and
# "perfoming" at Zipf 1.2-1.3 (one in ~60 million words), "teh" at 3.0. Under 2 (one in 10 million),
# a word no article holds is more often a typo than a word worth keeping.
MIN_ZIPF = 2.0


# Endings stripped (and an "e" restored) to find the common word a rare form comes from.
_ENDINGS = (
    ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"),
    ("er", ""), ("er", "e"), ("es", ""), ("s", ""),
)  # fmt: skip


@lru_cache(maxsize=8192)
def is_english_word(word: str) -> bool:
    """Whether ``word`` (lower case) is in wordfreq's English list, at least ``MIN_ZIPF`` common."""
    from wordfreq import zipf_frequency  # ~50 MB list, loaded on the first question

    return zipf_frequency(word, "en") >= MIN_ZIPF


def is_english_form(word: str) -> bool:
    """``is_english_word``, or an inflection of one ("excising" of "excise", "granter" of "grant").

    The list counts each form apart, and a rare form of a common word is no typo. (Only a typed
    word is read so: a typo's one-edit variants must be words themselves.)
    """
    if is_english_word(word):
        return True
    return any(
        is_english_word(word[: -len(ending)] + restored)
        for ending, restored in _ENDINGS
        if word.endswith(ending) and len(word) - len(ending) >= 4
    )


def with_case_of(original: str, word: str) -> str:
    """``word`` cased like ``original``: "Steenbrugen" -> "Steenburgen", "NASDQ" -> "NASDAQ"."""
    if original.isupper() and len(original) > 1:
        return word.upper()
    if original[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
