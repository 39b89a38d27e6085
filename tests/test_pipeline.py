"""One feed end to end without Prefect: a real server on 127.0.0.1, a real archive."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trafilatura

from flows.fetch.client import HttpClient
from flows.pipeline.config import Settings, Source
from flows.pipeline.poll import poll_feed
from helpers import AI_PARAGRAPHS, OTHER_PARAGRAPHS, article_page, rss
from storage.archive import Archive
from storage.entities import sync_entities

# Poll again at once: these tests run a feed twice in a row.
SETTINGS = Settings(min_poll_interval_minutes=0)


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "kw.db") as db:
        yield db


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(backoff_base=0.01, max_retries=1) as http:
        yield http


def source(url: str, name: str = "test", **kwargs: object) -> Source:
    # The fixture server is on 127.0.0.1: its article links are "private".
    return Source.model_validate(
        {"name": name, "url": url, "allow_private_network": True, **kwargs}
    )


def test_poll_feed_archives_then_second_poll_is_304(feed_server, archive, client) -> None:
    feed_server.route("/a1", article_page("Samsung and Naver sign AI chip MOU", AI_PARAGRAPHS))
    feed_server.route("/a2", article_page("Lantern festival", OTHER_PARAGRAPHS))
    items = [
        ("Samsung and Naver sign AI chip MOU", feed_server.url("/a1")),
        ("Lantern festival", feed_server.url("/a2")),
    ]
    feed_server.route("/feed.xml", rss(items), content_type="application/rss+xml", etag='"v1"')

    first = poll_feed(
        source(feed_server.url("/feed.xml")), archive=archive, client=client, settings=SETTINGS
    )
    assert (first.status, first.entries_seen, first.new) == ("polled", 2, 2)
    texts = [row["text"] for row in archive.iter_articles()]
    assert any("memorandum of understanding" in text for text in texts)
    assert all("Leave a Reply" not in text for text in texts)

    second = poll_feed(
        source(feed_server.url("/feed.xml")), archive=archive, client=client, settings=SETTINGS
    )
    assert (second.status, second.new) == ("not_modified", 0)
    hits = feed_server.hits("/feed.xml")
    assert hits[-1].headers.get("if-none-match") == '"v1"'
    assert feed_server.count("/feed.xml", status=304) == 1
    assert feed_server.count("/a1") == 1
    assert archive.count_articles() == 2


def test_poll_feed_unchanged_feed_without_validators_fetches_no_page_twice(
    feed_server, archive, client
) -> None:
    feed_server.route("/a1", article_page("AI MOU", AI_PARAGRAPHS))
    feed_server.route(
        "/feed.xml", rss([("AI MOU", feed_server.url("/a1"))]), content_type="application/rss+xml"
    )
    for _ in range(2):
        poll_feed(
            source(feed_server.url("/feed.xml")), archive=archive, client=client, settings=SETTINGS
        )
    assert feed_server.count("/feed.xml") == 2
    assert feed_server.count("/a1") == 1
    assert archive.count_articles() == 1


def test_poll_feed_relevance_filter_remembers_irrelevant_entries(
    feed_server, archive, client
) -> None:
    feed_server.route("/ai", article_page("Samsung and Naver sign AI chip MOU", AI_PARAGRAPHS))
    feed_server.route("/other", article_page("Lantern festival", OTHER_PARAGRAPHS))
    items = [
        ("Samsung and Naver sign AI chip MOU", feed_server.url("/ai")),
        ("Lantern festival", feed_server.url("/other")),
    ]
    feed_server.route("/news.xml", rss(items), content_type="application/rss+xml")
    general = source(feed_server.url("/news.xml"), filter="korean-ai")

    report = poll_feed(general, archive=archive, client=client, settings=SETTINGS)
    assert (report.new, report.irrelevant) == (1, 1)
    assert [row["title"] for row in archive.iter_articles()] == [
        "Samsung and Naver sign AI chip MOU"
    ]
    assert archive.search("lantern") == []

    poll_feed(general, archive=archive, client=client, settings=SETTINGS)
    assert feed_server.count("/other") == 1  # remembered, not fetched again


def test_exact_duplicates_across_feeds_are_stored_once(feed_server, archive, client) -> None:
    page = article_page("Samsung and Naver sign AI chip MOU", AI_PARAGRAPHS)
    feed_server.route("/story", page)
    feed_server.route("/syndicated/copy", page.replace("Home", "Start"))
    feed_server.route(
        "/one.xml",
        rss([("MOU", feed_server.url("/story?utm_source=rss&utm_medium=feed"))]),
        content_type="application/rss+xml",
    )
    feed_server.route(
        "/two.xml",
        rss(
            [
                ("MOU", feed_server.url("/story#top")),
                ("MOU (partner)", feed_server.url("/syndicated/copy")),
            ]
        ),
        content_type="application/rss+xml",
    )
    one = poll_feed(
        source(feed_server.url("/one.xml"), "one"),
        archive=archive,
        client=client,
        settings=SETTINGS,
    )
    two = poll_feed(
        source(feed_server.url("/two.xml"), "two"),
        archive=archive,
        client=client,
        settings=SETTINGS,
    )
    assert one.new == 1
    # /story#top canonicalises to the archived URL: not even fetched. The copy is fetched,
    # and its text hash matches.
    assert (two.new, two.duplicate) == (0, 1)
    assert feed_server.count("/story") == 1
    assert archive.count_articles() == 1


def test_failing_feed_is_recorded(feed_server, archive, client) -> None:
    feed_server.route("/broken.xml", "oops", status=500)
    report = poll_feed(
        source(feed_server.url("/broken.xml")), archive=archive, client=client, settings=SETTINGS
    )
    assert report.status == "failed"
    assert "500" in (report.error or "")
    feed = archive.feeds()[0]
    assert feed["failures"] == 1
    assert "500" in feed["last_error"]


def test_retry_after_puts_next_poll_ahead_and_skips(feed_server, archive, client) -> None:
    feed_server.route("/busy.xml", "slow down", status=429, headers={"Retry-After": "120"})
    before = datetime.now(UTC)
    report = poll_feed(
        source(feed_server.url("/busy.xml")), archive=archive, client=client, settings=SETTINGS
    )
    assert report.status == "failed"
    state = archive.feed_state(feed_server.url("/busy.xml"))
    assert state.next_poll_at >= before + timedelta(seconds=119)
    again = poll_feed(
        source(feed_server.url("/busy.xml")), archive=archive, client=client, settings=SETTINGS
    )
    assert again.status == "skipped"
    assert feed_server.count("/busy.xml") == 1


def test_malformed_feed_keeps_entries_and_records_problem(feed_server, archive, client) -> None:
    feed_server.route("/a1", article_page("AI MOU", AI_PARAGRAPHS))
    broken = rss([("AI MOU &bogus; entity", feed_server.url("/a1"))]).replace(
        "</channel></rss>", "<unclosed></channel>"
    )
    feed_server.route("/bad.xml", broken, content_type="application/rss+xml")
    report = poll_feed(
        source(feed_server.url("/bad.xml")), archive=archive, client=client, settings=SETTINGS
    )
    assert report.status == "polled"
    assert report.new == 1
    assert report.problem
    assert archive.feeds()[0]["last_problem"]


def test_unparseable_feed_is_a_recorded_failure(feed_server, archive, client) -> None:
    feed_server.route("/html", "<html><body><p>Not a feed at all</p></body></html>")
    report = poll_feed(
        source(feed_server.url("/html")), archive=archive, client=client, settings=SETTINGS
    )
    assert report.status == "failed"
    assert archive.feeds()[0]["failures"] == 1


def test_euc_kr_page_is_decoded(feed_server, archive, client) -> None:
    paragraphs = [
        "삼성전자가 네이버와 인공지능 반도체 공동개발을 위한 업무협약을 체결했다고 15일 밝혔다.",
        "두 회사는 데이터센터용 AI 칩과 소프트웨어를 함께 개발하기로 했으며, 연구 인력도 교류한다.",
        "업계에서는 국산 AI 반도체 생태계가 넓어질 것으로 기대하고 있다고 회사 측은 설명했다.",
    ]
    page = article_page("삼성전자·네이버 AI 반도체 협약", paragraphs, charset="euc-kr").encode(
        "cp949"
    )
    feed_server.route("/ko", page, content_type="text/html")  # charset only in <meta>
    feed_server.route(
        "/ko.xml",
        rss([("삼성전자·네이버 AI 반도체 협약", feed_server.url("/ko"))]),
        content_type="application/rss+xml",
    )
    report = poll_feed(
        source(feed_server.url("/ko.xml"), lang="ko"),
        archive=archive,
        client=client,
        settings=SETTINGS,
    )
    assert report.new == 1
    row = next(archive.iter_articles())
    assert "업무협약을 체결했다고" in row["text"]
    assert row["lang"] == "ko"
    assert [hit.id for hit in archive.search("삼성전자")] == [row["id"]]


def test_full_text_in_feed_needs_no_page_fetch(feed_server, archive, client) -> None:
    content = "".join(f"<p>{p}</p>" for p in AI_PARAGRAPHS)
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>'
        f"<item><title>AI MOU</title><link>{feed_server.url('/never')}</link>"
        f"<description>short teaser</description><content:encoded><![CDATA[{content}]]></content:encoded></item>"
        "</channel></rss>"
    )
    feed_server.route("/full.xml", feed, content_type="application/rss+xml")
    report = poll_feed(
        source(feed_server.url("/full.xml")), archive=archive, client=client, settings=SETTINGS
    )
    assert report.new == 1
    assert feed_server.count("/never") == 0
    assert "memorandum of understanding" in next(archive.iter_articles())["text"]


def test_failed_page_is_retried_on_the_next_run(feed_server, archive, client) -> None:
    feed_server.route("/later", "gone", status=404)
    feed_server.route(
        "/f.xml", rss([("AI MOU", feed_server.url("/later"))]), content_type="application/rss+xml"
    )
    first = poll_feed(
        source(feed_server.url("/f.xml")), archive=archive, client=client, settings=SETTINGS
    )
    assert (first.new, first.failed) == (0, 1)
    feed_server.route("/later", article_page("AI MOU", AI_PARAGRAPHS))
    second = poll_feed(
        source(feed_server.url("/f.xml")), archive=archive, client=client, settings=SETTINGS
    )
    assert (second.new, second.failed) == (1, 0)


def test_failing_feed_backs_off_then_pauses_and_tells_the_operator(
    feed_server, archive, client
) -> None:
    feed_server.route("/dead.xml", "gone", status=500)
    settings = Settings(min_poll_interval_minutes=0, pause_after_failures=2)
    clock = [datetime.now(UTC)]
    dead = source(feed_server.url("/dead.xml"), "dead")

    def poll():  # type: ignore[no-untyped-def]
        return poll_feed(
            dead, archive=archive, client=client, settings=settings, now=lambda: clock[0]
        )

    first = poll()
    assert (first.status, first.paused) == ("failed", False)
    assert poll().status == "skipped"  # backing off: not due yet
    clock[0] += timedelta(minutes=2)
    second = poll()
    assert (second.status, second.paused) == ("failed", True)
    clock[0] += timedelta(days=2)
    assert poll().status == "paused"
    assert feed_server.count("/dead.xml") == 2 * 2  # two polls, each retried once by the client
    messages = archive.pending_operator_messages()
    assert [m["subject"] for m in messages] == ["kaiwatch paused the feed dead"]
    assert "kaiwatch sources resume dead" in messages[0]["body"]

    assert archive.resume_feed("dead")
    feed_server.route("/dead.xml", rss([]), content_type="application/rss+xml")
    assert poll().status == "polled"
    assert archive.feeds()[0]["failures"] == 0


def test_minimum_interval_skips_a_feed_polled_moments_ago(feed_server, archive, client) -> None:
    feed_server.route("/f.xml", rss([]), content_type="application/rss+xml")
    polite = Settings(min_poll_interval_minutes=10)
    first = poll_feed(
        source(feed_server.url("/f.xml")), archive=archive, client=client, settings=polite
    )
    again = poll_feed(
        source(feed_server.url("/f.xml")), archive=archive, client=client, settings=polite
    )
    assert (first.status, again.status) == ("polled", "skipped")
    assert again.next_poll_at is not None
    assert feed_server.count("/f.xml") == 1


def test_article_links_to_private_addresses_are_refused_by_default(
    feed_server, archive, client
) -> None:
    # The feed is the operator's (trusted); its links are strangers' and must be public.
    feed_server.route("/a1", article_page("AI MOU", AI_PARAGRAPHS))
    feed_server.route(
        "/f.xml", rss([("AI MOU", feed_server.url("/a1"))]), content_type="application/rss+xml"
    )
    guarded = source(feed_server.url("/f.xml"), allow_private_network=False)
    report = poll_feed(guarded, archive=archive, client=client, settings=SETTINGS)
    assert (report.status, report.new, report.failed) == ("polled", 0, 1)
    assert feed_server.count("/a1") == 0
    error = archive.conn.execute("SELECT last_error FROM entries").fetchone()[0]
    assert "refusing to fetch" in error
    assert "allow_private_network: true" in error


def test_robots_txt_disallow_is_honoured_for_article_pages(feed_server, archive, client) -> None:
    from flows.fetch.robots import RobotsPolicy

    feed_server.route(
        "/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    feed_server.route("/private/a", article_page("AI MOU", AI_PARAGRAPHS))
    feed_server.route("/public/b", article_page("AI MOU two", AI_PARAGRAPHS[::-1]))
    items = [
        ("AI MOU", feed_server.url("/private/a")),
        ("AI MOU two", feed_server.url("/public/b")),
    ]
    feed_server.route("/f.xml", rss(items), content_type="application/rss+xml")
    report = poll_feed(
        source(feed_server.url("/f.xml")), archive=archive, client=client, settings=SETTINGS,
        robots=RobotsPolicy(client),
    )  # fmt: skip
    assert (report.new, report.failed) == (1, 1)
    assert feed_server.count("/private/a") == 0
    assert feed_server.count("/robots.txt") == 1


def test_cache_control_max_age_delays_the_next_poll(feed_server, archive, client) -> None:
    feed_server.route(
        "/f.xml",
        rss([]),
        content_type="application/rss+xml",
        headers={"Cache-Control": "max-age=3600"},
    )
    before = datetime.now(UTC)
    poll_feed(source(feed_server.url("/f.xml")), archive=archive, client=client, settings=SETTINGS)
    state = archive.feed_state(feed_server.url("/f.xml"))
    assert state.next_poll_at >= before + timedelta(seconds=3599)


def test_hostile_links_are_never_requested_and_the_run_goes_on(
    feed_server, archive, client
) -> None:
    from feedserver import loopback_only

    port = feed_server.port
    feed_server.redirect("/h/redirect", f"http://127.0.0.1:{port}/h/target")
    hostile = [
        f"http://127.0.0.1:{port}/h/1",
        f"http://localhost:{port}/h/2",
        f"http://[::1]:{port}/h/3",
        f"http://[::ffff:127.0.0.1]:{port}/h/4",
        f"http://2130706433:{port}/h/5",
        f"http://127.1:{port}/h/6",
        f"http://0.0.0.0:{port}/h/7",
        "file:///etc/passwd",
        f"http://127.0.0.1:{port}/h/redirect",
    ]
    feed_server.route("/a/ok", article_page("AI MOU", AI_PARAGRAPHS))
    items = [(f"link {n}", link) for n, link in enumerate(hostile)]
    feed_server.route(
        "/hostile.xml", rss(items).replace("&", "&amp;"), content_type="application/rss+xml"
    )
    guarded = source(feed_server.url("/hostile.xml"), allow_private_network=False)
    with loopback_only() as dials:
        report = poll_feed(guarded, archive=archive, client=client, settings=SETTINGS)
    assert report.status == "polled"
    assert report.failed == len(hostile)
    for path in [
        "/h/1",
        "/h/2",
        "/h/3",
        "/h/4",
        "/h/5",
        "/h/6",
        "/h/7",
        "/h/redirect",
        "/h/target",
    ]:
        assert feed_server.count(path) == 0, path
    errors = [row[0] for row in archive.conn.execute("SELECT last_error FROM entries")]
    assert len(errors) == len(hostile)
    refused = [error for error in errors if error.startswith("refusing to fetch")]
    assert len(refused) == len(hostile) - 1, errors
    assert any("has no http(s) link to fetch" in error for error in errors)  # file:///etc/passwd
    # Only the feed itself was dialled.
    assert all(host in {"127.0.0.1", "::1"} and port == feed_server.port for host, port in dials)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]", "2130706433", "127.1", "0.0.0.0"],
)
def test_loopback_forms_on_the_default_port_are_refused_for_their_address(
    feed_server, archive, client, host: str
) -> None:
    from feedserver import loopback_only

    feed_server.route(
        "/f.xml", rss([("x", f"http://{host}/article")]), content_type="application/rss+xml"
    )
    guarded = source(feed_server.url("/f.xml"), allow_private_network=False)
    with loopback_only() as dials:
        report = poll_feed(guarded, archive=archive, client=client, settings=SETTINGS)
    assert report.failed == 1
    error = archive.conn.execute("SELECT last_error FROM entries").fetchone()[0]
    assert error.startswith("refusing to fetch"), error
    assert "is not 80 or 443" not in error  # refused for its address, not its port
    assert [port for _, port in dials] == [feed_server.port]  # the feed, never port 80


def test_huge_article_text_is_capped_at_a_paragraph(feed_server, archive, client) -> None:
    from flows.pipeline.poll import MAX_TEXT_CHARS

    paragraph = "Samsung and Naver keep talking about AI chips in Seoul, the companies said. " * 20
    feed_server.route(
        "/huge", article_page("AI MOU", [f"Part {n}. {paragraph}" for n in range(200)])
    )
    feed_server.route(
        "/f.xml", rss([("AI MOU", feed_server.url("/huge"))]), content_type="application/rss+xml"
    )
    report = poll_feed(
        source(feed_server.url("/f.xml")), archive=archive, client=client, settings=SETTINGS
    )
    assert report.new == 1
    text = next(archive.iter_articles())["text"]
    assert MAX_TEXT_CHARS // 2 < len(text) <= MAX_TEXT_CHARS
    assert text.endswith("said.")


def test_articles_are_stored_with_entities_and_money(feed_server, archive, client, tagger) -> None:
    paragraphs = [
        *AI_PARAGRAPHS,
        "Naver said it would invest 300 billion won in the joint lab over three years.",
    ]
    feed_server.route("/a1", article_page("Samsung and Naver sign AI chip MOU", paragraphs))
    feed_server.route(
        "/f.xml",
        rss([("Samsung and Naver sign AI chip MOU", feed_server.url("/a1"))]),
        content_type="application/rss+xml",
    )
    with archive.write() as conn:
        sync_entities(conn, tagger.kb)
    report = poll_feed(
        source(feed_server.url("/f.xml")),
        archive=archive,
        client=client,
        settings=SETTINGS,
        tagger=tagger,
    )
    assert report.new == 1
    counts = dict(archive.conn.execute("SELECT entity_id, count FROM article_entities").fetchall())
    assert counts["samsung-electronics"] >= 1
    assert counts["naver"] >= 2
    amounts = archive.conn.execute("SELECT text, currency, krw FROM amounts").fetchall()
    assert amounts == [("300 billion won", "KRW", 300_000_000_000)]
    events = archive.conn.execute("SELECT type, parties, evidence, story_id FROM events").fetchall()
    assert [event[0] for event in events] == ["partnership"]
    assert {"samsung-electronics", "naver"} <= set(json.loads(events[0][1]))
    assert "memorandum of understanding" in events[0][2]
    assert events[0][3] is not None


def test_syndicated_copy_joins_the_story_of_the_first(feed_server, archive, client, tagger) -> None:
    original = [
        "SEOUL, Oct. 15 (Yonhap) -- Upstage, a Korean developer of large language models, said Tuesday "
        "it has raised 100 billion won in a Series B round to expand its business in the United States and Japan.",
        "The company said the funds will be used to hire sales staff abroad and to train the next version "
        "of its Solar model, which it sells to banks, insurers and public institutions.",
        "Strategic investors from the United States took part in the round alongside Korean financial "
        "groups, the company said, without disclosing its valuation.",
    ]
    rerun = [
        "By Partner Wire staff",
        original[0].replace("SEOUL, Oct. 15 (Yonhap) -- ", ""),
        original[1],
        original[2] + " Upstage was founded in 2020.",
    ]
    other = [
        "Rebellions, a Korean AI chip designer, said Wednesday it has agreed to merge with Sapeon Korea, "
        "creating a single company to compete with Nvidia in chips for AI inference.",
        "SK Telecom will become a major shareholder of the merged company alongside KT, the firms said.",
        "The deal needs approval from shareholders and regulators and is expected to close this year.",
    ]
    feed_server.route("/first", article_page("Upstage raises 100 bln won in Series B", original))
    feed_server.route("/copy", article_page("Korean AI firm Upstage secures new funding", rerun))
    feed_server.route("/other", article_page("Rebellions to merge with Sapeon", other))
    items = [
        ("a", feed_server.url("/first")),
        ("b", feed_server.url("/copy")),
        ("c", feed_server.url("/other")),
    ]
    feed_server.route("/f.xml", rss(items), content_type="application/rss+xml")
    with archive.write() as conn:
        sync_entities(conn, tagger.kb)
    report = poll_feed(
        source(feed_server.url("/f.xml")),
        archive=archive,
        client=client,
        settings=SETTINGS,
        tagger=tagger,
    )
    assert report.new == 3
    rows = archive.conn.execute(
        "SELECT id, story_id, duplicate_of FROM articles ORDER BY id"
    ).fetchall()
    (
        (first_id, first_story, _),
        (_, copy_story, copy_of),
        (_, other_story, other_of),
    ) = rows
    assert copy_story == first_story and copy_of == first_id
    assert other_story != first_story and other_of is None
    size = archive.conn.execute("SELECT size FROM stories WHERE id = ?", [first_story]).fetchone()[
        0
    ]
    assert size == 2


def test_robots_crawl_delay_spaces_requests_to_that_site(archive, client) -> None:
    from feedserver import FixtureServer
    from flows.fetch.robots import RobotsPolicy

    # A server of its own: the delay is process-wide for its host:port.
    with FixtureServer() as site:
        site.route("/robots.txt", "User-agent: *\nCrawl-delay: 1\n", content_type="text/plain")
        items = []
        for n in range(3):
            site.route(
                f"/a/{n}", article_page(f"AI MOU {n}", [f"Story {n}. " + p for p in AI_PARAGRAPHS])
            )
            items.append((f"AI MOU {n}", site.url(f"/a/{n}")))
        site.route("/f.xml", rss(items), content_type="application/rss+xml")
        report = poll_feed(
            source(site.url("/f.xml")), archive=archive, client=client, settings=SETTINGS,
            robots=RobotsPolicy(client),
        )  # fmt: skip
        assert report.new == 3
        arrivals = [site.hits(f"/a/{n}")[0].at for n in range(3)]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert all(gap >= 0.9 for gap in gaps), gaps  # the site asked for 1 s between requests


# Forms trafilatura keeps in the article even in precision mode (checked in the test).
WIDGET_EN = (
    "<p>What's your reaction?</p>"
    '<p class="reactions">Happy 0% Sad 0% Excited 0% Angry 0% Surprise 0% Sleepy 0%</p>'
)
WIDGET_KO = (
    '<div class="emotion">'
    + "".join(
        f'<div><p class="t">{w}</p><p class="n">{n}</p></div>'
        for w, n in (("좋아요", 12), ("슬퍼요", 1), ("화나요", 3), ("후속기사 원해요", 0))
    )
    + "</div>"
)
MORE_TO_READ = (
    "<h3>More to Read</h3>"
    '<p><a href="/n/1">Crypto lender faces $27 Million liquidation as prices slide</a></p>'
    '<p><a href="/n/2">Kakao opens its Kanana model to outside developers</a></p>'
)
KO_PARAGRAPHS = [
    "삼성전자와 네이버가 15일 AI 반도체 공동 개발을 위한 업무협약(MOU)을 체결했다고 밝혔다. 양사는 "
    "데이터센터용 추론 칩과 소프트웨어를 함께 개발한다.",
    "양사 엔지니어들은 새로 문을 여는 공동 연구소에서 함께 일하며, 첫 시제품은 내년 상반기에 공개할 "
    "예정이라고 회사 측은 설명했다.",
    "두 회사는 계약 규모를 공개하지 않았지만, 국내 AI 서비스 운영 비용을 낮추는 것이 목표라고 밝혔다.",
]


def widget_page(title: str, paragraphs: list[str], furniture: str) -> str:
    """A page whose <article> holds the body, then a reaction widget and a headline list."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        '<nav><a href="/">Home</a> <a href="/world">World</a></nav>'
        f"<article><h1>{title}</h1>{body}{furniture}</article>"
        "<footer>Leave a Reply<br>Your email address will not be published.</footer></body></html>"
    )


