"""A question as typed in a chat, read as meant: its framing and its casing.

People ask a bot the way they talk in a channel: "hey, quick question: who won the davis cup?
thanks!", "can u tell me how much wework paid for meetup lol", in capitals or In Title Case. The
reader weighs every word of a question against each sentence and reads capitalised words as
names, so a greeting dilutes the words that matter and Title Case makes every word a name: on
news-dev, Title Case took held-out right answers from 0.830 to 0.585. Chat shorthand ("ppl",
"govt", "17 mil") is written out as articles write it. ``AnswerService`` reads the question
through ``as_meant`` first (then typos, with the corpus's words); replies keep the user's words.
"""

from __future__ import annotations

import re

from bot.engine.text import words

# A greeting, a filler or a request to tell, at the start ("hey footnote, quick question: ...",
# "ok so ...", "can u tell me ...", "does anyone know ...", "i was wondering, ..."). Words that
# could start a real question ("help", "question") go only when punctuation follows them.
_LEAD_IN = re.compile(
    r"^\s*(?:"
    r"@\w+[\s,:;!\-–—]*"
    r"|(?:hey|hi|hello|yo|ok(?:ay)?|so|um+|uh+|hmm+|well|btw|pls|plz|please|sorry|lol|lmao|haha+|"
    r"random(?:\s+question)?(?:\s+but)?|real\s+quick|footnote)\b[\s,:;!.\-–—]*"
    r"|(?:(?:a\s+)?(?:quick|random|serious|dumb|stupid|silly)\s+)?(?:question|q)\s*[:,\-–—]+\s*"
    r"|(?:pls\s+|please\s+)?help\s*[:!,\-–—]+\s*"
    r"|(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+|pls\s+)?(?:tell|remind|show)\s+me\s+"
    r"|(?:does\s+|do\s+)?(?:any\s?(?:one|body)|some\s?(?:one|body)|(?:you|u))\s+know\s+"
    r"|i\s*(?:'m|’m|\s+am|\s+was)\s+(?:just\s+)?(?:wondering|curious)\s*(?:,\s*|if\s+|whether\s+)?"
    r"|i\s+(?:want|wanted|need|would\s+like)\s+to\s+know\s+"
    r"|any\s+idea\s+"
    r")",
    re.IGNORECASE,
)
_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\ufe0f"
# Thanks, laughter and emoji at the end ("... thanks!", "... lol", "... asking for a friend 🙏").
# (Possessive separators, one place for the spaces between words: "lol lol lol ... x" must fail
# in linear steps per start, not try every way of splitting the spaces.)
_TRAILER = re.compile(
    r"(?:[\s,;:!.\-–—]*+(?<!\w)(?:thanks(?:\s+(?:a\s+lot|in\s+advance))?|thank\s+(?:you|u)|thx|"
    r"ty|tia|cheers|lol|lmao|rofl|haha+|pls|plz|please|asking\s+for\s+a\s+friend|"
    r"if\s+(?:you|u)\s+know|anyone|:\)|:-\)|:D|[" + _EMOJI + r"]++))+[\s!.]*+$",
    re.IGNORECASE,
)
# A hedge in brackets at the end: "(i think it was last week)", "(not sure)", "(iirc)".
_HEDGE = re.compile(
    r"\s*\((?:i\s+think|i\s+believe|i\s+guess|not\s+sure|maybe|iirc|afaik|if\s+i\s+remember|"
    r"or\s+something|could\s+be\s+wrong)[^()]*\)\s*$",
    re.IGNORECASE,
)
_REPEATED_MARKS = re.compile(r"([?!])[?!]+")
# Chat shorthand that articles spell out ("how many ppl", "the govt", "17 mil"). Only forms an
# article rarely writes itself: "TV" or "info" are left as typed.
_SHORTHAND = {
    "ppl": "people",
    "govt": "government",
    "gov't": "government",
    "prez": "president",
    "yr": "year",
    "yrs": "years",
    "hr": "hour",
    "hrs": "hours",
    "mins": "minutes",
    "secs": "seconds",
    "thru": "through",
    "tho": "though",
    "abt": "about",
    "dept": "department",
    "intl": "international",
    "approx": "approximately",
    "convo": "conversation",
    "bday": "birthday",
    "cuz": "because",
    "coz": "because",
    "tmrw": "tomorrow",
    "yday": "yesterday",
    "b4": "before",
    "vid": "video",
    "vids": "videos",
    "tix": "tickets",
    "mgmt": "management",
    "msg": "message",
    "b/c": "because",
    "w/": "with",
    "w/o": "without",
}
_SHORT_FORM = re.compile(
    r"(?<![\w/'’])("
    + "|".join(re.escape(k) for k in sorted(_SHORTHAND, key=len, reverse=True))
    + r")(?![\w/'’])",
    re.IGNORECASE,
)
# "17 mil", "2.5 bil": a number and a cut-off million or billion.
_CUT_AMOUNT = re.compile(r"(\d)\s*(mil|bil)\b\.?", re.IGNORECASE)
MIN_WORDS = 2  # what is left must still be a question


def without_framing(question: str) -> str:
    """``question`` without greetings, requests to tell, thanks, laughter and hedges around it."""
    text = _REPEATED_MARKS.sub(r"\1", question.strip())
    for _ in range(4):  # "hey, ok so can you tell me ..."
        stripped = _LEAD_IN.sub("", text, count=1)
        stripped = _HEDGE.sub("", _TRAILER.sub("", stripped)).strip()
        if stripped == text:
            break
        text = stripped
    return text if len(words(text)) >= MIN_WORDS else question.strip()


def casing_says_nothing(question: str) -> bool:
    """Whether ``question`` is in capitals or in Title Case, so capitals don't mark names.

    Title Case: four in five of its words of four letters or more after the first are
    capitalised, and there are three or more ("Who Directed Star Trek Beyond?"); a question
    naming a film or two people in normal case stays under that ("When did Star Trek Beyond
    open?").
    """
    letters = [c for c in question if c.isalpha()]
    if len(letters) >= 8 and sum(c.isupper() for c in letters) >= 0.8 * len(letters):
        return True
    longer = [w for w in words(question)[1:] if len(w) >= 4 and w.isalpha()]
    return len(longer) >= 3 and sum(w[0].isupper() for w in longer) >= 0.8 * len(longer)


def spelled_out(question: str) -> str:
    """``question`` with chat shorthand written out: "ppl" -> "people", "17 mil" -> "17 million"."""
    text = _SHORT_FORM.sub(lambda m: _SHORTHAND[m.group(1).lower()], question)
    return _CUT_AMOUNT.sub(
        lambda m: f"{m.group(1)} {'million' if m.group(2).lower() == 'mil' else 'billion'}", text
    )


def as_meant(question: str) -> str:
    """``question`` without its chat framing and shorthand, lower-cased if casing says nothing."""
    text = spelled_out(without_framing(question))
    return text.lower() if casing_says_nothing(text) else text
