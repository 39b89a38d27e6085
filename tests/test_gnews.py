"""Tests for Google News link decoding: the pure helpers in flows/parse/feeds.py and
flows/parse/gnews.py against the loopback server (tests/feedserver.py). No mocks."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from feedserver import FixtureServer
from flows.fetch.client import HttpClient
from flows.parse.feeds import (
    decode_google_news_link,
    google_news_decoding_request,
    parse_google_news_decoding_response,
)
from flows.parse.gnews import resolve_google_news_link

PUBLISHER_URL = "https://www.yna.co.kr/view/AKR20241105012300017?section=industry/technology"
BATCHEXECUTE = "/_/DotsSplashUi/data/batchexecute"


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """Encode one length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _article_id(*fields: bytes) -> str:
    # Field 1 is a varint (0x08 0x13) in the ids Google issued.
    payload = b"\x08\x13" + b"".join(fields)
    return base64.urlsafe_b64encode(payload).decode("ascii").rstrip("=")


OLD_ID = _article_id(
    _field(4, PUBLISHER_URL.encode()),
    _field(26, b"https://m.yna.co.kr/amp/view/AKR20241105012300017"),
)
NEW_ID = _article_id(_field(4, b"AU_yqLMabcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFG"))


def page_html(signature: str = "AU_yqLOsig-123_xyz", timestamp: str = "1730768400") -> str:
    """An article page shaped like Google's: a c-wiz wrapper with the two attributes."""
    return f"""<!doctype html><html lang="ko"><head><title>Google 뉴스</title></head>
<body><c-wiz jsrenderer="x" class="zQTmif"><div jscontroller="aLI87" jsaction="rcuQ6b:npT2md"
  data-n-a-id="{NEW_ID}" data-n-a-ts="{timestamp}" data-n-a-sg="{signature}"
  data-n-vis="1"></div></c-wiz><script nonce="n">window.location.replace("x")</script>
</body></html>"""


def batchexecute_body(url: str) -> str:
    """A batchexecute answer shaped like Google's (guard line, then one JSON array)."""
    payload = json.dumps(["garturlres", url, 1])
    rows = [
        ["wrb.fr", "Fbv4je", payload, None, None, None, "generic"],
        ["di", 48],
        ["af.httprm", 47, "-1234567890123456789", 12],
    ]
    return ")]}'\n\n" + json.dumps(rows)


# --------------------------------------------------------------------------- #
# Offline decoding of the old id format
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "template",
    [
        "https://news.google.com/rss/articles/{id}?oc=5",
        "https://news.google.com/articles/{id}?hl=ko&gl=KR&ceid=KR%3Ako",
        "https://news.google.com/read/{id}",
        "https://news.google.com/__i/rss/rd/articles/{id}?oc=5",
    ],
)
def test_decode_google_news_link_old_format(template: str) -> None:
    assert decode_google_news_link(template.format(id=OLD_ID)) == PUBLISHER_URL


def test_decode_google_news_link_long_url_with_two_byte_length() -> None:
    long_url = "https://www.etnews.com/" + "a" * 300
    link = f"https://news.google.com/rss/articles/{_article_id(_field(4, long_url.encode()))}"
    assert decode_google_news_link(link) == long_url


def test_decode_google_news_link_uses_amp_url_when_it_is_the_only_url() -> None:
    link = "https://news.google.com/rss/articles/" + _article_id(
        _field(4, b"AU_yqLxyz"), _field(26, b"https://m.hani.co.kr/amp/1.html")
    )
    assert decode_google_news_link(link) == "https://m.hani.co.kr/amp/1.html"


@pytest.mark.parametrize(
    "link",
    [
        f"https://news.google.com/rss/articles/{NEW_ID}?oc=5",  # current, opaque
        "https://news.google.com/rss/articles/CBMi!!notbase64",
        "https://news.google.com/rss/articles/QUJD",  # "ABC": not a protobuf message
        "https://news.google.com/rss/articles/" + _article_id(_field(4, b"ftp://x/y")),
        "https://news.google.com/rss/articles/" + _article_id(_field(4, b"\xff\xfe")),
        "https://news.google.com/rss/articles/" + _article_id(b"\x22\x7f"),  # truncated
        f"https://www.example.com/rss/articles/{OLD_ID}",  # not Google
        "https://news.google.com/rss/search?q=ai",
        "",
    ],
)
def test_decode_google_news_link_returns_none(link: str) -> None:
    assert decode_google_news_link(link) is None


# --------------------------------------------------------------------------- #
# The batchexecute request and response, on strings
# --------------------------------------------------------------------------- #


