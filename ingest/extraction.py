"""Main text and metadata from an HTML page (boilerplate stripped).

trafilatura does the heavy lifting (``favor_precision=True``, comments off: the best single
setting on the Zyte benchmark). Around it:

* the parsed tree is prepared first: pop-up cards (hover bios with links) are dropped,
  embedded tweets are kept (trafilatura discards their "social" wrappers);
* a per-page check swaps in a second extraction (balanced mode), or JSON-LD ``articleBody``,
  when the precise one is only a stub of what the page clearly holds;
* the text is cleaned line by line: a repeated headline, a date line above the body,
  "Related:" / "Read more:" teasers with their link lists, and the trailing block of
  newsletter, follow-us, credits and comment-count lines are removed;
* metadata keeps the time of day from JSON-LD ``datePublished`` or
  ``article:published_time`` (trafilatura's own date is day-only).

``bench/extraction.py`` measures all of this on the Zyte article-extraction benchmark.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lxml.html import HtmlElement

log = logging.getLogger(__name__)

# Below this many words (or CJK characters / 2) a page has no article text.
MIN_ARTICLE_WORDS = 12
# The precise extraction is a stub when it is this short and this small a share of a
# balanced extraction of the same page.
STUB_MAX_CHARS = 600
STUB_MAX_SHARE = 0.2
# libxml2 stops at a text node over 10 MB (XML_MAX_TEXT_LENGTH) unless told ``huge_tree``, and
# trafilatura's parser does not: the rest of the page, article included, is silently lost. A
# page this long (in characters; up to 4 bytes each) may hold such a node.
HUGE_PAGE_CHARS = 2_500_000
_SCRIPT_OR_STYLE = re.compile(r"(<(script|style)\b[^>]*>)(.*?)(</\2\s*>)", re.I | re.S)


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """What extraction finds in one page."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None  # ISO 8601
    site_name: str | None = None
    url: str | None = None  # canonical URL when the page declares one


def extract_html(html: str, url: str | None = None) -> ExtractedPage | None:
    """Extract the article from ``html``; ``None`` when the page has no article text.

    Args:
        html: The page's HTML.
        url: Where the page came from, if known (used for metadata and relative links).

    Returns:
        The main text (paragraphs separated by newlines) and metadata, or ``None`` when the
        page carries no article text (navigation only, empty, not HTML).
    """
    from trafilatura import bare_extraction
    from trafilatura.metadata import extract_metadata
    from trafilatura.settings import Document, set_date_params
    from trafilatura.utils import load_html

    if not html or not html.strip():
        return None
    tree = _parse_huge(html) if len(html) > HUGE_PAGE_CHARS else load_html(html)
    if tree is None:
        return None
    jsonld = list(_jsonld_objects(tree))
    stated = _stated_dates(tree, jsonld)
    timed = next((d for d in stated if isinstance(d, datetime)), None)
    _prepare_tree(tree)

    found = bare_extraction(
        tree,
        url=url,
        include_comments=False,
        favor_precision=True,
        with_metadata=True,
        # htmldate's extensive search is the slow part of metadata; skip it when the page
        # states a publication time itself (that one wins anyway).
        date_extraction_params=set_date_params(extensive=False) if timed else None,
        output_format="python",
    )
    doc = found if isinstance(found, Document) else None  # a dict only with as_dict=True
    text = (doc.text or "").strip() if doc is not None else ""
    if _is_stub(text):
        text = _rescue(tree, url, text, jsonld)
    if not text:
        return None
    text = _add_twin_chunks(tree, text)
    if doc is None:  # the text came from a rescue: metadata still comes from trafilatura
        doc = extract_metadata(tree, url)

    title = doc.title or _meta(tree, "og:title")
    text = clean_text(text, _headlines(tree, title), _descriptions(tree))
    if _word_count(text) < MIN_ARTICLE_WORDS:
        return None

    return ExtractedPage(
        text=text,
        title=title,
        author=doc.author or _jsonld_author(jsonld),
        published=_published(timed, doc.date, stated),
        site_name=doc.sitename or _meta(tree, "og:site_name"),
        url=doc.url or url,
    )


# --------------------------------------------------------------------------- tree


