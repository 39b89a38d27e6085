"""Tests for flows/fetch/client.py against the real loopback server (tests/feedserver.py)."""

from __future__ import annotations

import gzip
import ipaddress
import logging
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from feedserver import FixtureServer, loopback_only
from flows.core.errors import BlockedURL, FetchError, FetchHTTPError, FetchTimeout, ResponseTooLarge
from flows.fetch import guard as netguard
from flows.fetch.client import (
    FEED_MAX_BYTES,
    PAGE_MAX_BYTES,
    USER_AGENT,
    HttpClient,
    _GuardedBackend,
    _GuardedTransport,
    _redirect_target,
    _Refused,
    parse_cache_control_max_age,
    parse_retry_after,
)

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def dials() -> Iterator[list[tuple[str, int]]]:
    """Every connect() of the test; any not to loopback is refused (tests/feedserver.py)."""
    with loopback_only() as attempted:
        yield attempted


@pytest.fixture
def client() -> Iterator[HttpClient]:
    """A client with fast backoff, as the tests cannot wait seconds per retry."""
    with HttpClient(backoff_base=0.01, total_timeout=5.0) as http:
        yield http


def test_constants() -> None:
    assert USER_AGENT.startswith("kaiwatch/0.1.0 (+https://github.com/kaiwatch/kaiwatch)")
    assert FEED_MAX_BYTES == 15 * MB
    assert PAGE_MAX_BYTES == 20_000_000


# --------------------------------------------------------------------------- plain GET


def test_get_returns_body_status_and_lower_case_headers(
    feed_server: FixtureServer, client: HttpClient
) -> None:
    feed_server.route("/page", "인공지능 뉴스", headers={"X-Custom": "yes"})

    result = client.get(feed_server.url("/page"), allow_private=True)

    assert result.status == 200
    assert result.content.decode("utf-8") == "인공지능 뉴스"
    assert result.url == feed_server.url("/page")
    assert result.content_type == "text/html; charset=utf-8"
    assert result.headers["x-custom"] == "yes"
    assert all(name == name.lower() for name in result.headers)
    assert not result.not_modified


def test_get_sends_user_agent_and_extra_headers(
    feed_server: FixtureServer, client: HttpClient
) -> None:
    feed_server.route("/feed", "<rss/>")

    client.get(
        feed_server.url("/feed"), headers={"Accept": "application/rss+xml"}, allow_private=True
    )

    (hit,) = feed_server.hits("/feed")
    assert hit.headers["user-agent"] == USER_AGENT
    assert hit.headers["accept"] == "application/rss+xml"
    assert hit.headers["accept-encoding"] == "gzip, deflate"


# --------------------------------------------------------------------------- conditional GET