def test_google_news_decoding_request_shape() -> None:
    link = f"https://news.google.com/rss/articles/{NEW_ID}?hl=ko&gl=KR&ceid=KR:ko"
    request = google_news_decoding_request(link, page_html())
    assert request is not None
    endpoint, form = request
    assert endpoint == "https://news.google.com/_/DotsSplashUi/data/batchexecute"
    assert list(form) == ["f.req"]
    envelope = json.loads(form["f.req"])
    [[[rpc_id, inner, none, tag]]] = envelope
    assert (rpc_id, none, tag) == ("Fbv4je", None, "generic")
    call = json.loads(inner)
    assert call[0] == "garturlreq"
    assert isinstance(call[1], list) and call[1]  # the client context
    assert call[2:] == [NEW_ID, 1730768400, "AU_yqLOsig-123_xyz"]


def test_google_news_decoding_request_keeps_the_link_host() -> None:
    request = google_news_decoding_request(
        f"http://127.0.0.1:8123/rss/articles/{NEW_ID}", page_html(timestamp="abc")
    )
    assert request is not None
    assert request[0] == "http://127.0.0.1:8123/_/DotsSplashUi/data/batchexecute"
    assert json.loads(json.loads(request[1]["f.req"])[0][0][1])[3] == "abc"


def test_google_news_decoding_request_unescapes_attributes() -> None:
    html = page_html(signature="sig&amp;more")
    request = google_news_decoding_request(f"https://news.google.com/rss/articles/{NEW_ID}", html)
    assert request is not None
    assert json.loads(json.loads(request[1]["f.req"])[0][0][1])[4] == "sig&more"


@pytest.mark.parametrize(
    ("link", "html"),
    [
        (f"https://news.google.com/rss/articles/{NEW_ID}", "<html><body>consent</body></html>"),
        (f"https://news.google.com/rss/articles/{NEW_ID}", '<div data-n-a-sg="only-sig">'),
        ("https://news.google.com/rss/search?q=ai", page_html()),
        ("not a url", page_html()),
    ],
)
def test_google_news_decoding_request_returns_none(link: str, html: str) -> None:
    assert google_news_decoding_request(link, html) is None


def test_parse_google_news_decoding_response() -> None:
    assert parse_google_news_decoding_response(batchexecute_body(PUBLISHER_URL)) == PUBLISHER_URL


def test_parse_google_news_decoding_response_chunked() -> None:
    # With rt=c, each JSON array follows its length on a line of its own.
    first = json.dumps([["wrb.fr", "Fbv4je", json.dumps(["garturlres", PUBLISHER_URL, 1])]])
    second = json.dumps([["di", 30], ["af.httprm", 29, "-42", 3]])
    body = f")]}}'\n\n{len(first)}\n{first}\n{len(second)}\n{second}\n"
    assert parse_google_news_decoding_response(body) == PUBLISHER_URL


@pytest.mark.parametrize(
    "body",
    [
        "",
        ")]}'\n\n",
        ')]}\'\n\n[["wrb.fr","Fbv4je",null,null,null,[3],"generic"],["di",10]]',
        ')]}\'\n\n[["er",null,null,null,null,400,null,null,null,3],["di",7]]',
        ")]}'\n\n" + json.dumps([["wrb.fr", "Fbv4je", json.dumps(["garturlres", "javascript:x"])]]),
        ")]}'\n\n" + json.dumps([["wrb.fr", "Fbv4je", "not json"]]),
        "<html>Sorry...</html>",
        ')]}\'\n\n[["wrb.fr"',
    ],
)
def test_parse_google_news_decoding_response_returns_none(body: str) -> None:
    assert parse_google_news_decoding_response(body) is None


# --------------------------------------------------------------------------- #
# resolve_google_news_link against the loopback server
# --------------------------------------------------------------------------- #


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(max_retries=0, connect_timeout=2, total_timeout=5) as http:
        yield http


def _gnews_link(article_id: str) -> str:
    return f"https://news.google.com/rss/articles/{article_id}?oc=5"


def test_resolve_google_news_link_old_format_needs_no_request(
    feed_server: FixtureServer, client: HttpClient
) -> None:
    found = resolve_google_news_link(
        _gnews_link(OLD_ID), client, base=feed_server.base_url, allow_private=True
    )
    assert found == PUBLISHER_URL
    assert feed_server.count(f"/rss/articles/{OLD_ID}") == 0
    assert feed_server.count(BATCHEXECUTE) == 0


