"""Downloading pages, feeds and sitemaps: one HTTP client, timeouts and a size cap."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from vectorstore.errors import FootnoteError

if TYPE_CHECKING:
    from ingest.config import IngestSettings

log = logging.getLogger(__name__)

MAX_REDIRECTS = 10
# A whole download may take this many times ``http_timeout``: the per-read timeout alone would
# let a server that trickles a byte now and then hold the job for hours.
TOTAL_TIMEOUT_FACTOR = 3


class FetchError(FootnoteError):
    """A URL could not be downloaded; ``reason`` says why in words a user understands."""

    def __init__(self, url: str, reason: str, *, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class FetchTooLarge(FetchError):
    """The response is bigger than the size cap (``FOOTNOTE_MAX_FILE_MB``)."""


class FetchTimeout(FetchError):
    """The server did not answer (or stopped sending) within ``FOOTNOTE_HTTP_TIMEOUT``."""


@dataclass(frozen=True, slots=True)
class FetchedDoc:
    """A downloaded document.

    ``content`` is the body after HTTP content-encoding (gzip, br) was undone, but a ``.gz`` file
    served as such is still compressed. ``content_type`` is the lowercased media type without
    parameters (``"text/html"``); ``charset`` is the one the server declared, if any.
    """

    content: bytes
    url: str  # the final URL, after redirects
    content_type: str
    charset: str | None = None


def make_client(settings: IngestSettings) -> httpx.Client:
    """An HTTP client with the configured timeout and User-Agent, following redirects."""
    return httpx.Client(
        timeout=httpx.Timeout(settings.http_timeout),
        headers={"User-Agent": settings.user_agent},
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
    )


def describe_size(n_bytes: float) -> str:
    """``12.5 MB`` style size for messages."""
    megabytes = n_bytes / (1024 * 1024)
    return f"{megabytes:.0f} MB" if megabytes >= 100 else f"{megabytes:.3g} MB"


def fetch(client: httpx.Client, url: str, settings: IngestSettings) -> FetchedDoc:
    """Download ``url`` into memory, refusing anything over ``settings.max_file_bytes``.

    The cap is checked against ``Content-Length`` first and then enforced while streaming, so an
    oversized or endless response never gets fully buffered. ``settings.http_timeout`` applies to
    connecting and to each read, and the whole download must finish within
    ``TOTAL_TIMEOUT_FACTOR`` times that.

    Args:
        client: From :func:`make_client`.
        url: An ``http://`` or ``https://`` URL.
        settings: For the size cap and the timeout in messages.

    Returns:
        The body, the final URL and the content type.

    Raises:
        FetchError: HTTP error status, connection failure, too many redirects, bad URL.
        FetchTimeout: The server was too slow.
        FetchTooLarge: The body is over the cap.
    """
    cap = settings.max_file_bytes
    deadline = time.monotonic() + TOTAL_TIMEOUT_FACTOR * settings.http_timeout
    try:
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                phrase = response.reason_phrase or ""
                raise FetchError(
                    url,
                    f"HTTP {response.status_code} {phrase}".strip(),
                    status=response.status_code,
                )
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > cap:
                raise FetchTooLarge(
                    url,
                    f"response is {describe_size(int(declared))}, over the "
                    f"{describe_size(cap)} cap (FOOTNOTE_MAX_FILE_MB)",
                    status=response.status_code,
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if time.monotonic() > deadline:
                    raise FetchTimeout(
                        url,
                        f"download took longer than "
                        f"{TOTAL_TIMEOUT_FACTOR * settings.http_timeout:g} s",
                        status=response.status_code,
                    )
                if len(body) > cap:
                    raise FetchTooLarge(
                        url,
                        f"response is over the {describe_size(cap)} cap (FOOTNOTE_MAX_FILE_MB)",
                        status=response.status_code,
                    )
            media_type, charset = _parse_content_type(response.headers.get("content-type", ""))
            final_url = str(response.url)
    except httpx.TimeoutException as exc:
        raise FetchTimeout(
            url, f"timed out after {settings.http_timeout:g} s ({type(exc).__name__})"
        ) from exc
    except httpx.TooManyRedirects as exc:
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects") from exc
    except httpx.InvalidURL as exc:
        raise FetchError(url, f"invalid URL: {exc}") from exc
    except (httpx.TransportError, httpx.StreamError) as exc:
        raise FetchError(url, f"cannot download: {type(exc).__name__}: {exc}") from exc
    log.debug("fetched %s bytes=%d type=%s", url, len(body), media_type)
    return FetchedDoc(bytes(body), final_url, media_type, charset)


def _parse_content_type(header: str) -> tuple[str, str | None]:
    media_type, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'").lower()
    return media_type.strip().lower(), charset
