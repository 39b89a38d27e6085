"""A loopback HTTP server for tests: canned routes, request log, misbehaving servers.

Runs a stdlib :class:`~http.server.ThreadingHTTPServer` on ``127.0.0.1`` (port
0, so the OS picks a free one) in a daemon thread. Tests get one through the
``feed_server`` fixture, which clears routes and hits before each test::

    def test_fetch(feed_server):
        feed_server.route("/feed.xml", RSS, content_type="application/rss+xml", etag='"v1"')
        ...
        assert feed_server.count("/feed.xml", status=304) == 1

Besides plain routes it can answer 304 to conditional requests, play a
sequence of answers (``500, 500, 200``), redirect, send gzip, trickle a body
one byte at a time (:meth:`FixtureServer.trickle`) and serve a gzip bomb
(:meth:`FixtureServer.gzip_bomb`). It records the most requests it was
handling at once, per ``Host`` header (:meth:`FixtureServer.max_in_flight`).

:func:`loopback_only` is the other half of "tests talk to 127.0.0.1 and ::1
only": while it is active, every socket ``connect()`` in the process is
recorded, and any connection to an address that is not loopback is refused
before it leaves the machine, even if the code under test is broken::

    with loopback_only() as dials:
        ...
    assert dials == []  # nothing was even attempted
"""

from __future__ import annotations

import contextlib
import functools
import gzip as gzip_module
import ipaddress
import socket
import ssl
import sys
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FixtureServer", "Hit", "loopback_only"]

_REPLY_KEYS = frozenset(
    {"body", "status", "content_type", "headers", "etag", "last_modified", "delay", "gzip"}
)
_WRITE_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Hit:
    """One request the server received, and the status it answered with."""

    method: str
    path: str  # with the query string
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int
    at: float = 0.0  # time.monotonic() when the request arrived


@dataclass
class _Route:
    kind: str  # "plain", "trickle" or "bomb"
    base: dict[str, Any] = field(default_factory=dict)
    sequence: list[dict[str, Any]] = field(default_factory=list)
    served: int = 0
    interval: float = 0.05
    payload: bytes = b""

    def next_reply(self) -> dict[str, Any]:
        """Return the settings for this hit: the base, overlaid with the sequence step."""
        reply = dict(self.base)
        if self.sequence:
            reply.update(self.sequence[min(self.served, len(self.sequence) - 1)])
        self.served += 1
        return reply