def _parse_huge(html: str) -> HtmlElement | None:
    """Parse a very long page without libxml2's 10 MB text-node limit.

    Script and style bodies go first (never article text, and the usual giant: an inline bundle
    or data blob); JSON-LD stays, it holds metadata. Then ``huge_tree`` lets any other long node
    through. Same parser options as trafilatura's otherwise.
    """
    from lxml.etree import ParserError
    from lxml.html import HTMLParser, fromstring

    def strip(match: re.Match[str]) -> str:
        if "ld+json" in match.group(1).lower():
            return match.group(0)
        return match.group(1) + match.group(4)

    slim = _SCRIPT_OR_STYLE.sub(strip, html)
    log.debug("huge page: %d chars, %d without scripts and styles", len(html), len(slim))
    parser = HTMLParser(
        collect_ids=False,
        default_doctype=False,
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
        huge_tree=True,
    )
    try:
        tree = fromstring(slim.encode("utf-8", "replace"), parser=parser)
    except (ParserError, ValueError, TypeError) as exc:  # empty document, undecodable input
        log.debug("huge page did not parse: %s", exc)
        return None
    return tree if tree is not None and len(tree) else None


# XPath 1.0 has no lower-case(); translate() is slow, so match case-free word stems and let
# the regex below confirm.
_POPUP_XPATH = "//*[{}]".format(
    " or ".join(f'contains(@class, "{w}")' for w in ("ollover", "ooltip", "opover", "overcard"))
)
_POPUP_CLASS = re.compile(r"(^|[\s_-])(rollover|tooltip|popover|hovercard)", re.I)


def _prepare_tree(tree: HtmlElement) -> None:
    """Drop pop-up cards; unwrap embedded tweets so their text survives."""
    # Pop-up cards (e.g. a bio with links shown when hovering a name) are not prose; a
    # tooltip's own anchor term (no links or images inside) stays. Where one element wraps
    # the hovered name and its card ("rollover-people" around a "rollover-people-link" and a
    # "rollover-people-block"), only the card goes: dropping the wrapper lost the name
    # ("Gov. Kristi Noem (R)" read "Gov. (R)").
    cards = [
        el
        for el in tree.xpath(_POPUP_XPATH)
        if el.tag != "a" and _POPUP_CLASS.search(el.get("class", "")) and el.xpath(".//a|.//img")
    ]
    inner = set(cards)
    for el in cards:
        if not any(d in inner for d in el.iterdescendants()):
            _drop(el)
    # trafilatura removes "social"/"embed" wrappers; a quoted tweet is part of the story.
    for quote in tree.xpath('//blockquote[contains(@class, "twitter-tweet")]'):
        quote.attrib.pop("class", None)
        parent = quote.getparent()
        while parent is not None and parent.tag in ("div", "figure", "span", "section"):
            if len(parent) > 3:
                break
            parent.attrib.pop("class", None)
            parent.attrib.pop("id", None)
            parent = parent.getparent()


def _drop(el: HtmlElement) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _meta(tree: HtmlElement, name: str) -> str | None:
    for value in tree.xpath(
        f'//meta[@property="{name}" or @name="{name}" or @itemprop="{name}"]/@content'
    ):
        value = " ".join(str(value).split())
        if value:
            return value
    return None


def _descriptions(tree: HtmlElement) -> list[str]:
    found = (_meta(tree, name) for name in ("description", "og:description", "twitter:description"))
    return [d for d in found if d]


def _headlines(tree: HtmlElement, title: str | None) -> list[str]:
    found = [title or "", _meta(tree, "og:title") or "", _meta(tree, "twitter:title") or ""]
    found += [" ".join(h.text_content().split()) for h in tree.xpath("//h1")[:3]]
    titles = tree.xpath("//title")
    if titles:
        found.append(" ".join(titles[0].text_content().split()))
    return [h for h in found if h]


# --------------------------------------------------------------------------- fallbacks


def _is_stub(text: str) -> bool:
    return len(text) < STUB_MAX_CHARS


