"""Two questions in one: "how much did X cost, and when did it open?" becomes two questions.

People ask about two facts at once, often from two articles. Retrieval and the reader do better
on each part alone: each part gets its own passages and its own answer, and the reply carries
both. A second part that leans on the first ("..., and by how much?") borrows its key words, the
way a follow-up does.
"""

from __future__ import annotations

import re

from bot.engine.followup import needs_context, rewrite_heuristic
from bot.engine.models import Turn
from bot.engine.text import words

_JOINT = re.compile(
    r"\s*(?:,\s*(?:and|but|plus)\b|;\s*(?:and\b)?|\?\s*(?:and\b)?|\s(?:and|but|plus))\s+"
    r"(?=(?:also\s+)?(?:what|what's|whats|which|who|who's|whom|whose|when|where|why|how|is|are|"
    r"was|were|did|does|do|has|have|by|in|at|on|for|from)\b)",
    re.I,
)
MIN_PART_WORDS = 3


def split_question(question: str) -> list[str]:
    """The parts of a question that asks for two things (one part when it asks for one).

    Only a joint followed by a question word splits ("who won, and by how much?"), so "how much
    did the bridge and the tunnel cost?" stays whole. A part that leans on the other gets the
    other's key words in brackets, as a follow-up rewrite does.
    """
    text = question.strip()
    match = _JOINT.search(text)
    if match is None:
        return [text]
    first, second = text[: match.start()].strip(" ,;"), text[match.end() :].strip()
    if len(words(first)) < MIN_PART_WORDS or len(words(second)) < MIN_PART_WORDS - 1:
        return [text]
    if not first.endswith("?"):
        first += "?"
    if needs_context(second):
        second = rewrite_heuristic(second, [Turn("user", first)])
    return [first, second]
