"""Local sources: every file format (plain and gzip), metadata, stable ids, the sample corpus."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import pytest

from ingest.articles import Article, LoadFailure
from ingest.config import IngestSettings
from ingest.loaders import html_to_text, is_authoritative, iter_source, source_kind
from ingest.sources import SourcesFileError, load_sources_file, normalize_spec
from tests.conftest import EXAMPLES_DIR
from tests.ingest.conftest import ALPHA, SITE_PAGES, article_page
from vectorstore.errors import ConfigError

BODY = (
    "The Westbrook water works will replace 3.2 kilometres of cast-iron mains in 2027. "
    "Work starts on 12 April and the budget is 7.5 million euros."
)


@pytest.fixture
def settings() -> IngestSettings:
    return IngestSettings(_env_file=None)


def load(spec, settings):
    items = list(iter_source(str(spec), settings))
    articles = [i for i in items if isinstance(i, Article)]
    failures = [i for i in items if isinstance(i, LoadFailure)]
    return articles, failures


def write(path: Path, text: str, *, gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


FRONT_MATTER_MD = f"""---
title: "Water mains: the 2027 plan"
author: [Ana Ruiz, Tom Hale]
date: 2026-09-14T08:05:00+02:00
url: https://westbrook.example/water-2027
source: Westbrook Weekly
---

{BODY}

## Timeline

Street by street, until November.
"""

HEADING_MD = f"""# Docs: configuring the pump scheduler

{BODY}
"""

TXT = f"Council votes on water budget\n\n{BODY}\n"

RECORDS = [
    {
        "id": "w-1",
        "title": "First record",
        "body": BODY,
        "url": "https://westbrook.example/first",
        "author": {"@type": "Person", "name": "Ana Ruiz"},
        "published": "Mon, 14 Sep 2026 08:05:00 +0200",
        "source": "Westbrook Weekly",
    },
    {
        "title": "Second record",
        "text": "<p>Paragraph one about the " + BODY + "</p><p>Paragraph two.</p>",
        "date": "2026-09-15",
        "publisher": {"name": "Westbrook Radio"},
    },
    {"title": "Third record", "content": "Plain content field. " + BODY, "published": 1789000000},
]


def short(location: str) -> str:
    """``name.jsonl#L2`` for ``/abs/dir/name.jsonl#L2``."""
    path, sep, fragment = location.partition("#")
    return Path(path).name + sep + fragment


def html_page(path: str = "/articles/alpha.html") -> str:
    return article_page(path=path, **SITE_PAGES["/articles/alpha.html"])


def make_formats(root: Path, *, gz: bool) -> Path:
    ext = ".gz" if gz else ""
    write(root / f"a-front.md{ext}", FRONT_MATTER_MD, gz=gz)
    write(root / f"b-heading.markdown{ext}", HEADING_MD, gz=gz)
    write(root / f"c-note.txt{ext}", TXT, gz=gz)
    write(root / f"d-page.html{ext}", html_page(), gz=gz)
    write(root / f"e-page.htm{ext}", html_page("/articles/other.html"), gz=gz)
    write(root / f"f-one.json{ext}", json.dumps(RECORDS[0]), gz=gz)
    write(root / f"g-many.json{ext}", json.dumps(RECORDS), gz=gz)
    lines = "\n".join(json.dumps(r) for r in RECORDS) + "\n"
    write(root / f"h-lines.jsonl{ext}", lines, gz=gz)
    return root


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_every_local_format(tmp_path, settings, gz):
    root = make_formats(tmp_path / "corpus", gz=gz)
    ext = ".gz" if gz else ""
    articles, failures = load(root, settings)
    assert failures == []
    got = {short(a.location): a for a in articles}
    assert sorted(got) == sorted(
        [
            f"a-front.md{ext}",
            f"b-heading.markdown{ext}",
            f"c-note.txt{ext}",
            f"d-page.html{ext}",
            f"e-page.htm{ext}",
            f"f-one.json{ext}",
            f"g-many.json{ext}#w-1",
            f"g-many.json{ext}#item-2",
            f"g-many.json{ext}#item-3",
            f"h-lines.jsonl{ext}#w-1",
            f"h-lines.jsonl{ext}#L2",
            f"h-lines.jsonl{ext}#L3",
        ]
    )

    front = got[f"a-front.md{ext}"]
    assert front.title == "Water mains: the 2027 plan"
    assert front.author == "Ana Ruiz, Tom Hale"
    assert front.published == "2026-09-14T08:05:00+02:00"
    assert front.url == "https://westbrook.example/water-2027"
    assert front.source == "Westbrook Weekly"
    assert front.text.startswith(BODY) and "## Timeline" in front.text
    assert "---" not in front.text and "title:" not in front.text

    heading = got[f"b-heading.markdown{ext}"]
    assert heading.title == "Docs: configuring the pump scheduler"
    assert heading.text == BODY
    assert heading.author is heading.source is heading.published is heading.url is None

    note = got[f"c-note.txt{ext}"]
    assert note.title == "Council votes on water budget"
    assert note.text == BODY

    page = got[f"d-page.html{ext}"]
    assert page.title == "Tram line 5 extension opens"
    assert page.source == "Loopback Gazette"
    assert page.author == "Ruth Abebe"
    assert page.published == "2026-11-02T08:15:00+01:00"  # JSON-LD time kept
    assert page.url == "https://gazette.example/articles/alpha.html"
    assert ALPHA[0] in page.text and "We use cookies" not in page.text
    assert got[f"e-page.htm{ext}"].url == "https://gazette.example/articles/other.html"

    one = got[f"f-one.json{ext}"]
    assert (one.title, one.author, one.source) == ("First record", "Ana Ruiz", "Westbrook Weekly")
    assert one.published == "2026-09-14T08:05:00+02:00"  # RFC 2822 -> ISO 8601
    assert one.text == BODY

    second = got[f"g-many.json{ext}#item-2"]
    assert second.source == "Westbrook Radio"
    assert second.published == "2026-09-15"
    assert second.text.startswith("Paragraph one about the") and "<p>" not in second.text
    assert second.text.endswith("\n\nParagraph two.")
    third = got[f"h-lines.jsonl{ext}#L3"]
    assert third.text.startswith("Plain content field.")
    assert third.published == "2026-09-10T00:26:40+00:00"  # epoch seconds

    for article in articles:
        assert article.origin == str(root.resolve())
        assert article.text.strip() and article.title.strip()


