"""What a question asks for, and the short phrase of a sentence that says it.

``expected_type`` reads the question's shape ("how much did X pay" -> money, "how old" -> age,
"why" -> reason, "who" -> person). ``find_spans`` returns the phrases of a sentence that are of
that type and are not words of the question: "$40 million", "Port Ellen", "because the
attacker tried to steal his shoes". The reader leads its reply with the best such phrase and
quotes the sentence it comes from; a sentence with no phrase of the asked type is weak evidence
that it answers, and none anywhere is a reason to abstain.

Rules, not a model: they are general to English news text and cheap (microseconds a sentence).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from bot.engine.text import QUESTION_WORDS, STOPWORDS, stem, without_possessive, words
from bot.engine.wordlists import (
    DATE_WORDS,
    DEMONYMS,
    MONEY_ASKED_WORDS,
    MONEY_WORDS,
    NUMBER_WORDS,
)

_MONEY_STEMS = frozenset(stem(w) for w in MONEY_WORDS | MONEY_ASKED_WORDS) | {
    "fork",
    "shell",
    "cough",
    "dish",
}
_SCALE = r"(?:hundred|thousand|million|billion|trillion|bn|mn|m|k|b|tn|lakhs?|crores?)\b"
_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"  # "1,900" and "2.5"; not the comma after "2003,"
_NUMWORD = r"(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_CURRENCY_WORDS = (
    r"(?:dollars?|euros?|pounds?|yen|yuan|francs?|rupees?|naira|usd|eur|gbp|cents?|pesos?|won)"
)
_MONEY = re.compile(
    rf"(?:(?:US|USD|A|C|NZ|HK|S|R)?[$€£¥₦₹]|\bN(?=\d)|\b(?:Rs|PHP|₱)\.?\s?)\s?{_NUM}"
    rf"(?:\s?-?\s?{_SCALE})?"
    rf"|\b{_NUM}(?:\s?-?\s?{_SCALE})?\s+{_CURRENCY_WORDS}\b",
    re.I,
)
_PERCENT = re.compile(rf"\b{_NUM}\s?(?:%|percent\b|per cent\b|percentage points?\b)", re.I)
_SCORE = re.compile(r"\b\d{1,3}\s?[-–]\s?\d{1,3}\b(?![-–]\d)")
# A results line names each side with its score: "Wild 4, Sabres 1", "Real Madrid 2, Getafe 0".
# Its groups are each side and its score (read by ``_leading_sides``).
_RESULT_LINE = re.compile(
    r"\b([A-Z][\w.'’&-]*(?:\s+[A-Z][\w.'’&-]*){0,3})\s+(\d{1,3}),\s+"
    r"([A-Z][\w.'’&-]*(?:\s+[A-Z][\w.'’&-]*){0,3})\s+(\d{1,3})\b(?![,.]?\d)"
)
_AGE = re.compile(
    rf"\b(?:{_NUM}|{_NUMWORD})[- ]years?[- ]old\b|\baged? (?:of )?\d+\b"
    rf"|(?<=, )\d{{1,3}}(?=,|\s[–—]\s)",  # "Braun, 38, ..." and "Braun, 38 – who ..."
    re.I,
)
# Words that qualify a count: "about 40", "more than 1,000".
_COUNT_QUALIFIER = (
    r"(?:about|around|nearly|almost|roughly|some|up to|more than|less than|over|under|"
    r"at least|only|just)"
)
_QUANTITY = re.compile(
    rf"(?:\b{_COUNT_QUALIFIER}\s)?"
    rf"(?:\b{_NUM}|\b{_NUMWORD}\b|(?<=\ba )single\b)(?:\s?-?\s?{_SCALE})?"
    # the thing counted, whole when hyphenated: "230 million light-years" counts years
    rf"(?:[- ][a-z]+(?:-[a-z]+)*)?"
    # a count in round figures: "tens of thousands of galaxies", "hundreds of fans"
    rf"|\b(?:tens|hundreds|thousands|millions|billions)\s(?:of\s(?:thousands|millions)\s)?"
    rf"of\s(?:[a-z]+\s(?=[a-z]+s\b))?[a-z]+",
    re.I,
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_ORDINAL_WORDS = (
    "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    "thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
    "twenty-first"
)
_DATE = re.compile(
    # A weekday with its date is one date ("Saturday 17 October 2026"), not two.
    rf"\b(?:on\s)?{_WEEKDAY},?\s(?:\d{{1,2}}(?:st|nd|rd|th)?\s(?:of\s)?{_MONTH}|{_MONTH}\s\d{{1,2}}(?!\d)"
    rf"(?:st|nd|rd|th)?)(?:,?\s\d{{4}})?"
    rf"|\b{_MONTH}\s\d{{1,2}}(?!\d)(?:st|nd|rd|th)?(?:,?\s\d{{4}})?"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s(?:of\s)?{_MONTH}(?:,?\s\d{{4}})?"
    rf"|\b{_MONTH}\s\d{{4}}"
    rf"|\b(?:early|mid|late)?-?{_MONTH}\b"
    rf"|\b(?:last|next|this|on|by|until|since)?\s?{_WEEKDAY}(?:\s(?:night|morning|afternoon|evening))?"
    rf"|\b(?:in\s)?(?:1\d\d\d|20\d\d)s?\b"
    # Older years and eras: "in 476", "c. 1180", "1066 AD", "the 5th century BC".
    rf"|\b(?:in|since|by|until|around|c\.|circa)\s\d{{3}}\b(?!\s?(?:%|percent))"
    rf"|\b(?-i:AD|CE)\s\d{{1,4}}\b|\b\d{{1,4}}\s?(?-i:BC|BCE|AD|CE)\b"
    rf"|\b(?:the\s)?(?:\d{{1,2}}(?:st|nd|rd|th)|{_ORDINAL_WORDS})[\s-]century(?:\s(?-i:BC|BCE|AD|CE))?\b"
    rf"|\b\d{{4}}-\d{{2}}-\d{{2}}\b"
    # A time of day: "at 6am", "10:30 p.m.", "at noon".
    rf"|\b(?:at\s)?\d{{1,2}}(?:[:.]\d{{2}})?\s?(?:[ap]\.m\.|[ap]m\b)|\b(?:at\s)?(?:noon|midnight)\b"
    rf"|\b(?:yesterday|today|tomorrow|last (?:week|month|year)|next (?:week|month|year))\b"
    # News dates an event from the day it ran: "sacked last night", "earlier this month".
    rf"|\b(?:(?:earlier|later)\s)?(?:last|this|next)\s(?:night|morning|afternoon|evening|weekend)\b"
    rf"|\b(?:tonight|overnight)\b|\b(?:earlier|later)\s(?:this|last)\s(?:week|month|year)\b"
    # A time counted back from now: "two weeks ago", "around a billion years ago".
    rf"|\b(?:(?:about|around|some|nearly|almost|roughly|over|more than|less than)\s)?"
    rf"(?:{_NUM}|{_NUMWORD}|a|an|a few|several)(?:\s{_SCALE})?\s"
    rf"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|millennia)"
    rf"\sago\b",
    re.I,
)
_DURATION = re.compile(
    rf"\b(?:{_NUM}|{_NUMWORD}|a|an|half an?)[- ](?:and[- ]a[- ]half[- ])?"
    rf"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|nights?)\b(?![- ]old)"
    # a game clock: "with 3:08 left", "1:24 to play"
    r"|\b\d{1,2}:\d{2}(?=\s+(?:left|remaining|to play|to go)\b)",
    re.I,
)
_DISTANCE = re.compile(
    rf"\b(?:some |about |around |nearly |roughly )?(?:{_NUM}|{_NUMWORD})(?:\s?{_SCALE})?[- ]?"
    rf"(?:miles?|kilometres?|kilometers?|km|metres?|meters?|m|feet|foot|ft|inches|yards?|"
    rf"light[- ]years?)\b",
    re.I,
)
# A span of time given by its ends: "from 4 August 1915 until November 1918", "since 1957".
_PERIOD = re.compile(
    rf"\b(?:from|between)\s(?:{_DATE.pattern})\s?(?:until|till|to|through|and|–|-)\s?"
    rf"(?:{_DATE.pattern})|\bsince\s(?:(?:at least|about|around)\s)?(?:the\s)?(?:(?:early|mid|late)-?\s?)?"
    rf"(?:{_DATE.pattern})",
    re.I,
)
# How long something lasts, said by when it ends: "until the end of the 2022/23 season".
_UNTIL = re.compile(
    rf"\b(?:until|till|through)\s(?:at least\s)?(?:the\s)?(?:(?:end|start|middle) of\s(?:the\s)?)?"
    rf"(?:\d{{4}}[/–-]\d{{2,4}}(?:\s(?:season|campaign|school year))?|(?:{_DATE.pattern}))",
    re.I,
)
# "how long is the bridge" asks for a length; "how long did the strike last" for a time.
_ASKS_HOW_FAR_TOWARD = re.compile(
    r"\bhow far (?:(?:north|south)(?:-?(?:east|west))?|east|west|inland|upstream|downstream|"
    r"afield)\b",
    re.I,
)
_ASKS_LENGTH = re.compile(
    r"\bhow long (?:is|are|was|were)\b(?!.*\b(?:for|ago|since|until)\b)|"
    r"\bhow long (?:does|do|did)\b.*\b(?:stretch|extend|run along|reach|measure|span)\b",
    re.I,
)
# "When does a larva settle?" asks about something that happens again and again: its answer is
# an event ("after it drops to the sea floor") as often as a date.
_ASKS_WHEN_GENERIC = re.compile(r"\bwhen (?:does|do|is|are|can|should)\b", re.I)
# "when does it start?", "when's he getting sentenced?": a time still to come (or that holds
# now), which a day something was announced, or a year something has lasted since, is not.
_ASKS_AHEAD = re.compile(
    r"\bwhen(?:['’]s|\s+(?:is|are|will|does|do)\b)|\b(?:til|till|until)\s+when\b", re.I
)
_PAST_BEFORE = re.compile(
    r"\b(?:since|announced|said|told|reported|confirmed|revealed|disclosed|unveiled)"
    r"\s*(?:on\s+|in\s+)?$",
    re.I,
)
_PAST_LEAD = re.compile(r"since\b", re.I)
_EVENT_CLAUSE = re.compile(
    r"\b(?:(?:immediately|shortly|soon|just|right) )?(?:after|before|during|while|once|until|"
    r"whenever|following)\s[^,.;:]{2,79}\w\b",  # to a word's end
    re.I,
)
_FREQUENCY = re.compile(
    r"\b(?:hourly|daily|nightly|weekly|fortnightly|biweekly|monthly|quarterly|annually|yearly|"
    r"biannually|semiannually|seasonally)\b"
    rf"|\b(?:once|twice|three times|(?:{_NUM}|{_NUMWORD}) times)(?: (?:a|an|per|each|every) \w+)?"
    r"|\bevery (?:other |few |single )?(?:\d+ |two |three |four |six |ten )?"
    r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|months?|quarters?|years?|seasons?|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|morning|evening|weekend)\b"
    r"|\b(?:a|per) (?:day|week|month|year)\b",
    re.I,
)
# "due to be held", "due to start": a schedule, not a cause.
_DUE_TO = (
    r"due to(?! (?:be|have|start|begin|open|close|arrive|take|end|finish|launch|expire|return|"
    r"meet|hold|appear|testify|visit|land|resume|release|announce|report|speak|sign|vote|run|go|"
    r"come|leave|debut|air|premiere|face|retire|step|stand|fly|play|deliver|publish|receive)\b)"
)
_REASON = re.compile(
    r"\b(?:because(?: of)?|" + _DUE_TO + r"|owing to|thanks to|as a result of|in order to|so that|"
    r"after|since|(?<!such )(?<!well )(?<!many )(?<!much )(?<!soon )(?<!long )(?<!far )(?<!same )"
    r"as(?! (?:well|many|much|soon|long|far|of|part|if|though)\b)|"  # "as many as 200" is no cause
    r"for fear|blamed (?:it )?on|caused by|(?:sparked|triggered|prompted|fu?elled) by|citing|amid|"
    r"over concerns?|"
    r"to (?:prevent|avoid|stop|ensure|help|make|keep|protect|reduce|give)|led to|resulted in|"
    r"the reason)\b",
    re.I,
)
# Connectives that state a cause or a purpose outright. "after", "since", "as" or "amid" often
# only say when something happened; these say why.
_STATED_REASON = re.compile(
    r"\b(?:because|" + _DUE_TO + r"|owing to|thanks to|as a result of|in order to|so that|"
    r"blamed (?:it )?on|"
    r"caused by|(?:sparked|triggered|prompted|fu?elled) by|led to|resulted in|the reason)\b",
    re.I,
)
_CAPITALISED_WORD = re.compile(r"\b[A-Z][a-z]+\b")
# DEMONYMS also holds modifiers that name no one ("Former", "Southern", "Catholic").
_NATIONALITIES = DEMONYMS - {
    "catholic", "christian", "conservative", "democratic", "eastern", "federal", "former",
    "jewish", "latin", "liberal", "muslim", "new", "northern", "republican", "south", "southern",
    "veteran", "western", "arab", "african", "asian", "european", "californian", "texan",
}  # fmt: skip
_CAPITALISED = re.compile(
    r"(?:[A-Z][\w'’&.-]*|[A-Z]{2,})(?:\s+(?:(?:of|the|de|da|van|der|von|am|al|bin|la|le|du|and|&)"
    r"\s+)?(?:(?:al|el|ad|ash|as|an)-)?(?:[A-Z][\w'’&.-]*))*"  # "Muhammad Abd al-Salaam Farag"
)
_COLOUR = re.compile(
    r"\b(?:(?:light|dark|pale|bright|deep|navy|royal|sky|lime|olive|hot)[- ])?(?:red|orange|yellow|"
    r"green|blue|purple|violet|pink|brown|black|white|grey|gray|silver|gold|golden|beige|"
    r"turquoise|teal|cyan|magenta|maroon|crimson|scarlet|ivory|cream|khaki|lavender|indigo|"
    r"bronze|copper|navy|tan|burgundy)\b",
    re.I,
)
# A news dateline opens an article: "WASHINGTON —", "SAN FRANCISCO (AP) —", "MADRID, Spain —".
_DATELINE = re.compile(
    r"^[A-Z][A-Z .'’-]{2,}(?:,\s*[A-Z][\w .]*)?\s*(?:\([A-Za-z .]+\)\s*)?(?:[—–-]{1,2}|:)\s"
)
_NEXT_WORD = re.compile(r"\s+([a-z][\w-]*)")
# "Oscar-winning", "Washington-based": a name turned into an adjective.
_NAME_AS_MODIFIER = re.compile(r"[-–][a-z]+$")
_PLACE_PREP = re.compile(
    r"\b(?:in|at|near|from|outside|inside|to|into|across)\s+(?:the\s+)?$", re.I
)


_UNIT_ASKED = re.compile(
    r"\bin\s+(km|kilomet(?:re|er)s|miles|met(?:re|er)s|feet|ft|inches|yards|light-years)\b", re.I
)
_ASKS_BASE = re.compile(r"\b(?:based|headquartered|headquarters|hq)\b", re.I)
_BASED = re.compile(r"\b([A-Z][\w.'’&]*(?:[\s-][A-Z][\w.'’&]*){0,3})-(?:based|headquartered)\b")
_IN_PLACE = re.compile(
    r"\b(?:in|at|near|outside|inside|across|into)\s+(?:the\s+|his\s+|her\s+|their\s+|its\s+)?$"
    r"|\b(?:the\s+)?(?:capital|city|town|village|province|state|county|region)(?:\s+of)?\s+$",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Phrase:
    """A phrase of a sentence: ``sentence[start:end]``."""

    start: int
    end: int
    text: str


# Up to three words naming which one ("which AEI China scholar", "what South Dakota state
# department"), but not the start of a clause ("what did the man say" asks for what he said, not
# for a man).
_MODIFIERS = (
    r"(?:(?!(?:did|does|do|is|was|are|were|has|have|had|will|would|can|could|should|the|a|an|"
    r"this|that|his|her|its|their|they|he|she|it|you|i|we|kind|sort|type|in|on|at|of|for|from|to|"
    r"with|by|about|into|over|under|near|outside|inside|after|before|during|any|most)\b)[\w.'’-]+ ){0,3}"
)
# Nouns that name a kind of place, person or organisation: "which prison", "what ad agency".
_PLACE_NOUNS = (
    r"town|city|country|state|place|region|venue|park|street|location|county|island|village|"
    r"neighbou?rhood|hotel|stadium|arena|prison|jail|hospital|airport|museum|theat(?:re|er)|church|"
    r"mall|restaurant|province|district|continent|mountain|river|lake|beach|campus|"
    r"(?<!television )(?<!radio )(?<!tv )station"  # a TV or radio station is an organisation
)
_PERSON_NOUNS = (
    r"person|man|woman|guy|player|actor|actress|singer|artist|author|writer|director|coach|ceo|"
    r"chair\w*|scholar|analyst|official|minister|senator|judge|politicians?|executive|founder|"
    r"leader|president|boss|journalist|reporter|spokes\w+|speaker|governor|mayor|secretary|lawyer|"
    r"attorney|doctor|officer|commissioner|candidates?|owner|manager|captain|designer|goalie|"
    r"goalkeeper|striker|quarterback|pitcher|driver|pilot|host|presenter|chef|composer|producer|"
    r"musician|rapper|comedian|king|queen|prince|princess|lawmaker|ambassador|suspect|victim|"
    r"witness|teen|student|teacher|professor|researcher|scientist|engineer|investor|billionaire|"
    r"winner|champion|referee|athlete|architect|inventor|creator|member"
)
_ORG_NOUNS = (
    r"company|firm|agency|team|club|band|group|organi[sz]ation|department|party|university|school|"
    r"outlet|network|brand|publication|paper|startup|bank|studio|label|airline|channel|"
    r"broadcaster|(?:television|radio|tv) station"
)
_ASKS_EXPANSION = re.compile(
    r"\b(?:what|wat)(?:'s|’s|s)?\b.*?\b([A-Za-z][A-Za-z&.]{1,9})\b['\"’”]? (?:stands?|stood) for\b|"
    r"\b(?:what|wat)(?:'s|’s|s)?\b.*?\b([A-Za-z][A-Za-z&.]{1,9})\b['\"’”]? (?:is )?short for\b|"
    r"\b(?:full (?:name|form)|long form) (?:of|for) (?:the )?([A-Za-z][A-Za-z&.]{1,9})\b",
    re.I,
)
_ASKS_QUOTE = re.compile(
    r"\bwhat (?:did|does|do|has|have|had|will|would)\b[^?]{0,80}?"
    r"\b(?:say|said|says|tell|told|tells|tweet|tweeted|reply|replied|respond|responded)\b",
    re.I,
)
_Q_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # An abbreviation's long form: "what does CWD stand for?", "what is RNLI short for".
    ("expansion", _ASKS_EXPANSION),
    # What someone said: "what did the mayor tell reporters", "what does the sign say".
    ("quote", _ASKS_QUOTE),
    # Several things at once: "which 5 companies", "who's on the panel", "what guns did they find".
    ("list", re.compile(r"\b(?:what|which|name(?: the)?) (?:\d+|three|four|five|six|seven|eight|nine|ten|all(?: the)?) \w+|\bwho(?:'s|’s| is| are| was| were)? (?:on|in) the (?:\w+ ){0,3}(?:panel|team|cast|line-?up|board|shortlist|list|squad|committee)\b|\b(?:what|which) (?:\w+ )?(?!(?:years|days|weeks|months|hours|minutes|times|dates|decades)\b)\w+[^s\W]s (?:did|do|does|are|were|have|has|will|would|can)\b", re.I)),
    ("age", re.compile(r"\bhow old\b|\bwhat age\b|\bage of\b", re.I)),
    ("percent", re.compile(r"\b(?:what|which|how much) (?:%|percent|percentage|share)\b|%", re.I)),
    ("score", re.compile(r"\b(?:final )?score\b|\bstat ?line\b|\bresult of the (?:game|match)\b", re.I)),
    ("duration", re.compile(r"\bhow long\b(?! ago)|\bhow much (?:more )?time\b|\bfor how long\b|\bhow many (?:years|days|weeks|months|hours|minutes)\b", re.I)),
    ("distance", re.compile(r"\bhow far\b(?!.*\b(?:back|dates? back)\b)|\bhow (?:high|tall|deep|wide)\b|\bdistance\b|\b(?:what(?:'s|’s| is| was| are)?|which)\s+(?:the\s+|its\s+|their\s+)?(?:\w+(?:'s|’s)\s+)?(?:diameter|radius|height|width|depth|altitude|elevation|circumference|wingspan)\b", re.I)),
    ("money", re.compile(r"\bhow much\b(?!\s+(?:time|longer|weight|water|land|space|energy|power|data|rain|snow)\b).*\b(?:pay|paid|cost|spend|spent|worth|price|fork|charge|raise|earn|sell|sold|buy|bought|fund|fine|budget|revenue|salary|money|deal|damages|value|valued|fee|tix|tickets?)|\b(?:what|what's|whats)\b.*\b(?:price|cost|fee|salary|revenue|budget|valuation|worth|damages)\b|\bhow much money\b", re.I)),
    ("date", re.compile(r"\bwhen\b|\b(?:what|which) (?:years?|dates?|days?|months?|time|decades?|century)\b|\btil+ when\b|\bhow long ago\b|\bwhat time\b|\bhow far back\b|\bdates? back\b", re.I)),
    ("frequency", re.compile(r"\bhow (?:often|frequently)\b|\bhow many times (?:a|an|per|each|every)\b", re.I)),
    ("quantity", re.compile(r"\bhow (?:many|much|big|large|fast|heavy)\b|\b(?:what|which) (?:number|amount|size)\b|\bnumber of\b|\bdeath toll\b", re.I)),
    ("reason", re.compile(r"\bwhy\b|\bhow come\b|\bwhat (?:caused|led to|kicked off|set off|touched off|triggered|prompted|sparked|spurred|fu?ell?ed|made)\b|\bthe reason\b|\bwhat for\b", re.I)),
    ("place", re.compile(rf"\bwhere\b|\b(?:what|which) {_MODIFIERS}(?:{_PLACE_NOUNS})\b", re.I)),
    ("person", re.compile(rf"\bwho(?:m|se|'s| is| was)?\b|\b(?:what|which) {_MODIFIERS}(?:{_PERSON_NOUNS})\b|\bname of the (?:person|man|woman|guy)\b", re.I)),
    ("nationality", re.compile(r"\bwhat nationality\b|\bnationality (?:is|was|are|were)\b", re.I)),
    ("colour", re.compile(r"\b(?:what|which) colou?rs?\b|\bcolou?rs? (?:is|are|was|were|did)\b", re.I)),
    ("org", re.compile(rf"\b(?:what|which) {_MODIFIERS}(?:{_ORG_NOUNS})\b", re.I)),
)  # fmt: skip


# "what Swiss city", "which state department": the noun naming the kind of name asked for (the
# modifiers take as many words as they can, so a compound's last noun is the one found).
_CLASS_NOUN = re.compile(
    rf"\b(?:what|which) {_MODIFIERS}({_PLACE_NOUNS}|{_PERSON_NOUNS}|{_ORG_NOUNS})\b", re.I
)
_NAMED_CLASSES = {
    "place": re.compile(_PLACE_NOUNS, re.I),
    "person": re.compile(_PERSON_NOUNS, re.I),
    "org": re.compile(_ORG_NOUNS, re.I),
}


@lru_cache(maxsize=1024)  # asked once per sentence read (``find_spans``), for one question
def class_noun(question: str) -> str | None:
    """The noun that names the kind of name asked for ("city" in "what Swiss city ...?").

    A sentence that answers names the city instead of saying "city" (the reader counts the noun
    half-present in a sentence holding a name of the kind asked), or says it as part of the name
    ("Marronnier Park" for "which park"), which is then no echo of the question.
    """
    match = _CLASS_NOUN.search(_main_question(question))
    return match.group(1) if match else None


def expected_type(question: str) -> str | None:
    """The kind of phrase that answers ``question`` (``None``: a "what"/"which" thing or yes/no)."""
    if asked_identity(question) is not None:
        return "identity"
    # The question word that comes first decides: "how many people signed up when it launched"
    # asks for a count, not a date.
    found: list[tuple[int, int, str]] = []
    asked = _main_question(question)
    for order, (kind, pattern) in enumerate(_Q_PATTERNS):
        match = pattern.search(asked)
        if match:
            found.append((match.start(), order, kind))
    if not found:
        return _keyword_type(question)
    kind = min(found)[2]
    noun = class_noun(question) if kind in _NAMED_CLASSES else None
    if noun is not None:
        # The head of a compound comes last: "which city team" asks for a team, "what city
        # council member" for a person, "what state agency" for an organisation.
        kind = next((k for k, nouns in _NAMED_CLASSES.items() if nouns.fullmatch(noun)), kind)
    if kind == "quantity" and (_asks_money(question) or _PRICE_PER.search(question)):
        return "money"
    return kind


# "who is Fiona Hill?", "who was marcelo claure": the question names someone and asks what
# they are, not for a name (a role or a description: "a former White House adviser").
# "who is ...", "so who's ...": the opening of a who-is question (shared with follow-ups).
WHO_IS = r"^\W*(?:(?:so|and|ok|okay|wait)\W+)?who(?P<verb>'s|’s|\s+is|\s+was|\s+are|\s+were)\s+"
_ASKS_IDENTITY = re.compile(
    WHO_IS
    + r"(?!(?:the|a|an|this|that|these|those|his|her|their|its|your|my|our|it|he|she|they|we|"
    r"you|i)\b)(?P<name>[A-Za-z][\w.'’-]*(?:\s+[A-Za-z][\w.'’-]*){0,3})\W*$",
    re.I,
)


@lru_cache(maxsize=1024)  # asked once per sentence read (``find_spans``), for one question
def asked_identity(question: str) -> str | None:
    """The name in a who-is question that asks what someone is ("who is Fiona Hill?"), or None.

    The name must read as one: capitalised where the question uses capitals ("who was
    Lavoisier?"), else at least two words, none of them a function word or a verb form ("who is
    marcelo claure", not "who was arrested" or "who is in charge").
    """
    match = _ASKS_IDENTITY.match(question)
    if match is None:
        return None
    name = match.group("name")
    tokens = name.split()
    if any(t.lower() in STOPWORDS or re.search(r"['’]s?$|['’]s\b", t) for t in tokens):
        return None  # "who is Apple's chief?" asks for a name
    if question != question.lower():
        return name if all(t[0].isupper() for t in tokens) else None
    if len(tokens) < 2 or any(re.search(r"(?:ed|ing)$", t) for t in tokens):
        return None
    return name


_WH_WORD = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.I)
# After the question word, "when", "where" and "who" join clauses ("what name did she use when
# she wrote", "the guy who ate the rabbit"); after "and" or a comma they start a new question.
_CLAUSE_WH = re.compile(r"(?<!\band )(?<!,)(?<!, )\b(?:when|where|who|whom|whose)\b", re.I)


# "When the law is the target of a protest, what is it called?": a leading when-clause (no
# auxiliary after "when", and a comma or another question word later) sets the scene; the
# question word after it asks.
_OPENING_CLAUSE = re.compile(
    r"^\s*(?:when|where|whenever|while|once)\s+(?!(?:did|does|do|is|was|are|were|will|would|can|"
    r"could|has|have|had|should|shall|might|may|must)\b)(?=[^?]*(?:,|\b(?:what|which|who|whom|"
    r"whose|how|why)\b))",
    re.I,
)


def _main_question(question: str) -> str:
    """``question`` with the clause-joining wh-words after its first one blanked out."""
    opening = _OPENING_CLAUSE.match(question)
    if opening is not None:
        question = "_" * opening.end() + question[opening.end() :]
    first = _WH_WORD.search(question)
    if first is None:
        return question
    head, tail = question[: first.end()], question[first.end() :]
    return head + _CLAUSE_WH.sub(lambda m: "_" * len(m.group()), tail)


# A search-box query names what it wants instead of asking: "harbour bridge reopening date".
_KEYWORD_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("date", re.compile(r"\b(?:date|year|deadline)s?\b", re.I)),
    ("money", re.compile(r"\b(?:cost|price|fee|salary|revenue|budget|fine|valuation|funding|net worth)s?\b", re.I)),
    ("age", re.compile(r"\bage\b", re.I)),
    ("score", re.compile(r"\b(?:score|scoreline|final result)\b", re.I)),
    ("percent", re.compile(r"\b(?:percentage|percent|rate)\b", re.I)),
    ("duration", re.compile(r"\b(?:duration|length|runtime|run time)\b", re.I)),
    ("distance", re.compile(r"\b(?:distance|height|depth|diameter|radius|width|altitude|elevation|wingspan)\b", re.I)),
    ("place", re.compile(r"\b(?:location|venue|address|whereabouts|headquarters|hq|hometown|birthplace)\b", re.I)),
    ("person", re.compile(rf"\b(?:{_PERSON_NOUNS})\b", re.I)),
    ("org", re.compile(rf"\b(?:{_ORG_NOUNS}|maker|manufacturer|sponsor|buyer)\b", re.I)),
    ("reason", re.compile(r"\b(?:reason|cause|motive)s?\b", re.I)),
    ("frequency", re.compile(r"\b(?:frequency|timetable)\b", re.I)),
    ("quantity", re.compile(r"\b(?:number|count|total|population|attendance|capacity|turnout|death toll)\b", re.I)),
)  # fmt: skip


_HEAD_OF_PHRASE = re.compile(r"\s+(?:of|for)\b", re.I)


def _keyword_type(query: str) -> str | None:
    """The kind a keyword query names ("... reopening date" -> date); None for a real question."""
    if _WH_WORD.search(query) or query.rstrip().endswith("?"):
        return None
    # The head of a query is at its end ("ferry route launch date", "skerryline revenue q3"), or
    # before "of" / "for" ("population of warsaw", "reason for the delay"); a kind word earlier
    # on is a topic ("fort worth girl", "game day snacks"), not what is wanted.
    found = [
        (m.start(), kind)
        for kind, pattern in _KEYWORD_TYPES
        for m in pattern.finditer(query)
        if len(query[m.end() :].split()) <= 1 or _HEAD_OF_PHRASE.match(query, m.end())
    ]
    return max(found)[1] if found else None


# After "how much", a word that is not the thing measured ("how much more did it cost").
_NOT_MEASURED = frozenset(
    [
        "did", "does", "do", "is", "was", "were", "are", "will", "would", "can", "could", "has",
        "have", "had", "should", "might", "must", "the", "a", "an", "of", "in", "more", "less",
        "it", "they", "he", "she", "we", "you", "i", "this", "that", "these", "those",
    ]
)  # fmt: skip
_HOW_MUCH = re.compile(r"\bhow much\s+([\w'’]+)", re.I)
# "how much is stadia pro a month?": a price per month (or year, ticket, night) is money.
_PRICE_PER = re.compile(
    r"\bhow much (?:is|are|was|were|does|do|did|will)\b.*\b(?:a|per|each|every)\s+"
    r"(?:month|year|week|day|night|ticket|head|person|seat|pop)\b",
    re.I,
)


def _asks_money(question: str) -> bool:
    """A how-much question with a money word, unless it names another thing it measures.

    "how much did the trust give?" asks for money, "how much time did they spend?" does not.
    """
    found = _HOW_MUCH.search(question)
    if found is None:
        return False
    measured = found.group(1).lower()
    if measured not in _NOT_MEASURED and stem(measured) not in _MONEY_STEMS:
        return False
    return any(stem(w.lower()) in _MONEY_STEMS for w in words(question))


def _outside(question_words: set[str], text: str) -> bool:
    """True when ``text`` brings a word the question does not have (an answer, not an echo)."""
    new = [w for w in words(text) if w.lower() not in question_words and w.lower() not in STOPWORDS]
    return bool(new)


def _names_something(sentence: str, phrase: Phrase) -> bool:
    """True when a number word is part of a name: "Take-Two Interactive", "the Big Four"."""
    if re.match(r"\d", phrase.text):
        return False
    before = sentence[: phrase.start]
    if before.endswith("-"):
        return True
    opens = not before.strip() or before.rstrip()[-1] in ".!?:;\"“‘'(—–"
    return phrase.text[:1].isupper() and not opens


def _matches(pattern: re.Pattern[str], sentence: str) -> list[Phrase]:
    return [
        Phrase(m.start(), m.end(), m.group().strip(" ,"))
        for m in pattern.finditer(sentence)
        if m.group().strip(" ,")
    ]


_CONNECTIVE = re.compile(
    r"[A-Z][a-z]+ly|Like|Unlike|Hence|Thus|Also|Although|Though|Despite|Meanwhile|Instead|"
    r"Moreover|Furthermore|Therefore|Nevertheless|Nonetheless|Otherwise|Still|Yet|Later|Earlier|"
    r"Today|Here|There|Now|Then|Since|While|Because|After|Before|During|Unless|Whether|Once|"
    r"Such|Many|Most|Some|Several|Both|Each|Every|Other|Another|Among|Following|According"
)


# A capitalised first word that is an ordinary word by its ending ("Existing laws",
# "Religious orders", "Phosphorylation"), or a connective, is no name.
_COMMON_OPENER = re.compile(
    rf"{_CONNECTIVE.pattern}|However|Near|Besides|Nearby|Inside|Outside|Above|Below|Around|"
    r"Across|Within|Throughout|Upon|Whereas|Indeed|Again|Even|Often|Soon|Perhaps|Maybe|"
    r"Together|Afterwards|One|Two|Three|Ah|Aha|Oh|Ooh|Alas|Wow|Hey|Hmm|Um|Uh|Yes|Yeah|Okay|"
    r"[A-Z][a-z]+(?:ing|ed|ous|ive|ical|ional|ion|ions|"
    r"ness|ment|ments|ity|ities|ism|ists?)"
)


_INNER_POSSESSIVE = re.compile(r"(?<=['’]s)\s+")


# A possessive that is part of one name: "People's Republic", "Women's World Cup".
_NAME_POSSESSORS = frozenset(
    [
        "people", "children", "women", "men", "workers", "farmers", "veterans", "citizens",
        "students", "teachers", "nurses", "ladies", "boys", "girls", "mothers", "fathers", "king",
        "queen", "world",
    ]
)  # fmt: skip


def _name_runs(sentence: str) -> Iterator[tuple[int, str]]:
    """Capitalised word runs, split after a possessive: "Wang Zhen's Nong Shu" is two names."""
    for m in _CAPITALISED.finditer(sentence):
        start = m.start()
        for cut in _INNER_POSSESSIVE.finditer(m.group()):
            owner = without_possessive(m.group()[: cut.start()].split()[-1]).lower()
            if owner not in _NAME_POSSESSORS:
                yield start, sentence[start : m.start() + cut.start()]
                start = m.start() + cut.end()
        yield start, sentence[start : m.end()]


def _names(sentence: str, question_words: set[str]) -> list[Phrase]:
    """Capitalised word runs, minus a sentence-initial common word and the question's own names.

    A dateline ("WASHINGTON —"), a name used as a modifier ("Oscar-winning") and a nationality
    ("Spanish striker") are capitalised but name nobody and nothing.
    """
    out = []
    dateline = _DATELINE.match(sentence)
    for run_start, run in _name_runs(sentence):
        text = without_possessive(run).rstrip(".,'’")  # "Hawley’s" names Hawley
        if not text or (dateline and run_start < dateline.end()):
            continue
        if _NAME_AS_MODIFIER.search(text):
            continue
        after = _NEXT_WORD.match(sentence, run_start + len(text))
        if (
            len(words(text)) == 1
            and text.lower() in DEMONYMS
            and after
            and after.group(1) not in STOPWORDS
        ):
            continue  # "Spanish striker" (an adjective); "the French in 1759" names a people
        start = run_start
        first = text.split()[0]
        if start == 0 and first.lower() in STOPWORDS | DATE_WORDS:
            continue  # "The Saltmarket bridge": a name as a modifier, more often than not
        if start == 0 and _COMMON_OPENER.fullmatch(first):
            # "Hence", "Existing", "Several": a sentence's first word, not part of a name
            text, start = _without_first_word(text, start)
        # A title the question gives ("Kennedy's vice president") is not the answer, the name
        # after it is: "Vice President Lyndon B. Johnson".
        while len(text.split()) > 1 and text.split()[0].lower() in question_words - STOPWORDS:
            text, start = _without_first_word(text, start)
        if len(text.replace(".", "")) < 2:
            continue  # an initial ("R.") names nobody on its own
        tokens = [w.lower() for w in words(text)]
        # The question's own names ("van der beek") are not its answer, nor are dates.
        if any(t in question_words and t not in STOPWORDS for t in tokens):
            continue
        if all(t in DATE_WORDS or t[:1].isdigit() for t in tokens):
            continue
        out.append(Phrase(start, start + len(text), text))
    return out


# A name given to something: "it's called Plan & Grow BIG", "what I'll call rewind design", "the
# team, nicknamed the Three Amigos". The name is a quoted phrase or up to five words before a
# clause break.
_NAMING_CUE = re.compile(
    r"\b(?:called|named|dubbed|nicknamed|titled|entitled|known as|termed|branded|"
    r"(?:name|title|nickname) (?:is|was)|calls? (?:it|this|that|them|him|her)|"
    r"(?:I|we|you|they|he|she)(?:'ll|’ll| will| would)? call|under the name|goes by|go by|"
    r"referred to as|(?:the|a) (?:term|phrase|nickname|moniker|name|label))\s+",
    re.I,
)
# Only a quoted phrase, a capitalised one, or (after "I'll call", "calls it") any words: "called a
# friend" is a phone call.
_NAME_AFTER_CUE = re.compile(
    r"[“\"‘']([^”\"’']{2,60})[”\"’']|"
    r"((?:(?!(?:and|but|or|because|after|before|when|which|who|that|for|by|in|on|at|to|from|"
    r"with|as|since|while|if|is|was|are|were)\b)[\w$€£&'’.+-]+\s?){1,5})",
    re.I,
)
_LOOSE_CUE = re.compile(r"calls?\s+(?:it|this|that|them|him|her)\s+$|call\s+$", re.I)
# ... or after a copula: "this is called immune surveillance", "are known as tuition-free".
_COPULA_BEFORE = re.compile(
    r"\b(?:is|are|was|were|be|been|being)\s+(?:(?:also|now|often|commonly|sometimes|usually|"
    r"generally|widely|simply|officially|collectively|informally|popularly)\s+)?$",
    re.I,
)
# A particle after the cue makes it a phrasal verb: "was called back to work" names nothing.
_PARTICLE = re.compile(r"(?:back|off|up|out|away|after|upon|into|over|down)\b", re.I)


_QUOTE_SOON = re.compile(r"[^“\"‘.;:!?]{0,60}?[“\"‘]([^”\"’]{2,60})[”\"’]")


def given_names(sentence: str, question: str) -> list[Phrase]:
    """Names ``sentence`` gives to something after a naming cue, not in ``question``'s words."""
    q_words = {without_possessive(w.lower()) for w in words(question)}
    found = []
    for cue in _NAMING_CUE.finditer(sentence):
        # "dubbed Sondland's role as "the Gordon problem"": a quote a few words on is the name
        quoted = _QUOTE_SOON.match(sentence, cue.end())
        at = quoted.start(1) - 1 if quoted is not None else cue.end()
        m = _NAME_AFTER_CUE.match(sentence, at)
        if m is None:
            continue
        group = 1 if m.group(1) is not None else 2
        text = m.group(group).strip(" .,;:!?")
        head = re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I)
        loose = group == 2 and not (head[:1].isupper() or head[:1].isdigit())
        if loose and (
            _PARTICLE.match(head)
            or not (
                _LOOSE_CUE.search(cue.group()) or _COPULA_BEFORE.search(sentence, 0, cue.start())
            )
        ):
            continue  # a loose name needs a naming cue, and no particle after it
        if text and text.lower() not in STOPWORDS and _outside(q_words, text):
            start = m.start(group)
            found.append(Phrase(start, start + len(text), text))
    return found


