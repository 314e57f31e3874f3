"""A bad-input corpus: each expected problem is exactly one clear failure; nothing else is lost.

Encoding policy under test: local files must be UTF-8 (BOM allowed) or UTF-16 with a BOM; a
Latin-1 file is reported as "not UTF-8" rather than guessed (a wrong guess stores garbled text).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ingest.articles import Article, LoadFailure
from ingest.config import IngestSettings
from ingest.loaders import iter_source
from tests.ingest.conftest import EMPTY_PAGE, SITE_PAGES, article_page

BODY = (
    "The Westbrook ice rink opens on 28 November with a new cooling plant that uses 40 percent "
    "less electricity. Tickets cost 6 euros; skates can be hired for 3 euros."
)
CAP_MB = 0.01  # 10 KiB: small enough to make "enormous" files cheap


@pytest.fixture
def small_cap() -> IngestSettings:
    return IngestSettings(_env_file=None, max_file_mb=CAP_MB)


def collect(specs, settings, **kwargs):
    articles: list[Article] = []
    failures: list[LoadFailure] = []
    for spec in specs:
        for item in iter_source(str(spec), settings, **kwargs):
            (articles if isinstance(item, Article) else failures).append(item)
    return articles, failures


def build_bad_corpus(root: Path) -> dict[str, str]:
    """Write good and bad files; return {item name relative to root: expected reason part}."""
    root.mkdir(parents=True)
    good_html = article_page(path="/good.html", **SITE_PAGES["/articles/gamma.html"])
    (root / "good.md").write_text(f"# Good markdown\n\n{BODY}\n")
    (root / "good.txt").write_text(f"Good text\n\n{BODY}\n")
    (root / "good.html").write_text(good_html)
    (root / "good.jsonl.gz").write_bytes(
        gzip.compress(json.dumps({"title": "Good gz line", "body": BODY}).encode())
    )
    (root / "notes.csv").write_text("a,b\n1,2\n")  # unknown type inside a directory: skipped

    expected: dict[str, str] = {}

    def bad(name: str, data: bytes, reason: str) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expected[name] = reason

    bad("empty.md", b"", "empty file")
    bad("blank.txt", b"  \n\n\t \n", "empty file")
    bad("binary.txt", bytes(range(256)) * 8, "binary file")
    bad("picture.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary file")
    bad(
        "latin1.txt",
        f"Café de la Gare\n\nLe café a rouvert. {BODY}".encode("latin-1"),
        "not UTF-8 text (invalid byte 0xe9",
    )
    whole = gzip.compress(f"# Truncated\n\n{BODY * 20}".encode())
    bad("truncated.md.gz", whole[: len(whole) // 2], "truncated gzip")
    bad("fake.txt.gz", f"Not gzip\n\n{BODY}".encode(), "not valid gzip")
    bad("huge.txt", ("Huge\n\n" + BODY * 100).encode(), "over the 0.01 MB cap")
    bad("bomb.json.gz", gzip.compress(b" " * 50_000 + b"{}"), "decompressed content is over")
    bad(
        "notext.json",
        json.dumps({"title": "No body", "url": "https://x.example/a"}).encode(),
        "no text",
    )
    bad("broken.json", b'{"title": "Broken", "body": "unterminated', "not valid JSON")
    bad("scalar.json", b"42", "expected a JSON object or an array")
    bad("boilerplate.html", EMPTY_PAGE.encode(), "no article text")
    bad(
        "badfront.md",
        f"---\ntitle: [unclosed\nauthor: x\n---\n\n{BODY}".encode(),
        "front matter is not valid YAML",
    )
    bad("sub/deeper/also-empty.markdown", b"", "empty file")
    # a JSONL file with one good line and three bad ones: one failure per bad line
    lines = [
        json.dumps({"title": "Good line", "text": BODY}),
        '{"title": "Malformed", "text": "no closing brace"',
        json.dumps(["an", "array"]),
        json.dumps({"id": "rec-9", "title": "No text", "body": "   "}),
    ]
    (root / "lines.jsonl").write_text("\n".join(lines) + "\n")
    expected["lines.jsonl#L2"] = "malformed JSON line"
    expected["lines.jsonl#L3"] = "expected a JSON object, found list"
    expected["lines.jsonl#rec-9"] = "no text"
    return expected


def test_bad_local_corpus(tmp_path, small_cap):
    root = tmp_path / "bad-corpus"
    expected = build_bad_corpus(root)
    articles, failures = collect([root], small_cap)

    assert sorted(a.title for a in articles) == [
        "Good gz line",
        "Good line",
        "Good markdown",
        "Good text",
        "Museum reopens its west wing",
    ]
    got = {}
    for failure in failures:
        name = str(Path(failure.item.split("#")[0]).relative_to(root))
        name += "#" + failure.item.split("#")[1] if "#" in failure.item else ""
        assert name not in got, f"two failures for {name}"
        got[name] = failure
    assert sorted(got) == sorted(expected)
    for name, reason in expected.items():
        failure = got[name]
        assert reason in failure.reason, (name, failure.reason)
        assert not failure.fatal
        assert failure.origin == str(root.resolve())
        assert str(failure).startswith(failure.item + ": ")


def test_a_bad_file_named_alone_is_one_failure(tmp_path, small_cap):
    expected = build_bad_corpus(tmp_path / "c")
    for name, reason in expected.items():
        if "#" in name:
            continue
        path = tmp_path / "c" / name
        articles, [failure] = collect([path], small_cap)
        assert articles == []
        assert failure.item == str(path.resolve())
        assert failure.origin == str(path.resolve())
        assert reason in failure.reason


def test_unknown_file_type_named_explicitly_fails(tmp_path, small_cap):
    path = tmp_path / "table.csv"
    path.write_text("a,b\n")
    articles, [failure] = collect([path], small_cap)
    assert articles == []
    assert failure.item == str(path) and "unsupported file type '.csv'" in failure.reason
    assert not failure.fatal


def test_sources_that_cannot_be_listed_are_fatal(tmp_path, small_cap):
    missing = tmp_path / "no-such-dir"
    articles, failures = collect([missing, tmp_path / "nothing-*.md"], small_cap)
    assert articles == []
    assert [(f.item, f.fatal) for f in failures] == [
        (str(missing), True),
        (str(tmp_path / "nothing-*.md"), True),
    ]
    assert failures[0].reason == "no such file or directory"
    assert failures[1].reason == "no files match this pattern"


def test_bad_web_sources_next_to_good_ones(tmp_path, web_server):
    """404, 500, timeout, oversize, no article text, broken feed, feed down: one failure each."""
    settings = IngestSettings(_env_file=None, http_timeout=0.5, max_file_mb=0.25)
    root = tmp_path / "local"
    root.mkdir()
    (root / "ok.md").write_text(f"# Local and fine\n\n{BODY}\n")
    (root / "empty.txt").write_bytes(b"")
    bad = {
        "/missing.html": ("HTTP 404", True),
        "/error.html": ("HTTP 500", True),
        "/slow.html": ("timed out", True),
        "/huge.html": ("cap", True),
        "/empty.html": ("no article text", False),
        "/broken-feed.rss": ("not a valid RSS/Atom feed", True),
        "/down/feed.rss": ("HTTP 404", True),
    }
    specs = [
        root,
        web_server.url("/articles/alpha.html"),
        *[web_server.url(p) for p in bad],
        web_server.url("/atom.xml"),
    ]
    articles, failures = collect(specs, settings)
    assert sorted(a.title for a in articles) == [
        "Local and fine",
        "Museum reopens its west wing",
        "New reading room",  # Atom entry whose page is a 500: the entry's content is used
        "Tram line 5 extension opens",
    ]
    by_item = {f.item: f for f in failures}
    assert len(by_item) == len(failures) == len(bad) + 1
    assert "empty file" in by_item[str(root / "empty.txt")].reason
    for path, (reason, fatal) in bad.items():
        failure = by_item[web_server.url(path)]
        assert reason in failure.reason, (path, failure.reason)
        assert failure.fatal is fatal, path
