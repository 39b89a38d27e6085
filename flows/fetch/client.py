"""The one outbound HTTP client: every byte kaiwatch downloads comes through here.

:class:`HttpClient` wraps synchronous :class:`httpx.Client` s and adds what the
pipeline needs on top of them (reliability notes R1–R5, R8–R10):

- only ``http`` and ``https`` URLs, checked before any socket opens and again
  on every redirect hop (:meth:`HttpClient._check_url`);
- SSRF guard (R3), unless the call passes ``allow_private=True``: only ports
  80 and 443, and only globally routable addresses (:mod:`flows.fetch.guard`).
  Literal hosts are judged before the request; a name is resolved once and
  every address it gives is judged *before* it is dialled, the address
  judged being the one dialled (:class:`_GuardedBackend`), so DNS rebinding
  has no second lookup to exploit; and the peer address of each new
  connection is judged again once connected. Trusted and untrusted calls use
  separate connection pools, so a connection opened for one is never reused
  by the other;
- redirects followed by hand, at most :data:`MAX_REDIRECTS`, never https→http;
- a connect timeout plus a total deadline for the whole call (every attempt,
  redirect, body and backoff pause), so a server that stalls or trickles bytes
  cannot hold a worker for more than ``total_timeout``;
- a body cap counted after decompression, so a gzip bomb stops at the cap;
- retries with jittered exponential backoff, honouring ``Retry-After``;
- at most one request in flight per host (``host:port``) in the whole process,
  with an optional pause between requests to the same host;
- conditional GET with ``If-None-Match`` / ``If-Modified-Since``.

Usage::

    with HttpClient() as http:
        # A feed the operator listed: trusted, may be on the intranet.
        feed = http.get(feed_url, etag=saved_etag, max_bytes=FEED_MAX_BYTES, allow_private=True)
        # A link a stranger wrote in that feed: public addresses only.
        page = http.get(link, max_bytes=PAGE_MAX_BYTES)

The client is safe to share between threads.
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpcore
import httpx

from flows import __version__
from flows.core.errors import (
    BlockedURL,
    FetchError,
    FetchHTTPError,
    FetchTimeout,
    HostNotFound,
    PrivateNetworkBlocked,
    ResponseTooLarge,
)
from flows.core.models import FetchResult
from flows.fetch.guard import check_address, legacy_ipv4, parse_ip

__all__ = [
    "FEED_MAX_BYTES",
    "MAX_REDIRECTS",
    "PAGE_MAX_BYTES",
    "USER_AGENT",
    "HttpClient",
    "Resolver",
    "parse_cache_control_max_age",
    "parse_retry_after",
    "set_host_interval",
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

Resolver = Callable[[str, int], Iterable[str]]
"""Turns ``(host, port)`` into IP address strings; see ``HttpClient(resolver=...)``."""

_ALLOWED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Ports a link from a feed may name; other ports need allow_private (R2).
_PUBLIC_PORTS = frozenset({80, 443})
_PRIVATE_HINT = "set allow_private_network: true on the source if this is intended"
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Only the codings we decode ourselves, with a bounded output per step.
_ACCEPT_ENCODING = "gzip, deflate"
# Largest piece of decompressed output produced at once: this, not the
# compression ratio, bounds the memory a gzip bomb can take before the cap.
_DECODE_PIECE = 256 * 1024
# Headers that must not follow a redirect to another origin.
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


# --------------------------------------------------------------------------- Retry-After, Cache-Control

_MAX_DELTA_SECONDS = 2**31
"""RFC 9111 1.2.2: a delta-seconds value too large to represent counts as 2^31."""

# One Cache-Control directive: a token, optionally "=" and a token or quoted string.
_CACHE_DIRECTIVE = re.compile(
    r"""([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*))?"""
)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Return the wait a ``Retry-After`` header asks for, in seconds.

    Both forms of RFC 9110 are understood: delay-seconds (``"120"``) and an
    HTTP-date (``"Wed, 21 Oct 2015 07:28:00 GMT"``, and the obsolete RFC 850
    and asctime forms). A date in the past gives 0.

    The value is returned as sent: the caller caps it (R9: at most a day, so a
    publisher cannot park a feed forever; see ``pipeline.MAX_POLL_DELAY``).

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


def parse_cache_control_max_age(headers: Mapping[str, str]) -> float | None:
    """Return how long a response may be used without asking again, in seconds.

    Reads ``Cache-Control`` (any capitalisation of the name; repeated header
    lines joined with commas, as httpx does): ``max-age`` gives its value, the
    first one if repeated (RFC 9111 4.2.1); ``no-cache`` or ``no-store`` give 0
    (ask every time). ``s-maxage`` is for shared caches and is ignored.

    The value is returned as sent: the caller caps it (R9: the next poll comes
    at the later of the schedule and this, but never more than a day ahead).

    :param headers: response headers, e.g. :attr:`FetchResult.headers`.
    :returns: seconds (never negative), or None if no usable directive is present.
    """
    value = next((v for k, v in headers.items() if k.lower() == "cache-control"), None)
    if value is None:
        return None
    max_age: float | None = None
    for match in _CACHE_DIRECTIVE.finditer(value):
        name, argument = match.group(1).lower(), (match.group(2) or "").strip('"')
        if name in {"no-cache", "no-store"}:
            return 0.0
        if name == "max-age" and max_age is None and argument.isascii() and argument.isdigit():
            # Ten digits already pass 2^31; longer strings are not worth converting.
            seconds = int(argument) if len(argument) <= 10 else _MAX_DELTA_SECONDS
            max_age = float(min(seconds, _MAX_DELTA_SECONDS))
    return max_age


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


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first exception of ``kind`` in ``exc``'s chain of causes, if any."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


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
    min_interval: float = 0.0  # the site's own wish (robots.txt Crawl-delay)


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
        pause = slot.last_done + max(min_interval, slot.min_interval) - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        try:
            yield
        finally:
            slot.last_done = time.monotonic()


def set_host_interval(url: str, seconds: float) -> None:
    """Keep at least ``seconds`` between requests to ``url``'s host, process-wide.

    For a site's ``Crawl-delay``; capped at :data:`MAX_HOST_INTERVAL` so that one
    site cannot stall a run.
    """
    key = _host_key(httpx.URL(url))
    with _slots_lock:
        slot = _slots.setdefault(key, _HostSlot())
        slot.min_interval = min(max(seconds, 0.0), MAX_HOST_INTERVAL)


MAX_HOST_INTERVAL = 60.0


# --------------------------------------------------------------------------- address guard (R3)


class _Refused(Exception):
    """Internal: a connection was refused by the address guard; becomes :class:`BlockedURL`.

    Raised inside httpx's transport, which passes exceptions it does not know
    through unchanged; :meth:`HttpClient._exchange` adds the URL.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail  # "news.example resolves to a loopback address 127.0.0.1"


