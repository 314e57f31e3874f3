"""Word lists the engine reads text with: data, kept apart from the code that uses them.

Plain lower-case words; callers stem them where they compare stems.
"""

from __future__ import annotations

# Words whose final dot does not end a sentence ("Dr.", "Jan.", "U.S.").
ABBREVIATIONS = frozenset(
    [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "no", "nos", "vs", "etc",
        "inc", "ltd", "co", "corp", "dept", "univ", "gen", "col", "lt", "sgt", "capt", "cmdr",
        "gov", "sen", "rep", "rev", "hon", "fig", "eq", "approx", "jan", "feb", "mar", "apr", "jun",
        "jul", "aug", "sep", "sept", "oct", "nov", "dec", "e.g", "i.e", "al", "u.s", "u.k", "u.n",
        "a.m", "p.m"
    ]
)  # fmt: skip

# Words that carry no topic.
STOPWORDS = frozenset(
    [
        "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
        "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
        "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few",
        "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
        "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its",
        "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of",
        "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over",
        "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their",
        "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those",
        "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when",
        "where", "which", "while", "who", "whom", "whose", "why", "will", "with", "would", "you",
        "your", "yours", "yourself", "yourselves", "s", "t", "don", "didn", "doesn", "isn", "wasn",
        "weren", "aren", "won", "wouldn", "shouldn", "couldn", "let", "may", "might", "must",
        "shall", "us", "yet", "via", "per", "ever", "else", "upon", "onto", "also", "one's",
        "whatever", "whoever"
    ]
)  # fmt: skip

# Words that shape a question but never appear in its answer's evidence.
QUESTION_WORDS = frozenset(
    [
        "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "name", "named",
        "called", "tell", "describe", "explain", "kind", "type", "sort", "many", "much", "did",
        "does", "do", "according"
    ]
)  # fmt: skip

# Numbers written as words ("eighty", "a dozen").
NUMBER_WORDS = frozenset(
    [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
        "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
        "hundred", "thousand", "million", "billion", "trillion", "dozen", "dozens", "half",
        "quarter", "percent"
    ]
)  # fmt: skip

# Words that make a phrase a date or a time (months, weekdays, "ago", seasons).
DATE_WORDS = frozenset(
    [
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
        "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday",
        "saturday", "sunday", "century", "centuries", "decade", "decades", "year", "years", "ago",
        "today", "yesterday", "spring", "summer", "autumn", "fall", "winter"
    ]
)  # fmt: skip

# Words that point back into the conversation.
ANAPHORA = frozenset(
    [
        "it", "its", "it's", "that", "this", "those", "these", "they", "them", "their", "theirs",
        "he", "she", "him", "his", "her", "hers", "there", "then", "one", "ones", "such", "same",
        "former", "latter"
    ]
)  # fmt: skip

# Words of a question about money ("how much did it cost"); amounts answer them.
MONEY_WORDS = frozenset(
    [
        "money", "cost", "price", "paid", "pay", "spend", "spent", "fund", "funding", "worth",
        "budget", "fee", "salary", "revenue", "investment", "raise", "raised", "earn", "sold",
        "give", "gave", "donate", "donated", "donation", "grant", "charge", "charged", "fine",
        "fined", "owe", "owed",
    ]
)  # fmt: skip
# Words that make "how much ...?" ask for money too, though an amount in a sentence does not
# stand for them: "what kind of severance ...?" is not answered by any sentence with a "$".
MONEY_ASKED_WORDS = frozenset(["wage", "wages", "compensation", "damages", "severance", "pension"])

# Words of a sentence that only says where the previous one came from ("This is stated in
# passage [1]."), which small models often write.
POINTER_WORDS = frozenset(
    [
        "according", "article", "articles", "cited", "information", "mentioned", "passage",
        "passages", "see", "source", "sources", "stated", "states", "text", "found", "given"
    ]
)  # fmt: skip