def test_served_pages_are_archived_without_widgets_or_headline_lists(
    feed_server, archive, client, tagger
) -> None:
    paragraphs = [*AI_PARAGRAPHS, "Naver said it would invest 300 billion won in the lab."]
    english_page = widget_page(
        "Samsung and Naver sign AI chip MOU", paragraphs, WIDGET_EN + MORE_TO_READ
    )
    feed_server.route("/en", english_page)
    feed_server.route(
        "/ko",
        widget_page(
            "삼성전자·네이버, AI 반도체 협약",
            KO_PARAGRAPHS,
            WIDGET_KO
            + "<h4>관련기사</h4><ul><li><a href='/n/3'>리벨리온, 1000억원 규모 투자 유치</a></li></ul>",
        ),
    )
    items = [
        ("Samsung and Naver sign AI chip MOU", feed_server.url("/en")),
        ("AI 협약", feed_server.url("/ko")),
    ]
    feed_server.route("/f.xml", rss(items), content_type="application/rss+xml")
    with archive.write() as conn:
        sync_entities(conn, tagger.kb)
    report = poll_feed(
        source(feed_server.url("/f.xml")),
        archive=archive,
        client=client,
        settings=SETTINGS,
        tagger=tagger,
    )
    assert report.new == 2
    # trafilatura keeps the widget: what leaves it out is kaiwatch's cleaning.
    assert "Happy 0%" in (trafilatura.extract(english_page, favor_precision=True) or "")
    texts = {row["url"]: row["text"] for row in archive.iter_articles()}
    english, korean = texts[feed_server.url("/en")], texts[feed_server.url("/ko")]
    assert english.splitlines() == paragraphs
    assert korean.splitlines() == KO_PARAGRAPHS
    for piece in ("Happy", "0%", "reaction", "$27 Million", "Kakao opens", "More to Read"):
        assert piece not in english
    for piece in ("좋아요", "슬퍼요", "후속기사", "관련기사", "1000억원"):
        assert piece not in korean
    amounts = archive.conn.execute("SELECT text FROM amounts").fetchall()
    assert amounts == [("300 billion won",)]


