"""Articles saved as plain text or Markdown: the copied page's head and tail are not body text."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.articles import Article
from ingest.config import IngestSettings
from ingest.loaders import iter_source
from ingest.loaders.plain import clean_plain_article

TITLE = "Riverside library to stay open until midnight in exam season"
STANDFIRST = (
    "Students asked for longer hours, and the council found the money in its events budget."
)
BODY = [
    "The Riverside library will keep its reading rooms open until midnight from April to June, "
    "the council said on Tuesday, after a petition signed by more than 2,100 students.",
    "The longer hours will cost about 38,000 pounds, taken from a festival budget that was left "
    "unspent when the summer fair was cancelled.",
    "Two extra staff will work the late shift, and the café on the ground floor will stay open "
    "until ten.",
    "Librarian Tomas Reyes said the building had been full by four o'clock on most weekdays "
    "since January.",
]
TAIL = [
    "Subscribe for Updates",
    "Get the latest Riverside news in your inbox every Friday morning.",
    "Notice an error?",
    "Tell our editors and we will correct it as soon as we can.",
    "Advertise with Us",
    "Reach more than 40,000 readers across the valley each week.",
    "Get our media kit",
]
SAVED_AS_TEXT = "\n".join(
    [TITLE, STANDFIRST, TITLE, "Written by Marta Okonkwo", "12 March 2026, 09:30", *BODY, *TAIL]
)


@pytest.fixture
def settings() -> IngestSettings:
    return IngestSettings(_env_file=None)


def load_one(path: Path, settings: IngestSettings) -> Article:
    [article] = list(iter_source(str(path), settings))
    assert isinstance(article, Article), article
    return article


def assert_clean(article: Article) -> None:
    assert article.title == TITLE
    assert article.author == "Marta Okonkwo"
    assert article.text.startswith(STANDFIRST)  # the standfirst is the article's own words
    for paragraph in BODY:
        assert paragraph in article.text
    assert TITLE not in article.text  # the repeated title is not body text
    for furniture in (*TAIL, "Written by", "12 March 2026"):
        assert furniture not in article.text
    assert article.text.rstrip().endswith("since January.")


def test_news_article_saved_as_text(tmp_path: Path, settings) -> None:
    path = tmp_path / "library.txt"
    path.write_text(SAVED_AS_TEXT + "\n", encoding="utf-8")
    assert_clean(load_one(path, settings))


def test_same_article_with_blank_lines_and_hard_wrapped_paragraphs(tmp_path, settings) -> None:
    import textwrap

    blocks = [TITLE, STANDFIRST, TITLE, "Written by Marta Okonkwo", *BODY, *TAIL]
    wrapped = "\n\n".join(textwrap.fill(block, 60) for block in blocks)
    path = tmp_path / "library.txt"
    path.write_text(wrapped, encoding="utf-8")
    article = load_one(path, settings)
    assert article.author == "Marta Okonkwo"
    flat = " ".join(article.text.split())
    assert flat.startswith(STANDFIRST) and flat.endswith("since January.")
    assert "Subscribe" not in flat and "media kit" not in flat and TITLE not in flat


def test_same_article_as_markdown(tmp_path: Path, settings) -> None:
    markdown = "\n\n".join(
        [f"# {TITLE}", f"*{STANDFIRST}*", f"## {TITLE}", "**By Marta Okonkwo** | 12 March 2026",
         *BODY, *(f"### {t}" if len(t) < 30 else t for t in TAIL)]
    )  # fmt: skip
    path = tmp_path / "library.md"
    path.write_text(markdown, encoding="utf-8")
    article = load_one(path, settings)
    assert article.title == TITLE
    assert article.author == "Marta Okonkwo"
    assert TITLE not in article.text and "Marta" not in article.text
    assert "Subscribe" not in article.text and "40,000 readers" not in article.text
    assert article.text.rstrip().endswith("since January.")


def test_front_matter_author_wins_over_the_byline(tmp_path: Path, settings) -> None:
    path = tmp_path / "library.md"
    path.write_text(
        f"---\nauthor: Desk Editor\n---\n# {TITLE}\n\nBy Marta Okonkwo\n\n" + "\n\n".join(BODY),
        encoding="utf-8",
    )
    article = load_one(path, settings)
    assert article.author == "Desk Editor"
    assert "Marta Okonkwo" not in article.text


@pytest.mark.parametrize(
    "text",
    [
        # an article that is only a short note: nothing is taken from it
        "Subscribe for Updates",
        # "By" starting a sentence is no byline; a closing paragraph that mentions a newsletter
        # but is long prose stays
        "By the numbers, the library lent 12,000 books last year.\n" + "\n".join(BODY)
        + "\nThe council said it would report on the trial in its newsletter in July, and that "
        "the longer hours could become permanent if at least 150 people used the reading rooms "
        "after nine on a typical weekday, which staff would count at the door every night "
        "during the ten-week trial.",
    ],
)
def test_text_that_is_not_furniture_is_kept(text: str) -> None:
    cleaned = clean_plain_article(text, "Library hours")
    assert cleaned.text == text
    assert cleaned.author is None


def test_byline_forms() -> None:
    for line, name in [
        ("By Ada Brook", "Ada Brook"),
        ("Written by Ada Brook and Li Wei", "Ada Brook and Li Wei"),
        ("By Ada Brook, Senior Reporter", "Ada Brook"),
        ("by Ada Brook | 2 May 2026", "Ada Brook"),
        ("Author: Ada van der Berg", "Ada van der Berg"),
    ]:
        assert clean_plain_article(f"{line}\n" + "\n".join(BODY), None).author == name, line