@functools.lru_cache(maxsize=4)
def _zeros_gzip(size: int) -> bytes:
    """Gzip ``size`` zero bytes without ever holding them all in memory."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = []
    left = size
    while left > 0:
        step = min(left, len(block))
        parts.append(packer.compress(block[:step]))
        left -= step
    parts.append(packer.flush())
    return b"".join(parts)


def _etag_matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag.removeprefix("W/") in wanted


def _not_modified_since(if_modified_since: str, last_modified: str) -> bool:
    if if_modified_since.strip() == last_modified.strip():
        return True
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm and
        # the client's delayed ACK add 40 ms to every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self.server.fixture._handle(self)

    do_POST = do_HEAD = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fixture: FixtureServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that give up (timeouts, size caps, unread error bodies) reset
        # the connection; that is expected here, anything else is printed.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class FixtureServer:
    """A loopback HTTP server with canned routes; see the module docstring."""

    def __init__(self, host: str = "127.0.0.1", *, tls: ssl.SSLContext | None = None) -> None:
        """Start serving on ``host`` (a free port); with ``tls``, serve https."""
        self._lock = threading.Lock()
        self._routes: dict[str, _Route] = {}
        self._hits: list[Hit] = []
        self._in_flight: dict[str, int] = {}
        self._max_in_flight: dict[str, int] = {}
        self._stop = threading.Event()
        self._httpd = _Server((host, 0), _Handler)
        self._httpd.fixture = self
        if tls is not None:
            # The handshake then runs in accept(); a failed one is dropped quietly.
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.port: int = self._httpd.server_address[1]
        self._scheme = "https" if tls is not None else "http"
        self.base_url: str = f"{self._scheme}://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # quick shutdown
            name="feedserver",
            daemon=True,
        )
        self._thread.start()

    # -- lifecycle ------------------------------------------------------------

    def close(self) -> None:
        """Stop serving and release the port."""
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FixtureServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def reset(self) -> None:
        """Forget every route, hit and concurrency count; end any trickling reply."""
        with self._lock:
            self._stop.set()
            self._stop = threading.Event()
            self._routes.clear()
            self._hits.clear()
            self._in_flight.clear()
            self._max_in_flight.clear()

    # -- setting up routes ------------------------------------------------------

    def url(self, path: str, *, host: str | None = None) -> str:
        """Return the absolute URL of ``path``; ``host`` swaps the name (e.g. ``localhost``)."""
        if not path.startswith("/"):
            path = "/" + path
        if host is None:
            return self.base_url + path
        return f"{self._scheme}://{host}:{self.port}{path}"

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        delay: float = 0.0,
        gzip: bool = False,
        sequence: list[dict[str, Any]] | None = None,
    ) -> None:
        """Answer requests for ``path`` (query ignored unless ``path`` has one).

        :param etag: sent as ``ETag``; a matching ``If-None-Match`` gets a 304.
        :param last_modified: sent as ``Last-Modified``; a matching (or later)
            ``If-Modified-Since`` gets a 304.
        :param delay: seconds to wait before answering.
        :param gzip: send the body gzip-compressed with ``Content-Encoding: gzip``.
        :param sequence: settings for successive hits, each overriding the
            arguments above; the last one repeats.
        """
        base = {
            "body": body,
            "status": status,
            "content_type": content_type,
            "headers": dict(headers or {}),
            "etag": etag,
            "last_modified": last_modified,
            "delay": delay,
            "gzip": gzip,
        }
        steps = [dict(step) for step in sequence or []]
        for step in steps:
            unknown = set(step) - _REPLY_KEYS
            if unknown:
                raise TypeError(f"unknown keys in sequence step: {sorted(unknown)}")
        self._add(path, _Route("plain", base=base, sequence=steps))

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        """Redirect ``path`` to ``location`` (sent as given, so it may be relative)."""
        self.route(path, status=status, headers={"Location": location})

    def trickle(self, path: str, *, interval: float = 0.05, chunk: bytes = b"x") -> None:
        """Answer 200 at once, then send ``chunk`` every ``interval`` seconds, forever.

        The body has no length and never ends; it stops when the client goes
        away, on :meth:`reset` or after a minute.
        """
        self._add(path, _Route("trickle", interval=interval, payload=chunk))

    def gzip_bomb(self, path: str, size: int = 200 * 1024 * 1024) -> int:
        """Serve ``size`` zero bytes, gzip-compressed; return the compressed length."""
        payload = _zeros_gzip(size)
        self._add(path, _Route("bomb", payload=payload))
        return len(payload)

    def _add(self, path: str, route: _Route) -> None:
        if not path.startswith("/"):
            raise ValueError(f"route paths start with '/': {path!r}")
        with self._lock:
            self._routes[path] = route

    # -- looking at what happened -------------------------------------------------

    def hits(self, path: str) -> list[Hit]:
        """Return the requests for ``path`` (any query, unless ``path`` has one), oldest first."""
        with self._lock:
            if "?" in path:
                return [h for h in self._hits if h.path == path]
            return [h for h in self._hits if h.path.split("?", 1)[0] == path]

    def count(self, path: str, status: int | None = None) -> int:
        """Return how many requests for ``path`` were answered (with ``status``, if given)."""
        return sum(1 for h in self.hits(path) if status is None or h.status == status)

    def max_in_flight(self, host: str | None = None) -> int:
        """Return the most requests handled at once, for one ``Host`` name or overall."""
        with self._lock:
            return self._max_in_flight.get(host.lower() if host else "*", 0)

    # -- serving -------------------------------------------------------------------

    def _handle(self, handler: _Handler) -> None:
        arrived = time.monotonic()
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        headers = {name.lower(): value for name, value in handler.headers.items()}
        host = _host_name(headers.get("host", ""))
        with self._lock:
            route = self._routes.get(handler.path) or self._routes.get(
                handler.path.split("?", 1)[0]
            )
            reply = route.next_reply() if route and route.kind == "plain" else {}
            stop = self._stop
            for key in (host, "*"):
                self._in_flight[key] = self._in_flight.get(key, 0) + 1
                self._max_in_flight[key] = max(
                    self._max_in_flight.get(key, 0), self._in_flight[key]
                )

        def record(status: int) -> None:
            # Called before the answer is written, so a client that has read
            # it always finds its hit here and its request no longer in flight.
            with self._lock:
                for key in (host, "*"):
                    self._in_flight[key] = self._in_flight.get(key, 1) - 1
                self._hits.append(
                    Hit(handler.command, handler.path, headers, body, status, arrived)
                )

        try:
            if route is None:
                record(404)
                self._send(handler, 404, {"Content-Type": "text/plain"}, b"not found")
            elif route.kind == "trickle":
                record(200)
                self._trickle(handler, route, stop)
            elif route.kind == "bomb":
                record(200)
                bomb_headers = {
                    "Content-Type": "text/html; charset=utf-8",
                    "Content-Encoding": "gzip",
                }
                self._send(handler, 200, bomb_headers, route.payload)
            else:
                delay = float(reply.get("delay") or 0)
                if delay > 0:
                    stop.wait(delay)
                status, out_headers, payload = _render(reply, headers)
                record(status)
                self._send(handler, status, out_headers, payload)
        except ConnectionError:  # the client went away (timeouts, size caps)
            handler.close_connection = True

    @staticmethod
    def _send(handler: _Handler, status: int, headers: Mapping[str, str], payload: bytes) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        bodiless = status in (204, 304) or status < 200
        if not bodiless:
            handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        if bodiless or handler.command == "HEAD":
            return
        view = memoryview(payload)
        for start in range(0, len(view), _WRITE_CHUNK):
            handler.wfile.write(view[start : start + _WRITE_CHUNK])
        handler.wfile.flush()

    @staticmethod
    def _trickle(handler: _Handler, route: _Route, stop: threading.Event) -> None:
        handler.close_connection = True
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.flush()
        give_up = time.monotonic() + 60
        while time.monotonic() < give_up and not stop.wait(route.interval):
            handler.wfile.write(route.payload)
            handler.wfile.flush()


def _host_name(host_header: str) -> str:
    """Return the lower-case host name of a ``Host`` header, without the port."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if ":" in host else host