# --- issue 14: every failure and skip says why --------------------------------------------

PRIVATE = "refused: private address — use --allow-private-network or allow_private_network: true"


def _two_private_links(feed_server) -> str:  # type: ignore[no-untyped-def]
    """A feed (with an ETag) whose two article links are on 127.0.0.1."""
    feed_server.route("/a1", article_page("Samsung and Naver sign AI chip MOU", AI_PARAGRAPHS))
    feed_server.route("/a2", article_page("Naver and Samsung extend the MOU", AI_PARAGRAPHS[::-1]))
    items = [
        ("Samsung and Naver sign AI chip MOU", feed_server.url("/a1")),
        ("Naver and Samsung extend the MOU", feed_server.url("/a2")),
    ]
    feed_server.route("/f.xml", rss(items), content_type="application/rss+xml", etag='"1"')
    return feed_server.url("/f.xml")


def test_failed_entries_are_counted_by_reason_with_the_fix(feed_server, archive, client) -> None:
    from flows.pipeline.poll import RunSummary

    url = _two_private_links(feed_server)
    report = poll_feed(
        source(url, allow_private_network=False), archive=archive, client=client, settings=SETTINGS
    )
    assert report.failed == 2
    text = RunSummary([report]).format()
    assert (
        f"entries: 2 seen; articles: 0 new, 0 duplicate, 0 irrelevant, 2 failed (2 {PRIVATE})"
        in (text)
    )
    assert archive.conn.execute("SELECT DISTINCT reason FROM entries").fetchall() == [("private",)]