class _Unresolved(httpcore.ConnectError):
    """Internal: the name did not resolve; becomes :class:`HostNotFound` (not "connection failed")."""


def _system_resolve(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the system resolver, as :func:`socket.create_connection` would."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend, resolving names itself and judging each address before dialling.

    The name is resolved once per connection and the connection goes to the
    very addresses that were judged, never to the name: a resolver that
    answers differently the second time (DNS rebinding) is never asked twice.
    When one address of a name is refused, the name is refused: a public name
    with a private address among its records is not one to half-trust.

    :param allow_private: dial any address (trusted calls); the names are still
        resolved through ``resolver``.
    :param resolver: ``(host, port) -> addresses``; the system resolver by default.
    """

    def __init__(self, *, allow_private: bool, resolver: Resolver | None = None) -> None:
        self._allow_private = allow_private
        self._resolver = resolver or _system_resolve
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        started = time.monotonic()
        addresses = self._addresses(host, port)
        last_error: Exception | None = None
        for address in addresses:
            left = None if timeout is None else timeout - (time.monotonic() - started)
            if left is not None and left <= 0:
                raise httpcore.ConnectTimeout(f"could not connect to {host} in time")
            try:
                return self._inner.connect_tcp(
                    address,
                    port,
                    timeout=left,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc  # like create_connection(): try the next address
        assert last_error is not None  # _addresses() never returns an empty list
        raise last_error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("kaiwatch does not connect to Unix sockets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)

    def _addresses(self, host: str, port: int) -> list[str]:
        """Return the addresses to dial for ``host``, each judged unless private ones are allowed.

        :raises _Refused: an address is not a global one.
        :raises httpcore.ConnectError: the name does not resolve.
        """
        # Numeric hosts are read here, not by the resolver: 2130706433 is
        # 127.0.0.1 to glibc, and a stub resolver should not have to know that.
        literal = parse_ip(host) or legacy_ipv4(host)
        if literal is not None:
            addresses = [host if parse_ip(host) else str(literal)]
        else:
            try:
                addresses = list(self._resolver(host, port))
            except OSError as exc:  # socket.gaierror and friends: retried like other failures
                raise _Unresolved(f"could not resolve {host}: {exc}") from exc
            if not addresses:
                raise httpcore.ConnectError(f"{host} resolves to no address")
            if any(parse_ip(address) is None for address in addresses):
                raise httpcore.ConnectError(f"the resolver gave a non-address for {host}")
        if not self._allow_private:
            for address in addresses:
                reason = check_address(address)
                if reason is not None:
                    verb = "is" if literal is not None else "resolves to"
                    raise _Refused(f"{host} {verb} {reason}")
        return addresses


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport (TLS always verified), dialling through :class:`_GuardedBackend`."""

    def __init__(self, *, allow_private: bool, resolver: Resolver | None = None) -> None:
        super().__init__(verify=True, trust_env=False)
        # httpx has no option for a network backend, so its pool is replaced by
        # an identical one (same TLS context and default limits) that has ours.
        self._pool.close()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=True, trust_env=False),
            max_connections=100,  # httpx's DEFAULT_LIMITS
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(allow_private=allow_private, resolver=resolver),
        )


