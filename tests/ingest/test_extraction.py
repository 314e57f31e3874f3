"""HTML extraction: boilerplate stripped, metadata with times, and the Zyte benchmark metric."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.extraction import (
    aggregate,
    load_eval,
    main,
    page_counts,
    precision_score,
    recall_score,
    run_system,
    shingles,
    tokenize,
    trafilatura_precision,
)
from ingest.extraction import ExtractedPage, clean_text, extract_html, parse_date
from tests.conftest import SHARED_EVAL, shared_eval_dir

# --------------------------------------------------------------------------- handmade pages

BODY_PARAGRAPHS = [
    "The county council voted on Tuesday evening to rebuild the Millbrook footbridge, which "
    "has been closed to walkers and cyclists since the spring floods undermined its eastern "
    "pier and left a visible crack across the deck.",
    "Engineers told the council that repairing the old structure would cost almost as much as "
    "replacing it, and that a new steel span could carry heavier maintenance vehicles while "
    "lifting the deck clear of the highest water level recorded in the valley.",
    "Residents of the estates on the far bank have been walking an extra two kilometres to "
    "reach the railway station and the primary school, and several shopkeepers said their "
    "takings had fallen by a third since the crossing was fenced off.",
    "Construction is expected to begin in February once the river level drops, with the new "
    "bridge opening before the summer holidays if the contractor keeps to its timetable.",
]

BOILERPLATE = [
    "Accept all cookies",
    "Sign up for our morning newsletter",
    "Share on Facebook",
    "Most popular this week",
    "Council tax bands explained for newcomers",
    "All rights reserved by Valley Courier Media",
    "Subscribe to the Valley Courier",
]


def _article_page(
    *,
    jsonld: dict | None = None,
    meta: str = "",
    lang: str = "en",
    title: str = "Council agrees to rebuild Millbrook footbridge",
    paragraphs: list[str] = BODY_PARAGRAPHS,
    extra_body: str = "",
) -> str:
    script = f'<script type="application/ld+json">{json.dumps(jsonld)}</script>' if jsonld else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{title} | Valley Courier</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="Valley Courier">
<link rel="canonical" href="https://courier.example/news/millbrook-bridge">
{meta}{script}
</head><body>
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience.
<button>Accept all cookies</button></p></div>
<header><nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/weather">Weather</a></li></ul></nav></header>
<main><article>
<h1>{title}</h1>
<div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Share on X</a></div>
<div class="article-body">{body}</div>
{extra_body}
<aside class="newsletter-box"><h3>Sign up for our morning newsletter</h3>
<form><input type="email"><button>Subscribe to the Valley Courier</button></form></aside>
</article>
<section class="related-links"><h2>Most popular this week</h2><ul>
<li><a href="/a">Council tax bands explained for newcomers</a></li>
<li><a href="/b">Five walks to try before winter arrives</a></li></ul></section>
</main>
<footer class="site-footer"><p>All rights reserved by Valley Courier Media</p>
<ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li></ul></footer>
</body></html>"""


def _extract(html: str, url: str | None = None) -> ExtractedPage:
    page = extract_html(html, url)
    assert page is not None
    return page


def test_boilerplate_is_stripped_and_body_kept() -> None:
    page = _extract(_article_page())
    for paragraph in BODY_PARAGRAPHS:
        assert paragraph in page.text
    for junk in BOILERPLATE:
        assert junk not in page.text
    assert "Home" not in page.text.split()
    # The headline is metadata, not repeated as the first line of the body.
    assert not page.text.startswith("Council agrees")
    assert page.title == "Council agrees to rebuild Millbrook footbridge"
    assert page.site_name == "Valley Courier"
    assert page.url == "https://courier.example/news/millbrook-bridge"


