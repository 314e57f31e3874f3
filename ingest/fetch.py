"""Downloading pages, feeds and sitemaps: one HTTP client, timeouts and a size cap."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpcore
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


# The monotonic time by which the current ``fetch`` in this thread must be done (None: no bound).
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "footnote_fetch_deadline", default=None
)


def _within_deadline(timeout: float | None) -> float | None:
    """``timeout`` shortened to what is left of the request's deadline; past it, time out now.

    httpx's timeouts bound each socket operation, not the request: a server that sends its
    headers one byte at a time never trips them. Clamping every read, write and connect to the
    deadline bounds the whole exchange (headers included) without a watchdog thread.
    """
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the whole request took longer than its deadline")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation ends by the current fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _within_deadline(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _within_deadline(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, _within_deadline(timeout))
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend, with connections whose operations honour the deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _within_deadline(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(path, _within_deadline(timeout), socket_options)
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _install_deadline_backend(client: httpx.Client) -> None:
    """Route the client's connections (direct and through env proxies) via ``_DeadlineBackend``.

    httpx has no public hook for the network backend; its transports keep an httpcore pool whose
    ``_network_backend`` is what opens connections. Fail loudly if that ever changes, rather than
    silently losing the bound.
    """
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        if transport is None or not isinstance(transport, httpx.HTTPTransport):
            continue
        pool = transport._pool
        backend = getattr(pool, "_network_backend", None)
        if backend is None:
            raise RuntimeError("httpcore changed: cannot bound the whole request's time")
        if not isinstance(backend, _DeadlineBackend):
            pool._network_backend = _DeadlineBackend(backend)


def make_client(settings: IngestSettings) -> httpx.Client:
    """An HTTP client with the configured timeout and User-Agent, following redirects.

    Its connections honour the whole-request deadline that :func:`fetch` sets.
    """
    client = httpx.Client(
        timeout=httpx.Timeout(settings.http_timeout),
        headers={"User-Agent": settings.user_agent},
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
    )
    _install_deadline_backend(client)
    return client


@contextlib.contextmanager
def _request_deadline(deadline: float) -> Iterator[None]:
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def describe_size(n_bytes: float) -> str:
    """``12.5 MB`` style size for messages."""
    megabytes = n_bytes / (1024 * 1024)
    return f"{megabytes:.0f} MB" if megabytes >= 100 else f"{megabytes:.3g} MB"


def fetch(client: httpx.Client, url: str, settings: IngestSettings) -> FetchedDoc:
    """Download ``url`` into memory, refusing anything over ``settings.max_file_bytes``.

    The cap is checked against ``Content-Length`` first and then enforced while streaming, so an
    oversized or endless response never gets fully buffered. ``settings.http_timeout`` applies to
    connecting and to each read, and the whole request (connecting, redirects, headers and body)
    must finish within ``TOTAL_TIMEOUT_FACTOR`` times that: a server trickling its headers would
    otherwise hold the job, and its lock, without bound.

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
    total = TOTAL_TIMEOUT_FACTOR * settings.http_timeout
    deadline = time.monotonic() + total
    try:
        with _request_deadline(deadline), client.stream("GET", url) as response:
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
                        url, f"download took longer than {total:g} s", status=response.status_code
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
        if time.monotonic() >= deadline:
            raise FetchTimeout(url, f"download took longer than {total:g} s") from exc
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