# Asking what someone calls something ("what does she call her approach", "the writer's name for
# ...", "what nickname", "what term did he use"): the answer is a coined name, which shares no
# words with the question, and is given after a cue ("it's called ...", "what I'll call ...").
# "What is the name of the river" is not such a question: encyclopedic names stand without a cue.
_ASKS_TERM = re.compile(
    r"\bwhat (?:do|does|did) (?:\S+ ){1,5}(?:call|dub|nickname)\b|"
    r"\b(?:nick-?)?name for\b|\bwhat (?:nick-?name|term|phrase|label)\b|"
    r"\bwhat(?:'s|’s|s| is| was) (?:the |a |his |her |their |its )?(?:nick-?name|term|label)\b|"
    r"^\W*(?:\S+ ){0,8}?what\b.*\b(?:called|known as|referred to as|termed|dubbed|nicknamed)"
    r"\W*$",
    re.I,
)


def asks_term(question: str) -> bool:
    """True when ``question`` asks what someone calls something (see ``_ASKS_TERM``)."""
    return bool(_ASKS_TERM.search(question))


def _without_first_word(text: str, start: int) -> tuple[str, int]:
    """``text`` (at ``start``) without its first word and a joiner after it ("of", "and")."""
    cut = re.match(r"\S+\s*(?:(?:of|the|and|&)\s+)?", text)
    end = cut.end() if cut else len(text)
    return text[end:], start + end


