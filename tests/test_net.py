"""Tests for flows/net.py against the real loopback server (tests/feedserver.py)."""

from __future__ import annotations

import gzip
import logging
import shutil
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from feedserver import FixtureServer
from flows.errors import BlockedURL, FetchError, FetchHTTPError, FetchTimeout, ResponseTooLarge
from flows.net import (
    FEED_MAX_BYTES,
    PAGE_MAX_BYTES,
    USER_AGENT,
    HttpClient,
    _redirect_target,
    parse_retry_after,
)

MB = 1024 * 1024


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

    result = client.get(feed_server.url("/page"))

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

    client.get(feed_server.url("/feed"), headers={"Accept": "application/rss+xml"})

    (hit,) = feed_server.hits("/feed")
    assert hit.headers["user-agent"] == USER_AGENT
    assert hit.headers["accept"] == "application/rss+xml"
    assert hit.headers["accept-encoding"] == "gzip, deflate"


# --------------------------------------------------------------------------- conditional GET


def test_get_with_etag_gets_304(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/feed", "<rss/>", etag='"v1"')
    url = feed_server.url("/feed")

    first = client.get(url)
    second = client.get(url, etag=first.etag)

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

    first = client.get(url)
    second = client.get(url, last_modified=first.last_modified)

    assert first.last_modified == stamp
    assert second.not_modified
    assert feed_server.hits("/feed")[1].headers["if-modified-since"] == stamp
    assert feed_server.count("/feed", status=304) == 1


def test_get_with_stale_etag_gets_full_body(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/feed", "<rss>new</rss>", etag='"v2"')

    result = client.get(feed_server.url("/feed"), etag='"v1"')

    assert not result.not_modified
    assert result.content == b"<rss>new</rss>"
    assert result.etag == '"v2"'


# --------------------------------------------------------------------------- statuses and retries


def test_get_retries_5xx_then_succeeds(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/flaky", "ok", sequence=[{"status": 500}, {"status": 502}, {}])

    result = client.get(feed_server.url("/flaky"))

    assert result.content == b"ok"
    assert [h.status for h in feed_server.hits("/flaky")] == [500, 502, 200]


def test_get_gives_up_on_persistent_500(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/down", "oops", status=500)
    url = feed_server.url("/down")

    with pytest.raises(FetchHTTPError) as caught:
        client.get(url)

    assert caught.value.status == 500
    assert caught.value.url == url
    assert str(caught.value) == f"HTTP 500 Internal Server Error from {url}"
    assert feed_server.count("/down") == 3  # first try + max_retries=2


def test_get_does_not_retry_404(feed_server: FixtureServer, client: HttpClient) -> None:
    url = feed_server.url("/missing")

    with pytest.raises(FetchHTTPError) as caught:
        client.get(url)

    assert caught.value.status == 404
    assert caught.value.retry_after is None
    assert feed_server.count("/missing") == 1


def test_get_honours_short_retry_after(
    feed_server: FixtureServer, client: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    feed_server.route(
        "/limited", "ok", sequence=[{"status": 429, "headers": {"Retry-After": "1"}}, {}]
    )
    caplog.set_level(logging.DEBUG, logger="flows.net")

    started = time.monotonic()
    result = client.get(feed_server.url("/limited"))

    assert result.content == b"ok"
    assert [h.status for h in feed_server.hits("/limited")] == [429, 200]
    assert time.monotonic() - started >= 0.9  # a sleep never ends early
    assert "retry 1/2 in 1.00 s" in caplog.text


def test_get_raises_long_retry_after_at_once(
    feed_server: FixtureServer, client: HttpClient
) -> None:
    feed_server.route("/limited", status=429, headers={"Retry-After": "3600"})

    with pytest.raises(FetchHTTPError) as caught:
        client.get(feed_server.url("/limited"))

    assert caught.value.status == 429
    assert caught.value.retry_after == 3600
    assert "Retry-After: 3600 s" in str(caught.value)
    assert feed_server.count("/limited") == 1


def test_get_reads_retry_after_http_date(feed_server: FixtureServer, client: HttpClient) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    feed_server.route("/maintenance", status=503, headers={"Retry-After": later})

    with pytest.raises(FetchHTTPError) as caught:
        client.get(feed_server.url("/maintenance"))

    assert caught.value.status == 503
    assert caught.value.retry_after is not None
    assert 7200 - 60 < caught.value.retry_after <= 7200
    assert feed_server.count("/maintenance") == 1


def test_get_retries_refused_connection() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with HttpClient(backoff_base=0.01) as http, pytest.raises(FetchError) as caught:
        http.get(f"http://127.0.0.1:{port}/feed")

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


# --------------------------------------------------------------------------- redirects


def test_get_follows_relative_redirects(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.redirect("/old/feed", "new")  # relative to /old/
    feed_server.redirect("/old/new", "/final", status=301)
    feed_server.route("/final", "here")

    result = client.get(feed_server.url("/old/feed"))

    assert result.content == b"here"
    assert result.url == feed_server.url("/final")
    assert result.status == 200


def test_get_follows_five_redirects_but_not_six(
    feed_server: FixtureServer, client: HttpClient
) -> None:
    for hop in range(6):
        feed_server.redirect(f"/r{hop}", f"/r{hop + 1}")
    feed_server.route("/r6", "end")

    assert client.get(feed_server.url("/r1")).content == b"end"  # five hops
    with pytest.raises(FetchError, match=r"too many redirects \(more than 5\)"):
        client.get(feed_server.url("/r0"))  # six hops
    assert feed_server.count("/r0") == 1  # not retried


def test_redirect_to_file_url_is_blocked(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.redirect("/sneaky", "file:///etc/passwd")

    with pytest.raises(BlockedURL, match="scheme 'file' is not http or https"):
        client.get(feed_server.url("/sneaky"))


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

    result = client.get(feed_server.url("/zipped"))

    assert result.content.decode("utf-8") == "압축된 본문 " * 1000
    assert result.headers["content-encoding"] == "gzip"


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_get_decodes_deflate(feed_server: FixtureServer, client: HttpClient, wbits: int) -> None:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = packer.compress(b"deflated " * 500) + packer.flush()
    feed_server.route("/deflated", body, headers={"Content-Encoding": "deflate"})

    assert client.get(feed_server.url("/deflated")).content == b"deflated " * 500


def test_get_refuses_body_over_cap(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/big", b"a" * 2000)
    feed_server.route("/exact", b"a" * 1000)

    with pytest.raises(ResponseTooLarge, match="larger than 1000 bytes"):
        client.get(feed_server.url("/big"), max_bytes=1000)
    assert client.get(feed_server.url("/exact"), max_bytes=1000).content == b"a" * 1000


def test_get_counts_cap_after_decompression(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/zipped", b"a" * 50_000, gzip=True)  # compresses to ~100 bytes

    with pytest.raises(ResponseTooLarge):
        client.get(feed_server.url("/zipped"), max_bytes=10_000)


def test_gzip_bomb_stops_at_cap_with_bounded_memory(
    feed_server: FixtureServer, client: HttpClient
) -> None:
    compressed = feed_server.gzip_bomb("/bomb", size=200 * MB)
    assert compressed < 1 * MB

    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLarge):
            client.get(feed_server.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 50 * MB  # PAGE_MAX_BYTES (20 MB) plus small change, not 200 MB


def test_multi_member_gzip_is_decoded(feed_server: FixtureServer, client: HttpClient) -> None:
    body = gzip.compress(b"first ") + gzip.compress(b"second")
    feed_server.route("/members", body, headers={"Content-Encoding": "gzip"})

    assert client.get(feed_server.url("/members")).content == b"first second"


# --------------------------------------------------------------------------- timeouts


def test_trickling_server_hits_total_deadline(feed_server: FixtureServer) -> None:
    feed_server.trickle("/slow", interval=0.05)

    started = time.monotonic()
    with (
        HttpClient(total_timeout=1.0, max_retries=0) as http,
        pytest.raises(FetchTimeout, match="no complete answer within 1 s"),
    ):
        http.get(feed_server.url("/slow"))

    assert time.monotonic() - started < 10  # generous: the point is that it ends


def test_deadline_cuts_a_read_in_progress(feed_server: FixtureServer) -> None:
    # Each byte arrives just before a per-read timeout would fire, so only the
    # deadline watchdog ends this at 1.5 s; without it the wait would be ~2.8 s.
    feed_server.trickle("/slower", interval=1.4)

    with HttpClient(total_timeout=1.5, max_retries=0) as http:
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            http.get(feed_server.url("/slower"))
        elapsed = time.monotonic() - started

    assert elapsed < 2.4  # generous, yet below the ~2.8 s a per-read timeout alone gives


def test_stalled_answer_times_out_and_is_retried(feed_server: FixtureServer) -> None:
    feed_server.route("/stall", "late", sequence=[{"delay": 3.0}, {"delay": 0.0}])

    with HttpClient(total_timeout=0.5, max_retries=1, backoff_base=0.01) as http:
        result = http.get(feed_server.url("/stall"))

    assert result.content == b"late"


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
    ],
)
def test_non_http_urls_are_blocked_before_any_request(url: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    with HttpClient(transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(BlockedURL) as caught:
            http.get(url)
        with pytest.raises(BlockedURL):
            http.post(url, data=b"x")

    assert caught.value.url == url
    assert seen == []


def test_secrets_in_query_stay_out_of_messages_and_logs(
    feed_server: FixtureServer, client: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx's INFO request line included

    with pytest.raises(FetchHTTPError) as caught:
        client.get(feed_server.url("/private?token=hunter2"))

    assert "HTTP Request: GET" in caplog.text

    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in caplog.text
    assert caught.value.url.endswith("token=hunter2")  # the caller still gets the URL


# --------------------------------------------------------------------------- POST


def test_post_form_and_bytes(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.route("/rpc", "done")

    client.post(feed_server.url("/rpc"), data={"q": "한국 AI", "n": "1"})
    client.post(feed_server.url("/rpc"), data=b"\x00raw", headers={"Content-Type": "x/raw"})

    form, raw = feed_server.hits("/rpc")
    assert form.method == "POST"
    assert form.headers["content-type"] == "application/x-www-form-urlencoded"
    assert httpx.QueryParams(form.body.decode()) == httpx.QueryParams({"q": "한국 AI", "n": "1"})
    assert raw.body == b"\x00raw"
    assert raw.headers["content-type"] == "x/raw"


def test_post_303_becomes_get(feed_server: FixtureServer, client: HttpClient) -> None:
    feed_server.redirect("/submit", "/result", status=303)
    feed_server.route("/result", "ok")

    result = client.post(feed_server.url("/submit"), data={"a": "1"})

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
            http.get(url)
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
        http.get(feed_server.url("/feed"))
        http.get(feed_server.url("/feed"))

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
        http.get(tls_server.url("/feed"))

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
        assert http.get(tls_server.url("/ok")).content == b"fine"
        with pytest.raises(FetchTimeout):
            http.get(tls_server.url("/slow"))
        assert http.get(tls_server.url("/ok")).content == b"fine"  # the client still works