def test_related_teasers_and_trailing_credits_removed() -> None:
    paragraphs = [
        *BODY_PARAGRAPHS[:2],
        "Related: Flood defences to be reviewed after record rainfall",
        *BODY_PARAGRAPHS[2:],
        "Reporting by Ann Example; editing by Bo Sample",
        "Follow us on Twitter and Facebook for the latest updates.",
    ]
    page = _extract(_article_page(paragraphs=paragraphs))
    assert all(p in page.text for p in BODY_PARAGRAPHS)
    assert "Flood defences" not in page.text
    assert "Reporting by" not in page.text
    assert "Follow us" not in page.text


@pytest.mark.parametrize(
    "giant",
    [
        "<script>window.__STATE__ = '" + "x" * 11_000_000 + "';</script>",  # inline bundle
        "<style>.a{}" + " " * 11_000_000 + "</style>",
        "<div hidden>" + "lorem " * 1_900_000 + "</div>",  # any other text node over 10 MB
    ],
    ids=["script", "style", "hidden-text"],
)
def test_page_with_a_text_node_over_10_mb_keeps_its_article(giant: str) -> None:
    # libxml2 stops parsing at a text node over 10 MB unless told huge_tree: the article after
    # it was lost whole.
    html = _article_page(
        jsonld={"@type": "NewsArticle", "author": {"@type": "Person", "name": "Ada Brook"}}
    ).replace("</head>", giant + "</head>" if "div" not in giant else "</head>", 1)
    if "div" in giant:
        html = html.replace("<main>", giant + "<main>", 1)
    page = _extract(html)
    for paragraph in BODY_PARAGRAPHS:
        assert paragraph in page.text
    assert "xxxx" not in page.text
    assert page.author == "Ada Brook"
    assert page.title == "Council agrees to rebuild Millbrook footbridge"


def test_jsonld_date_with_time_wins() -> None:
    jsonld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Council agrees to rebuild Millbrook footbridge",
        "datePublished": "2024-03-05T14:30:00+01:00",
        "author": {"@type": "Person", "name": "Ann Example"},
    }
    meta = '<meta name="date" content="2024-03-04">'
    page = _extract(_article_page(jsonld=jsonld, meta=meta))
    assert page.published == "2024-03-05T14:30:00+01:00"
    assert page.author == "Ann Example"


def test_a_placeholder_date_gives_way_to_the_pages_real_one() -> None:
    # Some CMSs write "0001-01-01T00:00:00Z" into JSON-LD for "no date": the story's day was
    # shown as "story of 0001-01-01".
    jsonld = {"@type": "NewsArticle", "datePublished": "0001-01-01T00:00:00Z"}
    meta = '<meta property="article:published_time" content="2024-06-01T08:05:09Z">'
    page = _extract(_article_page(jsonld=jsonld, meta=meta))
    assert page.published == "2024-06-01T08:05:09+00:00"


def test_published_time_meta_keeps_time() -> None:
    meta = '<meta property="article:published_time" content="2024-06-01T08:05:09Z">'
    page = _extract(_article_page(meta=meta))
    assert page.published == "2024-06-01T08:05:09+00:00"


def test_date_without_time_is_iso_date() -> None:
    meta = '<meta property="article:published_time" content="2024-06-01">'
    page = _extract(_article_page(meta=meta))
    assert page.published == "2024-06-01"


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "just some words, no markup at all",
        """<html><head><title>Valley Courier</title></head><body>
        <nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
        <li><a href="/sport">Sport</a></li><li><a href="/weather">Weather</a></li>
        <li><a href="/contact">Contact us</a></li></ul></nav>
        <footer><p>© Valley Courier</p><a href="/privacy">Privacy</a></footer>
        </body></html>""",
    ],
    ids=["empty", "blank", "plain-words", "navigation-only"],
)
def test_no_article_text_gives_none(html: str) -> None:
    assert extract_html(html) is None