_ATTRIBUTION = re.compile(r",\s+(?:said|says|according to|officials said|police said)\b", re.I)


def _reason(sentence: str) -> list[Phrase]:
    out = []
    for m in _REASON.finditer(sentence):
        cue = m.group().lower()
        if cue in ("led to", "resulted in"):
            start = 0
            end = m.start()
        else:
            start, end = m.start(), len(sentence)
            said = _ATTRIBUTION.search(sentence, m.end(), end)  # ", said Amnesty" is who said it
            end = said.start() if said else end
        text = sentence[start:end].strip(' ,;:."“”')
        if len(words(text)) >= 3:
            out.append(Phrase(start, start + len(text), text))
    return out


def states_reason(sentence: str) -> bool:
    """True when ``sentence`` gives a cause or purpose outright ("because", "due to", "led to")."""
    return bool(_STATED_REASON.search(sentence))


# "who won", "who ended up winning", "who was the winner"; not "a contest to win" (a purpose)
# nor "the trophy given to the winner" (a thing asked about).
_ASKS_WIN = re.compile(
    r"(?<!\bto )\b(?:won(?![’']t)|wins|winning)\b|(?<!\bto )\bwin\b"
    r"|\b(?:who|which\s+\w+)\s+(?:was|were|is|are|will\s+be)\s+(?:the\s+)?winners?\b",
    re.I,
)
_NOT_ASKING_WIN = re.compile(r"\b(?:why|how)\b", re.I)
# How news says someone won: the verb, the result, the prize or the vote.
_STATES_WIN = re.compile(
    r"\b(?:won(?![’']t)|wins?|winning|winners?|victor\w*|beat|beats|beating|defeat\w*|"
    r"champion\w*|titles?|crown\w*|triumph\w*|prevail\w*|clinch\w*|secur\w*|captur\w*|"
    r"awarded|prizes?|medal\w*|gold|elected|went to|took home|took the|first place|top spot|"
    r"came first|finished first|edged|upset|lifted|claimed|scooped|landed|bagged|named|"
    r"\d+\s*[-–]\s*\d+)\b",
    re.I,
)


