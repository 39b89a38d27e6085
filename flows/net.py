"""The one outbound HTTP client: every byte kaiwatch downloads comes through here.

:class:`HttpClient` wraps a synchronous :class:`httpx.Client` and adds what the
pipeline needs on top of it (reliability notes R1, R2, R4, R5, R8, R9, R10):

- only ``http`` and ``https`` URLs, checked before any socket opens and again
  on every redirect hop (:meth:`HttpClient._check_url`);
- redirects followed by hand, at most :data:`MAX_REDIRECTS`, never https→http;
- a connect timeout plus a total deadline that also covers the body, so a
  server that trickles bytes cannot hold a worker forever;
- a body cap counted after decompression, so a gzip bomb stops at the cap;
- retries with jittered exponential backoff, honouring ``Retry-After``;
- at most one request in flight per host (``host:port``) in the whole process,
  with an optional pause between requests to the same host;
- conditional GET with ``If-None-Match`` / ``If-Modified-Since``.

Usage::

    with HttpClient() as http:
        result = http.get(url, etag=saved_etag, max_bytes=FEED_MAX_BYTES)
        if not result.not_modified:
            parse(result.content)

The client is safe to share between threads.
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpx

from flows import __version__
from flows.errors import (
    BlockedURL,
    FetchError,
    FetchHTTPError,
    FetchTimeout,
    ResponseTooLarge,
)
from flows.models import FetchResult

__all__ = [
    "FEED_MAX_BYTES",
    "MAX_REDIRECTS",
    "PAGE_MAX_BYTES",
    "USER_AGENT",
    "HttpClient",
    "parse_retry_after",
]

logger = logging.getLogger(__name__)

USER_AGENT: str = f"kaiwatch/{__version__} (+https://github.com/kaiwatch/kaiwatch)"
"""Sent with every request, so site owners can see who we are and how to reach us (R10)."""

FEED_MAX_BYTES = 15 * 1024 * 1024
"""Body cap for feeds, after decompression (Miniflux uses the same 15 MiB)."""

PAGE_MAX_BYTES = 20 * 1000 * 1000
"""Body cap for article pages, after decompression (trafilatura's own limit)."""

MAX_REDIRECTS = 5
"""Redirect hops followed before giving up (R3)."""

_ALLOWED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Only the codings we decode ourselves, with a bounded output per step.
_ACCEPT_ENCODING = "gzip, deflate"
# Largest piece of decompressed output produced at once: this, not the
# compression ratio, bounds the memory a gzip bomb can take before the cap.
_DECODE_PIECE = 256 * 1024
# Headers that must not follow a redirect to another origin.
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


# --------------------------------------------------------------------------- Retry-After


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Return the wait a ``Retry-After`` header asks for, in seconds.

    Both forms of RFC 9110 are understood: delay-seconds (``"120"``) and an
    HTTP-date (``"Wed, 21 Oct 2015 07:28:00 GMT"``). A date in the past gives 0.

    :param value: the header value, or None when the header is absent.
    :param now: the current time, for the HTTP-date form (default: now, UTC).
    :returns: seconds to wait (never negative), or None if absent or unparseable.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        try:
            return float(int(text))
        except (ValueError, OverflowError):  # thousands of digits: garbage, not a wait
            return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # asctime form carries no zone; HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    if current.tzinfo is None:
        current = current.replace(tzinfo=UTC)
    return max(0.0, (when - current).total_seconds())


# --------------------------------------------------------------------------- helpers


def _redact(url: httpx.URL | str) -> str:
    """Return ``url`` fit for logs and messages: no userinfo, no query (it may hold tokens)."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return "<invalid URL>"
    if parsed.host:
        netloc = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
        if parsed.port is not None:
            netloc = f"{netloc}:{parsed.port}"
        text = f"{parsed.scheme}://{netloc}{parsed.path}"
    else:
        text = f"{parsed.scheme}:{parsed.path}"
    if parsed.query:
        text += "?…"
    return text if len(text) <= 200 else text[:199] + "…"


def _host_key(url: httpx.URL) -> str:
    """Return the ``host:port`` key under which requests to ``url`` are serialised."""
    port = url.port or _DEFAULT_PORTS.get(url.scheme, 0)
    return f"{url.host}:{port}"


def _redirect_target(current: httpx.URL, location: str) -> httpx.URL:
    """Resolve a ``Location`` header against ``current`` and refuse a downgrade.

    :raises BlockedURL: the redirect leaves https for http.
    :raises FetchError: the header is not a usable URL.
    """
    try:
        target = current.join(location.strip()).copy_with(fragment=None)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise FetchError(
            f"redirect from {_redact(current)} has an unusable Location header",
            url=str(current),
        ) from exc
    if current.scheme == "https" and target.scheme == "http":
        raise BlockedURL(
            f"refusing redirect from https to http: {_redact(current)} → {_redact(target)}",
            url=str(target),
        )
    return target


def _tls_verification_failed(exc: BaseException) -> bool:
    """Tell whether ``exc`` was caused by a certificate that failed verification."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


class _RedactURLs(logging.Filter):
    """Redact the URLs httpx puts in its own INFO log line ("HTTP Request: GET <url> ...")."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(
            isinstance(arg, httpx.URL) for arg in record.args
        ):
            record.args = tuple(
                _redact(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


# Query strings may carry tokens (R17); httpx would log them in full at INFO.
logging.getLogger("httpx").addFilter(_RedactURLs())


# --------------------------------------------------------------------------- per-host slots


@dataclass
class _HostSlot:
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_done: float = float("-inf")


_slots: dict[str, _HostSlot] = {}
_slots_lock = threading.Lock()


@contextlib.contextmanager
def _host_slot(key: str, min_interval: float) -> Iterator[None]:
    """Hold the process-wide slot of one host; wait ``min_interval`` after its last request.

    Shared by every client in the process, so that at most one request per host
    is in flight however many clients and threads there are (R9).
    """
    with _slots_lock:
        slot = _slots.setdefault(key, _HostSlot())
    with slot.lock:
        pause = slot.last_done + min_interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        try:
            yield
        finally:
            slot.last_done = time.monotonic()


# --------------------------------------------------------------------------- deadline watchdog


class _Watchdog:
    """Shut a request's socket down when its total deadline passes.

    Socket timeouts only bound each single read, so a server that sends one
    byte just before every read timeout would never time out. The watchdog
    learns the connection's socket from httpcore's ``trace`` extension (new
    connections) or from the response (reused ones), and at the deadline shuts
    it down; the blocked read then returns and :attr:`fired` says why.
    """

    def __init__(self, deadline: float) -> None:
        self._lock = threading.Lock()
        self._stream: Any = None
        self._done = False
        self.fired = False
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def trace(self, name: str, info: Mapping[str, Any]) -> None:
        """httpcore trace callback: remember each new connection's stream."""
        if name.endswith((".connect_tcp.complete", ".start_tls.complete")):
            self._watch(info.get("return_value"))

    def attach(self, response: httpx.Response) -> None:
        """Watch the connection a response arrived on (covers reused connections)."""
        self._watch(response.extensions.get("network_stream"))

    def finish(self) -> None:
        """Disarm: the exchange is over and its connection may go back to the pool."""
        with self._lock:
            self._done = True
        self._timer.cancel()

    def _watch(self, stream: Any) -> None:
        if stream is None:
            return
        with self._lock:
            self._stream = stream
            if self.fired and not self._done:
                self._cut()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            self._cut()

    def _cut(self) -> None:
        if self._stream is None:
            return  # still connecting: the connect timeout bounds that phase
        sock = self._stream.get_extra_info("socket")
        if sock is None:
            return
        # The plain socket method, not SSLSocket.shutdown, which would also tear
        # down the TLS object under the reading thread's feet.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


# --------------------------------------------------------------------------- decoding


class _ZlibLayer:
    """Undo one gzip or deflate content-coding, a bounded piece at a time."""

    def __init__(self, coding: str) -> None:
        self._gzip = coding in {"gzip", "x-gzip"}
        self._raw_fallback = not self._gzip  # "deflate" is often sent without zlib header
        self._started = False
        self._inflater = self._new()

    def _new(self, raw: bool = False) -> Any:
        if self._gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)

    def _decompress(self, data: bytes) -> bytes:
        try:
            out: bytes = self._inflater.decompress(data, _DECODE_PIECE)
        except zlib.error:
            if self._raw_fallback and not self._started:
                self._raw_fallback = False
                self._inflater = self._new(raw=True)
                out = self._inflater.decompress(data, _DECODE_PIECE)
            else:
                raise
        self._started = True
        return out

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            out = self._decompress(data)
            if out:
                yield out
            if self._inflater.eof:
                rest = self._inflater.unused_data
                if self._gzip and rest.startswith(b"\x1f\x8b"):  # another gzip member
                    self._inflater = self._new()
                    data = rest
                    continue
                return
            data = self._inflater.unconsumed_tail
            # A full piece may mean more output is pending even with no input left.
            if not data and len(out) < _DECODE_PIECE:
                return

    def flush(self) -> Iterator[bytes]:
        yield from self.feed(b"")