def test_non_english_page() -> None:
    paragraphs = [
        "Der Gemeinderat hat am Dienstagabend beschlossen, die Fußgängerbrücke über den "
        "Mühlbach neu zu bauen, die seit dem Frühjahrshochwasser gesperrt ist.",
        "Nach Angaben der Ingenieure wäre eine Reparatur der alten Brücke kaum billiger als ein "
        "Neubau, der zudem schwerere Fahrzeuge tragen und höher über dem Wasser liegen könnte.",
        "Anwohner auf der anderen Seite des Bachs müssen derzeit einen Umweg von zwei Kilometern "
        "zum Bahnhof und zur Grundschule in Kauf nehmen, und Händler klagen über Einbußen.",
    ]
    page = _extract(
        _article_page(
            lang="de",
            title="Gemeinderat beschließt Neubau der Mühlbachbrücke",
            paragraphs=paragraphs,
        )
    )
    for paragraph in paragraphs:
        assert paragraph in page.text
    assert page.title == "Gemeinderat beschließt Neubau der Mühlbachbrücke"


def test_article_split_into_sibling_chunks_is_kept_whole() -> None:
    extra = [
        "Anglers say the new piers should be placed so they do not disturb the deep pool below "
        "the weir, where trout gather in the late summer months.",
        "The council will publish the final drawings next month and invite comments from anyone "
        "who uses the path, including the riding school at the top of the lane.",
        "A temporary ferry run by volunteers from the rowing club will carry pedestrians across "
        "on weekend mornings until the new bridge is finished.",
    ]
    chunks = [
        [*BODY_PARAGRAPHS[:2], extra[0]],  # long enough not to count as a stub
        [BODY_PARAGRAPHS[2], extra[1]],
        [BODY_PARAGRAPHS[3], extra[2]],
    ]
    # Each chunk is a container of its own, with an ad between (as some magazines lay out
    # long reads); trafilatura alone keeps only the first.
    body = '<div class="ad-slot"><a href="/ads">Advertisement</a></div>'.join(
        '<div class="grid grid-layout"><div class="body__container article-body">'
        + "".join(f"<p>{p}</p>" for p in chunk)
        + "</div></div>"
        for chunk in chunks
    )
    html = _article_page(paragraphs=[]).replace('<div class="article-body"></div>', body)
    page = _extract(html)
    positions = [page.text.find(p) for p in [*BODY_PARAGRAPHS, *extra]]
    assert all(pos >= 0 for pos in positions), page.text
    assert "Advertisement" not in page.text


def test_script_rendered_page_falls_back_to_jsonld_body() -> None:
    jsonld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Council agrees to rebuild Millbrook footbridge",
        "articleBody": "\n".join(BODY_PARAGRAPHS),
        "datePublished": "2024-03-05T14:30:00Z",
    }
    html = f"""<html><head><title>Council agrees to rebuild Millbrook footbridge</title>
    <script type="application/ld+json">{json.dumps(jsonld)}</script></head>
    <body><nav><a href="/">Home</a> <a href="/news">News</a></nav><div id="app"></div>
    <script>window.render()</script></body></html>"""
    page = _extract(html)
    assert all(p in page.text for p in BODY_PARAGRAPHS)
    assert page.title == "Council agrees to rebuild Millbrook footbridge"
    assert page.published == "2024-03-05T14:30:00+00:00"


def test_hover_cards_dropped_and_tooltip_terms_kept() -> None:
    card = (
        '<span class="rollover-people-block"><img src="/p.jpg" alt=""><a href="/people/ann">'
        'Ann Marie Example</a><a href="/story/1">Earlier story about the mayor\'s budget</a>'
        "</span>"
    )
    first = BODY_PARAGRAPHS[0].replace(
        "The county council",
        f'The county council led by <a href="/people/ann">Ann Example</a>{card}',
    )
    term = '<span class="glossary-tooltip">pier</span>'
    second = BODY_PARAGRAPHS[1].replace("steel span", f"steel span on a new {term}")
    page = _extract(_article_page(paragraphs=[first, second, *BODY_PARAGRAPHS[2:]]))
    assert "The county council led by Ann Example voted on Tuesday" in page.text
    assert "Earlier story" not in page.text
    assert "steel span on a new pier could carry" in page.text