def test_ids_are_stable_content_independent_and_distinct(tmp_path, settings):
    root = make_formats(tmp_path / "corpus", gz=False)
    first, _ = load(root, settings)
    second, _ = load(root, settings)
    ids = [a.article_id for a in first]
    assert ids == [a.article_id for a in second]
    assert len(set(ids)) == len(ids)

    # editing text (and the title) never changes an id
    note = root / "c-note.txt"
    note.write_text("Council votes on water budget again\n\nCompletely different text now.\n")
    lines = root / "h-lines.jsonl"
    edited = [dict(r, body="edited " + BODY) if "body" in r else r for r in RECORDS]
    lines.write_text("\n".join(json.dumps(r) for r in edited))
    third, _ = load(root, settings)
    assert [a.article_id for a in third] == ids
    by_loc = {a.location: a for a in third}
    assert by_loc[str(note.resolve())].text == "Completely different text now."

    # the same source spelled differently (tests run in tmp_path) gives the same origin and ids
    again, _ = load("./corpus/", settings)
    assert [a.article_id for a in again] == ids
    assert {a.origin for a in again} == {str(root.resolve())}


def test_id_prefers_the_url_and_never_collides_within_a_source(tmp_path, settings, caplog):
    root = tmp_path / "c"
    write(root / "one.md", FRONT_MATTER_MD)
    write(root / "two.md", FRONT_MATTER_MD.replace("2027 plan", "copy"))  # same url
    caplog.set_level(logging.WARNING, logger="ingest.loaders")
    articles, failures = load(root, settings)
    assert failures == []
    assert len({a.article_id for a in articles}) == 2
    assert "same URL" in caplog.text
    # the file that owns the URL keeps the URL-based id whichever folder it is read from
    [alone], _ = load(root / "one.md", settings)
    assert alone.article_id == articles[0].article_id


def test_a_placeholder_publication_date_is_no_date(tmp_path, settings):
    # A CMS's "0001-01-01T00:00:00Z" for "no date" was stored, and the bot dated relative days
    # in answers "story of 0001-01-01"; the page's real date is kept instead.
    page = article_page(
        title="Tram line 5 extension opens",
        author="Ruth Abebe",
        paragraphs=ALPHA,
        path="/articles/alpha.html",
        jsonld_date="0001-01-01T00:00:00Z",
        meta_date="2026-11-02T08:15:00+01:00",
    )
    [article], _ = load(write(tmp_path / "page.html", page), settings)
    assert article.published == "2026-11-02T08:15:00+01:00"
    record = {"text": " ".join(ALPHA), "title": "Tram", "published": "0001-01-01T00:00:00Z"}
    [from_json], _ = load(write(tmp_path / "one.jsonl", json.dumps(record)), settings)
    assert from_json.published is None


def test_title_falls_back_to_file_name(tmp_path, settings):
    path = write(
        tmp_path / "one-liner.txt.gz", "Just one line of text about 12 new benches.", gz=True
    )
    [article], failures = load(path, settings)
    assert failures == []
    assert article.title == "one-liner"
    assert article.text == "Just one line of text about 12 new benches."
    jsonl = write(tmp_path / "untitled.jsonl", json.dumps({"text": BODY}))
    [record], _ = load(jsonl, settings)
    assert record.title == "untitled"