def _render(
    reply: Mapping[str, Any], request_headers: Mapping[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """Build the status, headers and body for a plain route's reply."""
    etag = reply.get("etag")
    last_modified = reply.get("last_modified")
    validators = {}
    if etag:
        validators["ETag"] = etag
    if last_modified:
        validators["Last-Modified"] = last_modified
    if_none_match = request_headers.get("if-none-match")
    if_modified_since = request_headers.get("if-modified-since")
    # RFC 9110 13.2.2: If-None-Match, when sent, decides; If-Modified-Since only without it.
    if etag and if_none_match is not None:
        if _etag_matches(if_none_match, etag):
            return 304, validators, b""
    elif (
        last_modified
        and if_modified_since
        and _not_modified_since(if_modified_since, last_modified)
    ):
        return 304, validators, b""

    status = int(reply.get("status", 200))
    body = reply.get("body", b"")
    payload = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    headers = {"Content-Type": str(reply.get("content_type", "text/html; charset=utf-8"))}
    if reply.get("gzip"):
        payload = gzip_module.compress(payload)
        headers["Content-Encoding"] = "gzip"
    headers.update(validators)
    headers.update(reply.get("headers") or {})
    if status in (204, 304):
        payload = b""
    return status, headers, payload


# --------------------------------------------------------------------------- connect guard


@contextlib.contextmanager
def loopback_only() -> Iterator[list[tuple[str, int]]]:
    """Record every TCP/UDP ``connect()`` and refuse those not to a loopback address.

    Patches :class:`socket.socket` (``connect`` and ``connect_ex``, which
    :func:`socket.create_connection` and httpcore use) for the whole process
    while active. Yields the list of ``(host, port)`` attempted, refused ones
    included; a refused one raises :class:`ConnectionRefusedError` and sends
    nothing. Unix sockets pass through unrecorded.
    """
    dials: list[tuple[str, int]] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def allowed(sock: socket.socket, address: Any) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return True
        host, port = str(address[0]), int(address[1])
        dials.append((host, port))
        try:
            return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
        except ValueError:  # a name: would need a lookup, and could go anywhere
            return False

    def connect(sock: socket.socket, address: Any) -> None:
        if not allowed(sock, address):
            raise ConnectionRefusedError(f"loopback_only: refused a connection to {address!r}")
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        if not allowed(sock, address):
            raise ConnectionRefusedError(f"loopback_only: refused a connection to {address!r}")
        return real_connect_ex(sock, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    try:
        yield dials
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