def test_get_with_etag_gets_304(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/feed", "<rss/>", etag='"v1"')
    url = feed_server.url("/feed")

    first = client.get(url, allow_private=True)
    second = client.get(url, etag=first.etag, allow_private=True)

    assert first.etag == '"v1"'
    assert "if-none-match" not in feed_server.hits("/feed")[0].headers
    assert second.not_modified
    assert second.status == 304
    assert second.content == b""
    assert second.etag == '"v1"'
    assert feed_server.hits("/feed")[1].headers["if-none-match"] == '"v1"'
    assert feed_server.count("/feed", status=200) == 1
    assert feed_server.count("/feed", status=304) == 1


def test_get_with_last_modified_gets_304(feed_server: FixtureServer, client: HttpClient) -> None:
    stamp = "Wed, 21 Oct 2026 07:28:00 GMT"
    feed_server.route("/feed", "<rss/>", last_modified=stamp)
    url = feed_server.url("/feed")

    first = client.get(url, allow_private=True)
    second = client.get(url, last_modified=first.last_modified, allow_private=True)

    assert first.last_modified == stamp
    assert second.not_modified
    assert feed_server.hits("/feed")[1].headers["if-modified-since"] == stamp
    assert feed_server.count("/feed", status=304) == 1


def test_get_with_stale_etag_gets_full_body(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/feed", "<rss>new</rss>", etag='"v2"')

    result = client.get(feed_server.url("/feed"), etag='"v1"', allow_private=True)

    assert not result.not_modified
    assert result.content == b"<rss>new</rss>"
    assert result.etag == '"v2"'


# --------------------------------------------------------------------------- statuses and retries


def test_get_retries_5xx_then_succeeds(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/flaky", "ok", sequence=[{"status": 500}, {"status": 502}, {}])

    result = client.get(feed_server.url("/flaky"), allow_private=True)

    assert result.content == b"ok"
    assert [h.status for h in feed_server.hits("/flaky")] == [500, 502, 200]


def test_get_gives_up_on_persistent_500(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/down", "oops", status=500)
    url = feed_server.url("/down")

    with pytest.raises(FetchHTTPError) as caught:
        client.get(url, allow_private=True)

    assert caught.value.status == 500
    assert caught.value.url == url
    assert str(caught.value) == f"HTTP 500 Internal Server Error from {url}"
    assert feed_server.count("/down") == 3  # first try + max_retries=2


def test_get_does_not_retry_404(feed_server: FixtureServer, client: HttpClient) -> None:
    url = feed_server.url("/missing")

    with pytest.raises(FetchHTTPError) as caught:
        client.get(url, allow_private=True)

    assert caught.value.status == 404
    assert caught.value.retry_after is None
    assert feed_server.count("/missing") == 1


def test_get_honours_short_retry_after(
    feed_server: FixtureServer, client: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    feed_server.route(
        "/limited", "ok", sequence=[{"status": 429, "headers": {"Retry-After": "1"}}, {}]
    )
    caplog.set_level(logging.DEBUG, logger="flows.fetch.client")

    started = time.monotonic()
    result = client.get(feed_server.url("/limited"), allow_private=True)

    assert result.content == b"ok"
    assert [h.status for h in feed_server.hits("/limited")] == [429, 200]
    assert time.monotonic() - started >= 0.9  # a sleep never ends early
    assert "retry 1/2 in 1.00 s" in caplog.text


def test_get_raises_long_retry_after_at_once(
    feed_server: FixtureServer, client: HttpClient
) -> None:
    feed_server.route("/limited", status=429, headers={"Retry-After": "3600"})

    with pytest.raises(FetchHTTPError) as caught:
        client.get(feed_server.url("/limited"), allow_private=True)

    assert caught.value.status == 429
    assert caught.value.retry_after == 3600
    assert "Retry-After: 3600 s" in str(caught.value)
    assert feed_server.count("/limited") == 1


def test_get_reads_retry_after_http_date(feed_server: FixtureServer, client: HttpClient) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    feed_server.route("/maintenance", status=503, headers={"Retry-After": later})

    with pytest.raises(FetchHTTPError) as caught:
        client.get(feed_server.url("/maintenance"), allow_private=True)

    assert caught.value.status == 503
    assert caught.value.retry_after is not None
    assert 7200 - 60 < caught.value.retry_after <= 7200
    assert feed_server.count("/maintenance") == 1


def test_get_retries_refused_connection() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with HttpClient(backoff_base=0.01) as http, pytest.raises(FetchError) as caught:
        http.get(f"http://127.0.0.1:{port}/feed", allow_private=True)

    assert type(caught.value) is FetchError
    assert str(caught.value).startswith(
        f"connection to 127.0.0.1 failed fetching http://127.0.0.1:{port}/feed"
    )


NOW = datetime(2026, 11, 5, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        (None, None),
        ("", None),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("9" * 5000, None),
        ("Thu, 05 Nov 2026 13:00:00 GMT", 3600.0),  # IMF-fixdate
        ("Thursday, 05-Nov-26 13:00:00 GMT", 3600.0),  # obsolete RFC 850 form
        ("Thu Nov  5 13:00:00 2026", 3600.0),  # obsolete asctime form
        ("Thu, 05 Nov 2026 11:00:00 GMT", 0.0),  # in the past: no negative waits
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"cache-control": "max-age=600"}, 600.0),
        ({"Cache-Control": "public, max-age=3600, must-revalidate"}, 3600.0),
        ({"cache-control": 'max-age="120"'}, 120.0),  # quoted: tolerated (RFC 9111 5.2)
        ({"cache-control": "MAX-AGE=60"}, 60.0),
        ({"cache-control": "max-age=60, max-age=7200"}, 60.0),  # first one wins
        ({"cache-control": 'private="set-cookie, max-age=9", max-age=30'}, 30.0),
        ({"cache-control": "s-maxage=600"}, None),  # shared caches only
        ({"cache-control": "max-age=600, no-cache"}, 0.0),
        ({"cache-control": "no-store"}, 0.0),
        ({"cache-control": "max-age=0"}, 0.0),
        ({"cache-control": "max-age=-5"}, None),
        ({"cache-control": "max-age=soon"}, None),
        ({"cache-control": "max-age=" + "9" * 5000}, float(2**31)),  # RFC 9111 1.2.2
        ({"cache-control": "public"}, None),
        ({"cache-control": ""}, None),
        ({"etag": '"x"'}, None),
    ],
)
def test_parse_cache_control_max_age(headers: dict[str, str], expected: float | None) -> None:
    assert parse_cache_control_max_age(headers) == expected


def test_cache_control_from_a_real_response(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/feed", "<rss/>", headers={"Cache-Control": "public, max-age=900"})

    result = client.get(feed_server.url("/feed"), allow_private=True)

    assert parse_cache_control_max_age(result.headers) == 900.0


# --------------------------------------------------------------------------- redirects


def test_get_follows_relative_redirects(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.redirect("/old/feed", "new")  # relative to /old/
    feed_server.redirect("/old/new", "/final", status=301)
    feed_server.route("/final", "here")

    result = client.get(feed_server.url("/old/feed"), allow_private=True)

    assert result.content == b"here"
    assert result.url == feed_server.url("/final")
    assert result.status == 200


def test_get_follows_five_redirects_but_not_six(
    feed_server: FixtureServer, client: HttpClient
) -> None:
    for hop in range(6):
        feed_server.redirect(f"/r{hop}", f"/r{hop + 1}")
    feed_server.route("/r6", "end")

    assert client.get(feed_server.url("/r1"), allow_private=True).content == b"end"  # five hops
    with pytest.raises(FetchError, match=r"too many redirects \(more than 5\)"):
        client.get(feed_server.url("/r0"), allow_private=True)  # six hops
    assert feed_server.count("/r0") == 1  # not retried


def test_redirect_to_file_url_is_blocked(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.redirect("/sneaky", "file:///etc/passwd")

    with pytest.raises(BlockedURL, match="scheme 'file' is not http or https"):
        client.get(feed_server.url("/sneaky"), allow_private=True)


def test_redirect_target_refuses_https_to_http() -> None:
    current = httpx.URL("https://news.example/a/b")

    assert _redirect_target(current, "c?x=1#top") == httpx.URL("https://news.example/a/c?x=1")
    with pytest.raises(BlockedURL, match="refusing redirect from https to http"):
        _redirect_target(current, "http://news.example/c")


def test_get_refuses_https_to_http_redirect() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://news.example/plain"})

    with HttpClient(transport=httpx.MockTransport(handler)) as http, pytest.raises(BlockedURL):
        http.get("https://news.example/secure")

    assert seen == ["https://news.example/secure"]


# --------------------------------------------------------------------------- bodies and caps


def test_get_decodes_gzip(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/zipped", "압축된 본문 " * 1000, gzip=True)

    result = client.get(feed_server.url("/zipped"), allow_private=True)

    assert result.content.decode("utf-8") == "압축된 본문 " * 1000
    assert result.headers["content-encoding"] == "gzip"


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_get_decodes_deflate(feed_server: FixtureServer, client: HttpClient, wbits: int) -> None:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = packer.compress(b"deflated " * 500) + packer.flush()
    feed_server.route("/deflated", body, headers={"Content-Encoding": "deflate"})

    assert (
        client.get(feed_server.url("/deflated"), allow_private=True).content == b"deflated " * 500
    )


def test_get_refuses_body_over_cap(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/big", b"a" * 2000)
    feed_server.route("/exact", b"a" * 1000)

    with pytest.raises(ResponseTooLarge, match="larger than 1000 bytes"):
        client.get(feed_server.url("/big"), max_bytes=1000, allow_private=True)
    assert (
        client.get(feed_server.url("/exact"), max_bytes=1000, allow_private=True).content
        == b"a" * 1000
    )


def test_get_counts_cap_after_decompression(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/zipped", b"a" * 50_000, gzip=True)  # compresses to ~100 bytes

    with pytest.raises(ResponseTooLarge):
        client.get(feed_server.url("/zipped"), max_bytes=10_000, allow_private=True)


def test_gzip_bomb_stops_at_cap_with_bounded_memory(
    feed_server: FixtureServer, client: HttpClient
) -> None:
    compressed = feed_server.gzip_bomb("/bomb", size=200 * MB)
    assert compressed < 1 * MB

    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLarge):
            client.get(feed_server.url("/bomb"), allow_private=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 50 * MB  # PAGE_MAX_BYTES (20 MB) plus small change, not 200 MB


def test_multi_member_gzip_is_decoded(feed_server: FixtureServer, client: HttpClient) -> None:
    body = gzip.compress(b"first ") + gzip.compress(b"second")
    feed_server.route("/members", body, headers={"Content-Encoding": "gzip"})

    assert client.get(feed_server.url("/members"), allow_private=True).content == b"first second"


# --------------------------------------------------------------------------- timeouts


def test_trickling_server_hits_total_deadline(feed_server: FixtureServer) -> None:
    feed_server.trickle("/slow", interval=0.05)

    started = time.monotonic()
    with (
        HttpClient(total_timeout=1.0, max_retries=0) as http,
        pytest.raises(FetchTimeout, match="no complete answer within 1 s"),
    ):
        http.get(feed_server.url("/slow"), allow_private=True)

    assert time.monotonic() - started < 10  # generous: the point is that it ends


def test_deadline_cuts_a_read_in_progress(feed_server: FixtureServer) -> None:
    # Each byte arrives just before a per-read timeout would fire, so only the
    # deadline watchdog ends this at 1.5 s; without it the wait would be ~2.8 s.
    feed_server.trickle("/slower", interval=1.4)

    with HttpClient(total_timeout=1.5, max_retries=0) as http:
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            http.get(feed_server.url("/slower"), allow_private=True)
        elapsed = time.monotonic() - started

    assert elapsed < 2.4  # generous, yet below the ~2.8 s a per-read timeout alone gives


def test_total_timeout_bounds_the_whole_call_retries_included(
    feed_server: FixtureServer,
) -> None:
    # Before: each of the six attempts had its own 2 s, so this took 12 s or more.
    feed_server.trickle("/slow", interval=0.05)

    started = time.monotonic()
    with (
        HttpClient(total_timeout=2.0, max_retries=5, backoff_base=0.01) as http,
        pytest.raises(FetchTimeout, match="no complete answer within 2 s"),
    ):
        http.get(feed_server.url("/slow"), allow_private=True)

    assert time.monotonic() - started < 8  # generous, yet well below six deadlines
    assert feed_server.count("/slow") == 1  # the deadline was spent: no retry


def test_stalled_answer_is_not_retried_past_the_deadline(feed_server: FixtureServer) -> None:
    feed_server.route("/stall", "late", sequence=[{"delay": 3.0}, {"delay": 0.0}])

    with (
        HttpClient(total_timeout=0.5, max_retries=1, backoff_base=0.01) as http,
        pytest.raises(FetchTimeout),
    ):
        http.get(feed_server.url("/stall"), allow_private=True)


def test_backoff_pauses_count_towards_the_deadline(feed_server: FixtureServer) -> None:
    feed_server.route("/down", status=500)

    started = time.monotonic()
    with (
        HttpClient(total_timeout=1.0, max_retries=20, backoff_base=0.2) as http,
        pytest.raises(FetchHTTPError),
    ):
        http.get(feed_server.url("/down"), allow_private=True)

    assert time.monotonic() - started < 5  # 20 doubling backoffs would take minutes
    assert feed_server.count("/down") < 8


def test_retry_after_wait_is_not_charged_to_the_deadline(feed_server: FixtureServer) -> None:
    feed_server.route(
        "/busy", "ok", sequence=[{"status": 503, "headers": {"Retry-After": "1"}}, {}]
    )

    with HttpClient(total_timeout=0.5, max_retries=1) as http:
        result = http.get(feed_server.url("/busy"), allow_private=True)

    assert result.content == b"ok"
    first, second = feed_server.hits("/busy")
    assert second.at - first.at >= 1.0


# --------------------------------------------------------------------------- blocked URLs


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://ftp.example/pub/feed.xml",
        "data:text/html,<h1>hi</h1>",
        "gopher://gopher.example/",
        "javascript:alert(1)",
        "http:///no-host",
        "http://0177.0.0.1/",  # httpx: "Invalid IPv4 address" (resolvers: 127.0.0.1)
    ],
)
@pytest.mark.parametrize("allow_private", [False, True], ids=["untrusted", "trusted"])
def test_non_http_urls_are_blocked_before_any_request(url: str, allow_private: bool) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    with HttpClient(transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(BlockedURL) as caught:
            http.get(url, allow_private=allow_private)
        with pytest.raises(BlockedURL):
            http.post(url, data=b"x", allow_private=allow_private)

    assert caught.value.url == url
    assert seen == []


# --------------------------------------------------------------------------- SSRF guard (R3)
#
# No test here connects to anything but 127.0.0.1 or ::1: the autouse ``dials``
# fixture refuses any other connect() and records every attempt, so each test
# can prove that a refused URL never even reached the dialling step. Addresses
# such as 10.0.0.1 or 169.254.169.254 are checked against the address decision
# itself, through literal URLs and a stub resolver.

HINT = "set allow_private_network: true on the source if this is intended"


class StubResolver:
    """Answers from a table (a list of answers is given out one per lookup); records lookups."""

    def __init__(self, table: dict[str, list[str] | list[list[str]]]) -> None:
        self.table = table
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        answer = self.table.get(host)
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} is not in the stub table")
        if answer and isinstance(answer[0], list):  # successive answers: rebinding
            count = self.lookups.count(host)
            return list(answer[min(count, len(answer)) - 1])
        return list(answer)  # type: ignore[arg-type]


BLOCKED_LITERALS = [
    ("http://127.0.0.1/feed", "the host is a loopback address 127.0.0.1"),
    ("http://127.0.0.1:8080/feed", "port 8080 is not 80 or 443"),
    (
        "http://2130706433/",
        "the host 2130706433 is the IPv4 address 127.0.0.1 in a non-standard form",
    ),
    ("http://0x7f.1/", "the host 0x7f.1 is the IPv4 address 127.0.0.1 in a non-standard form"),
    ("http://127.1/", "the host 127.1 is the IPv4 address 127.0.0.1 in a non-standard form"),
    ("http://0177.1/", "the host 0177.1 is the IPv4 address 127.0.0.1 in a non-standard form"),
    (
        "http://0x7f000001/",
        "the host 0x7f000001 is the IPv4 address 127.0.0.1 in a non-standard form",
    ),
    ("http://[::1]/", "the host is a loopback address ::1"),
    (
        "http://[::ffff:127.0.0.1]/",
        "the host is a loopback address 127.0.0.1 (as the IPv4-mapped address ::ffff:7f00:1)",
    ),
    (
        "http://[64:ff9b::7f00:1]/",
        "the host is a loopback address 127.0.0.1 (as the NAT64 address 64:ff9b::7f00:1)",
    ),
    (
        "http://[2002:7f00:1::]/",
        "the host is a loopback address 127.0.0.1 (as the 6to4 address 2002:7f00:1::)",
    ),
    (
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
        "the host is a loopback address 127.0.0.1 (as the Teredo address",
    ),
    ("http://100.64.0.1/", "the host is a shared (CGNAT) address 100.64.0.1"),
    (
        "http://169.254.169.254/latest/meta-data/",
        "the host is a link-local address 169.254.169.254",
    ),
    ("http://10.0.0.1/", "the host is a private address 10.0.0.1"),
    ("https://192.168.1.1/", "the host is a private address 192.168.1.1"),
    ("http://0.0.0.0/", "the host is an unspecified address 0.0.0.0"),
    ("http://[fe80::1]/", "the host is a link-local address fe80::1"),
    ("http://[fd00::1]/", "the host is a private address fd00::1"),
    ("http://224.0.0.1/", "the host is a multicast address 224.0.0.1"),
    ("http://news.example:22/", "port 22 is not 80 or 443"),
    ("https://news.example:8443/", "port 8443 is not 80 or 443"),
]


@pytest.mark.parametrize(("url", "why"), BLOCKED_LITERALS)
def test_untrusted_url_is_refused_before_any_lookup_or_dial(
    url: str, why: str, dials: list[tuple[str, int]]
) -> None:
    resolver = StubResolver({})

    with HttpClient(resolver=resolver, max_retries=0) as http:
        with pytest.raises(BlockedURL) as caught:
            http.get(url)
        with pytest.raises(BlockedURL):
            http.post(url, data=b"x")

    assert str(caught.value).startswith(f"refusing to fetch {url.split('?')[0]}: {why}")
    assert str(caught.value).endswith(f"; {HINT}")
    assert caught.value.url == url
    assert resolver.lookups == []
    assert dials == []


@pytest.mark.parametrize(
    ("name", "answer", "why"),
    [
        ("loopback.test", ["127.0.0.1"], "resolves to a loopback address 127.0.0.1"),
        ("v6.test", ["::1"], "resolves to a loopback address ::1"),
        ("metadata.test", ["169.254.169.254"], "resolves to a link-local address 169.254.169.254"),
        ("intranet.test", ["10.0.0.5"], "resolves to a private address 10.0.0.5"),
        ("cgnat.test", ["100.64.0.1"], "resolves to a shared (CGNAT) address 100.64.0.1"),
        (
            "nat64.test",
            ["64:ff9b::a00:5"],
            "resolves to a private address 10.0.0.5 (as the NAT64 address 64:ff9b::a00:5)",
        ),
        (
            "mapped.test",
            ["::ffff:169.254.169.254"],
            "resolves to a link-local address 169.254.169.254 (as the IPv4-mapped address",
        ),
        # One bad record is enough: a public name with a private address is refused whole.
        ("mixed.test", ["93.184.215.14", "10.0.0.1"], "resolves to a private address 10.0.0.1"),
    ],
)
def test_name_resolving_to_a_non_global_address_is_refused_before_dialling(
    name: str, answer: list[str], why: str, dials: list[tuple[str, int]]
) -> None:
    resolver = StubResolver({name: answer})

    with HttpClient(resolver=resolver, max_retries=0) as http, pytest.raises(BlockedURL) as caught:
        http.get(f"http://{name}/article?id=1")

    assert str(caught.value).startswith(f"refusing to fetch http://{name}/article?…: {name} {why}")
    assert str(caught.value).endswith(HINT)
    assert resolver.lookups == [name]
    assert dials == []


def test_localhost_is_refused_through_the_system_resolver(dials: list[tuple[str, int]]) -> None:
    with HttpClient(max_retries=0) as http, pytest.raises(BlockedURL) as caught:
        http.get("http://localhost/feed")

    assert "localhost resolves to a loopback address" in str(caught.value)
    assert dials == []


@pytest.mark.parametrize(
    ("host", "verb"),
    [
        ("127.0.0.1", "is"),
        ("::ffff:127.0.0.1", "is"),
        ("2130706433", "is"),
        ("0x7f.1", "is"),
        ("127.1", "is"),
        ("017700000001", "is"),
        ("localhost", "resolves to"),
    ],
)
def test_connect_step_refuses_loopback_on_its_own(
    host: str, verb: str, dials: list[tuple[str, int]]
) -> None:
    # The URL check refuses these first; this is the line behind it, at the
    # connect step. Numeric forms are read as IPv4 the way resolvers read them.
    backend = _GuardedBackend(allow_private=False, resolver=StubResolver({}))
    system = _GuardedBackend(allow_private=False)

    with pytest.raises(_Refused, match=rf"^{re.escape(host)} {verb} a loopback address"):
        (system if host == "localhost" else backend).connect_tcp(host, 80, timeout=1.0)

    assert dials == []


def test_dns_rebinding_gets_no_second_lookup(dials: list[tuple[str, int]]) -> None:
    # A rebinding resolver answers a public address first, then loopback. A
    # client that checks the name, then lets the socket resolve it again,
    # would connect to 127.0.0.1. Here every lookup's answer is judged and is
    # exactly what is dialled: the public one (stopped by the test's connect
    # guard: it stands for "the internet"), then loopback, refused.
    resolver = StubResolver({"rebind.test": [["93.184.215.14"], ["127.0.0.1"]]})

    with (
        HttpClient(resolver=resolver, max_retries=3, backoff_base=0.01) as http,
        pytest.raises(
            BlockedURL, match=r"rebind\.test resolves to a loopback address 127\.0\.0\.1"
        ),
    ):
        http.get("http://rebind.test/feed")

    assert resolver.lookups == ["rebind.test", "rebind.test"]  # one per connection
    assert dials == [("93.184.215.14", 80)]  # attempted and refused by the test guard
    assert not any(netguard.parse_ip(host).is_loopback for host, _ in dials)


class _Router(httpx.BaseTransport):
    """``public.test`` answers from ``public`` (no network); any other host goes to ``rest``."""

    def __init__(
        self, public: Callable[[httpx.Request], httpx.Response], rest: httpx.BaseTransport
    ) -> None:
        self.public = public
        self.rest = rest
        self.public_requests: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "public.test":
            self.public_requests.append(str(request.url))
            return self.public(request)
        return self.rest.handle_request(request)

    def close(self) -> None:
        self.rest.close()


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("http://127.0.0.1/admin", "the host is a loopback address 127.0.0.1"),
        ("http://127.0.0.1:{port}/admin", "port {port} is not 80 or 443"),
        ("http://loopback.test/admin", "loopback.test resolves to a loopback address 127.0.0.1"),
        ("http://2130706433/admin", "the host 2130706433 is the IPv4 address 127.0.0.1"),
        ("http://[::ffff:127.0.0.1]/admin", "the host is a loopback address 127.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "the host is a link-local address"),
        ("file:///etc/passwd", "scheme 'file' is not http or https"),
    ],
)
def test_public_redirect_to_loopback_is_refused(
    location: str, why: str, feed_server: FixtureServer, dials: list[tuple[str, int]]
) -> None:
    location = location.format(port=feed_server.port)
    feed_server.route("/admin", "secret")
    guarded = _GuardedTransport(
        allow_private=False, resolver=StubResolver({"loopback.test": ["127.0.0.1"]})
    )
    router = _Router(lambda _: httpx.Response(302, headers={"Location": location}), guarded)

    with HttpClient(transport=router, max_retries=0) as http, pytest.raises(BlockedURL) as caught:
        http.get("http://public.test/story")

    assert why.format(port=feed_server.port) in str(caught.value)
    assert caught.value.url == str(httpx.URL(location))  # what was refused, not a result
    assert router.public_requests == ["http://public.test/story"]
    assert feed_server.count("/admin") == 0
    assert dials == []


def test_connected_address_is_checked_even_through_another_transport(
    feed_server: FixtureServer, dials: list[tuple[str, int]]
) -> None:
    # A transport that dials without judging (here: every request rerouted to
    # the loopback server) still meets the check on the connection's peer.
    feed_server.route("/page", "secret")
    plain = httpx.HTTPTransport()

    def reroute(request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(host="127.0.0.1", port=feed_server.port)
        return plain.handle_request(request)  # the trace hook travels with the request

    router = _Router(reroute, plain)
    with HttpClient(transport=router, max_retries=0) as http, pytest.raises(BlockedURL) as caught:
        http.get("http://public.test/page")

    assert str(caught.value) == (
        "refusing to fetch http://public.test/page: the connection to public.test reached "
        f"a loopback address 127.0.0.1; {HINT}"
    )
    assert dials == [("127.0.0.1", feed_server.port)]  # connected, then closed unused
    assert feed_server.count("/page") == 0  # not one byte of the request was sent


@pytest.mark.parametrize(
    "url",
    [
        "http://news.example/",
        "http://news.example:80/",
        "https://news.example:443/",
        "http://news.example:443/",
        "http://93.184.215.14/",
        "http://[2606:4700::1111]/",
        "http://[::ffff:93.184.215.14]/",
        "http://[64:ff9b::5db8:d70e]/",  # 93.184.215.14 through NAT64 (IPv6-only networks)
    ],
)
def test_public_urls_pass_the_checks(url: str) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, stream=httpx.ByteStream(b"ok"))

    with HttpClient(transport=httpx.MockTransport(handler)) as http:
        assert http.get(url).content == b"ok"

    assert len(seen) == 1


def test_trusted_call_may_use_loopback_names_numbers_and_ports(
    feed_server: FixtureServer, dials: list[tuple[str, int]]
) -> None:
    feed_server.route("/feed", "<rss/>")
    resolver = StubResolver({"intranet.test": ["127.0.0.1"]})

    with HttpClient(resolver=resolver, max_retries=0) as http:
        by_name = http.get(feed_server.url("/feed", host="intranet.test"), allow_private=True)
        by_number = http.get(feed_server.url("/feed", host="2130706433"), allow_private=True)

    assert by_name.content == by_number.content == b"<rss/>"
    assert by_name.url == f"http://intranet.test:{feed_server.port}/feed"
    assert feed_server.hits("/feed")[0].headers["host"] == f"intranet.test:{feed_server.port}"
    assert resolver.lookups == ["intranet.test"]  # the number was read without it
    assert dials == [("127.0.0.1", feed_server.port)] * 2  # the resolver's answer was dialled


def test_trusted_redirect_may_reach_loopback_but_untrusted_may_not(
    feed_server: FixtureServer,
) -> None:
    feed_server.redirect("/hop", "/feed")
    feed_server.route("/feed", "ok")

    with HttpClient(max_retries=0) as http:
        assert http.get(feed_server.url("/hop"), allow_private=True).content == b"ok"
        with pytest.raises(BlockedURL):
            http.get(feed_server.url("/hop"))

    assert feed_server.count("/hop") == 1


def test_trusted_and_untrusted_calls_never_share_a_connection() -> None:
    with HttpClient() as http:
        untrusted, trusted = http._clients[False], http._clients[True]
        assert untrusted is not trusted
        assert untrusted._transport is not trusted._transport


# --------------------------------------------------------------------------- netguard


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address 127.0.0.1"),
        ("127.255.0.9", "a loopback address 127.255.0.9"),
        ("::1", "a loopback address ::1"),
        ("10.0.0.1", "a private address 10.0.0.1"),
        ("172.16.0.1", "a private address 172.16.0.1"),
        ("192.168.0.1", "a private address 192.168.0.1"),
        ("fc00::1", "a private address fc00::1"),
        ("169.254.169.254", "a link-local address 169.254.169.254"),
        ("fe80::1%eth0", "a link-local address fe80::1"),
        ("100.64.0.1", "a shared (CGNAT) address 100.64.0.1"),
        ("100.127.255.254", "a shared (CGNAT) address 100.127.255.254"),
        ("224.0.0.1", "a multicast address 224.0.0.1"),
        ("ff02::1", "a multicast address ff02::1"),
        ("0.0.0.0", "an unspecified address 0.0.0.0"),
        ("::", "an unspecified address ::"),
        ("240.0.0.1", "a reserved address 240.0.0.1"),
        ("255.255.255.255", "a reserved address 255.255.255.255"),
        ("192.0.2.1", "a special-purpose address 192.0.2.1"),
        ("2001:db8::1", "a special-purpose address 2001:db8::1"),
        ("64:ff9b:1::1", "a local-use NAT64 address 64:ff9b:1::1"),
        (
            "::ffff:127.0.0.1",
            "a loopback address 127.0.0.1 (as the IPv4-mapped address ::ffff:7f00:1)",
        ),
        ("64:ff9b::7f00:1", "a loopback address 127.0.0.1 (as the NAT64 address 64:ff9b::7f00:1)"),
        ("64:ff9b::a9fe:a9fe", "a link-local address 169.254.169.254 (as the NAT64 address"),
        ("2002:a00:1::", "a private address 10.0.0.1 (as the 6to4 address 2002:a00:1::)"),
        ("::7f00:1", "a loopback address 127.0.0.1 (as the IPv4-compatible address ::7f00:1)"),
        ("::808:808", "a reserved address ::808:808"),  # IPv4-compatible: deprecated
        # Teredo: the client is the inverted last 32 bits; the prefix is never global.
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "a loopback address 127.0.0.1 (as the Teredo"),
        ("2001:0:4136:e378:8000:63bf:a3f7:f7f7", "a special-purpose address 2001:0:"),
        # Global: allowed.
        ("93.184.215.14", None),
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::808:808", None),
        ("2002:808:808::", None),
    ],
)
def test_check_address(address: str, reason: str | None) -> None:
    got = netguard.check_address(address)
    if reason is None:
        assert got is None
    else:
        assert got is not None
        assert got.startswith(reason)


def test_python_ipaddress_alone_misjudges_these() -> None:
    # Why netguard exists (reliability notes, R3): keep this true or simplify netguard.
    assert not ipaddress.ip_address("100.64.0.1").is_private
    assert ipaddress.ip_address("64:ff9b::7f00:1").is_global
    assert netguard.check_address("100.64.0.1") is not None
    assert netguard.check_address("64:ff9b::7f00:1") is not None


def test_check_address_refuses_non_addresses() -> None:
    with pytest.raises(ValueError, match="not an IP address"):
        netguard.check_address("example.com")


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.000.000.001", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("127.0.0.1", None),  # standard: parse_ip's
        ("1.2.3.4.5", None),
        ("99999999999", None),
        ("example.com", None),
        ("123.example", None),
    ],
)
def test_legacy_ipv4(host: str, expected: str | None) -> None:
    got = netguard.legacy_ipv4(host)
    assert (str(got) if got else None) == expected