def _rescue(tree: HtmlElement, url: str | None, text: str, jsonld: list[dict[str, Any]]) -> str:
    """A longer candidate when the precise extraction is a stub of what the page holds."""
    from trafilatura import extract

    balanced = (extract(tree, url=url, include_comments=False) or "").strip()
    body = _jsonld_body(jsonld)
    best = text
    if len(text) < STUB_MAX_SHARE * len(balanced):
        best = balanced
    if len(best) < STUB_MAX_SHARE * len(body):
        best = body
    if best is not text:
        log.debug("stub extraction (%d chars) replaced by %d chars", len(text), len(best))
    return best


# Block elements whose text makes up an article body.
_BLOCKS = ("p", "h2", "h3", "h4", "li", "blockquote")
_TWIN_MIN_PARAGRAPH = 100  # a twin container must hold a paragraph at least this long
_TWIN_MAX_LINK_SHARE = 0.25


def _add_twin_chunks(tree: HtmlElement, text: str) -> str:
    """Append the rest of an article that the page splits into same-class sibling chunks.

    Some layouts cut one article into several sibling containers with the same tag and
    class (between ads); trafilatura keeps only the first. When the extracted paragraphs
    all sit in one such container, the text of its twins is added in document order.
    """
    key = _norm(text)
    lines = {_norm(line) for line in text.splitlines()}  # a set: pages can hold 1000s of <p>
    matched = [p for p in tree.iter("p") if len(t := _norm(p.text_content())) >= 40 and t in lines]
    if len(matched) < 2:
        return text
    container = matched[0]
    for p in matched[1:]:
        while container is not None and not _contains(container, p):
            container = container.getparent()
    level = container
    for _ in range(3):
        if level is None or level.tag in ("body", "html"):
            return text
        parent = level.getparent()
        cls = level.get("class")
        if parent is not None and cls:
            twins = [
                el
                for el in parent
                if el is not level and el.tag == level.tag and el.get("class") == cls
            ]
            before, after = _twin_text(twins, level, key)
            if before or after:
                log.debug("added %d twin chunks", len(before) + len(after))
                return "\n".join([*before, text, *after])
        level = parent
    return text


def _contains(ancestor: HtmlElement, el: HtmlElement) -> bool:
    return any(a is ancestor for a in el.iterancestors())


def _twin_text(
    twins: list[HtmlElement], level: HtmlElement, key: str
) -> tuple[list[str], list[str]]:
    before: list[str] = []
    after: list[str] = []
    parent = level.getparent()
    position = parent.index(level)
    for twin in twins:
        paragraphs = [" ".join(p.text_content().split()) for p in twin.iter("p")]
        long = [p for p in paragraphs if len(p) >= 40]
        if len(long) < 2 or max(map(len, long)) < _TWIN_MIN_PARAGRAPH:
            continue
        # An article chunk is prose: mostly paragraphs, few links (unlike teaser grids).
        total = len(" ".join(twin.text_content().split())) or 1
        linked = sum(len(" ".join(a.text_content().split())) for a in twin.iter("a"))
        if linked > _TWIN_MAX_LINK_SHARE * total or sum(map(len, paragraphs)) < 0.6 * total:
            continue
        lines = []
        for block in twin.iter(*_BLOCKS):
            if any(a.tag in _BLOCKS for a in block.iterancestors()):
                continue
            line = " ".join(block.text_content().split())
            linked = sum(len(" ".join(a.text_content().split())) for a in block.iter("a"))
            if line and _norm(line) not in key and linked <= 0.5 * len(line):
                lines.append(line)
        (before if parent.index(twin) < position else after).extend(lines)
    return before, after


# --------------------------------------------------------------------------- text cleaning

_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_SENTENCE_END = re.compile(r"[.!?…:;\"”»。！？]\s*$")
_SHORTCODE = re.compile(r"^\[/?\w+( [^\]]*)?\].*\[/\w+\]$")
_SECTION_END = re.compile(r"^\W*(tags|tagged|filed under|comments|\d+ comments)\W*$", re.I)

