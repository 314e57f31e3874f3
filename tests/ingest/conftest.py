"""Fixtures for the ingestion tests: a real loopback web site of pages, feeds and sitemaps.

``web_server`` (session scope) runs a ``ThreadingHTTPServer`` on 127.0.0.1 and a free port. It
serves (see :data:`SITE_PAGES` for the articles' facts):

==========================  =======================================================================
``/articles/alpha.html``    article "Tram line 5 extension opens" (JSON-LD ``NewsArticle``,
                            ``datePublished`` 2026-11-02T08:15:00+01:00, canonical, boilerplate)
``/articles/beta.html``     article "Rooftop solar scheme passes 1,000 homes" (date-only meta
                            ``article:published_time`` 2026-11-03, no JSON-LD)
``/articles/gamma.html``    article "Museum reopens its west wing" (no date at all)
``/articles/delta.html``    article "Night buses return to the old town" (only in the gzip sitemap)
``/articles/latin1.html``   article in windows-1252 with ``<meta charset="windows-1252">``
``/feed.rss``               RSS 2.0: alpha, beta (pubDates with time), an item whose link 404s but
                            whose ``<description>`` holds the text (fallback), and an item whose
                            link 404s with no description (a failure)
``/atom.xml``               Atom: gamma (published 2026-11-04T16:45:00Z), and an entry linking to
                            ``/error.html`` (500) with HTML ``<content>`` (fallback)
``/news``                   the RSS feed again, under a name that does not say "feed" (sniffing)
``/broken-feed.rss``        not a feed at all (an error message in plain text)
``/truncated-feed.rss``     an RSS feed cut off in its third item (alpha and beta are complete)
``/sitemap_index.xml``      index -> ``/sitemaps/pages.xml`` (alpha, beta, gamma) and
                            ``/sitemaps/more.xml.gz`` (gzip: delta, and alpha again)
``/sitemap-mixed.xml``      alpha plus every broken page below
``/missing.html``           404 (so is every unknown path)
``/error.html``             500
``/slow.html``              answers after :data:`SLOW_SECONDS` (use ``http_timeout`` < that)
``/trickle.html``           sends a few bytes every 0.2 s for :data:`SLOW_SECONDS` (no read
                            times out, the whole download does)
``/trickle-headers.html``   sends its status line and headers one byte every 0.05 s for about
                            :data:`TRICKLE_HEADER_SECONDS` (only a whole-request deadline stops it)
``/huge.html``              :data:`HUGE_BYTES` of HTML with a ``Content-Length``
``/huge-stream.html``       the same without ``Content-Length`` (the cap must hold while streaming)
``/empty.html``             an HTML page with navigation and footer but no article text
==========================  =======================================================================

``site_settings`` are :class:`~ingest.config.IngestSettings` suited to it: a 0.5 s timeout and a
0.25 MB size cap. The server records each request's path and User-Agent in ``requests``.
"""

from __future__ import annotations

import gzip
import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.conftest import free_port

SLOW_SECONDS = 2.0
TRICKLE_HEADER_SECONDS = 6.0
HUGE_BYTES = 400_000
SITE_NAME = "Loopback Gazette"