def test_entries_refused_as_private_are_retried_once_allowed_although_the_feed_is_304(
    feed_server, archive, client
) -> None:
    url = _two_private_links(feed_server)
    guarded = poll_feed(
        source(url, allow_private_network=False), archive=archive, client=client, settings=SETTINGS
    )
    assert (guarded.new, guarded.failed) == (0, 2)
    allowed = poll_feed(source(url), archive=archive, client=client, settings=SETTINGS)
    assert (allowed.status, allowed.new, allowed.failed) == ("polled", 2, 0)
    assert feed_server.hits("/f.xml")[-1].headers.get("if-none-match") is None  # asked afresh
    again = poll_feed(source(url), archive=archive, client=client, settings=SETTINGS)
    assert again.status == "not_modified"  # nothing left to retry: conditional GET again


def test_retry_failed_and_poll_now_retry_every_failed_entry_at_once(
    feed_server, archive, client
) -> None:
    feed_server.route("/later", "gone", status=404)
    feed_server.route(
        "/f.xml", rss([("AI MOU", feed_server.url("/later"))]), content_type="application/rss+xml",
        etag='"1"',
    )  # fmt: skip
    once = Settings(max_attempts=1, min_poll_interval_minutes=60)
    first = poll_feed(source(feed_server.url("/f.xml")), archive=archive, client=client,
                      settings=once)  # fmt: skip
    assert (first.failed, dict(first.failed_why)) == (1, {"http:404": 1})
    feed_server.route("/later", article_page("AI MOU", AI_PARAGRAPHS))
    later = poll_feed(source(feed_server.url("/f.xml")), archive=archive, client=client,
                      settings=once)  # fmt: skip
    assert later.status == "skipped"  # not due for an hour
    now = poll_feed(source(feed_server.url("/f.xml")), archive=archive, client=client,
                    settings=once, poll_now=True)  # fmt: skip
    assert (now.status, now.new) == ("not_modified", 0)  # out of attempts: not retried
    retried = poll_feed(source(feed_server.url("/f.xml")), archive=archive, client=client,
                        settings=once, retry_failed=True)  # fmt: skip
    assert (retried.status, retried.new, retried.failed) == ("polled", 1, 0)