# A teaser for another article, inline in the body.
_TEASER = re.compile(
    r"^\W{0,3}(?:"
    r"(?:related(?: posts?| stories| articles?| coverage| reading)?|read more|read also|"
    r"also read|see more|see also|more from [\w ]{1,30}|more on this(?: story)?|more|also|"
    r"don'?t miss|you may also like|you might also like|recommended(?: for you)?|"
    r"most read [\w ]{1,30})"
    # a header ends the line (an ellipsis at most) or introduces a link with ":", "]" or "|"
    r"\s*(?::|\]|\||(?:\.\.\.|…)?\s*$)"
    r"|also on [\w-]+(?:\.[\w-]+)+\b"
    r")",
    re.I,
)
# Lines that close an article: newsletter, follow-us, credits, comments, tags, sources.
_TAIL = re.compile(
    r"^\W*(\d+\s+)?comments?\W*$|^tags?\W*$|^filed under\b|^share (this|on)\b|"
    # calls to action, not sentences that merely mention a newsletter or subscription
    r"^(subscribe|sign up|get (the|our)|join)\b|\b(our|the) ([\w’'-]+ ){0,3}newsletters?\b|"
    r"^\W*[\w ]{0,40}newsletter\W*$|"
    r"\bfollow (us|him|her|them|@?\w+)( \w+)? on (twitter|facebook|instagram)|twitter\.com/|"
    r"^(additional )?reporting by\b|\bediting by\b|\bcontributed (reporting|to this report)|"
    r"^(source|sources)\s*:|like this story\b|tell us what you think|"
    r"if you enjoyed this|have a tip\b|^email \w+ \w+ at\b|reach the reporters?\b|"
    r"\S+@\S+\.\w+\s*$|"
    r"copyright\s*(©|\(c\)|\d{4})|©\s*(\d{4}|[A-Z])|all rights reserved",
    re.I,
)
_DATE_LINE = re.compile(r"(\b(19|20)\d\d\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b)")
_READING_TIME = re.compile(
    r"^\W*((estimated )?reading time|tempo de leitura|tiempo de lectura|temps de lecture|"
    r"lesezeit|tempo di lettura)\W*\d+\s*min\w*\W*$|^\W*\d+\s*min(ute)?s?\s+read\W*$",
    re.I,
)
_STAMP = re.compile(r"^(last )?(updated|published|posted|modified)\b", re.I)
_TIME = re.compile(r"\b\d{1,2}[:h.]\d\d\b|\b\d{1,2}(:\d\d)? ?[ap]\.?m\b", re.I)