def test_glob_and_directory_skip_unknown_and_hidden_files(tmp_path, settings, caplog):
    root = tmp_path / "mixed"
    write(root / "keep.md", HEADING_MD)
    write(root / "sub" / "deeper" / "keep2.txt", TXT)
    write(root / "notes.csv", "a,b\n1,2\n")
    write(root / "image.png", "not really a png")
    write(root / ".hidden.md", HEADING_MD)
    write(root / ".git" / "config.txt", TXT)
    caplog.set_level(logging.DEBUG, logger="ingest.loaders")
    articles, failures = load(root, settings)
    assert failures == []
    assert sorted(Path(a.location).name for a in articles) == ["keep.md", "keep2.txt"]
    assert "notes.csv" in caplog.text  # skipped, at debug level

    md_only, failures = load(root / "**" / "*.md", settings)
    assert failures == [] and [Path(a.location).name for a in md_only] == ["keep.md"]
    txt, _ = load(root / "**" / "*.txt", settings)
    assert [Path(a.location).name for a in txt] == ["keep2.txt"]
    assert {a.origin for a in txt} == {str(root.resolve() / "**" / "*.txt")}


def test_bom_and_utf16_with_bom_are_read(tmp_path, settings):
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + TXT.encode())
    (tmp_path / "wide.txt").write_bytes(("Wide title\n" + BODY).encode("utf-16"))
    articles, failures = load(tmp_path, settings)
    assert failures == []
    titles = sorted(a.title for a in articles)
    assert titles == ["Council votes on water budget", "Wide title"]


def test_the_sample_corpus_loads_fully(settings):
    corpus = EXAMPLES_DIR / "corpus"
    articles, failures = load(corpus, settings)
    assert failures == []
    assert 7 <= len(articles) <= 10
    kinds = {Path(a.location.split("#")[0]).suffix for a in articles}
    assert kinds == {".html", ".md", ".txt", ".jsonl"}
    for article in articles:
        assert article.title.strip() and len(article.text.split()) > 150, article.location
        assert article.origin == str(corpus.resolve())
    assert len({a.article_id for a in articles}) == len(articles)
    assert len({a.title for a in articles}) == len(articles)
    [bridge] = [a for a in articles if "harbour bridge" in a.title.lower()]
    assert "40 million euros" in bridge.text
    assert bridge.published == "2026-10-17T09:30:00+02:00"
    assert bridge.source == "The Marrowick Courier"
    assert bridge.author == "Daniel Okafor"
    for junk in ("cookies", "Share on Facebook", "Morning Briefing", "Related articles", "©"):
        assert junk not in bridge.text
    html_pages = [a for a in articles if a.location.endswith(".html")]
    assert len(html_pages) == 2 and all("T" in (a.published or "") for a in html_pages)


def test_examples_sources_file_lists_the_corpus(settings):
    specs = load_sources_file(EXAMPLES_DIR / "sources.toml")
    assert specs == [str((EXAMPLES_DIR / "corpus").resolve())]
    articles, failures = load(specs[0], settings)
    assert failures == [] and articles


def test_sources_file_resolves_relative_paths_against_its_folder(tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "sources.toml").write_text(
        'sources = ["articles", "../elsewhere/*.md", "/abs/path", "https://x.example/feed.rss",'
        ' "feed:https://x.example/news", "articles"]\n'
    )
    assert load_sources_file(conf / "sources.toml") == [
        str(conf / "articles"),
        str(tmp_path / "elsewhere" / "*.md"),
        "/abs/path",
        "https://x.example/feed.rss",
        "feed:https://x.example/news",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("sources = [", "not valid TOML"),
        ('paths = ["a"]', "no `sources` key"),
        ("sources = []", "non-empty list"),
        ('sources = "corpus"', "non-empty list"),
        ('sources = ["a", 3]', "entry 2"),
        ('sources = ["  "]', "entry 1"),
    ],
)
def test_bad_sources_file_is_a_clear_config_error(tmp_path, content, message):
    path = tmp_path / "sources.toml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SourcesFileError, match=message) as info:
        load_sources_file(path)
    assert isinstance(info.value, ConfigError)
    assert str(path) in str(info.value)


def test_normalize_spec(tmp_path):
    assert normalize_spec("https://x.example/a?b=1") == "https://x.example/a?b=1"
    assert normalize_spec("  corpus/ ") == str(tmp_path / "corpus")  # tests run in tmp_path
    assert normalize_spec("./a/../corpus") == str(tmp_path / "corpus")
    assert normalize_spec("~/x").startswith(str(Path.home()))
    assert source_kind(str(tmp_path)) == "path" and is_authoritative(str(tmp_path))


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    html = (
        "<div><h2>Head</h2><p>One  <b>bold</b>\n word.</p><script>x()</script>"
        "<ul><li>a</li><li>b &amp; c</li></ul><br>tail</div>"
    )
    assert html_to_text(html) == "Head\n\nOne bold word.\n\na\n\nb & c\n\ntail"