class _BodyDecoder:
    """Decode a ``Content-Encoding`` chain into pieces of at most :data:`_DECODE_PIECE` bytes."""

    def __init__(self, content_encoding: str) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        # Codings are listed in the order applied, so they are undone in reverse.
        self._layers = [
            _ZlibLayer(c) for c in reversed(codings) if c in {"gzip", "x-gzip", "deflate"}
        ]
        unknown = [c for c in codings if c not in {"gzip", "x-gzip", "deflate", "identity"}]
        if unknown:
            # Mislabelled bodies ("Content-Encoding: utf-8") are common; pass them on as is.
            logger.debug("ignoring unknown content-coding %s", ", ".join(unknown))

    @property
    def identity(self) -> bool:
        return not self._layers

    def feed(self, data: bytes) -> Iterator[bytes]:
        yield from self._through(0, data)

    def flush(self) -> Iterator[bytes]:
        for index, layer in enumerate(self._layers):
            for piece in layer.flush():
                yield from self._through(index + 1, piece)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._layers):
            if data:
                yield data
            return
        for piece in self._layers[index].feed(data):
            yield from self._through(index + 1, piece)


# --------------------------------------------------------------------------- the client


class _Transient(Exception):
    """Internal: an attempt failed in a way worth retrying; carries the public error."""

    def __init__(self, error: FetchError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class _Hop:
    """One HTTP exchange: the status line, headers and (for 2xx) the body."""

    status: int
    reason: str
    headers: dict[str, str]
    content: bytes = b""


class HttpClient:
    """The HTTP client every kaiwatch step uses (see the module docstring).

    :param user_agent: the ``User-Agent`` sent with every request.
    :param connect_timeout: seconds allowed to open a connection (and TLS).
    :param total_timeout: seconds allowed for one attempt, redirects and body
        included; each retry gets a fresh deadline.
    :param max_retries: further attempts after a timeout, a connection error,
        a 5xx or a 429.
    :param backoff_base: first backoff in seconds; doubled per retry, jittered.
    :param max_retry_wait: longest ``Retry-After`` (and backoff) waited in
        place; a longer ``Retry-After`` is raised at once for the caller to
        schedule.
    :param min_host_interval: seconds kept between requests to one host.
    :param transport: an httpx transport to use instead of the network (tests).
    """

    def __init__(
        self,
        *,
        user_agent: str = USER_AGENT,
        connect_timeout: float = 10.0,
        total_timeout: float = 30.0,
        max_retries: int = 2,
        backoff_base: float = 1.0,
        max_retry_wait: float = 30.0,
        min_host_interval: float = 0.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._connect_timeout = connect_timeout
        self._total_timeout = total_timeout
        self._max_retries = max(0, max_retries)
        self._backoff_base = backoff_base
        self._max_retry_wait = max_retry_wait
        self._min_host_interval = max(0.0, min_host_interval)
        self._client = httpx.Client(
            headers={"User-Agent": user_agent, "Accept-Encoding": _ACCEPT_ENCODING},
            # Certificates are always verified: there is no insecure fallback (R5).
            verify=True,
            follow_redirects=False,
            # Proxy variables would make the dialled address (R3) the proxy's.
            trust_env=False,
            transport=transport,
        )

    # -- public API -----------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int = PAGE_MAX_BYTES,
        headers: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """Fetch ``url``, conditionally if ``etag`` or ``last_modified`` is given.

        :param etag: sent as ``If-None-Match``.
        :param last_modified: sent as ``If-Modified-Since``.
        :param max_bytes: body cap, counted after decompression.
        :param headers: extra request headers.
        :returns: the final response; ``not_modified`` is set for a 304.
        :raises BlockedURL: the URL, or a redirect target, may not be fetched.
        :raises FetchTimeout: no complete answer within the deadline, after retries.
        :raises FetchHTTPError: a status other than 2xx and 304.
        :raises ResponseTooLarge: the decoded body passed ``max_bytes``.
        :raises FetchError: any other failure (connection, TLS, redirects, decoding).
        """
        extra = dict(headers or {})
        if etag:
            extra["If-None-Match"] = etag
        if last_modified:
            extra["If-Modified-Since"] = last_modified
        return self._request("GET", url, extra, None, max_bytes)

    def post(
        self,
        url: str,
        *,
        data: Mapping[str, str] | bytes,
        headers: Mapping[str, str] | None = None,
        max_bytes: int = PAGE_MAX_BYTES,
    ) -> FetchResult:
        """POST ``data`` (a form mapping, or raw bytes) to ``url``.

        Retried like :meth:`get`, so use it only for idempotent endpoints.
        Errors are those of :meth:`get`.
        """
        return self._request("POST", url, dict(headers or {}), data, max_bytes)

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- checks -----------------------------------------------------------------

    def _check_url(self, url: httpx.URL) -> None:
        """Refuse a URL we may not fetch; called for the first URL and every redirect hop.

        This is the single place for per-hop policy: today the scheme and host,
        later the SSRF address checks (R3).

        :raises BlockedURL: the URL is refused.
        """
        if url.scheme not in _ALLOWED_SCHEMES:
            raise BlockedURL(
                f"refusing to fetch {_redact(url)}: scheme {url.scheme!r} is not http or https",
                url=str(url),
            )
        if not url.host:
            raise BlockedURL(f"refusing to fetch {_redact(url)}: no host", url=str(url))

    # -- retries ----------------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        data: Mapping[str, str] | bytes | None,
        max_bytes: int,
    ) -> FetchResult:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise BlockedURL(f"refusing to fetch {url[:200]!r}: not a valid URL", url=url) from exc
        try:
            self._check_url(parsed)
        except BlockedURL as exc:
            exc.url = url  # the caller's spelling, not httpx's normalised one
            raise
        attempt = 0
        while True:
            try:
                return self._attempt(method, parsed, headers, data, max_bytes)
            except _Transient as failure:
                error = failure.error
                cause = failure.__cause__
            wait = self._backoff(attempt)
            if (
                isinstance(error, FetchHTTPError)
                and error.status in (429, 503)
                and error.retry_after is not None
            ):
                if error.retry_after > self._max_retry_wait:
                    raise error from cause  # the caller schedules the next poll
                wait = error.retry_after or wait
            if attempt >= self._max_retries:
                raise error from cause
            attempt += 1
            logger.debug(
                "%s %s failed (%s); retry %d/%d in %.2f s",
                method,
                _redact(parsed),
                error,
                attempt,
                self._max_retries,
                wait,
            )
            time.sleep(wait)

    def _backoff(self, attempt: int) -> float:
        """Return the jittered exponential backoff before retry ``attempt + 1``."""
        delay = min(self._backoff_base * 2**attempt, self._max_retry_wait)
        return delay * random.uniform(0.5, 1.0)

    # -- one attempt: follow redirects -------------------------------------------

    def _attempt(
        self,
        method: str,
        url: httpx.URL,
        headers: dict[str, str],
        data: Mapping[str, str] | bytes | None,
        max_bytes: int,
    ) -> FetchResult:
        deadline: float | None = None
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            self._check_url(current)
            with _host_slot(_host_key(current), self._min_host_interval):
                if deadline is None:  # waiting for the host's turn is not the request's time
                    deadline = time.monotonic() + self._total_timeout
                hop = self._exchange(method, current, headers, data, max_bytes, deadline)
            location = hop.headers.get("location")
            if hop.status in _REDIRECT_STATUSES and location:
                target = _redirect_target(current, location)
                logger.debug(
                    "%s %s -> %d -> %s", method, _redact(current), hop.status, _redact(target)
                )
                if hop.status in (301, 302, 303) and method != "GET":
                    # What browsers do: the body is dropped and the method becomes GET.
                    method, data = "GET", None
                    headers = {
                        k: v
                        for k, v in headers.items()
                        if k.lower() not in {"content-type", "content-length"}
                    }
                if target.netloc != current.netloc or target.scheme != current.scheme:
                    headers = {
                        k: v for k, v in headers.items() if k.lower() not in _CREDENTIAL_HEADERS
                    }
                current = target
                continue
            return self._result(current, hop)
        raise FetchError(
            f"too many redirects (more than {MAX_REDIRECTS}) fetching {_redact(url)}",
            url=str(url),
        )

    def _result(self, final: httpx.URL, hop: _Hop) -> FetchResult:
        """Turn the last hop into a result, or raise for a status we cannot use."""
        if hop.status == 304:
            return FetchResult(
                url=str(final), status=304, content=b"", headers=hop.headers, not_modified=True
            )
        if 200 <= hop.status < 300:
            return FetchResult(
                url=str(final), status=hop.status, content=hop.content, headers=hop.headers
            )
        retry_after = parse_retry_after(hop.headers.get("retry-after"))
        status_line = f"{hop.status} {hop.reason}".strip()
        message = f"HTTP {status_line} from {_redact(final)}"
        if retry_after is not None:
            message += f" (Retry-After: {retry_after:.0f} s)"
        error = FetchHTTPError(message, url=str(final), status=hop.status, retry_after=retry_after)
        if hop.status == 429 or hop.status >= 500:
            raise _Transient(error)
        raise error

    # -- one exchange ------------------------------------------------------------

    def _exchange(
        self,
        method: str,
        url: httpx.URL,
        headers: Mapping[str, str],
        data: Mapping[str, str] | bytes | None,
        max_bytes: int,
        deadline: float,
    ) -> _Hop:
        """Send one request and read its answer, all before ``deadline``."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Transient(self._timeout_error(url))
        watchdog = _Watchdog(deadline)
        timeout = httpx.Timeout(remaining, connect=min(self._connect_timeout, remaining))
        request = self._client.build_request(
            method,
            url,
            headers=headers,
            content=data if isinstance(data, bytes) else None,
            data=data if isinstance(data, Mapping) else None,
            timeout=timeout,
            extensions={"trace": watchdog.trace},
        )
        try:
            response = self._client.send(request, stream=True)
            try:
                watchdog.attach(response)
                hop = self._read(response, url, max_bytes, deadline)
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise _Transient(self._timeout_error(url, exc)) from exc
        except httpx.UnsupportedProtocol as exc:
            raise BlockedURL(f"refusing to fetch {_redact(url)}: {exc}", url=str(url)) from exc
        except httpx.TransportError as exc:
            if watchdog.fired:
                raise _Transient(self._timeout_error(url)) from exc
            if _tls_verification_failed(exc):
                raise FetchError(
                    f"TLS certificate of {url.host} failed verification fetching {_redact(url)}",
                    url=str(url),
                ) from exc
            raise _Transient(
                FetchError(
                    f"connection to {url.host} failed fetching {_redact(url)}: "
                    f"{type(exc).__name__}: {exc}",
                    url=str(url),
                )
            ) from exc
        finally:
            watchdog.finish()
        if watchdog.fired:  # a close-delimited body may simply have ended at the cut
            raise _Transient(self._timeout_error(url))
        logger.debug("%s %s -> %d (%d bytes)", method, _redact(url), hop.status, len(hop.content))
        return hop

    def _read(
        self, response: httpx.Response, url: httpx.URL, max_bytes: int, deadline: float
    ) -> _Hop:
        """Read a 2xx body within the cap and the deadline; other statuses keep no body."""
        headers = dict(response.headers.items())  # httpx lower-cases the keys
        status = response.status_code
        if not 200 <= status < 300:
            return _Hop(status, response.reason_phrase, headers)
        decoder = _BodyDecoder(headers.get("content-encoding", ""))
        declared = headers.get("content-length", "")
        if decoder.identity and declared.isdigit() and int(declared) > max_bytes:
            raise self._too_large(url, max_bytes)
        chunks: list[bytes] = []
        size = 0
        try:
            for raw in response.iter_raw():
                for piece in decoder.feed(raw):
                    size += len(piece)
                    if size > max_bytes:
                        raise self._too_large(url, max_bytes)
                    chunks.append(piece)
                if time.monotonic() >= deadline:
                    raise _Transient(self._timeout_error(url))
            for piece in decoder.flush():
                size += len(piece)
                if size > max_bytes:
                    raise self._too_large(url, max_bytes)
                chunks.append(piece)
        except zlib.error as exc:
            raise FetchError(
                f"could not decode the {headers.get('content-encoding')} body of {_redact(url)}",
                url=str(url),
            ) from exc
        return _Hop(status, response.reason_phrase, headers, b"".join(chunks))

    def _timeout_error(self, url: httpx.URL, exc: Exception | None = None) -> FetchTimeout:
        if isinstance(exc, httpx.ConnectTimeout):
            what = f"could not connect to {url.host} within {self._connect_timeout:g} s"
        else:
            what = f"no complete answer within {self._total_timeout:g} s"
        return FetchTimeout(f"timed out fetching {_redact(url)}: {what}", url=str(url))

    @staticmethod
    def _too_large(url: httpx.URL, max_bytes: int) -> ResponseTooLarge:
        return ResponseTooLarge(
            f"response from {_redact(url)} is larger than {max_bytes} bytes (after decompression)",
            url=str(url),
        )