def test_legacy_ipv4_ignores_overlong_hosts() -> None:
    assert netguard.legacy_ipv4("1" * 5000) is None  # no int() of thousands of digits


def test_unwrap_ipv4_names_the_form() -> None:
    def unwrap(text: str) -> tuple[str, str] | None:
        got = netguard.unwrap_ipv4(ipaddress.ip_address(text))
        return None if got is None else (str(got[0]), got[1])

    assert unwrap("::ffff:10.0.0.1") == ("10.0.0.1", "IPv4-mapped")
    assert unwrap("64:ff9b::a00:1") == ("10.0.0.1", "NAT64")
    assert unwrap("2002:a00:1::") == ("10.0.0.1", "6to4")
    assert unwrap("2001:0:4136:e378:8000:63bf:f5ff:fffe") == ("10.0.0.1", "Teredo")
    assert unwrap("::a00:1") == ("10.0.0.1", "IPv4-compatible")
    assert unwrap("::1") is None
    assert unwrap("2606:4700::1111") is None
    assert unwrap("10.0.0.1") is None


def test_secrets_in_query_stay_out_of_messages_and_logs(
    feed_server: FixtureServer, client: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx's INFO request line included

    with pytest.raises(FetchHTTPError) as caught:
        client.get(feed_server.url("/private?token=hunter2"), allow_private=True)

    assert "HTTP Request: GET" in caplog.text

    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in caplog.text
    assert caught.value.url.endswith("token=hunter2")  # the caller still gets the URL


# --------------------------------------------------------------------------- POST


def test_post_form_and_bytes(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/rpc", "done")

    client.post(feed_server.url("/rpc"), data={"q": "한국 AI", "n": "1"}, allow_private=True)
    client.post(
        feed_server.url("/rpc"),
        data=b"\x00raw",
        headers={"Content-Type": "x/raw"},
        allow_private=True,
    )

    form, raw = feed_server.hits("/rpc")
    assert form.method == "POST"
    assert form.headers["content-type"] == "application/x-www-form-urlencoded"
    assert httpx.QueryParams(form.body.decode()) == httpx.QueryParams({"q": "한국 AI", "n": "1"})
    assert raw.body == b"\x00raw"
    assert raw.headers["content-type"] == "x/raw"


def test_post_303_becomes_get(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.redirect("/submit", "/result", status=303)
    feed_server.route("/result", "ok")

    result = client.post(feed_server.url("/submit"), data={"a": "1"}, allow_private=True)

    assert result.content == b"ok"
    (hit,) = feed_server.hits("/result")
    assert hit.method == "GET"
    assert hit.body == b""


# --------------------------------------------------------------------------- per-host politeness


def _run_parallel(urls: list[str], http: HttpClient) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(urls))

    def worker(url: str) -> None:
        barrier.wait()
        try:
            http.get(url, allow_private=True)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_one_request_in_flight_per_host(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/slow", "ok", delay=0.2)

    errors = _run_parallel([feed_server.url("/slow")] * 6, client)

    assert errors == []
    assert feed_server.count("/slow", status=200) == 6
    assert feed_server.max_in_flight("127.0.0.1") == 1


def test_different_hosts_overlap(feed_server: FixtureServer, client: HttpClient) -> None:
    try:
        socket.getaddrinfo("localhost", feed_server.port, socket.AF_INET)
    except OSError:
        pytest.skip("localhost does not resolve to an IPv4 address here")
    feed_server.route("/slow", "ok", delay=0.4)
    urls = [feed_server.url("/slow"), feed_server.url("/slow", host="localhost")] * 2

    errors = _run_parallel(urls, client)

    assert errors == []
    assert feed_server.max_in_flight("127.0.0.1") == 1
    assert feed_server.max_in_flight("localhost") == 1
    assert feed_server.max_in_flight() == 2


def test_min_host_interval_spaces_requests(feed_server: FixtureServer) -> None:
    feed_server.route("/feed", "ok")

    with HttpClient(min_host_interval=0.3) as http:
        http.get(feed_server.url("/feed"), allow_private=True)
        http.get(feed_server.url("/feed"), allow_private=True)

    first, second = feed_server.hits("/feed")
    assert second.at - first.at >= 0.3


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
    command += " -addext subjectAltName=IP:127.0.0.1"
    subprocess.run(
        [*command.split(), "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[FixtureServer]:
    """A loopback https server whose certificate no public CA signed."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with FixtureServer(tls=context) as server:
        yield server


def test_self_signed_certificate_is_refused(tls_server: FixtureServer) -> None:
    tls_server.route("/feed", "<rss/>")

    with HttpClient(backoff_base=0.01) as http, pytest.raises(FetchError) as caught:
        http.get(tls_server.url("/feed"), allow_private=True)

    assert type(caught.value) is FetchError
    assert "TLS certificate of 127.0.0.1 failed verification" in str(caught.value)
    assert tls_server.count("/feed") == 0  # no request after the failed handshake


def test_deadline_cuts_a_tls_read(
    tls_server: FixtureServer, certificate: tuple[Path, Path]
) -> None:
    # Trusting the test certificate needs our own transport; the watchdog must
    # still shut down the TLS socket cleanly.
    trusting = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=certificate[0]))
    tls_server.trickle("/slow", interval=0.3)
    tls_server.route("/ok", "fine")

    with HttpClient(total_timeout=1.0, max_retries=0, transport=trusting) as http:
        assert http.get(tls_server.url("/ok"), allow_private=True).content == b"fine"
        with pytest.raises(FetchTimeout):
            http.get(tls_server.url("/slow"), allow_private=True)
        assert (
            http.get(tls_server.url("/ok"), allow_private=True).content == b"fine"
        )  # the client still works