def asks_win(question: str) -> bool:
    """True when ``question`` asks who or what won, or when or what someone won.

    Its answer must say that someone won: "voted off in a race against Ally Brooke" names a
    rival, not a winner. Why- and how-questions are answered by a cause, which need not.
    (``asks_winner`` is the narrower "who won/beat ...?", answered by one of the sides named.)
    """
    return bool(_ASKS_WIN.search(question)) and not _NOT_ASKING_WIN.search(question)


def states_win(sentence: str, question: str = "") -> bool:
    """True when ``sentence`` says someone won (the verb, a result, a prize or an election).

    A sentence naming what the question says was won says who holds it too: "Chuck Howley
    (MVP of Super Bowl V)" answers "who won the MVP in Super Bowl V?"; one naming a game
    ("the browns steelers game") says nothing of who won it.
    """
    if _STATES_WIN.search(sentence):
        return True
    prize, head = _what_was_won(question)
    if not prize or head in _CONTESTS:
        return False
    return prize <= {stem(w) for w in words(sentence)}


_CONTESTS = frozenset(
    stem(w)
    for w in ("game", "match", "race", "election", "contest", "fight", "bout", "series", "final",
              "finals", "tournament", "competition", "primary", "vote", "battle", "war", "case",
              "lawsuit", "trial", "showdown", "derby", "tie", "league", "season", "cup")
)  # fmt: skip


def _what_was_won(question: str) -> tuple[set[str], str | None]:
    """Stems of the first three words after the question's "won", and of the noun they name.

    "who won the MVP in Super Bowl V?" -> {mvp, super, bowl}, "mvp"; the noun is the last word
    before the first function word ("the browns steelers game in ..." -> "game").
    """
    verb = _ASKS_WIN.search(question)
    prize: list[str] = []
    head: str | None = None
    head_done = False
    for word in words(question[verb.end() :]) if verb else []:
        if word.lower() in STOPWORDS or word.lower() in QUESTION_WORDS:
            head_done = head_done or head is not None
        else:
            prize.append(stem(word))
            if not head_done:
                head = prize[-1]
        if len(prize) == 3 and head_done:
            break
    return set(prize[:3]), head