def test_an_unresolvable_link_is_named_a_dns_failure_not_a_robots_refusal(
    feed_server, archive
) -> None:  # type: ignore[no-untyped-def]
    import socket

    from flows.fetch.robots import RobotsPolicy
    from flows.pipeline.poll import RunSummary

    def resolver(host: str, port: int) -> list[str]:
        if host == "news.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return ["127.0.0.1"]

    feed_server.route(
        "/f.xml", rss([("AI MOU", "http://news.invalid/a")]), content_type="application/rss+xml"
    )
    with HttpClient(backoff_base=0.01, max_retries=0, resolver=resolver) as client:
        report = poll_feed(
            source(feed_server.url("/f.xml")), archive=archive, client=client, settings=SETTINGS,
            robots=RobotsPolicy(client),
        )  # fmt: skip
    assert dict(report.failed_why) == {"dns": 1}
    assert "1 failed (1 DNS: host not found)" in RunSummary([report]).format()
    error = archive.conn.execute("SELECT last_error FROM entries").fetchone()[0]
    assert "robots.txt" not in error
    assert "news.invalid" in error and "resolve" in error


@pytest.mark.parametrize(
    "page_title",
    [
        "Naver Corp. signs AI chip MOU with Samsung | Korea Tech Times",
        "Korea Tech Times | Naver Corp. signs AI chip MOU with Samsung",
        "Naver Corp. signs AI chip MOU with Samsung - Korea Tech Times",
    ],
)
def test_title_and_site_headlines_keep_the_outlet_apart(
    feed_server, archive, client, page_title: str
) -> None:
    """A headline with a '.' in a 'Title | Site' <title> became the outlet, the site the title."""
    page = article_page("x", AI_PARAGRAPHS).replace(
        "<title>x</title>", f"<title>{page_title}</title>"
    )
    feed_server.route("/a", page.replace("<h1>x</h1>", ""))
    # One item without a title in the feed: the page's headline must be used.
    feed_server.route(
        "/f.xml",
        rss([("", feed_server.url("/a"))]).replace("<title></title>", ""),
        content_type="application/rss+xml",
    )
    report = poll_feed(source(feed_server.url("/f.xml")), archive=archive, client=client,
                       settings=SETTINGS)  # fmt: skip
    assert report.new == 1
    [row] = archive.iter_articles()
    assert (row["title"], row["publisher"]) == (
        "Naver Corp. signs AI chip MOU with Samsung",
        "Korea Tech Times",
    )