def _check_peer(stream: Any, host: str) -> None:
    """Refuse a new connection whose peer is not a global address; close it first.

    The second line of defence: :class:`_GuardedBackend` has already judged
    the address it dialled, but this also holds for any other transport, and
    it judges what the kernel says the socket is connected to.

    :raises _Refused: the peer address is not a global one, or is unknown.
    """
    if stream is None:
        return
    peer = stream.get_extra_info("server_addr")
    address = peer[0] if isinstance(peer, tuple) and peer else None
    reason = (
        check_address(address)
        if isinstance(address, str) and parse_ip(address)
        else "an address that could not be determined"
    )
    if reason is not None:
        with contextlib.suppress(Exception):
            stream.close()
        raise _Refused(f"the connection to {host} reached {reason}")


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


class _Budget:
    """The seconds left of one call's ``total_timeout``.

    Spent while a request holds its host's slot (connecting, sending, reading,
    every redirect hop) and in backoff pauses between attempts. Not spent:
    waiting for the host's turn behind other requests (the per-host queue is
    our own politeness, not the server's slowness) and ``Retry-After`` waits
    the server asked for (at most ``max_retry_wait`` each).
    """

    def __init__(self, seconds: float) -> None:
        self.left = seconds

    def spend(self, seconds: float) -> None:
        self.left -= max(0.0, seconds)


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
    :param total_timeout: seconds allowed for a whole :meth:`get` or
        :meth:`post` call: every attempt, redirect hop, body and backoff pause.
        A stalled server therefore uses it up once and is not retried. Not
        counted: waiting for the host's turn behind other requests, and
        ``Retry-After`` waits (each at most ``max_retry_wait``).
    :param max_retries: further attempts after a timeout, a connection error,
        a 5xx or a 429, while ``total_timeout`` lasts.
    :param backoff_base: first backoff in seconds; doubled per retry, jittered.
    :param max_retry_wait: longest ``Retry-After`` (and backoff) waited in
        place; a longer ``Retry-After`` is raised at once for the caller to
        schedule.
    :param min_host_interval: seconds kept between requests to one host.
    :param transport: an httpx transport to use instead of the network (tests).
        Requests through it still get the URL checks and, if it is an httpx
        network transport, the connected-address check; ``resolver`` is unused.
    :param resolver: ``(host, port) -> IP address strings``, used instead of
        the system resolver; the addresses it gives are the ones judged and
        dialled. Tests map made-up names to 127.0.0.1 with it.
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
        resolver: Resolver | None = None,
    ) -> None:
        self._connect_timeout = connect_timeout
        self._total_timeout = total_timeout
        self._max_retries = max(0, max_retries)
        self._backoff_base = backoff_base
        self._max_retry_wait = max_retry_wait
        self._min_host_interval = max(0.0, min_host_interval)
        # One pool per trust level: a connection opened for a trusted call (to
        # an intranet address) is never reused by an untrusted one (R3).
        self._clients = {
            allow_private: httpx.Client(
                headers={"User-Agent": user_agent, "Accept-Encoding": _ACCEPT_ENCODING},
                # Certificates are always verified: there is no insecure fallback (R5).
                verify=True,
                follow_redirects=False,
                # Proxy variables would make the dialled address (R3) the proxy's.
                trust_env=False,
                transport=transport
                or _GuardedTransport(allow_private=allow_private, resolver=resolver),
            )
            for allow_private in (False, True)
        }

    # -- public API -----------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int = PAGE_MAX_BYTES,
        headers: Mapping[str, str] | None = None,
        allow_private: bool = False,
    ) -> FetchResult:
        """Fetch ``url``, conditionally if ``etag`` or ``last_modified`` is given.

        :param etag: sent as ``If-None-Match``.
        :param last_modified: sent as ``If-Modified-Since``.
        :param max_bytes: body cap, counted after decompression.
        :param headers: extra request headers.
        :param allow_private: trust ``url`` and its redirects: any port and any
            address (loopback, private, link-local, …). Only for URLs the
            operator wrote (``sources.yaml``) or opted in to
            (``allow_private_network: true``); never for links from feed content.
        :returns: the final response; ``not_modified`` is set for a 304. Its
            ``url`` is the final hop, which passed every check.
        :raises BlockedURL: the URL, or a redirect target, may not be fetched
            (scheme, port or address; the message says which and why).
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
        return self._request("GET", url, extra, None, max_bytes, allow_private)

    def post(
        self,
        url: str,
        *,
        data: Mapping[str, str] | bytes,
        headers: Mapping[str, str] | None = None,
        max_bytes: int = PAGE_MAX_BYTES,
        allow_private: bool = False,
    ) -> FetchResult:
        """POST ``data`` (a form mapping, or raw bytes) to ``url``.

        Retried like :meth:`get`, so use it only for idempotent endpoints.
        ``allow_private`` and the errors are those of :meth:`get`.
        """
        return self._request("POST", url, dict(headers or {}), data, max_bytes, allow_private)

    def close(self) -> None:
        """Close the pooled connections."""
        for client in self._clients.values():
            client.close()

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

    def _check_url(self, url: httpx.URL, allow_private: bool) -> None:
        """Refuse a URL we may not fetch; called for the first URL and every redirect hop.

        The per-hop policy that needs no network: the scheme and host always;
        unless ``allow_private``, the port and a host written as an address
        (R2, R3). Names are judged when they are resolved, by the connection
        (:class:`_GuardedBackend`).

        :raises BlockedURL: the URL is refused.
        """
        if url.scheme not in _ALLOWED_SCHEMES:
            raise BlockedURL(
                f"refusing to fetch {_redact(url)}: scheme {url.scheme!r} is not http or https",
                url=str(url),
            )
        if not url.host:
            raise BlockedURL(f"refusing to fetch {_redact(url)}: no host", url=str(url))
        if allow_private:
            return
        problem = None
        if url.port is not None and url.port not in _PUBLIC_PORTS:
            problem = f"port {url.port} is not 80 or 443"
        elif (literal := parse_ip(url.host)) is not None:
            reason = check_address(literal)
            problem = None if reason is None else f"the host is {reason}"
        elif (legacy := legacy_ipv4(url.host)) is not None:
            # Resolvers read these as IPv4 (2130706433 is 127.0.0.1); parsers
            # disagree on them, so they are refused whatever they stand for.
            problem = f"the host {url.host} is the IPv4 address {legacy} in a non-standard form"
        if problem is not None:
            raise PrivateNetworkBlocked(
                f"refusing to fetch {_redact(url)}: {problem}; {_PRIVATE_HINT}", url=str(url)
            )

    # -- retries ----------------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        data: Mapping[str, str] | bytes | None,
        max_bytes: int,
        allow_private: bool,
    ) -> FetchResult:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise BlockedURL(f"refusing to fetch {url[:200]!r}: not a valid URL", url=url) from exc
        try:
            self._check_url(parsed, allow_private)
        except BlockedURL as exc:
            exc.url = url  # the caller's spelling, not httpx's normalised one
            raise
        budget = _Budget(self._total_timeout)
        attempt = 0
        while True:
            try:
                return self._attempt(
                    method, parsed, headers, data, max_bytes, allow_private, budget
                )
            except _Transient as failure:
                error = failure.error
                cause = failure.__cause__
            asked = (
                error.retry_after
                if isinstance(error, FetchHTTPError) and error.status in (429, 503)
                else None
            )
            if asked is not None and asked > self._max_retry_wait:
                raise error from cause  # the caller schedules the next poll
            if attempt >= self._max_retries or budget.left <= 0:
                raise error from cause
            if asked:
                wait = asked  # the server's own request: not charged to the budget
            else:
                wait = self._backoff(attempt)
                if wait >= budget.left:
                    raise error from cause  # no time would be left for the retry
                budget.spend(wait)
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
        delay: float = min(self._backoff_base * 2.0**attempt, self._max_retry_wait)
        return delay * random.uniform(0.5, 1.0)

    # -- one attempt: follow redirects -------------------------------------------

    def _attempt(
        self,
        method: str,
        url: httpx.URL,
        headers: dict[str, str],
        data: Mapping[str, str] | bytes | None,
        max_bytes: int,
        allow_private: bool,
        budget: _Budget,
    ) -> FetchResult:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            self._check_url(current, allow_private)
            with _host_slot(_host_key(current), self._min_host_interval):
                # Waiting for the host's turn is not the request's time (see _Budget).
                started = time.monotonic()
                try:
                    hop = self._exchange(
                        method,
                        current,
                        headers,
                        data,
                        max_bytes,
                        deadline=started + budget.left,
                        allow_private=allow_private,
                    )
                finally:
                    budget.spend(time.monotonic() - started)
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
        *,
        deadline: float,
        allow_private: bool,
    ) -> _Hop:
        """Send one request and read its answer, all before ``deadline``."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Transient(self._timeout_error(url))
        watchdog = _Watchdog(deadline)
        timeout = httpx.Timeout(remaining, connect=min(self._connect_timeout, remaining))
        client = self._clients[allow_private]

        def trace(name: str, info: Mapping[str, Any]) -> None:
            if not allow_private and name == "connection.connect_tcp.complete":
                _check_peer(info.get("return_value"), url.host)
            watchdog.trace(name, info)

        request = client.build_request(
            method,
            url,
            headers=headers,
            content=data if isinstance(data, bytes) else None,
            data=data if isinstance(data, Mapping) else None,
            timeout=timeout,
            extensions={"trace": trace},
        )
        try:
            response = client.send(request, stream=True)
            try:
                watchdog.attach(response)
                hop = self._read(response, url, max_bytes, deadline)
            finally:
                response.close()
        except _Refused as exc:
            raise PrivateNetworkBlocked(
                f"refusing to fetch {_redact(url)}: {exc.detail}; {_PRIVATE_HINT}", url=str(url)
            ) from None
        except httpx.TimeoutException as exc:
            raise _Transient(self._timeout_error(url, exc)) from exc
        except httpx.UnsupportedProtocol as exc:
            raise BlockedURL(f"refusing to fetch {_redact(url)}: {exc}", url=str(url)) from exc
        except httpx.TransportError as exc:
            if watchdog.fired:
                raise _Transient(self._timeout_error(url)) from exc
            unresolved = _cause(exc, _Unresolved)
            if unresolved is not None:
                raise _Transient(
                    HostNotFound(f"{unresolved} fetching {_redact(url)}", url=str(url))
                ) from exc
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