_ONE_OF = re.compile(r"one\s+of\b", re.I)
_LIST_SEPARATOR = re.compile(r",?\s+(?:and|or)\s+|,\s*")
_COUNT_WORDS = {"three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10}  # fmt: skip
_ASKED_COUNT = re.compile(rf"\b(?:what|which|name(?: the)?) (\d+|{'|'.join(_COUNT_WORDS)})\b", re.I)


def asked_count(question: str) -> int | None:
    """How many things a list question asks for ("which 5 companies" -> 5), if it says."""
    m = _ASKED_COUNT.search(question)
    if m is None:
        return None
    word = m.group(1).lower()
    return int(word) if word.isdigit() else _COUNT_WORDS[word]


# A date counted from the day the story ran ("last night", "on Tuesday", "two weeks ago").
_RELATIVE = re.compile(
    rf"\b(?:yesterday|today|tomorrow|tonight|overnight|last|this|next|ago|{_WEEKDAY})\b", re.I
)


def dated(phrase: str, published: str | None) -> str:
    """``phrase`` with the day its story ran, when it counts from that day.

    "last night" alone is lost on a reader weeks later: "last night (story of 2019-11-20)".
    """
    if not published or _YEAR.search(phrase) or not _RELATIVE.search(phrase):
        return phrase
    return f"{phrase} (story of {published.strip()[:10]})"


def only_in_dateline(phrase: str, sentence: str) -> bool:
    """True when ``phrase`` stands only in the dateline that opens ``sentence``.

    "WASHINGTON (AP) — Ambassador Sondland ..." says where the story was filed, not where
    anything in it happened; the reader never answers with it (``_names``), nor should a model.
    """
    dateline = _DATELINE.match(sentence)
    if dateline is None:
        return False
    wanted = phrase.strip(" .,;:!?\"'“”‘’").lower()
    head, rest = sentence[: dateline.end()].lower(), sentence[dateline.end() :].lower()
    return bool(wanted) and wanted in head and wanted not in rest


def is_of_kind(kind: str | None, phrase: str, question: str) -> bool:
    """Whether a short answer (a model's, say) is of the kind ``question`` asks for.

    A date asked is answered by a date, an amount by an amount (``GATED_KINDS``); a cause is
    never a bare date or number ("what kicked off the protests?" is not "1989"). Other kinds
    (names, things, lists) may be put in any words, so any phrase may be one.
    """
    if kind in GATED_KINDS:
        if find_spans(kind, phrase, question):
            return True
        # A bare "42" for "how old", "in the fall" for "when": the finders read a phrase in its
        # sentence, so a number, a number word or a word of time passes here; a name does not.
        said = {w.lower() for w in words(phrase)}
        return kind != "colour" and (
            bool(re.search(r"\d", phrase)) or bool(said & (NUMBER_WORDS | DATE_WORDS))
        )
    if kind == "reason":
        return not _BARE_DATE_OR_NUMBER.fullmatch(phrase.strip(" .,;:!?\"'“”‘’"))
    return True


# Sums news keeps apart: a salary is not a fortune, a fine is not revenue.
_MONEY_KINDS = {
    "salary": ("salary", "salaries", "wage", "wages", "paycheck"),
    "worth": ("worth", "fortune", "wealth", "valuation", "valued"),
    "revenue": ("revenue", "revenues", "sales", "turnover"),
    "profit": ("profit", "profits", "loss", "losses"),
    "fine": ("fine", "fined", "fines", "penalty", "penalties"),
    "bail": ("bail", "bond"),
    "budget": ("budget", "budgets"),
    "severance": ("severance",),
    "bonus": ("bonus", "bonuses"),
    "ransom": ("ransom",),
    "reward": ("reward", "bounty"),
    "rent": ("rent", "rents"),
    "tuition": ("tuition",),
    "debt": ("debt", "debts"),
}
_MONEY_KIND_OF = {word: kind for kind, names in _MONEY_KINDS.items() for word in names}


def _money_kinds(text: str) -> set[str]:
    return {_MONEY_KIND_OF[w.lower()] for w in words(text) if w.lower() in _MONEY_KIND_OF}


def _other_money(amount: Phrase, sentence: str, asked: set[str]) -> bool:
    """True when the words beside ``amount`` name another kind of sum than the one asked."""
    before = words(re.split(r"[,;]", sentence[max(0, amount.start - 40) : amount.start])[-1])
    after = words(re.split(r"[,;]", sentence[amount.end : amount.end + 30])[0])
    before, after = before[-4:], after[:3]  # within its clause
    beside = _money_kinds(" ".join(before + after))
    return bool(beside) and not beside & asked


def _already_past(date: Phrase, sentence: str) -> bool:
    """True for a day something was told of ("announced Wednesday") or one gone ("since 2017")."""
    lead = _PAST_LEAD.match(date.text)  # the phrase may hold its own "since"
    before = sentence[: date.start] + (f" {lead.group()}" if lead else "")
    return bool(_PAST_BEFORE.search(before))


def find_spans(kind: str | None, sentence: str, question: str) -> list[Phrase]:
    """Phrases of ``sentence`` of the ``kind`` asked that are not just the question's own words.

    Args:
        kind: ``expected_type(question)``.
        sentence: A candidate sentence.
        question: The question (its words are not an answer).

    Returns:
        Candidate answer phrases in sentence order (empty when there is none, or no kind).
    """
    if kind is None:
        return []
    q_words = {without_possessive(w.lower()) for w in words(question)}  # "Ward's" names Ward
    if kind == "money":
        found = _matches(_MONEY, sentence)
        sums = _money_kinds(question)
        if sums:  # "what's her salary?" is not answered by "a net worth of $17 million"
            found = [p for p in found if not _other_money(p, sentence, sums)]
    elif kind == "percent":
        found = _matches(_PERCENT, sentence)
    elif kind == "score":
        found = _matches(_SCORE, sentence) or _matches(_RESULT_LINE, sentence)
        if not found and _ASKS_STATS.search(question):  # a stat line is numbers
            found = [p for p in _matches(_QUANTITY, sentence) if re.search(r"\d", p.text)]
        # "up 109-98 with 3:08 to play" is the score during the game, not its result
        found = [
            p
            for p in found
            if not _IN_PLAY_BEFORE.search(sentence[: p.start])
            and not _IN_PLAY_AFTER.match(sentence[p.end :])
        ]
    elif kind == "age":
        found = [p for p in _matches(_AGE, sentence) if re.search(r"\d|old|aged?", p.text, re.I)]
    elif kind == "duration":
        found = _matches(_DURATION, sentence) + _matches(_PERIOD, sentence)
        # "how long is his contract?": "until June 2027" (inside a period, the period answers)
        found += [
            p
            for p in _matches(_UNTIL, sentence)
            if not any(f.start < p.end and p.start < f.end for f in found)
        ]
        if _ASKS_LENGTH.search(question):  # "how long is the bridge": a length
            found += _matches(_DISTANCE, sentence)
        found.sort(key=lambda p: p.start)
    elif kind == "distance":
        found = _matches(_DISTANCE, sentence)
        unit = _UNIT_ASKED.search(question)  # "what's its diameter in km?": the km figure
        if unit is not None:
            found = [p for p in found if stem(words(p.text)[-1]) == stem(unit.group(1))] or found
        asked = _dimension_asked(question)  # "how tall": "5.3 feet high", not "16 feet long"
        if asked:
            found = [p for p in found if set(_words_after(sentence, p.end)[:2]) & asked] or found
        if _ASKS_HOW_FAR_TOWARD.search(question):  # "how far west did it extend?" -> a place
            found = sorted(found + _names(sentence, q_words), key=lambda p: p.start)
    elif kind == "date":
        found = _with_time_of_day(_matches(_DATE, sentence), sentence)
        if _ASKS_WHEN_GENERIC.search(question):  # "when do larvae settle?" "after they..."
            found = sorted(found + _matches(_EVENT_CLAUSE, sentence), key=lambda p: p.start)
        if _ASKS_YEAR.search(question):  # "what year" wants the year, not "June 9th"
            found = [p for p in found if _YEAR.search(p.text)]
        if _ASKS_AHEAD.search(question):  # "announced Wednesday" is when it was told of
            found = [p for p in found if not _already_past(p, sentence)]
    elif kind == "quantity":
        money = _matches(_MONEY, sentence)
        shares = _matches(_PERCENT, sentence)  # a count may be put as a share ("fell to 60%")
        # "how many people", "layoffs number": a count, not an amount of money
        found = list(shares) if _ASKS_COUNT.search(question) else money + shares
        amounts = money + shares  # the "47 billion" of "$47 billion" counts nothing
        # A day of a date ("ate a rabbit on Nov. 5") counts nothing, nor does "one of" a kind.
        days = [
            d
            for d in _matches(_DATE, sentence)
            if re.search(r"\d", d.text) and re.search(rf"{_MONTH}|{_WEEKDAY}", d.text, re.I)
        ]
        found += [
            p
            for p in map(_without_trailing_stopword, _matches(_QUANTITY, sentence))
            if not _YEAR_ONLY.fullmatch(p.text)
            and _CARDINAL.search(p.text)
            and not any(d.start < p.end and p.start < d.end for d in days)
            and not any(a.start < p.end and p.start < a.end for a in amounts)
            and not _ONE_OF.match(sentence, p.start)
            and not _names_something(sentence, p)
            # "how many fortune 500 companies ...": the question's own number counts nothing
            and not any(w in q_words for w in words(p.text) if w[0].isdigit())
        ]
        counted = _COUNTED.search(question)
        if counted and counted.group(1).lower() not in _UNITS:
            # "how many people" is not answered by "12 miles" or "$40 million"
            found = [p for p in found if not _UNIT_END.search(p.text)]
        if _counted_head(question) in _PEOPLE_STEMS:  # nor by "22 games"
            found = [p for p in found if _counts_people(p, sentence)]
    elif kind == "frequency":
        found = _matches(_FREQUENCY, sentence)
    elif kind == "reason":
        return _reason(sentence)
    elif kind == "list":
        found = _enumerations(sentence)
        wanted = asked_count(question)
        if wanted is not None:  # "which 5 companies" is answered by a list of five
            found = [p for p in found if len(_LIST_SEPARATOR.split(p.text)) == wanted]
    elif kind == "colour":
        found = _matches(_COLOUR, sentence)
    elif kind == "nationality":  # "what nationality is the band?" -> "British"
        found = [
            p
            for p in _matches(_CAPITALISED_WORD, sentence)
            if p.text.lower() in _NATIONALITIES and p.text.lower() not in q_words
        ]
    elif kind in ("place", "person", "org"):
        if asks_winner(question):
            # "who won the wales hungary game?": one of the sides the question names, the one
            # the sentence says beat the other ("Wales beat Hungary 2-0").
            winners = [
                Phrase(m.start(1), m.end(1), m.group(1))
                for m in _BEAT.finditer(sentence)
                if m.group(1).lower() in question.lower()
            ] or _leading_sides(sentence, question)
            if winners:
                return winners
        # The noun that asked for the name is often part of it: "which park" -> "Marronnier
        # Park", "which department" -> "Department of Social Services".
        noun = class_noun(question)
        names = _names(sentence, q_words - {w.lower() for w in words(noun)} if noun else q_words)
        if kind == "place":
            names = [p for p in names if _PLACE_PREP.search(sentence[: p.start])] or names
            if _ASKS_BASE.search(question):  # "where is it based?": "a Sugar Land-based firm"
                based = [
                    Phrase(m.start(1), m.end(1), m.group(1)) for m in _BASED.finditer(sentence)
                ]
                names = based or names
        elif kind == "person":
            # "held by the Taliban in Afghanistan": a place, not who; "an Australian" is no name
            # (but "they fought the French" names a people)
            names = [
                p
                for p in names
                if not (_IN_PLACE.search(sentence[: p.start]) and " and " not in p.text)
                and not (
                    p.text.lower() in _NATIONALITIES
                    and re.search(r"\ban?\s+$", sentence[: p.start], re.I)
                )
            ]
        found = names
    elif kind == "expansion":
        found = _expansions(sentence, question)
    elif kind == "quote":
        return _quotations(sentence, question)
    elif kind == "identity":
        return _descriptions(sentence, question)
    else:
        return []
    return [p for p in found if _outside(q_words, p.text)]


_ASKS_COUNT = re.compile(
    r"\bhow many\b|\bnumber of\b"
    r"|\b(?:what(?:'s|’s| is| was)|which)\s+(?:the\s+)?(?:population|attendance|turnout|headcount|death toll)\b"
    r"|\b(?:number|population|attendance|turnout|headcount|death toll)\s*\??\s*$",
    re.I,
)
_ASKS_WINNER = re.compile(r"\bwho\s+(?:won|wins|beat|came\s+out\s+on\s+top)\b", re.I)


def asks_winner(question: str) -> bool:
    """True for "who won the wales hungary game?": its answer is one of the sides it names."""
    return bool(_ASKS_WINNER.search(question))


def _leading_sides(sentence: str, question: str) -> list[Phrase]:
    """The side a results line puts ahead, of those the question names: "Wild 4, Sabres 1"."""
    sides = []
    for m in _RESULT_LINE.finditer(sentence):
        first, second = int(m.group(2)), int(m.group(4))
        if first == second:
            continue
        group = 1 if first > second else 3
        if m.group(group).lower() in question.lower():
            sides.append(Phrase(m.start(group), m.end(group), m.group(group)))
    return sides


# A side named as beating another: "Wales beat Hungary", "the Lakers held off OKC".
_BEAT = re.compile(
    r"(?:\bThe\s+)?\b([A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*)\s+(?:beat|beats|defeated|defeats|edged|downed|"
    r"(?-i:d\.)|"  # a results line: "Palm Bay d. Rockledge 70-44"
    r"thrashed|routed|stunned|upset|overcame|held\s+off|hold\s+off|won\s+(?:against|over))\s+"
    r"(?:the\s+)?[A-Z]"
)
_IN_PLAY_BEFORE = re.compile(
    r"\b(?:up|down|led|leading|trailed|trailing|lead of|cut it to|made it|tied it at)\s+$", re.I
)
_IN_PLAY_AFTER = re.compile(
    r"\s*(?:with\s+(?:\d+:\d+|\w+ (?:minutes?|seconds?))\s+(?:to play|left|remaining)|"
    r"at (?:half-?time|the half|the break|the end of the (?:first|second|third)))",
    re.I,
)
_ASKS_STATS = re.compile(r"\bstat ?line\b|\bstats\b|\bstatistics\b", re.I)
_YEAR_ONLY = re.compile(r"(?:1[5-9]\d\d|20\d\d)")
_BARE_DATE_OR_NUMBER = re.compile(rf"(?:in |on |since )?(?:{_DATE.pattern}|{_NUM})", re.I)


_TIME_OF_DAY = re.compile(
    r"(?:at\s)?(?:\d{1,2}(?:[:.]\d{2})?\s?(?:[ap]\.m\.|[ap]m\b)|noon\b|midnight\b)", re.I
)
_TIME_JOIN = re.compile(r"\s*,?\s*(?:on\s+)?")


# The words that name each dimension of a thing, as questions ask and sentences state them.
_DIMENSIONS = (
    frozenset({"tall", "high", "height", "tallest", "highest"}),
    frozenset({"long", "length", "longest"}),
    frozenset({"wide", "width", "widest", "across", "diameter"}),
    frozenset({"deep", "depth", "deepest"}),
)


_CONVERSION = re.compile(r"\s*\([^()]{1,30}\)")  # "25 miles (41 km) across"


def _words_after(sentence: str, end: int) -> list[str]:
    """The lower-cased words after ``end``, past a bracketed conversion of the measure."""
    bracket = _CONVERSION.match(sentence, end)
    start = bracket.end() if bracket else end
    return [w.lower() for w in words(sentence[start : start + 30])]


def _dimension_asked(question: str) -> frozenset[str]:
    """The words of the dimension a question asks about ("how tall" -> tall, high, height)."""
    asked = {w.lower() for w in words(question)}
    return next((d for d in _DIMENSIONS if d & asked), frozenset())


def _with_time_of_day(spans: list[Phrase], sentence: str) -> list[Phrase]:
    """Spans with a time of day joined to the date beside it: "at 10:30 p.m. on Monday"."""
    out: list[Phrase] = []
    for span in spans:
        if out:
            last = out[-1]
            gap = sentence[last.end : span.start]
            timed = _TIME_OF_DAY.match(last.text) or _TIME_OF_DAY.match(span.text)
            if timed and len(gap) <= 5 and _TIME_JOIN.fullmatch(gap):
                out[-1] = Phrase(last.start, span.end, sentence[last.start : span.end])
                continue
        out.append(span)
    return out


def _without_trailing_stopword(phrase: Phrase) -> Phrase:
    """A number's phrase without a function word after it: "since 2014 and ..." is a year.

    The word after a number is taken for what it counts ("13 markets"); "and", "to" or "in"
    counts nothing, and left on it hides a year from the year test.
    """
    head, _, last = phrase.text.rpartition(" ")
    if head and last.lower() in STOPWORDS:
        return Phrase(phrase.start, phrase.start + len(head), head)
    return phrase


_YEAR = re.compile(
    r"\b(?:1\d\d\d|20\d\d)s?\b|\b\d{3,4}\s?(?:BC|BCE|AD|CE)\b|\b(?:AD|CE)\s\d{1,4}\b"
)
_ASKS_YEAR = re.compile(r"\b(?:what|which) years?\b|\byear did\b", re.I)
_COUNTED = re.compile(r"\bhow many ([a-z]+)", re.I)
_UNITS = frozenset(
    [
        "miles",
        "mile",
        "kilometres",
        "kilometers",
        "km",
        "metres",
        "meters",
        "feet",
        "foot",
        "yards",
        "inches",
        "years",
        "days",
        "weeks",
        "months",
        "hours",
        "minutes",
        "seconds",
        "dollars",
        "euros",
        "pounds",
        "percent",
        "points",
        "degrees",
    ]
)
_UNIT_END = re.compile(
    r"(?:[$€£¥%]|\b(?:miles?|kilometres?|kilometers?|km|metres?|meters?|feet|foot|yards?|"
    r"inches|years?|days?|weeks?|months?|hours?|minutes?|seconds?|dollars?|euros?|pounds?|"
    r"percent|degrees?)\b)",
    re.I,
)
# A count has a digit or a cardinal word ("second quarter" and "half" are not counts).
_CARDINAL = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundreds?|thousands?|millions?|billions?|trillion|dozens?|tens|single)\b",
    re.I,
)
# Kinds a sentence must hold a phrase of to answer at all. A reason or a "what" can be put in
# any words, and so can a name: "the central highlands", "his siblings' families" answer
# "where" and "whom" without a capital letter, so names count in the score but do not gate.
GATED_KINDS = frozenset(
    {"money", "percent", "score", "age", "duration", "distance", "date", "quantity", "colour",
     "frequency"}
)  # fmt: skip


