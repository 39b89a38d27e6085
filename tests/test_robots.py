"""Tests for flows/fetch/robots.py: RFC 9309 parsing and matching, and the cached policy."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from feedserver import FixtureServer, loopback_only
from flows.fetch.client import USER_AGENT, HttpClient
from flows.fetch.robots import ROBOTS_RETRY, ROBOTS_TTL, RobotsPolicy, RobotsRules, parse_robots


@pytest.fixture(autouse=True)
def dials() -> Iterator[list[tuple[str, int]]]:
    """Every connect() of the test; any not to loopback is refused (tests/feedserver.py)."""
    with loopback_only() as attempted:
        yield attempted


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(max_retries=0, total_timeout=5.0) as client:
        yield client


@pytest.fixture
def robots(http: HttpClient, clock: FakeClock) -> RobotsPolicy:
    return RobotsPolicy(http, clock=clock)


def allowed(robots: RobotsPolicy, server: FixtureServer, path: str) -> bool:
    # The fixture server is on 127.0.0.1: a trusted source's pages.
    return robots.allowed(server.url(path), allow_private=True)


# --------------------------------------------------------------------------- parse_robots

SITE = """\ufeff# robots.txt for a news site
User-agent: *
Disallow: /admin/
Disallow: /*?replytocom=
Disallow: /*.pdf$
Allow: /admin/public/
Disallow: /news/
Allow: /news/article/

User-agent: BadBot
Disallow: /
"""


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", True),
        ("/robots.txt", True),
        ("/admin/", False),
        ("/admin/settings", False),
        ("/admin/public/logo.png", True),  # longer Allow beats shorter Disallow
        ("/news/", False),
        ("/news/list?page=2", False),
        ("/news/article/12345", True),
        ("/story/12?replytocom=9", False),  # * in the middle
        ("/report.pdf", False),  # $ anchors the end
        ("/report.pdf?download=1", True),
        ("/report.pdfx", True),
        ("/Admin/", True),  # paths are case-sensitive
    ],
)
def test_rules_follow_rfc_9309_matching(path: str, expected: bool) -> None:
    assert parse_robots(SITE).allowed(path) is expected


def test_our_group_is_found_case_insensitively_and_merged() -> None:
    text = """
User-agent: *
Disallow: /

user-agent: KAIWATCH
Disallow: /a

User-agent: other
User-agent: kaiwatch
Disallow: /b
Crawl-delay: 3
"""
    rules = parse_robots(text, USER_AGENT)

    assert rules.allowed("/") is True  # the * group does not apply once ours exists
    assert rules.allowed("/a/1") is False
    assert rules.allowed("/b/1") is False  # both kaiwatch groups are merged
    assert rules.crawl_delay == 3.0
    assert parse_robots(text, "other/2.0").allowed("/c") is True
    assert parse_robots(text, "somebody/1.0").allowed("/c") is False  # falls back to *


def test_allow_wins_a_tie_and_empty_disallow_allows() -> None:
    assert parse_robots("User-agent: *\nDisallow: /page\nAllow: /page\n").allowed("/page")
    assert parse_robots("User-agent: *\nDisallow:\n").allowed("/anything")
    assert parse_robots("User-agent: *\nDisallow: /\n").allowed("/anything") is False


def test_rules_before_any_user_agent_are_ignored() -> None:
    assert parse_robots("Disallow: /\n").allowed("/x") is True


def test_no_matching_group_allows_everything() -> None:
    assert parse_robots("User-agent: googlebot\nDisallow: /\n").allowed("/x") is True
    assert parse_robots("").allowed("/x") is True
    assert parse_robots("<html><body>Not found</body></html>").allowed("/x") is True


def test_blank_lines_and_comments_do_not_end_a_group() -> None:
    # urllib.robotparser would drop this rule: it ends a group at a blank line.
    rules = parse_robots("User-agent: *\n\n# members only\nDisallow: /members # login\n")
    assert rules.allowed("/members/1") is False


def test_trailing_question_mark_rule_keeps_its_question_mark() -> None:
    # urllib.robotparser turns "/*?" into "/*", which would disallow everything.
    rules = parse_robots("User-agent: *\nDisallow: /*?\n")
    assert rules.allowed("/news/article/1") is True
    assert rules.allowed("/news/article/1?utm_source=x") is False


def test_korean_paths_match_in_either_spelling() -> None:
    rules = parse_robots("User-agent: *\nDisallow: /뉴스/\nDisallow: /%ea%b8%b0%ec%82%ac/\n")

    assert rules.allowed("/%EB%89%B4%EC%8A%A4/1") is False  # as httpx sends it
    assert rules.allowed("/뉴스/1") is False
    assert rules.allowed("/기사/1") is False
    assert rules.allowed("/%EA%B8%B0%EC%82%AC/1") is False
    assert rules.allowed("/스포츠/1") is True


@pytest.mark.parametrize(
    ("value", "expected"), [("5", 5.0), ("0.5", 0.5), ("soon", None), ("-1", None)]
)
def test_crawl_delay(value: str, expected: float | None) -> None:
    assert parse_robots(f"User-agent: *\nCrawl-delay: {value}\n").crawl_delay == expected


def test_hostile_wildcards_match_in_linear_time() -> None:
    rule = "/" + "*a" * 300 + "*b"
    rules = parse_robots(f"User-agent: *\nDisallow: {rule}\nDisallow: {rule}$\n")

    started = time.monotonic()
    assert rules.allowed("/" + "a" * 20_000) is True
    assert time.monotonic() - started < 5  # a backtracking regex would take ages


def test_empty_rules_allow_everything() -> None:
    assert RobotsRules().allowed("/anything") is True


# --------------------------------------------------------------------------- RobotsPolicy


def test_200_rules_apply_and_are_fetched_once(
    feed_server: FixtureServer, robots: RobotsPolicy
) -> None:
    feed_server.route(
        "/robots.txt",
        "User-agent: *\nDisallow: /private/\nCrawl-delay: 2\n",
        content_type="text/plain",
    )

    assert allowed(robots, feed_server, "/news/1") is True
    assert allowed(robots, feed_server, "/private/1") is False
    assert allowed(robots, feed_server, "/news/2?x=1") is True
    assert robots.crawl_delay(feed_server.url("/news/1"), allow_private=True) == 2.0

    (hit,) = feed_server.hits("/robots.txt")
    assert hit.headers["user-agent"] == USER_AGENT


@pytest.mark.parametrize("status", [404, 401, 403, 410])
def test_4xx_allows_everything_for_a_day(
    status: int, feed_server: FixtureServer, robots: RobotsPolicy, clock: FakeClock
) -> None:
    feed_server.route("/robots.txt", "nope", status=status)

    assert allowed(robots, feed_server, "/private/1") is True
    clock.now += ROBOTS_TTL - 1
    assert allowed(robots, feed_server, "/private/2") is True
    assert feed_server.count("/robots.txt") == 1
    assert robots.crawl_delay(feed_server.url("/x"), allow_private=True) is None


@pytest.mark.parametrize("status", [500, 503, 429])
def test_5xx_disallows_everything_until_retried(
    status: int, feed_server: FixtureServer, robots: RobotsPolicy, clock: FakeClock
) -> None:
    feed_server.route(
        "/robots.txt",
        "User-agent: *\nDisallow: /private/\n",
        sequence=[{"status": status}, {"status": 200}],
    )

    assert allowed(robots, feed_server, "/news/1") is False
    clock.now += ROBOTS_RETRY - 1
    assert allowed(robots, feed_server, "/news/1") is False  # still cached: not asked again
    assert feed_server.count("/robots.txt") == 1

    clock.now += 2  # the retry time has passed
    assert allowed(robots, feed_server, "/news/1") is True
    assert allowed(robots, feed_server, "/private/1") is False
    assert feed_server.count("/robots.txt") == 2


def test_long_retry_after_keeps_the_site_closed_longer(
    feed_server: FixtureServer, robots: RobotsPolicy, clock: FakeClock
) -> None:
    feed_server.route(
        "/robots.txt",
        "",
        sequence=[{"status": 503, "headers": {"Retry-After": "7200"}}, {"status": 200}],
    )

    assert allowed(robots, feed_server, "/a") is False
    clock.now += ROBOTS_RETRY + 1
    assert allowed(robots, feed_server, "/a") is False
    clock.now += 7200
    assert allowed(robots, feed_server, "/a") is True
    assert feed_server.count("/robots.txt") == 2


def test_unreachable_site_is_disallowed(robots: RobotsPolicy) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    assert robots.allowed(f"http://127.0.0.1:{port}/news/1", allow_private=True) is False


def test_stalled_robots_txt_is_disallowed_within_the_deadline(feed_server: FixtureServer) -> None:
    feed_server.trickle("/robots.txt", interval=0.05)

    started = time.monotonic()
    with HttpClient(max_retries=0, total_timeout=1.0) as http:
        assert RobotsPolicy(http).allowed(feed_server.url("/a"), allow_private=True) is False
    assert time.monotonic() - started < 10


def test_redirected_robots_txt_is_followed(
    feed_server: FixtureServer, robots: RobotsPolicy
) -> None:
    feed_server.redirect("/robots.txt", "/static/robots.txt", status=301)
    feed_server.route("/static/robots.txt", "User-agent: *\nDisallow: /x\n")

    assert allowed(robots, feed_server, "/x/1") is False
    assert allowed(robots, feed_server, "/y/1") is True


def test_too_many_redirects_is_unreachable(
    feed_server: FixtureServer, robots: RobotsPolicy
) -> None:
    feed_server.redirect("/robots.txt", "/r1")
    for hop in range(1, 7):
        feed_server.redirect(f"/r{hop}", f"/r{hop + 1}")

    assert allowed(robots, feed_server, "/a") is False


def test_ttl_is_at_most_a_day(
    feed_server: FixtureServer, http: HttpClient, clock: FakeClock
) -> None:
    feed_server.route("/robots.txt", "User-agent: *\nDisallow: /old\n")
    robots = RobotsPolicy(http, ttl=7 * 24 * 3600, clock=clock)

    assert allowed(robots, feed_server, "/old") is False
    feed_server.route("/robots.txt", "User-agent: *\nDisallow: /new\n")
    clock.now += ROBOTS_TTL - 10
    assert allowed(robots, feed_server, "/old") is False  # cached
    clock.now += 20
    assert allowed(robots, feed_server, "/old") is True  # fetched again
    assert allowed(robots, feed_server, "/new") is False
    assert feed_server.count("/robots.txt") == 2


def test_cached_per_scheme_host_and_port(feed_server: FixtureServer, robots: RobotsPolicy) -> None:
    try:
        socket.getaddrinfo("localhost", feed_server.port, socket.AF_INET)
    except OSError:
        pytest.skip("localhost does not resolve here")
    feed_server.route("/robots.txt", "User-agent: *\nDisallow: /x\n")

    robots.allowed(feed_server.url("/x"), allow_private=True)
    robots.allowed(feed_server.url("/y"), allow_private=True)
    robots.allowed(feed_server.url("/x", host="localhost"), allow_private=True)

    assert feed_server.count("/robots.txt") == 2


def test_concurrent_callers_fetch_robots_txt_once(
    feed_server: FixtureServer, robots: RobotsPolicy
) -> None:
    feed_server.route("/robots.txt", "User-agent: *\nDisallow: /x\n", delay=0.3)
    barrier = threading.Barrier(8)
    answers: list[bool] = []

    def ask(path: str) -> None:
        barrier.wait()
        answers.append(allowed(robots, feed_server, path))

    threads = [threading.Thread(target=ask, args=(f"/{c}/1",)) for c in "xyxyxyxy"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(answers) == [False] * 4 + [True] * 4
    assert feed_server.count("/robots.txt") == 1


def test_refused_robots_url_has_no_say_and_is_not_cached(
    feed_server: FixtureServer, robots: RobotsPolicy, dials: list[tuple[str, int]]
) -> None:
    # An untrusted link to 127.0.0.1: robots.txt is not fetched (the client
    # refuses it), and the page fetch will be refused with the reason.
    feed_server.route("/robots.txt", "User-agent: *\nDisallow: /\n")

    assert robots.allowed(feed_server.url("/a")) is True
    assert feed_server.count("/robots.txt") == 0
    assert dials == []
    assert robots.allowed(feed_server.url("/a"), allow_private=True) is False  # now fetched
    assert feed_server.count("/robots.txt") == 1


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/x", "not a url", "http:///nohost"]
)
def test_urls_robots_txt_has_no_say_on(url: str, robots: RobotsPolicy) -> None:
    assert robots.allowed(url) is True
    assert robots.crawl_delay(url) is None


def test_robots_txt_itself_is_always_allowed(
    feed_server: FixtureServer, robots: RobotsPolicy
) -> None:
    assert allowed(robots, feed_server, "/robots.txt") is True
    assert feed_server.count("/robots.txt") == 0


def test_check_says_whether_a_page_is_disallowed_or_robots_txt_unreachable(
    feed_server: FixtureServer, robots: RobotsPolicy
) -> None:
    from flows.core.errors import RobotsDisallowed

    feed_server.route("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    robots.check(feed_server.url("/news/1"), allow_private=True)  # allowed: no error
    with pytest.raises(RobotsDisallowed) as disallowed:
        robots.check(feed_server.url("/private/1"), allow_private=True)
    assert disallowed.value.unreachable is False
    assert str(disallowed.value) == (
        f"robots.txt of {feed_server.url('').rstrip('/')} disallows {feed_server.url('/private/1')}"
    )
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RobotsDisallowed) as unreachable:
        robots.check(f"http://127.0.0.1:{port}/news/1", allow_private=True)
    assert unreachable.value.unreachable is True
    assert f"robots.txt of http://127.0.0.1:{port} is unreachable (connection to" in str(
        unreachable.value
    )


def test_a_host_that_does_not_resolve_leaves_the_say_to_the_page_fetch() -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with HttpClient(max_retries=0, resolver=resolver) as http:
        assert RobotsPolicy(http).allowed("http://news.invalid/a") is True  # not "disallowed"