def test_resolve_google_news_link_via_batchexecute(
    feed_server: FixtureServer, client: HttpClient
) -> None:
    feed_server.route(f"/rss/articles/{NEW_ID}", page_html())
    feed_server.route(
        BATCHEXECUTE,
        batchexecute_body(PUBLISHER_URL),
        content_type="application/json; charset=utf-8",
    )
    found = resolve_google_news_link(
        _gnews_link(NEW_ID), client, base=feed_server.base_url, allow_private=True
    )
    assert found == PUBLISHER_URL

    [page] = feed_server.hits(f"/rss/articles/{NEW_ID}")
    assert page.method == "GET"
    assert parse_qs(urlsplit(page.path).query) == {"hl": ["ko"], "gl": ["KR"], "ceid": ["KR:ko"]}
    [post] = feed_server.hits(BATCHEXECUTE)
    assert post.method == "POST"
    assert post.headers["content-type"].startswith("application/x-www-form-urlencoded")
    form = parse_qs(post.body.decode("ascii"))
    call = json.loads(json.loads(form["f.req"][0])[0][0][1])
    assert call[2:] == [NEW_ID, 1730768400, "AU_yqLOsig-123_xyz"]


def test_resolve_google_news_link_keeps_the_link_locale(
    feed_server: FixtureServer, client: HttpClient
) -> None:
    feed_server.route(f"/rss/articles/{NEW_ID}", page_html())
    feed_server.route(BATCHEXECUTE, batchexecute_body(PUBLISHER_URL))
    link = f"https://news.google.com/articles/{NEW_ID}?hl=en-US&gl=US&ceid=US:en"
    assert (
        resolve_google_news_link(link, client, base=feed_server.base_url, allow_private=True)
        == PUBLISHER_URL
    )
    [page] = feed_server.hits(f"/rss/articles/{NEW_ID}")
    assert parse_qs(urlsplit(page.path).query)["ceid"] == ["US:en"]


def test_resolve_google_news_link_follows_redirect_off_google(
    feed_server: FixtureServer, client: HttpClient
) -> None:
    feed_server.redirect(f"/rss/articles/{NEW_ID}", "/news/articleView.html?idxno=7")
    feed_server.route("/news/articleView.html", "<html><body>기사</body></html>")
    found = resolve_google_news_link(
        _gnews_link(NEW_ID), client, base=feed_server.base_url, allow_private=True
    )
    assert found == feed_server.url("/news/articleView.html?idxno=7")
    assert feed_server.count(BATCHEXECUTE) == 0


def test_resolve_google_news_link_page_without_signature(
    feed_server: FixtureServer, client: HttpClient
) -> None:
    feed_server.route(f"/rss/articles/{NEW_ID}", "<html><body>Before you continue</body></html>")
    assert (
        resolve_google_news_link(
            _gnews_link(NEW_ID), client, base=feed_server.base_url, allow_private=True
        )
        is None
    )
    assert feed_server.count(BATCHEXECUTE) == 0


def test_resolve_google_news_link_redirect_to_a_sorry_page_is_not_an_answer(
    feed_server: FixtureServer, client: HttpClient
) -> None:
    feed_server.redirect(f"/rss/articles/{NEW_ID}", "/sorry/index?continue=x")
    feed_server.route("/sorry/index", "<html>unusual traffic</html>")
    assert (
        resolve_google_news_link(
            _gnews_link(NEW_ID), client, base=feed_server.base_url, allow_private=True
        )
        is None
    )


@pytest.mark.parametrize("status", [404, 429, 500])
def test_resolve_google_news_link_page_error(
    feed_server: FixtureServer, client: HttpClient, status: int
) -> None:
    feed_server.route(f"/rss/articles/{NEW_ID}", "error", status=status)
    assert (
        resolve_google_news_link(
            _gnews_link(NEW_ID), client, base=feed_server.base_url, allow_private=True
        )
        is None
    )


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, ')]}\'\n\n[["er",null,null,null,null,400],["di",7]]'),
        (200, "<html>Error 400 (Bad Request)</html>"),
        (400, "bad request"),
        (503, "unavailable"),
    ],
)
def test_resolve_google_news_link_batchexecute_failure(
    feed_server: FixtureServer, client: HttpClient, status: int, body: str
) -> None:
    feed_server.route(f"/rss/articles/{NEW_ID}", page_html())
    feed_server.route(BATCHEXECUTE, body, status=status)
    assert (
        resolve_google_news_link(
            _gnews_link(NEW_ID), client, base=feed_server.base_url, allow_private=True
        )
        is None
    )
    assert feed_server.count(BATCHEXECUTE) == 1


def test_resolve_google_news_link_unreachable_server(client: HttpClient) -> None:
    with FixtureServer() as server:
        base = server.base_url
    # The server is closed: nothing listens on its port any more.
    assert resolve_google_news_link(_gnews_link(NEW_ID), client, base=base) is None


@pytest.mark.parametrize(
    "url",
    ["https://www.yna.co.kr/view/AKR1", "https://news.google.com/rss/search?q=ai", "garbage"],
)
def test_resolve_google_news_link_ignores_other_links(
    feed_server: FixtureServer, client: HttpClient, url: str
) -> None:
    assert (
        resolve_google_news_link(url, client, base=feed_server.base_url, allow_private=True) is None
    )