def test_hover_card_wrapped_with_its_name_keeps_the_name() -> None:
    # One span wraps the hovered name and its card: the name is prose, the card is not.
    wrapped = (
        '<span class="rollover-people"><a class="rollover-people-link" href="/people/ann">'
        'Ann Example</a><span class="rollover-people-block"><img src="/p.jpg" alt="">'
        '<a href="/story/1">Earlier story about the mayor\'s budget</a></span></span>'
    )
    first = BODY_PARAGRAPHS[0].replace(
        "The county council", f"The county council led by {wrapped} (Ind.)"
    )
    page = _extract(_article_page(paragraphs=[first, *BODY_PARAGRAPHS[1:]]))
    assert "The county council led by Ann Example (Ind.) voted on Tuesday" in page.text
    assert "Earlier story" not in page.text


def test_embedded_tweet_is_kept() -> None:
    tweet = (
        '<div class="social-embed"><blockquote class="twitter-tweet"><p>The footbridge '
        "closure has doubled my walk to school every single morning this year</p>— A Parent "
        "(@parent_example) March 4, 2024</blockquote></div>"
    )
    html = _article_page().replace(
        f"<p>{BODY_PARAGRAPHS[1]}</p>", f"<p>{BODY_PARAGRAPHS[1]}</p>{tweet}"
    )
    page = _extract(html)
    assert "doubled my walk to school" in page.text
    assert all(p in page.text for p in BODY_PARAGRAPHS)


def test_clean_text_drops_repeated_headline_and_date_line() -> None:
    text = "\n".join(
        [
            "Council agrees to rebuild Millbrook footbridge",
            "March 5, 2024 at 2:30 pm",
            *BODY_PARAGRAPHS,
            "Tags",
            "bridges, council, floods",
        ]
    )
    cleaned = clean_text(text, ["Council agrees to rebuild Millbrook footbridge | Courier"])
    assert cleaned == "\n".join(BODY_PARAGRAPHS)


def test_clean_text_keeps_ordinary_text() -> None:
    text = "\n".join(BODY_PARAGRAPHS)
    assert clean_text(text, ["Some other headline"]) == text
    # Sentences that merely mention dates, newsletters, Twitter or copyright stay.
    text = "\n".join(
        [
            "At 10:30 on 5 March 2024 the bridge was closed.",
            *BODY_PARAGRAPHS,
            "More from the council meeting is expected when the budget is published.",
            "The mayor announced the decision on Twitter after the vote.",
            "The residents' association will explain the plans in its next newsletter.",
            "The designer has accused a rival firm of copyright infringement over the drawings.",
        ]
    )
    assert clean_text(text, ["Council agrees to rebuild Millbrook footbridge"]) == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-05T14:30:00+01:00", "2024-03-05T14:30:00+01:00"),
        ("2024-03-05T14:30:00Z", "2024-03-05T14:30:00+00:00"),
        ("2024-03-05T14:30:00.000+0100", "2024-03-05T14:30:00+01:00"),
        ("2024-03-05 14:30:00", "2024-03-05T14:30:00"),
        ("Tue, 05 Mar 2024 14:30:00 GMT", "2024-03-05T14:30:00+00:00"),
        ("2024-03-05", "2024-03-05"),
    ],
)
def test_parse_date(raw: str, expected: str) -> None:
    parsed = parse_date(raw)
    assert parsed is not None
    assert parsed.isoformat() == expected


@pytest.mark.parametrize(
    "raw", ["", "yesterday", "2024-13-45", "0001-01-01T00:00:00Z", "0001-01-01"]
)
def test_parse_date_rejects_garbage(raw: str) -> None:
    assert parse_date(raw) is None


# --------------------------------------------------------------------------- metric


