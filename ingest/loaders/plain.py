"""Page furniture in articles saved as plain text or Markdown: the head and tail a page had.

People save a news article by copying the page: the title, a standfirst, the title again (the
page showed it twice), "Written by …", a date line, the body, then the site's closing blocks
("Subscribe for Updates" and its blurb, "Notice an error?", "Advertise with Us", "Get our media
kit"). HTML gets this care in :mod:`ingest.extraction`; this module gives the same to text:

* head (the first few blocks): a repeat of the title, date and reading-time lines are dropped; a
  byline is dropped and becomes the author;
* tail: from the first furniture heading after which only furniture and short blurbs follow,
  everything goes.

A block is a paragraph (text between blank lines), or a line when the file has no blank lines.
Cleaning never empties an article: if nothing would be left, the text is kept as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.extraction import _READING_TIME, _TAIL, _is_date_line, _is_headline, _norm

HEAD_BLOCKS = 6  # the head is at most this many blocks...
HEAD_CONTENT_BLOCKS = 2  # ...and ends after this many kept ones (a standfirst, the first par)
HEADING_CHARS = 60  # a furniture heading is a short line
TAIL_LINE_CHARS = 200  # a closing line (credits, newsletter plug) is shorter than this
BLURB_CHARS = 250  # a blurb under a furniture heading is short...
BLURB_BUDGET = 1200  # ...and all of them together, too: a real closing paragraph is not cut

_MARKUP = "*_#> \t"  # Markdown emphasis, headings and quotes around a furniture line
_BLANK_LINES = re.compile(r"\n[ \t]*\n+")

# Headings of the blocks a news site closes its pages with (calls to action, corrections,
# advertising, site links). Matched on short lines only.
_FURNITURE_HEADING = re.compile(
    r"^(subscribe|sign up|newsletters?\b|get (the|our) (latest|newsletter|media kit|app)|"
    r"notice an? (error|typo|mistake)|(spot(ted)?|found|see) an? (error|typo|mistake)|"
    r"report an? (error|correction)|corrections?\b|advertise\b|advertising\W*$|"
    r"(get )?(our )?media kit|contact us|about us|follow us|share (this|on)|support (us|our)|"
    r"donate\b|become a (member|subscriber|supporter)|privacy policy|terms (of|and)|"
    r"cookie (policy|settings|preferences)|related (articles|stories|posts|coverage)|"
    r"more (stories|articles|news|from)\b|recommended\W*$|read next|most (read|popular)|"
    r"trending\W*$)",
    re.I,
)
_BYLINE = re.compile(
    r"^(?:(?:written|words|story|text|reported|reporting|photos? and words)\s+)?by\s*:?\s+"
    r"(?P<name>.+)$|^(?:author|writer)\s*[:\-–]\s*(?P<name2>.+)$",
    re.I,
)
_NAME_END = re.compile(r"\s*(?:[|•·—–]|\s-\s|,|\bon\b|\bfor\b|\bin\b|\bupdated\b).*$", re.I)
_NAME_PARTICLES = frozenset({"and", "&", "de", "da", "di", "van", "von", "der", "den", "la", "le"})


@dataclass(frozen=True, slots=True)
class CleanedText:
    """An article's text without its page furniture, and the author its byline named."""

    text: str
    author: str | None = None


def clean_plain_article(text: str, title: str | None) -> CleanedText:
    """Drop the head and tail furniture of a text or Markdown article; read its byline.

    Args:
        text: The body, after the title (and any front matter) was taken off.
        title: The article's title, if known: a repeat of it in the head is not body text.

    Returns:
        The cleaned text (blocks joined as they were) and the byline's author, if any.
    """
    by_paragraph = bool(_BLANK_LINES.search(text.strip()))
    blocks = _BLANK_LINES.split(text.strip()) if by_paragraph else text.strip().split("\n")
    blocks = [block.strip() for block in blocks if block.strip()]
    units = [_unit(block) for block in blocks]
    heads = {_norm(title)} if title and _norm(title) else set()

    author: str | None = None
    drop: set[int] = set()
    content = 0
    for i, unit in enumerate(units[:HEAD_BLOCKS]):
        if content >= HEAD_CONTENT_BLOCKS:
            break
        name = _byline(unit) if author is None else None
        if name is not None:
            author = name
            drop.add(i)
        elif _is_headline(unit, heads) or _is_date_line(unit) or _READING_TIME.match(unit):
            drop.add(i)
        else:
            content += 1
    end = _tail_start(units, first=max(drop, default=-1) + 1)
    kept = [block for i, block in enumerate(blocks[:end]) if i not in drop]
    if not any(_norm(block) for block in kept):
        return CleanedText(text.strip(), author)
    return CleanedText(("\n\n" if by_paragraph else "\n").join(kept), author)


def _unit(block: str) -> str:
    """A block as one line, without Markdown around it, for matching."""
    return " ".join(block.split()).strip(_MARKUP)


def _byline(unit: str) -> str | None:
    """The author a byline names ("Written by Ada Brook", "By A. Brook | 2 May"), else None."""
    if len(unit) > 120:
        return None
    match = _BYLINE.match(unit)
    if match is None:
        return None
    name = _NAME_END.sub("", match.group("name") or match.group("name2") or "").strip(_MARKUP)
    name = name.rstrip(".").strip()
    words = name.split()
    if not 1 <= len(words) <= 8 or len(name) > 80:
        return None
    # "By the numbers", "By 2030 the city ..." are not bylines: a name is capitalised words.
    if not all(w[0].isupper() or w.lower() in _NAME_PARTICLES for w in words):
        return None
    return name


def _is_furniture(unit: str) -> bool:
    if len(unit) <= HEADING_CHARS and _FURNITURE_HEADING.match(unit):
        return True
    # The HTML closing-line rules, on short lines only: here a paragraph is one line, and a long
    # one that mentions "the newsletter" is prose.
    return len(unit) <= TAIL_LINE_CHARS and bool(_TAIL.search(unit))


def _tail_start(units: list[str], first: int) -> int:
    """Index of the first block of the closing furniture (``len(units)`` when there is none).

    Walking back from the end, furniture lines extend the tail and short blurbs may sit between
    them; the tail starts at the earliest furniture line reached before a real paragraph.
    """
    start = len(units)
    blurbs = 0
    for i in range(len(units) - 1, first, -1):  # never the first kept block: keep some body
        unit = units[i]
        if _is_furniture(unit):
            start = i
        elif len(unit) <= BLURB_CHARS and blurbs + len(unit) <= BLURB_BUDGET:
            blurbs += len(unit)
        else:
            break
    return start