# Kinds whose phrase is the answer itself wherever it stands: an abbreviation spelled out beside
# it ("Royal National Lifeboat Institution (RNLI)") answers "what does RNLI stand for".
DECISIVE_KINDS = frozenset({"expansion"})


def best_span(
    kind: str | None, sentence: str, question: str, focus: set[str] | None = None
) -> Phrase | None:
    """The answer phrase of ``sentence``: of the asked kind, nearest the question's focus words.

    ``focus`` holds stems of the question's content words; a phrase close to them is more likely
    the one asked about than another of the same kind further away.
    """
    spans = find_spans(kind, sentence, question)
    if not spans:
        return None
    if kind == "person":
        # "who" is more often a person's name than a company's or a place's.
        spans = [p for p in spans if _person_like(p.text)] or spans
    elif kind == "quantity":
        # "how many European oil paintings": the number that counts paintings, not watercolours
        spans = (
            _counting(spans, sentence, question)
            or _not_counting_the_rest(spans, sentence, question)
            or spans
        )
        spans = [_whole_count(p, sentence, question) for p in spans]
    if kind in _CHANGING_KINDS:
        spans = _changed_to(spans, sentence, question)
    if len(spans) == 1 or not focus:
        return spans[0]
    positions = [
        (m.start(), m.end())
        for m in re.finditer(r"[A-Za-z][\w'’-]*", sentence)
        if stem(m.group()) in focus
    ]
    if not positions:
        return spans[0]

    def distance(p: Phrase) -> int:
        """Characters to the nearest focus word, plus a toll per clause break between.

        In "earned $2.8 billion, or $2.53 a share, as revenue rose to $27.2 billion" the amount
        revenue rose to is in its clause.
        """
        gaps = []
        for start, end in positions:
            between = sentence[p.end : start] if p.end <= start else sentence[end : p.start]
            gaps.append(len(between) + CLAUSE_TOLL * len(_CLAUSE_BREAK.findall(between)))
        return min(gaps)

    return min(spans, key=distance)


# Kinds whose values change "from A to B" (a span of dates "from 2018 to 2020" is one answer).
_CHANGING_KINDS = frozenset({"money", "percent", "quantity"})
_BEFORE_CHANGE = re.compile(
    r"\b(?:before|originally|original|previous|previously|initial|initially|at first|used to|"
    r"prior|former|old|starting|start)\b",
    re.I,
)


def _changed_to(spans: list[Phrase], sentence: str, question: str) -> list[Phrase]:
    """Of a change "from A to B", the value it is now (B) unless the question asks what it was.

    "had its valuation slashed from $47 billion to $8 billion" answers "what's its valuation?"
    with $8 billion; "what was it valued at before?" with $47 billion.
    """
    if len(spans) < 2 or _BEFORE_CHANGE.search(question):
        return spans
    dropped = set()
    for earlier, later in zip(spans, spans[1:], strict=False):
        joined = sentence[earlier.end : later.start]
        if _CHANGE_JOIN.fullmatch(joined) and _CHANGE_FROM.search(
            sentence[max(0, earlier.start - 20) : earlier.start]
        ):
            dropped.add(earlier.start)
    return [p for p in spans if p.start not in dropped]


# "from (around) $0.23/W today to $0.10 by 2030": a unit or a "now" may stand between the two.
_CHANGE_FROM = re.compile(r"\bfrom\s+(?:(?:about|around|roughly|nearly|some|just)\s+)?$", re.I)
_CHANGE_JOIN = re.compile(
    r"(?:/\w+)?(?:\s+(?:today|now|currently|at present|this year|last year|a year ago))?\s+to\s+",
    re.I,
)


CLAUSE_TOLL = 20  # characters a clause break between phrase and focus word counts as
_CLAUSE_BREAK = re.compile(r"[,;:()—–]|\s-\s")


_ORG_WORDS = re.compile(
    r"\b(?:Inc|Corp|Co|Ltd|LLC|Group|Company|University|College|Institute|Association|Council|"
    r"Department|Ministry|Agency|Bank|Party|Club|Committee|Commission|Court|Police|News|Times|"
    r"Post|Foundation|Records|Studios?|Airlines?|Motors?|Show|Festival|Park|Street|Hotel|"
    r"States|Kingdom|Republic|Empire|Union|Europe|Asia|Africa|America|Minor|Fort|Mount|River|"
    r"Lake|Islands?|Ocean|Sea|Bay|Valley|City|County|Province|Church|Cathedral|Palace|Castle|"
    r"Bridge|Square|Avenue|Road|Station|Airport|Stadium|Museum|Service|Magazine|Network)\b"
)


_PLURALS = frozenset(
    {"people", "children", "men", "women", "staff", "police", "sheep", "fish", "cattle", "feet",
     "teeth", "mice", "geese", "personnel", "crew", "data", "media"}
)  # fmt: skip
_COUNTED_WORDS = re.compile(
    r"\bhow many ((?:(?!(?:did|does|do|are|were|is|was|have|has|had|will|would|can|could|"
    r"should|in|of|on|at|for|from|to|by|with)\b)[\w'’-]+\s?){1,3})",
    re.I,
)


def _counting(spans: list[Phrase], sentence: str, question: str) -> list[Phrase]:
    """The numbers followed (within four words, before another number) by what is counted."""
    asked = _COUNTED_WORDS.search(question)
    if asked is None:
        return []
    asked_words = [w for w in words(asked.group(1)) if w.lower() not in STOPWORDS]
    if not asked_words:
        return []
    head = _counted_head(question)
    counted = {stem(w) for w in asked_words}
    nearby = [_stems_after(p, sentence) for p in spans]
    by_head = [p for p, near in zip(spans, nearby, strict=True) if head in near]
    return by_head or [p for p, near in zip(spans, nearby, strict=True) if counted & near]


