"""Pages, feeds and sitemaps read from a real loopback HTTP server (``web_server``)."""

from __future__ import annotations

import time

import httpx
import pytest

from ingest.articles import Article, LoadFailure
from ingest.fetch import FetchError, FetchTimeout, FetchTooLarge, fetch, make_client
from ingest.loaders import is_authoritative, iter_source, source_kind
from tests.ingest.conftest import (
    ALPHA,
    BETA,
    DELTA,
    FALLBACK_ATOM_TEXT,
    FALLBACK_RSS_TEXT,
    GAMMA,
    SITE_NAME,
)


def load(spec, settings, **kwargs):
    items = list(iter_source(spec, settings, **kwargs))
    articles = [i for i in items if isinstance(i, Article)]
    failures = [i for i in items if isinstance(i, LoadFailure)]
    assert len(articles) + len(failures) == len(items)
    return articles, failures


def by_location(articles):
    return {a.location: a for a in articles}


# -- single pages ------------------------------------------------------------------------------


def test_page_is_extracted_with_metadata_and_jsonld_time(web_server, site_settings):
    url = web_server.url("/articles/alpha.html")
    articles, failures = load(url, site_settings)
    assert failures == []
    [article] = articles
    assert article.origin == url
    assert article.location == url
    assert article.title == "Tram line 5 extension opens"
    assert article.author == "Ruth Abebe"
    assert article.source == SITE_NAME
    assert article.url == "https://gazette.example/articles/alpha.html"  # canonical link
    # JSON-LD's datePublished (with time) wins over trafilatura's date-only value
    assert article.published == "2026-11-02T08:15:00+01:00"
    assert "4.8 kilometres long" in article.text
    assert "14,000 passengers" in article.text
    # boilerplate is gone
    for junk in (
        "We use cookies",
        "Share on Facebook",
        "newsletter",
        "Related articles",
        "Privacy",
    ):
        assert junk not in article.text


def test_page_date_only_when_that_is_all_there_is(web_server, site_settings):
    [article], _ = load(web_server.url("/articles/beta.html"), site_settings)
    assert article.published == "2026-11-03"
    [gamma], _ = load(web_server.url("/articles/gamma.html"), site_settings)
    assert gamma.title == "Museum reopens its west wing"


def test_page_ids_are_stable_and_url_based(web_server, site_settings):
    url = web_server.url("/articles/alpha.html")
    first, _ = load(url, site_settings)
    second, _ = load(url, site_settings)
    assert first[0].article_id == second[0].article_id
    other, _ = load(web_server.url("/articles/beta.html"), site_settings)
    assert other[0].article_id != first[0].article_id


def test_declared_windows_1252_charset_is_honoured(web_server, site_settings):
    [article], failures = load(web_server.url("/articles/latin1.html"), site_settings)
    assert failures == []
    assert "crème brûlée" in article.text
    assert "Zoë Müller" in article.text


def test_user_agent_from_settings_is_sent(web_server, site_settings):
    already_seen = len(web_server.requests)  # the server is shared by the whole session
    load(web_server.url("/articles/gamma.html"), site_settings)
    new_requests = web_server.requests[already_seen:]
    agents = {agent for path, agent in new_requests if path == "/articles/gamma.html"}
    assert agents == {"FootnoteTest/1.0"}


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing.html", "HTTP 404"),
        ("/error.html", "HTTP 500"),
        ("/slow.html", "timed out after 0.5 s"),
        ("/trickle.html", "download took longer than 1.5 s"),
        ("/trickle-headers.html", "download took longer than 1.5 s"),
        ("/huge.html", "over the 0.25 MB cap"),
        ("/huge-stream.html", "over the 0.25 MB cap"),
    ],
)
def test_unreachable_page_source_is_a_fatal_failure(web_server, site_settings, path, reason):
    url = web_server.url(path)
    articles, [failure] = load(url, site_settings)
    assert articles == []
    assert failure.item == url
    assert reason in failure.reason
    assert failure.fatal  # the page source could not be read at all: keep what we had
    assert failure.origin == url


def test_page_without_article_text_fails_but_is_not_fatal(web_server, site_settings):
    url = web_server.url("/empty.html")
    articles, [failure] = load(url, site_settings)
    assert articles == []
    assert failure.item == url
    assert "no article text" in failure.reason
    assert not failure.fatal


# -- fetch -------------------------------------------------------------------------------------


def test_fetch_raises_typed_errors_with_reasons(web_server, site_settings):
    with make_client(site_settings) as client:
        doc = fetch(client, web_server.url("/articles/alpha.html"), site_settings)
        assert doc.content_type == "text/html"
        assert doc.charset == "utf-8"
        assert doc.url == web_server.url("/articles/alpha.html")
        with pytest.raises(FetchError, match="HTTP 404") as info:
            fetch(client, web_server.url("/nope"), site_settings)
        assert info.value.status == 404
        with pytest.raises(FetchTimeout):
            fetch(client, web_server.url("/slow.html"), site_settings)
        with pytest.raises(FetchTooLarge):
            fetch(client, web_server.url("/huge-stream.html"), site_settings)
        with pytest.raises(FetchError, match="cannot download"):
            # nothing listens on port 9 of loopback here
            fetch(client, "http://127.0.0.1:9/x.html", site_settings)