# Chat filler: words people add to a question in a channel that no article sentence would hold
# ("lol what did he say again", "ok so who actually won"). They are not a sign that a detail is
# missing from the articles, so the reader does not count them as unseen question words.
CHAT_FILLER = frozenset(
    [
        "lol", "lmao", "rofl", "haha", "hah", "ok", "okay", "so", "um", "uh", "hmm", "btw", "pls",
        "plz", "please", "u", "ur", "ya", "yeah", "yep", "nope", "gonna", "wanna", "gotta",
        "kinda", "sorta", "really", "actually", "exactly", "basically", "literally", "again",
        "anyway", "anyone", "someone", "somebody", "know", "knows", "think", "thought", "heard",
        "hear", "remember", "wondering", "wonder", "curious", "idk", "iirc", "imo", "tbh", "like",
        "ever", "still", "even", "thing", "things", "stuff", "guy", "guys", "folks", "story",
        "article", "piece", "post", "report", "blog", "news", "read", "saw", "see", "said",
        "say", "says", "tell", "told", "mention", "mentioned", "talk", "talking", "wat", "whats",
        "wats", "thats", "ppl", "end", "up", "happen", "happened", "going", "got", "get", "gets",
        "old", "long", "far", "big", "many", "much", "new", "way", "lot", "lots", "bit",
    ]
)  # fmt: skip

# Irregular past forms, so that "who won" meets "wins" and "how much did they pay" meets "paid".
IRREGULAR_VERBS = {
    "won": "win", "paid": "pay", "sold": "sell", "bought": "buy", "spent": "spend", "led": "lead",
    "left": "leave", "took": "take", "taken": "take", "gave": "give", "given": "give",
    "told": "tell", "said": "say", "met": "meet", "found": "find", "held": "hold",
    "began": "begin", "begun": "begin", "ran": "run", "chose": "choose", "chosen": "choose",
    "wrote": "write", "written": "write", "made": "make", "came": "come", "became": "become",
    "went": "go", "gone": "go", "got": "get", "gotten": "get", "struck": "strike", "fell": "fall",
    "fallen": "fall", "rose": "rise", "risen": "rise", "grew": "grow", "grown": "grow",
    "brought": "bring", "thought": "think", "caught": "catch", "fought": "fight", "saw": "see",
    "seen": "see", "knew": "know", "known": "know", "drew": "draw", "drawn": "draw",
    "stood": "stand", "sent": "send", "built": "build", "lost": "lose", "shot": "shoot",
    "sang": "sing", "sung": "sing", "flew": "fly", "flown": "fly", "drove": "drive",
    "driven": "drive", "ate": "eat", "eaten": "eat", "hung": "hang", "woke": "wake",
    "spoke": "speak", "spoken": "speak", "stole": "steal", "stolen": "steal", "threw": "throw",
    "thrown": "throw", "wore": "wear", "worn": "wear", "froze": "freeze", "frozen": "freeze",
    "bit": "bite", "hid": "hide", "fled": "flee", "sought": "seek", "taught": "teach",
    "dealt": "deal", "felt": "feel", "kept": "keep", "slept": "sleep", "swept": "sweep",
    "meant": "mean", "lent": "lend", "dug": "dig", "shut": "shut",
}  # fmt: skip

# Nationality and regional adjectives: "Spanish striker" names no one, so they are not the answer
# to "who"/"which company". Common ones in English news; a capitalised word ending like these
# before a lower-case noun is treated the same way by the reader.
DEMONYMS = frozenset(
    [
        "american", "british", "english", "scottish", "welsh", "irish", "french", "german",
        "spanish", "italian", "portuguese", "dutch", "belgian", "swiss", "austrian", "swedish",
        "norwegian", "danish", "finnish", "icelandic", "polish", "czech", "slovak", "hungarian",
        "romanian", "bulgarian", "greek", "turkish", "russian", "ukrainian", "belarusian",
        "serbian", "croatian", "bosnian", "albanian", "estonian", "latvian", "lithuanian",
        "chinese", "japanese", "korean", "vietnamese", "thai", "indonesian", "malaysian",
        "filipino", "indian", "pakistani", "bangladeshi", "afghan", "iranian", "iraqi", "syrian",
        "israeli", "palestinian", "lebanese", "saudi", "emirati", "qatari", "egyptian",
        "nigerian", "ghanaian", "kenyan", "ethiopian", "south", "african", "moroccan", "algerian",
        "tunisian", "libyan", "sudanese", "canadian", "mexican", "brazilian", "argentine",
        "argentinian", "chilean", "colombian", "peruvian", "venezuelan", "cuban", "australian",
        "european", "asian", "latin", "arab", "muslim", "christian", "jewish", "catholic",
        "democratic", "republican", "conservative", "liberal", "federal", "western", "eastern",
        "northern", "southern", "californian", "texan", "new", "former", "veteran",
    ]
)  # fmt: skip