def article_page(
    *,
    title: str,
    author: str,
    paragraphs: list[str],
    path: str,
    jsonld_date: str | None = None,
    meta_date: str | None = None,
    charset: str = "utf-8",
) -> str:
    """A realistic news page: cookie box, navigation, share bar, newsletter, related, footer."""
    head = [
        f'<meta charset="{charset}">',
        f"<title>{title} | {SITE_NAME}</title>",
        f'<meta name="author" content="{author}">',
        f'<meta property="og:site_name" content="{SITE_NAME}">',
        f'<link rel="canonical" href="https://gazette.example{path}">',
    ]
    if meta_date:
        head.append(f'<meta property="article:published_time" content="{meta_date}">')
    if jsonld_date:
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "datePublished": jsonld_date,
            "author": {"@type": "Person", "name": author},
        }
        head.append(f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head>{"".join(head)}</head>
<body>
<div class="cookie-banner">We use cookies to personalise content. <button>Accept</button></div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/city">City</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/subscribe">Subscribe</a></li></ul></nav>
<main><article>
<h1>{title}</h1>
<p class="byline">By {author}</p>
<div class="share">Share on Facebook · Share on X · Email</div>
<div class="article-body">
{body}
</div>
<aside class="newsletter">Sign up for the Gazette daily newsletter. <input type="email"></aside>
</article>
<aside class="related"><h3>Related articles</h3><ul>
<li><a href="/a">Council budget passes</a></li><li><a href="/b">New ferry timetable</a></li>
</ul></aside></main>
<footer>© 2026 {SITE_NAME} · <a href="/privacy">Privacy</a> ·
<a href="/contact">Contact</a></footer>
</body></html>"""


ALPHA = [
    "The extension of tram line 5 to the Brookfield estate opened to passengers on Monday "
    "2 November 2026, two months ahead of schedule. The new section is 4.8 kilometres long and "
    "has seven stops.",
    "The project cost 96 million euros, of which the national transport fund paid 60 million. "
    "Trams will run every six minutes at rush hour and every twelve minutes in the evening.",
    "Transport councillor Ruth Abebe said about 14,000 passengers a day are expected to use the "
    "new stops within a year, and that the bus line 52 will be withdrawn in January.",
]
BETA = [
    "More than 1,000 homes have now joined the city's rooftop solar scheme, the energy agency "
    "announced on Tuesday 3 November 2026. The scheme, launched in March, lends homeowners the "
    "panels and takes a share of the savings for eight years.",
    "The 1,000th installation was on a terraced house in Millbrook Lane. Together the panels have "
    "a peak output of 4.3 megawatts, enough to cover the yearly electricity use of about 1,300 "
    "households.",
    "The agency's director Oskar Lind said the waiting list now holds 2,200 applications and that "
    "two more installation teams will be hired in December.",
]
GAMMA = [
    "The city museum reopened its west wing on Wednesday 4 November 2026 after a three-year "
    "renovation. The wing houses the maritime collection, including the 17th-century pilot boat "
    "Zwaluw, which was restored by a team of eleven carpenters.",
    "The renovation cost 12.4 million euros and added a lift, a new roof and climate control for "
    "the galleries. Entry to the west wing is free until the end of the year.",
    "Museum director Clara Veen said 3,100 visitors came on the opening day, the busiest day since "
    "the museum's own reopening in 2011.",
]
DELTA = [
    "Night buses return to the old town on Friday 6 November 2026 after a two-year pause. Line N1 "
    "will run every 30 minutes between midnight and 5:00 on Friday and Saturday nights.",
    "The service was suspended in 2024 because of a driver shortage. The operator has since hired "
    "85 new drivers, and the city pays 1.1 million euros a year towards the night network.",
    "A single night ticket costs 3.50 euros; regular season tickets are valid.",
]
LATIN1 = [
    "The café on Église Square won the regional prize for the best crème brûlée on Saturday, "
    "beating 23 other entries. Owner Zoë Müller said the recipe came from her grandmother.",
    "The jury of five pastry chefs tasted every entry blind over six hours. The prize is a copper "
    "pan set and 2,000 euros, which Müller said she will spend on a new oven.",
    "It is the café's second prize in three years; in 2024 it won the award for the best "
    "apple tart.",
]

SITE_PAGES: dict[str, dict] = {
    "/articles/alpha.html": {
        "title": "Tram line 5 extension opens",
        "author": "Ruth Abebe",
        "paragraphs": ALPHA,
        "jsonld_date": "2026-11-02T08:15:00+01:00",
    },
    "/articles/beta.html": {
        "title": "Rooftop solar scheme passes 1,000 homes",
        "author": "Jonas Berg",
        "paragraphs": BETA,
        "meta_date": "2026-11-03",
    },
    "/articles/gamma.html": {
        "title": "Museum reopens its west wing",
        "author": "Clara Veen",
        "paragraphs": GAMMA,
    },
    "/articles/delta.html": {
        "title": "Night buses return to the old town",
        "author": "Ines Duarte",
        "paragraphs": DELTA,
        "jsonld_date": "2026-11-05T19:00:00+01:00",
    },
}

FALLBACK_RSS_TEXT = (
    "The harbour ferry timetable changes on 9 November: the first crossing leaves at 5:50 "
    "instead of 6:10."
)
FALLBACK_ATOM_TEXT = "The city library's new reading room on the third floor seats 140 people."


def _rss(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>Loopback Gazette – City news</title><link>{base}/</link>
<description>Local news</description>
<item><title>Tram line 5 extension opens</title><link>{base}/articles/alpha.html</link>
<guid>{base}/articles/alpha.html</guid><author>ruth@gazette.example (Ruth Abebe)</author>
<pubDate>Mon, 02 Nov 2026 07:15:00 GMT</pubDate><description>Teaser for alpha.</description></item>
<item><title>Rooftop solar scheme passes 1,000 homes</title><link>{base}/articles/beta.html</link>
<pubDate>Tue, 03 Nov 2026 12:30:00 +0100</pubDate><description>Teaser for beta.</description></item>
<item><title>Ferry timetable changes</title><link>{base}/articles/ferry-gone.html</link>
<pubDate>Wed, 04 Nov 2026 09:00:00 +0100</pubDate>
<description>&lt;p&gt;{FALLBACK_RSS_TEXT}&lt;/p&gt;
&lt;p&gt;Tickets are unchanged.&lt;/p&gt;</description></item>
<item><title>Vanished story</title><link>{base}/articles/vanished.html</link>
<pubDate>Wed, 04 Nov 2026 10:00:00 +0100</pubDate></item>
</channel></rss>"""


def _atom(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Loopback Gazette – Culture</title><id>{base}/atom.xml</id>
<updated>2026-11-04T17:00:00Z</updated>
<entry><title>Museum reopens its west wing</title><id>urn:gazette:gamma</id>
<link rel="alternate" href="{base}/articles/gamma.html"/>
<published>2026-11-04T16:45:00Z</published><updated>2026-11-04T16:50:00Z</updated>
<author><name>Clara Veen</name></author><summary>Teaser for gamma.</summary></entry>
<entry><title>New reading room</title><id>urn:gazette:reading-room</id>
<link rel="alternate" href="{base}/error.html"/>
<published>2026-11-05T10:20:00+01:00</published>
<content type="html">&lt;p&gt;{FALLBACK_ATOM_TEXT}&lt;/p&gt;
&lt;script&gt;alert(1)&lt;/script&gt;</content>
</entry>
</feed>"""


def _urlset(urls: list[str]) -> str:
    items = "".join(f"<url><loc>{u}</loc><lastmod>2026-11-01</lastmod></url>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'
    )


def _sitemap_index(urls: list[str]) -> str:
    items = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'
    )


EMPTY_PAGE = (
    "<html><head><title>Index</title></head><body><nav><a href='/a'>Home</a> "
    "<a href='/b'>News</a></nav><div class='cookie'>We use cookies.</div>"
    "<footer>© 2026 Loopback Gazette</footer></body></html>"
)


def build_routes(base: str) -> dict[str, tuple[int, str, bytes]]:
    """Path -> (status, content type, body) for everything but the slow and streamed pages."""
    html = "text/html; charset=utf-8"
    routes: dict[str, tuple[int, str, bytes]] = {}
    for path, spec in SITE_PAGES.items():
        routes[path] = (200, html, article_page(path=path, **spec).encode("utf-8"))
    latin = article_page(
        path="/articles/latin1.html",
        title="Café wins crème brûlée prize",
        author="Zoë Müller",
        paragraphs=LATIN1,
        charset="windows-1252",
    )
    routes["/articles/latin1.html"] = (200, "text/html", latin.encode("cp1252"))
    rss = _rss(base).encode("utf-8")
    routes["/feed.rss"] = (200, "application/rss+xml", rss)
    routes["/news"] = (200, "text/xml", rss)
    routes["/atom.xml"] = (200, "application/atom+xml", _atom(base).encode("utf-8"))
    routes["/broken-feed.rss"] = (
        200,
        "application/rss+xml",
        b"Service temporarily unavailable. Please try again later.",
    )
    routes["/truncated-feed.rss"] = (
        200,
        "application/rss+xml",
        rss[: rss.index(b"<item><title>Ferry") + 40],
    )
    routes["/sitemap_index.xml"] = (
        200,
        "application/xml",
        _sitemap_index([f"{base}/sitemaps/pages.xml", f"{base}/sitemaps/more.xml.gz"]).encode(),
    )
    routes["/sitemaps/pages.xml"] = (
        200,
        "application/xml",
        _urlset([f"{base}/articles/{n}.html" for n in ("alpha", "beta", "gamma")]).encode(),
    )
    routes["/sitemaps/more.xml.gz"] = (
        200,
        "application/gzip",
        gzip.compress(
            _urlset([f"{base}/articles/delta.html", f"{base}/articles/alpha.html"]).encode()
        ),
    )
    routes["/sitemap-mixed.xml"] = (
        200,
        "application/xml",
        _urlset(
            [
                f"{base}/articles/alpha.html",
                f"{base}/missing.html",
                f"{base}/error.html",
                f"{base}/slow.html",
                f"{base}/huge.html",
                f"{base}/huge-stream.html",
                f"{base}/empty.html",
            ]
        ).encode(),
    )
    routes["/error.html"] = (500, html, b"<html><body>Internal error</body></html>")
    routes["/empty.html"] = (200, html, EMPTY_PAGE.encode())
    huge = ("<html><body><p>" + "word " * (HUGE_BYTES // 5) + "</p></body></html>").encode()
    routes["/huge.html"] = (200, html, huge)
    return routes


@dataclass
class LoopbackSite:
    """The running site: ``url("/feed.rss")`` gives a full URL."""

    base_url: str
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, User-Agent)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


@pytest.fixture(scope="session")
def web_server() -> Iterator[LoopbackSite]:
    """A loopback HTTP site with pages, feeds and sitemaps (see the module docstring)."""
    port = free_port()
    site = LoopbackSite(base_url=f"http://127.0.0.1:{port}")
    routes = build_routes(site.base_url)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # keep pytest output clean

        def _send(self, status: int, ctype: str, body: bytes, *, length: bool = True) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if length:
                self.send_header("Content-Length", str(len(body)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            site.requests.append((path, self.headers.get("User-Agent", "")))
            try:
                if path == "/slow.html":
                    time.sleep(SLOW_SECONDS)
                    self._send(
                        200,
                        "text/html",
                        article_page(path=path, **SITE_PAGES["/articles/alpha.html"]).encode(),
                    )
                elif path == "/trickle.html":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Connection", "close")
                    self.close_connection = True
                    self.end_headers()
                    for _ in range(int(SLOW_SECONDS / 0.2)):
                        self.wfile.write(b"<p>tick</p>\n")
                        self.wfile.flush()
                        time.sleep(0.2)
                elif path == "/trickle-headers.html":
                    padding = "x" * int(TRICKLE_HEADER_SECONDS / 0.05)
                    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Pad: {padding}\r\n"
                    self.close_connection = True
                    for byte in head.encode():
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.05)
                elif path == "/huge-stream.html":
                    self._send(200, "text/html", routes["/huge.html"][2], length=False)
                elif path in routes:
                    self._send(*routes[path])
                else:
                    self._send(404, "text/html", b"<html><body>Not found</body></html>")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout or size cap): expected

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address) -> None:
            pass  # a client hanging up early (timeouts, size caps) is part of the tests

    server = Server(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, name="web_server", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site_settings():
    """Settings for the loopback site: short timeout, 0.25 MB cap, no .env."""
    from ingest.config import IngestSettings

    return IngestSettings(
        _env_file=None, http_timeout=0.5, max_file_mb=0.25, user_agent="FootnoteTest/1.0"
    )