def test_tokenize_and_shingles() -> None:
    assert tokenize("Hello, world! It's 2024.") == ["Hello", "world", "It", "s", "2024"]
    assert tokenize("Привет, мир") == ["Привет", "мир"]
    grams = shingles("a b c d e a b c d")
    assert grams[("a", "b", "c", "d")] == 2
    assert sum(grams.values()) == 6
    # Fewer than four tokens: one shorter shingle.
    assert shingles("just two") == {("just", "two"): 1}
    assert sum(shingles("").values()) == 0


def test_page_counts_are_normalised() -> None:
    assert page_counts("a b c d e f", "a b c d e f") == (1.0, 0.0, 0.0)
    # truth shingles: abcd bcde cdef; prediction: abcd bcde cdex dexy -> tp 2, fp 2, fn 1
    tp, fp, fn = page_counts("a b c d e f", "a b c d e x y")
    assert (tp, fp, fn) == pytest.approx((0.4, 0.4, 0.2))
    assert precision_score(tp, fp, fn) == pytest.approx(0.5)
    assert recall_score(tp, fp, fn) == pytest.approx(2 / 3)
    # Case is kept.
    assert page_counts("A b c d", "a b c d") == (0.0, 0.5, 0.5)


def test_aggregate_leaves_empty_predictions_out_of_precision() -> None:
    perfect = page_counts("one two three four five", "one two three four five")
    empty = page_counts("one two three four five", "")
    assert empty == (0.0, 0.0, 1.0)
    scores = aggregate([perfect, empty])
    assert scores.precision == pytest.approx(1.0)
    assert scores.recall == pytest.approx(0.5)
    assert scores.f1 == pytest.approx(2 / 3)


def test_aggregate_matches_hand_computation() -> None:
    rows = [page_counts("a b c d e f", "a b c d e x y"), page_counts("p q r s", "p q r s")]
    scores = aggregate(rows)
    assert scores.precision == pytest.approx((0.5 + 1.0) / 2)
    assert scores.recall == pytest.approx((2 / 3 + 1.0) / 2)


# --------------------------------------------------------------------------- benchmark slice

SLICE = 15


def test_benchmark_slice_meets_floor() -> None:
    eval_dir = shared_eval_dir("article-extraction")
    pages = load_eval(eval_dir, limit=SLICE)

    def ours(page) -> str:
        result = extract_html(page.html, page.url)
        return result.text if result is not None else ""

    result, details = run_system("footnote", "ours", ours, pages)
    baseline, _ = run_system("precision", "baseline", trafilatura_precision, pages)
    assert len(details) == SLICE
    assert result.f1 >= 0.97, details  # 0.995 when written; plain trafilatura 0.957
    assert result.precision >= 0.93 and result.recall >= 0.93
    # Our additions must not make things worse than the setting they build on.
    assert result.f1 >= baseline.f1 - 0.005


def test_bench_cli_writes_results(tmp_path: Path) -> None:
    eval_dir = shared_eval_dir("article-extraction")
    out = tmp_path / "results"
    outcome = CliRunner().invoke(
        main, ["--eval-dir", str(eval_dir), "--out", str(out), "--limit", "3"]
    )
    assert outcome.exit_code == 0, outcome.output
    payload = json.loads((out / "extraction.json").read_text())
    assert [s["name"] for s in payload["systems"]] == [
        "footnote",
        "trafilatura",
        "trafilatura-precision",
    ]
    assert payload["pages"] == 3
    assert all(0.0 <= s["f1"] <= 1.0 and s["ms_per_page"] > 0 for s in payload["systems"])
    assert "| footnote" in (out / "extraction.md").read_text()


def test_bench_cli_without_eval_data_fails_clearly(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(main, ["--eval-dir", str(tmp_path / "nowhere")])
    assert outcome.exit_code != 0
    assert "ground-truth.json not found" in outcome.output
    assert not (tmp_path / "results").exists()


def test_shared_eval_location_is_beside_the_repo() -> None:
    from bench.extraction import DEFAULT_EVAL_DIR

    assert DEFAULT_EVAL_DIR == SHARED_EVAL / "article-extraction"