def clean_text(
    text: str,
    headlines: list[str] | tuple[str, ...] = (),
    descriptions: list[str] | tuple[str, ...] = (),
) -> str:
    """Remove the boilerplate lines trafilatura leaves in an article's text.

    Args:
        text: Extracted text, one paragraph or list item per line.
        headlines: The page's title, ``og:title`` and ``<h1>`` texts; a leading line that
            repeats one of them is dropped.
        descriptions: The page's meta descriptions; a leading line that repeats one and is
            not a sentence (a standfirst under the headline) is dropped.

    Returns:
        The text without a repeated headline, a date/time line above the body, teaser
        lines ("Related: …", "Read more: …" and their link lists) and the closing block of
        newsletter, follow-us, credit and comment lines.
    """
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if _WORD.search(line)]
    heads = {_norm(h) for h in headlines if _norm(h)}
    deks = {_norm(d) for d in descriptions if _norm(d)}
    # Leading headline, standfirst and date lines.
    start = 0
    while start < min(len(lines), 3):
        line = lines[start]
        dek = _norm(line) in deks and not _SENTENCE_END.search(line)
        furniture = _is_date_line(line) or bool(_READING_TIME.match(line))
        if dek or furniture or _is_headline(line, heads):
            start += 1
        else:
            break
    lines = lines[start:]
    # Teasers and the link lists under them; leftover shortcodes.
    kept: list[str] = []
    skipping: str | None = None  # "list": any list-like line, "bullets": "- " items only
    for line in lines:
        teaser = _TEASER.match(line)
        if teaser:
            rest = line[teaser.end() :].strip()
            skipping = "bullets" if _WORD.search(rest) else "list"
            continue
        if _SHORTCODE.match(line):
            continue
        if skipping and _is_list_item(line, bullets_only=skipping == "bullets"):
            continue
        skipping = None
        kept.append(line)
    # A "Tags" / "Comments" header late in the text: it and what follows are page furniture.
    for i in range(len(kept) // 2, len(kept)):
        if _SECTION_END.match(kept[i]):
            kept = kept[:i]
            break
    # The closing block.
    while kept and _TAIL.search(kept[-1]) and len(kept[-1]) < 300:
        kept.pop()
    return "\n".join(kept).strip()


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def _is_headline(line: str, heads: set[str]) -> bool:
    norm = _norm(line)
    if not norm:
        return False
    if norm in heads:
        return True
    # "<headline> | Site" titles: the line is the headline part.
    return len(norm.split()) >= 4 and any(h.startswith(norm + " ") for h in heads)


def _is_date_line(line: str) -> bool:
    # A dateline is a short fragment, not a sentence ("p.m." aside).
    if len(line) > 80 or _SENTENCE_END.search(re.sub(r"[ap]\.m\.$", "", line, flags=re.I)):
        return False
    if _DATE_LINE.search(line) and _TIME.search(line):
        return True
    return bool(_STAMP.match(line)) and bool(_DATE_LINE.search(line) or _TIME.search(line))


def _is_list_item(line: str, bullets_only: bool = False) -> bool:
    if line.startswith(("- ", "• ", "* ", "– ")):
        return True
    return not bullets_only and len(line) < 120 and not _SENTENCE_END.search(line)


def _word_count(text: str) -> int:
    return len(_WORD.findall(text)) + len(_CJK.findall(text)) // 2


# --------------------------------------------------------------------------- JSON-LD


def _jsonld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        raw = script.text_content()
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        yield from _walk(data)


def _walk(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, dict | list):
                yield from _walk(value)
    elif isinstance(data, list):
        for value in data:
            yield from _walk(value)


def _jsonld_body(objects: list[dict[str, Any]]) -> str:
    bodies = [o["articleBody"] for o in objects if isinstance(o.get("articleBody"), str)]
    if not bodies:
        return ""
    body = max(bodies, key=len)
    if "<" in body and ">" in body:  # some sites put HTML in it
        from lxml.html import fromstring

        try:
            body = fromstring(body).text_content()
        except ValueError:
            return ""
    return "\n".join(line.strip() for line in body.splitlines() if line.strip())


def _jsonld_author(objects: list[dict[str, Any]]) -> str | None:
    for obj in objects:
        author = obj.get("author")
        names = []
        for item in author if isinstance(author, list) else [author]:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                names.append(item["name"].strip())
            elif isinstance(item, str):
                names.append(item.strip())
        names = [n for n in names if n]
        if names:
            return "; ".join(names)
    return None


# --------------------------------------------------------------------------- dates


def _stated_dates(tree: HtmlElement, objects: list[dict[str, Any]]) -> list[datetime | date]:
    """Publication dates the page states in JSON-LD and meta tags, in order of trust."""
    candidates: list[str] = []
    for obj in objects:
        value = obj.get("datePublished")
        if isinstance(value, str):
            candidates.append(value)
    for name in ("article:published_time", "og:published_time", "datePublished", "pubdate"):
        value = _meta(tree, name)
        if value:
            candidates.append(value)
    candidates += [str(v) for v in tree.xpath('//time[@itemprop="datePublished"]/@datetime')]
    return [p for p in map(parse_date, candidates) if p is not None]


def _published(
    timed: datetime | None, found: str | None, stated: list[datetime | date]
) -> str | None:
    """ISO 8601 publication date, with its time of day when the page gives one.

    A stated date with a time wins; then trafilatura's (htmldate's) day; then a stated day.
    """
    if timed is not None:
        return timed.isoformat()
    if found:
        return found
    return stated[0].isoformat() if stated else None


def parse_date(value: str) -> datetime | date | None:
    """Parse an ISO 8601 or RFC 2822 date; a ``date`` when it carries no time of day.

    Args:
        value: The date as found in the page.

    Returns:
        A ``datetime`` (timezone-aware when the source says so), a ``date``, or ``None`` (also
        for a placeholder: "0001-01-01T00:00:00Z" stands in some pages' JSON-LD for no date).
    """
    parsed = _parse_date(value.strip())
    if parsed is None or parsed.year < EARLIEST_PUBLISHED_YEAR:
        return None
    return parsed


# Before this, a publication date is a placeholder ("0001-01-01"), not a day a story ran.
EARLIEST_PUBLISHED_YEAR = 1800


def _parse_date(value: str) -> datetime | date | None:
    if not value:
        return None
    if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    iso = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", value.replace(" ", "T", 1))
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