def _not_counting_the_rest(spans: list[Phrase], sentence: str, question: str) -> list[Phrase]:
    """The numbers that count none of the other things the question names.

    "how many taliban guys were swapped for the hostages?" asks about the fighters, so "two
    Western hostages for three of its commanders" answers with "three": the count of a noun the
    question names outside what it counts is the other side of the story.
    """
    asked = _COUNTED_WORDS.search(question)
    if asked is None:
        return []
    counted = {stem(w) for w in words(asked.group(1))}
    rest = {
        stem(w)
        for w in words(f"{question[: asked.start()]} {question[asked.end() :]}")
        if w.lower() not in STOPWORDS and stem(w) not in counted
    }
    return [p for p in spans if not (_stems_after(p, sentence) & rest)]


_COUNT_HEAD = re.compile(
    rf"(?:{_COUNT_QUALIFIER}\s)?(?:{_NUM}|{_NUMWORD})(?:\s?-?\s?{_SCALE})?", re.I
)
_NEXT_WORD = re.compile(r"\s+([A-Za-z][\w'’-]*)")


def _whole_count(span: Phrase, sentence: str, question: str) -> Phrase:
    """A count read up to the noun it counts: "30,154 new cars", not "30,154 new".

    The number's phrase holds one word after it; the counted noun may come up to four words
    later ("25 senior trophies", "Two United States service members"). It is the word the
    question counts, or else the first plural in lower case; a function word, a number or a
    punctuation mark before either leaves the phrase as it was.
    """
    head = _COUNT_HEAD.match(sentence, span.start)
    if head is None or head.end() > span.end:
        return span
    counted = _counted_head(question)
    end = head.end()
    for _ in range(5):
        found = _NEXT_WORD.match(sentence, end)
        if found is None:
            return span
        word = found.group(1)
        if word.lower() in STOPWORDS or "'" in word or "’" in word:
            return span  # "one fossil's ..." owns, it does not count
        end = found.end()
        if stem(word) == counted or (word.islower() and _looks_plural(word)):
            return span if end <= span.end else Phrase(span.start, end, sentence[span.start : end])
    return span


@lru_cache(maxsize=1024)  # asked for every count of every sentence read, for one question
def _counted_head(question: str) -> str | None:
    """The stem of the noun a how-many question counts ("how many island students" -> student).

    It is the first plural among the words after "how many", else the first of them.
    """
    asked = _COUNTED_WORDS.search(question)
    if asked is None:
        return None
    asked_words = [w for w in words(asked.group(1)) if w.lower() not in STOPWORDS]
    plural = [w for w in asked_words if _looks_plural(w)]
    return stem((plural or asked_words)[0]) if asked_words else None


_PEOPLE_STEMS = frozenset(stem(w) for w in ("people", "persons", "individuals", "humans"))
# Nouns for people: "fans", "crew", "staff"; and those by ending: "voters", "residents".
_PEOPLE_NOUNS = frozenset(
    ("people", "persons", "individuals", "humans", "men", "women", "children", "kids", "adults",
     "fans", "crew", "staff", "troops", "police", "members", "families", "youths", "guests",
     "victims", "casualties", "refugees", "attendees", "employees", "trainees", "detainees",
     "deaths", "dead", "injured", "hostages", "inmates", "prisoners", "civilians", "citizens",
     "tourists", "patients", "survivors", "personnel", "population", "households", "souls",
     "lives", "pilgrims", "delegates", "astronauts", "settlers", "colonists", "inhabitants")
)  # fmt: skip
_PEOPLE_ENDING = re.compile(r"(?:ers|ors|ists|ants|ents|ians|ites|ees|men|women|folk)$", re.I)


def _counts_people(count: Phrase, sentence: str) -> bool:
    """False when the noun a count names is a thing, not people ("22 games", "18 counties")."""
    head = _COUNT_HEAD.match(sentence, count.start)
    if head is None:
        return True
    end = head.end()
    for _ in range(4):  # the counted noun may come a few words on: "40,000 registered users"
        found = _NEXT_WORD.match(sentence, end)
        if found is None:
            return True
        word = found.group(1).lower()
        if word in STOPWORDS or not found.group(1).islower():
            return True  # "12 of them", "5,000 Americans": nothing said against people
        if word in _PEOPLE_NOUNS or _PEOPLE_ENDING.search(word):
            return True
        if _looks_plural(word):
            return False
        end = found.end()
    return True


def _looks_plural(word: str) -> bool:
    """True for "students" and "people"; not for "bus", "gas" or "glass"."""
    low = word.lower()
    return (low.endswith("s") and not low.endswith("ss") and len(low) > 3) or low in _PLURALS


def _stems_after(span: Phrase, sentence: str) -> set[str]:
    """Stems of ``span`` and of up to four words after it, stopping at the next number."""
    after: list[str] = []
    for word in words(sentence[span.end : span.end + 60])[:4]:
        if word[0].isdigit():
            break  # the next number counts something else
        after.append(word)
    return {stem(w) for w in words(span.text) + after}


def _person_like(text: str) -> bool:
    """Two to four capitalised words, not all capitals, no company or place word: a name.

    Names joined by "and" are people when each is ("American Kevin King and Australian Timothy
    Weeks": a nationality before a name is not part of it).
    """
    if " and " in text:
        return all(_person_like(part) for part in text.split(" and "))
    tokens = words(text)
    if len(tokens) > 2 and tokens[0].lower() in _NATIONALITIES:
        tokens = tokens[1:]
    if not 2 <= len(tokens) <= 4 or _ORG_WORDS.search(text):
        return False
    return all(t[:1].isupper() and not (len(t) > 1 and t.isupper()) for t in tokens)


# Three or more items: "SpaceX, Blue Origin, Sierra Nevada Corp. and Ceres Robotics". Items are
# short; the last one stops before a preposition or a relative clause.
_ITEM = r"[\w$€£.'’&-]+(?:\s+[\w$€£.'’&-]+){0,4}"
_LAST_ITEM = (
    r"[\w$€£.'’&-]+(?:\s+(?!(?:at|in|on|to|for|from|with|by|who|which|that|as|after|before|"
    r"during|while|when)\b)[\w$€£.'’&-]+){0,3}"
)
# At most 14 items: a long comma run with no "and" (a table flattened into text) then costs
# linear time, not quadratic backtracking.
_ENUMERATION = re.compile(rf"{_ITEM}(?:,\s+{_ITEM}){{1,12}},?\s+(?:and|or)\s+{_LAST_ITEM}")


def _enumerations(sentence: str) -> list[Phrase]:
    """Lists of three or more items, trimmed to the items themselves.

    The middle items show how long an item is: the first and the last are cut to that length,
    the first after its last function word ("the selection of SpaceX" -> "SpaceX", "Matt Roberts
    gave their" -> "Matt Roberts"), so the phrase is the list and nothing around it.
    """
    out = []
    for m in _ENUMERATION.finditer(sentence):
        joint = list(re.finditer(r",?\s+(?:and|or)\s+", m.group()))[-1]
        items: list[tuple[int, int]] = []
        offset = m.start()
        for part in re.finditer(r"[^,]+", m.group()[: joint.start()]):
            if part.group().strip():
                items.append((offset + part.start(), offset + part.end()))
        items.append((offset + joint.end(), m.end()))
        if len(items) < 3:
            continue
        # The middle items set the length: the first keeps as many words at its end (and none
        # before its last function word), the last as many at its start.
        limit = max(len(words(sentence[x:y])) for x, y in items[1:-1])
        first_start, first_end = items[0]
        first = list(re.finditer(r"\S+", sentence[first_start:first_end]))[-limit:]
        while len(first) > 1 and any(w.group().lower() in STOPWORDS for w in first[:-1]):
            first.pop(0)
        # A list of names starts at a name ("picked Skerryline, Kelpwave ..." -> "Skerryline").
        if all(sentence[x:y].strip()[:1].isupper() for x, y in items[1:]):
            while len(first) > 1 and not first[0].group()[:1].isupper():
                first.pop(0)
        first_start += first[0].start()
        last_start, last_end = items[-1]
        tail = list(re.finditer(r"\S+", sentence[last_start:last_end]))
        kept = tail[:limit]
        # "hundreds of" goes on to "hundreds of rounds"; a dangling function word is dropped.
        while kept[-1].group().lower() in STOPWORDS and len(kept) < min(len(tail), limit + 2):
            kept.append(tail[len(kept)])
        while len(kept) > 1 and kept[-1].group().lower() in STOPWORDS:
            kept.pop()
        text = sentence[first_start : last_start + kept[-1].end()].rstrip(" ,.")
        if text:
            out.append(Phrase(first_start, first_start + len(text), text))
    return out


_OPENS_ALIAS = re.compile(r"\((?:or|aka|a\.k\.a\.|short for)?\s*$", re.I)  # "... (or QED)"
_CLOSES_ALIAS = re.compile(r"\s*\)")
# "... pneumonitis, or HP." and "... disease, known as CWD,": the alias set off by commas.
_OPENS_COMMA_ALIAS = re.compile(
    r",\s*(?:or|aka|a\.k\.a\.|(?:also |commonly |better )?known as|called)\s+$", re.I
)
_CLOSES_COMMA_ALIAS = re.compile(r"\s*(?:[.,;:!?)]|$)")
_WORD_RUN = re.compile(r"\S+")


def _abbreviation(question: str) -> str | None:
    m = _ASKS_EXPANSION.search(question)
    if m is None:
        return None
    letters = re.sub(r"[^A-Za-z]", "", next(g for g in m.groups() if g))
    return letters.lower() if 2 <= len(letters) <= 8 else None


_JOINERS = frozenset({"of", "and", "the", "for", "&", "in", "on", "to", "a", "de"})


def _spelt_by_initials(short: str, tokens: list[str]) -> bool:
    """True when ``tokens``' initials spell ``short``; a joiner's ("of", "and") may or may not."""
    ways = {0}  # how many letters of ``short`` the tokens so far can have spelt
    for token in tokens:
        initial = token.lstrip("\"'“‘(")[:1].lower()
        spelt = {n + 1 for n in ways if n < len(short) and short[n] == initial}
        ways = spelt | ways if token.lower() in _JOINERS else spelt
        if not ways:
            return False
    return len(short) in ways


def _long_form(short: str, text: str) -> int | None:
    """Where in ``text`` the long form of ``short`` ends it, or None.

    The fewest last words whose initials spell it ("Apollo Applications Program" for AAP,
    "Ministry of Trade, Industry and Energy" for MOTIE); failing that, Schwartz & Hearst (2003):
    each letter found from right to left, the first at a word's start ("quantum
    electrodynamics" for QED).
    """
    tokens = list(_WORD_RUN.finditer(text))
    for size in range(1, len(tokens) + 1):
        run = tokens[-size:]
        if run[0].group().lower() not in _JOINERS and _spelt_by_initials(
            short, [t.group() for t in run]
        ):
            return run[0].start()
    s, i = len(short) - 1, len(text) - 1
    while s >= 0:
        letter = short[s]
        while i >= 0 and (
            text[i].lower() != letter or (s == 0 and i > 0 and text[i - 1].isalnum())
        ):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    return text.rfind(" ", 0, i + 1) + 1