def test_trickled_headers_are_bounded_by_the_whole_request_deadline(web_server, site_settings):
    # Every byte arrives well within the 0.5 s read timeout, so only a deadline over the whole
    # request (headers included) ends this; the body-only check never got to run.
    started = time.monotonic()
    with make_client(site_settings) as client, pytest.raises(FetchTimeout, match="1.5 s"):
        fetch(client, web_server.url("/trickle-headers.html"), site_settings)
    assert time.monotonic() - started < 1.5 + 0.5 + 0.5  # the deadline, a read, some slack


# -- RSS and Atom --------------------------------------------------------------------------------


def test_rss_feed_pages_fallback_and_entry_dates(web_server, site_settings):
    feed = web_server.url("/feed.rss")
    articles, failures = load(feed, site_settings)
    pages = by_location(articles)
    alpha = pages[web_server.url("/articles/alpha.html")]
    beta = pages[web_server.url("/articles/beta.html")]
    ferry = pages[web_server.url("/articles/ferry-gone.html")]
    assert len(articles) == 3
    # the page's text, not the feed's teaser
    assert "4.8 kilometres long" in alpha.text and "Teaser" not in alpha.text
    assert "1,000th installation" in beta.text
    # the feed entry's date with time wins (over JSON-LD and over the page's date-only meta)
    assert alpha.published == "2026-11-02T07:15:00+00:00"
    assert beta.published == "2026-11-03T12:30:00+01:00"
    assert alpha.title == "Tram line 5 extension opens"
    assert alpha.source == SITE_NAME
    assert alpha.origin == feed
    # the link 404s: the entry's own content is used, HTML tags stripped
    assert FALLBACK_RSS_TEXT in ferry.text
    assert "<p>" not in ferry.text and "Tickets are unchanged." in ferry.text
    assert ferry.source == "Loopback Gazette – City news"  # the feed title
    assert ferry.published == "2026-11-04T09:00:00+01:00"
    # the link 404s and there is nothing to fall back on: one failure naming the link
    [failure] = failures
    assert failure.item == web_server.url("/articles/vanished.html")
    assert "HTTP 404" in failure.reason and "no content to fall back on" in failure.reason
    assert not failure.fatal


def test_atom_feed_with_fallback_on_500(web_server, site_settings):
    feed = web_server.url("/atom.xml")
    articles, failures = load(feed, site_settings)
    assert failures == []
    pages = by_location(articles)
    gamma = pages[web_server.url("/articles/gamma.html")]
    reading = pages[web_server.url("/error.html")]
    assert "pilot boat Zwaluw" in gamma.text
    assert gamma.published == "2026-11-04T16:45:00+00:00"
    assert gamma.author == "Clara Veen"
    assert reading.text == FALLBACK_ATOM_TEXT  # <script> dropped, tags stripped
    assert reading.title == "New reading room"
    assert reading.published == "2026-11-05T10:20:00+01:00"


def test_feed_ids_do_not_depend_on_whether_the_page_loaded(web_server, site_settings):
    """A feed entry keeps its id whether its page or its fallback content was used."""
    articles, _ = load(web_server.url("/feed.rss"), site_settings)
    again, _ = load(web_server.url("/feed.rss"), site_settings)
    assert [a.article_id for a in articles] == [a.article_id for a in again]
    # the same page read as a single page source gets the same id as from the feed
    [page], _ = load(web_server.url("/articles/alpha.html"), site_settings)
    assert page.article_id in {a.article_id for a in articles}


def test_feed_under_an_unrevealing_name_is_sniffed(web_server, site_settings, caplog):
    url = web_server.url("/news")
    assert source_kind(url) == "page"
    articles, _ = load(url, site_settings)
    assert len(articles) == 3
    assert f"list it as 'feed:{url}'" in caplog.text
    assert source_kind("feed:" + url) == "feed"
    assert not is_authoritative("feed:" + url)
    prefixed, _ = load("feed:" + url, site_settings)
    assert [a.text for a in prefixed] == [a.text for a in articles]
    assert {a.origin for a in prefixed} == {"feed:" + url}


def test_broken_feed_is_a_fatal_failure(web_server, site_settings):
    url = web_server.url("/broken-feed.rss")
    articles, [failure] = load(url, site_settings)
    assert articles == []
    assert failure.item == url and failure.fatal
    assert failure.reason.startswith("not a valid RSS/Atom feed (")


def test_truncated_feed_loads_what_it_has_and_reports_the_rest(web_server, site_settings):
    url = web_server.url("/truncated-feed.rss")
    articles, [failure] = load(url, site_settings)
    assert [a.title for a in articles] == [
        "Tram line 5 extension opens",
        "Rooftop solar scheme passes 1,000 homes",
    ]
    assert failure.item == url
    assert "not well-formed" in failure.reason and "2 entries" in failure.reason
    assert not failure.fatal