def _expansions(sentence: str, question: str) -> list[Phrase]:
    """Long forms of the abbreviation a question asks about, written beside it.

    "chronic wasting disease (CWD)", "quantum electrodynamics (or QED)", "hypersensitivity
    pneumonitis, or HP," and "CWD (chronic wasting disease)": at most ``len + 5`` (and
    ``2 * len``) words that spell it.
    """
    short = _abbreviation(question)
    if short is None:
        return []
    most = min(len(short) + 5, 2 * len(short))
    found: list[Phrase] = []
    for m in re.finditer(rf"\b{re.escape(short)}\b", sentence, re.I):
        opener = _OPENS_ALIAS.search(sentence[: m.start()])
        closer = _CLOSES_ALIAS.match(sentence, m.end())
        if opener is None or closer is None:  # "long form, or HP."
            opener = _OPENS_COMMA_ALIAS.search(sentence[: m.start()])
            closer = _CLOSES_COMMA_ALIAS.match(sentence, m.end())
        if opener is not None and closer is not None:  # "long form (HP)"
            window = list(_WORD_RUN.finditer(sentence[: opener.start()]))[-most:]
            if window:
                base = window[0].start()
                start = _long_form(short, sentence[base : window[-1].end()])
                if start is not None:
                    text = sentence[base + start : window[-1].end()].strip(",;: ")
                    found.append(Phrase(base + start, base + start + len(text), text))
        inner = re.match(r"\s*\(([^()]{3,120})\)", sentence[m.end() :])
        if inner is not None:  # "HP (long form)"
            text = inner.group(1).strip()
            begin = m.end() + inner.start(1)
            if len(text.split()) <= most and _long_form(short, text) == 0:
                found.append(Phrase(begin, begin + len(text), text))
    return [p for p in found if p.text.lower() != short and len(p.text) > len(short)]


# A quotation: double quotes, or single ones whose closing mark is no apostrophe ("can’t").
_QUOTATION = re.compile(
    r"“([^”]{3,400})”|\"([^\"]{3,400})\"|(?<!\w)[‘']((?:[^‘’']|[’'](?=\w)){3,400})[’'](?!\w)"
)
# Reported speech: "said (that) ...", "told them to ...", "said early tests had cut ...".
_REPORTED = re.compile(
    r"\b(?:said|says|told|tells|added|warned|argued|claimed|insisted|explained)\b,?\s+"
    r"(?:(?:[\w'’-]+\s+){0,3}?(?:that|to)\s+)?([^.;“\"]{8,250})",
    re.I,
)


def _quotations(sentence: str, question: str) -> list[Phrase]:
    """What is said in ``sentence`` (quoted, or reported after "said"), beyond the question.

    The sentence a question about what was said paraphrases ("when they said farmers couldn't
    handle it") quotes the words it echoes; the answer is the saying that brings new words ("I
    said, 'Tell them to buy larger tractors'"): at least two content words the question lacks,
    or, in a quote, one that is half of its content words.
    """
    asked = {stem(w) for w in words(question)}
    found: list[Phrase] = []
    for pattern in (_QUOTATION, _REPORTED):
        for m in pattern.finditer(sentence):
            group = next(g for g in range(1, (m.lastindex or 0) + 1) if m.group(g) is not None)
            text = m.group(group).strip(" ,")
            content = [stem(w) for w in words(text) if w.lower() not in STOPWORDS]
            new = [w for w in content if w not in asked]
            # A short quote may be one new word ("'Unacceptable,' she said"); reported speech
            # needs two ("said on Tuesday" says nothing).
            if len(new) >= 2 or (pattern is _QUOTATION and new and 2 * len(new) >= len(content)):
                start = m.start(group) + m.group(group).find(text)
                found.append(Phrase(start, start + len(text), text))
        if found:
            break
    return found


# What a sentence says someone is, after their name: "Hill, a former White House adviser, ...",
# "Claure is the chief executive of SoftBank", "Sondland (a hotelier) ...".
_APPOSITIVE = re.compile(
    r"\s*,\s*((?:a|an|the|who|whose|one of|now|formerly|former|currently|then)\b"
    r"[^,;()“”\"]{3,140}?)\s*(?=[,;)—–]|\.?$)",
    re.I,
)
_PREDICATE = re.compile(
    r"(?:\s*,\s*who)?\s+(?:is|was|has been|had been|became|remains)\s+"
    r"((?:(?:a|an|the|now|also|still|currently)\s+)?[^,;()“”\"]{3,140}?)\s*(?=[,;)—–]|\.?$)",
    re.I,
)
# A title after the name, news style, with no article: "Matt Maley, equity strategist at Miller
# Tabak, says", "said Philip Luther, Research and Advocacy Director for ... at Amnesty".
_ROLE_NOUNS = (
    rf"(?:{_PERSON_NOUNS}|strategist|economist|adviser|advisor|editor|correspondent|consultant|"
    r"partner|fellow|head|deputy|lecturer|expert|campaigner|activist|historian|physician|"
    r"surgeon|psychologist|curator|planner)"
)
_TITLE_AFTER = re.compile(
    rf"\s*,\s*((?:[\w.'’&-]+\s+){{0,5}}?{_ROLE_NOUNS}s?\b[^,;()“”\"]{{0,100}}?)"
    r"\s*(?=[,;)—–]|\.?$)",
    re.I,
)
_IN_BRACKETS = re.compile(r"\s*\(([^()]{3,80})\)")
# Where someone is from, after the name: "Martin Taylor of Aberdeenshire, Scotland".
_OF_PLACE = re.compile(r"\s+(of\s+[A-Z][\w'’.-]*(?:(?:\s+|,\s*)[A-Z][\w'’.-]*){0,3})")
# Titles that name a role on their own ("Captain Mirela Novak", "Mayor Ingrid Halvorsen").
_TITLES = frozenset(
    {"captain", "mayor", "councillor", "councilor", "dr", "dr.", "senator", "sen.", "president",
     "judge", "professor", "prof.", "coach", "chief", "minister", "chancellor", "governor", "rep.",
     "gen.", "general", "sir", "dame", "lord", "lady", "prince", "princess", "king", "queen",
     "pope", "bishop", "rev.", "father", "sister", "ambassador", "commissioner", "inspector",
     "sergeant", "officer", "detective", "chairman", "chairwoman", "director"}
)  # fmt: skip
_NOT_ROLE = frozenset({"said", "says", "told", "tells", "according", "added", "asked", "wrote"})
_ROLE_WORD = re.compile(r"(?:[A-Za-z][\w.'’-]*|\d+-year-old)$")  # "43-year-old Martin Taylor"
ROLE_WORDS = 5  # a role before a name is at most this many words


def _role_before(sentence: str, start: int) -> Phrase | None:
    """The role written just before a name: "White House adviser", "former ferry captain".

    Words back to a function word, a reporting verb, a verb form in -ed/-ing or punctuation; the
    run must hold a lower-case word or end in a title ("On Monday" is no role, "Mayor" is).
    """
    run: list[re.Match[str]] = []
    for m in reversed(list(re.finditer(r"\S+", sentence[:start]))):
        word = m.group()
        lowered = word.lower()
        if len(run) >= ROLE_WORDS or not _ROLE_WORD.match(word):
            break
        if lowered in STOPWORDS or lowered in _NOT_ROLE or re.search(r"(?:ed|ing)$", lowered):
            break
        run.append(m)
        if re.search(r"['’]s$", word):  # "Skerryline's chief executive": the owner starts it
            break
    if not run:
        return None
    run.reverse()
    text = sentence[run[0].start() : run[-1].end()]
    tokens = text.split()
    if not (
        any(t[:1].islower() or t[:1].isdigit() for t in tokens) or tokens[-1].lower() in _TITLES
    ):
        return None
    return Phrase(run[0].start(), run[-1].end(), text)


@lru_cache(maxsize=256)
def _mention(name: str) -> re.Pattern[str]:
    """``name`` in a sentence: in full, or the surname alone once the story has introduced them."""
    tokens = [re.escape(t) for t in name.split()]
    full = r"\s+".join(tokens)
    return re.compile(rf"\b(?:{full}|{tokens[-1]})\b", re.I)


def _descriptions(sentence: str, question: str) -> list[Phrase]:
    """What ``sentence`` says the person a who-is question names is, beside their name.

    The role before the name ("White House adviser Fiona Hill"), then what follows it (an
    appositive, "X is ...", a bracket).
    """
    name = asked_identity(question)
    if name is None:
        return []
    found: list[Phrase] = []
    for m in _mention(name).finditer(sentence):
        if not sentence[m.start()].isupper() or sentence[m.end() :].startswith(("'s", "’s")):
            continue
        role = _role_before(sentence, m.start())
        if role is not None:
            found.append(role)
        for pattern in (_APPOSITIVE, _PREDICATE, _TITLE_AFTER, _IN_BRACKETS, _OF_PLACE):
            said = pattern.match(sentence, m.end())
            if said is not None:
                text = said.group(1).strip()
                found.append(Phrase(said.start(1), said.start(1) + len(text), text))
                break
    q_words = {w.lower() for w in words(question)}
    return [p for p in found if _outside(q_words, p.text)]


# "what bacterium causes ...", "which journal ...": a what/which question about a thing of a
# kind no reading rule knows. Its answer is often a name set beside that noun: "the Yersinia
# pestis bacterium", "the journal Monthly Notices of the Royal Astronomical Society", "the
# song 'Glasgow'".
_WHAT_NOUN = re.compile(r"^\W*(?:\w+\W+){0,6}?(?:what|which)\s+((?:[a-z][\w'’-]*\s*){1,3})", re.I)
_NAME_BEFORE = (
    r"\b(?:[Tt]he|[Aa]n?|[Ii]ts|[Tt]heir|[Hh]is|[Hh]er)\s+"
    r"([A-Z][\w'’.&-]*(?:\s+(?!(?:of|the|a|an|in|on|for|and|or|to|by|with|at|from|is|was|are|"
    r"were|be|been|has|have|had|do|does|did|will|would|can|could|should|may|might|must)\b|"
    r"\w+ed\b)[\w'’.&-]+){{0,3}}?)\s+{noun}\b"
)
_NAME_AFTER = (
    r"\b{noun},?\s+(?:called\s+|named\s+|known\s+as\s+)?"
    r"([A-Z][\w'’.&-]*(?:\s+(?:of\s+(?:the\s+)?|and\s+|&\s+)?[A-Z][\w'’.&-]*){{0,6}}"
    r"|[“\"‘][^”\"’]{{2,60}}[”\"’])"
)


def asked_nouns(question: str) -> list[str]:
    """The words that may name the kind of thing a what/which question asks about.

    The first word after what/which ("bacterium" in "what bacterium causes the plague?"; "kind
    of", "type of" lead to it), and the next one when the first is a name or a number that
    modifies it ("What Lionsgate trailer", "which tng50 journal"); none for other questions.
    """
    match = _WHAT_NOUN.search(_main_question(question))
    if match is None:
        return []
    found: list[str] = []
    for word in words(match.group(1)):
        low = word.lower()
        if low in {"kind", "sort", "type", "of"} and not found:
            continue
        if low in STOPWORDS or low in QUESTION_WORDS:
            break
        found.append(low)
        # A name or a number before the noun modifies it ("What Lionsgate trailer"); any other
        # first word is the noun ("what bacterium causes ...": not "causes").
        if not (word[0].isupper() or any(ch.isdigit() for ch in word)):
            break
    return found[:2]


def named_beside(sentence: str, question: str) -> Phrase | None:
    """A name the sentence sets beside the noun a what/which question asks about, if any.

    The noun is one of the question's words after what/which that the sentence writes in lower
    case ("What Lionsgate trailer": "trailer", not the studio's name).
    """
    q_words = {w.lower() for w in words(question)}
    for noun in asked_nouns(question):
        forms = rf"(?:{re.escape(noun)}|{re.escape(noun)}s|{re.escape(noun)}es)"
        if len(noun) < 3 or not re.search(rf"\b{forms}\b", sentence):
            continue
        for pattern in (_NAME_BEFORE, _NAME_AFTER):
            for m in re.finditer(pattern.format(noun=forms), sentence):
                text = m.group(1).strip(' ,.“”"‘’')
                start = m.start(1) + m.group(1).find(text)
                if not text or (not text[0].isupper() and m.group(1)[0] not in '“"‘'):
                    continue
                if _outside(q_words, text):
                    return Phrase(start, start + len(text), text)
    return None