def test_feed_that_is_down_is_a_fatal_failure(web_server, site_settings):
    url = web_server.url("/gone-feed.rss")
    articles, [failure] = load(url, site_settings)
    assert articles == [] and failure.fatal and "HTTP 404" in failure.reason


def test_feed_entries_are_capped(web_server, site_settings):
    capped = site_settings.model_copy(update={"max_pages_per_source": 2})
    articles, failures = load(web_server.url("/feed.rss"), capped)
    assert len(articles) == 2 and failures == []


# -- sitemaps ----------------------------------------------------------------------------------


def test_sitemap_index_with_gzip_sitemap(web_server, site_settings):
    index = web_server.url("/sitemap_index.xml")
    articles, failures = load(index, site_settings)
    assert failures == []
    pages = by_location(articles)
    # alpha is listed twice (plain and gzip sitemap) but read once
    assert sorted(pages) == sorted(
        web_server.url(f"/articles/{n}.html") for n in ("alpha", "beta", "gamma", "delta")
    )
    assert len(articles) == 4
    delta = pages[web_server.url("/articles/delta.html")]
    assert DELTA[0][:40] in delta.text
    assert delta.published == "2026-11-05T19:00:00+01:00"
    assert {a.origin for a in articles} == {index}
    assert len({a.article_id for a in articles}) == 4


def test_gzip_sitemap_directly(web_server, site_settings):
    url = web_server.url("/sitemaps/more.xml.gz")
    assert source_kind(url) == "sitemap"
    articles, failures = load(url, site_settings)
    assert failures == [] and len(articles) == 2


def test_sitemap_with_broken_pages_reports_each_and_loads_the_rest(web_server, site_settings):
    articles, failures = load(web_server.url("/sitemap-mixed.xml"), site_settings)
    assert [a.title for a in articles] == ["Tram line 5 extension opens"]
    reasons = {f.item.rsplit("/", 1)[1]: f.reason for f in failures}
    assert sorted(reasons) == sorted(
        ["missing.html", "error.html", "slow.html", "huge.html", "huge-stream.html", "empty.html"]
    )
    assert "HTTP 404" in reasons["missing.html"]
    assert "HTTP 500" in reasons["error.html"]
    assert "timed out" in reasons["slow.html"]
    assert "cap" in reasons["huge.html"] and "cap" in reasons["huge-stream.html"]
    assert "no article text" in reasons["empty.html"]
    assert not any(f.fatal for f in failures)  # the listing itself was complete


def test_sitemap_with_a_missing_child_is_fatal_but_loads_the_rest(web_server, site_settings):
    base = web_server.base_url
    # an index whose second sitemap is missing: served by a throwaway client transport
    index = (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/sitemaps/pages.xml</loc></sitemap>"
        f"<sitemap><loc>{base}/sitemaps/gone.xml</loc></sitemap></sitemapindex>"
    )
    real = make_client(site_settings)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/virtual-index.xml":
            return httpx.Response(200, text=index, headers={"content-type": "application/xml"})
        upstream = real.get(str(request.url))
        return httpx.Response(
            upstream.status_code, content=upstream.content, headers=upstream.headers
        )

    with real, httpx.Client(transport=httpx.MockTransport(handler)) as client:
        articles, failures = load(
            web_server.url("/virtual-index.xml"), site_settings, client=client
        )
    assert len(articles) == 3
    [failure] = failures
    assert failure.item == f"{base}/sitemaps/gone.xml"
    assert failure.fatal and "HTTP 404" in failure.reason


def test_sitemap_cap(web_server, site_settings):
    capped = site_settings.model_copy(update={"max_pages_per_source": 2})
    articles, failures = load(web_server.url("/sitemap_index.xml"), capped)
    assert len(articles) == 2 and failures == []


# -- kinds -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "kind", "authoritative"),
    [
        ("https://example.org/2026/10/story", "page", True),
        ("https://example.org/story.html", "page", True),
        ("https://example.org/feed.rss", "feed", False),
        ("https://example.org/atom.xml", "feed", False),
        ("https://example.org/blog/feed/", "feed", False),
        ("https://example.org/?feed=rss2", "feed", False),
        ("https://example.org/index.xml", "feed", False),
        ("https://example.org/sitemap.xml", "sitemap", True),
        ("https://example.org/sitemap_index.xml", "sitemap", True),
        ("https://example.org/pages.xml.gz", "sitemap", True),
        ("sitemap:https://example.org/listing", "sitemap", True),
        ("page:https://example.org/feed/about", "page", True),
        ("corpus", "path", True),
        ("/tmp/articles/*.md", "path", True),
    ],
)
def test_source_kind_and_authority(spec, kind, authoritative):
    assert source_kind(spec) == kind
    assert is_authoritative(spec) is authoritative


def test_page_texts_match_served_content(web_server, site_settings):
    """Every served article loads, and its text is the article (first and last paragraph)."""
    for path, paragraphs in [
        ("/articles/alpha.html", ALPHA),
        ("/articles/beta.html", BETA),
        ("/articles/gamma.html", GAMMA),
    ]:
        [article], _ = load(web_server.url(path), site_settings)
        assert paragraphs[0] in article.text
        assert paragraphs[-1] in article.text
