"""Tests for flows/parse/feeds.py: real feedparser on stored bytes, no mocks."""

from __future__ import annotations

import hashlib
import itertools
import random
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.core.errors import ParseError
from flows.core.models import FeedEntry, ParsedFeed
from flows.parse.feeds import canonicalize_url, is_google_news_link, parse_feed

FEED_URL = "https://www.example.co.kr/rss/ai.xml"

BODY_PARAGRAPH = (
    "과학기술정보통신부는 5일 국내 인공지능 반도체 생태계를 키우기 위해 "
    "내년까지 연구개발 예산을 늘리고, 데이터센터에 국산 칩을 시범 도입한다고 밝혔다. "
)
LONG_BODY = "".join(f"<p>{BODY_PARAGRAPH}{i}</p>\n" for i in range(8))


def rss(items: str, *, encoding: str = "utf-8", title: str = "AI 뉴스") -> str:
    """Return an RSS 2.0 document around ``items`` (as text; encode it yourself)."""
    return f"""<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>{title}</title>
  <link>https://www.example.co.kr/</link>
  <description>테스트</description>
  {items}
</channel>
</rss>
"""


def one(feed: ParsedFeed) -> FeedEntry:
    assert len(feed.entries) == 1, feed.entries
    return feed.entries[0]


# --------------------------------------------------------------------------- #
# RSS, Atom, content
# --------------------------------------------------------------------------- #


def test_parse_feed_rss_with_content_encoded() -> None:
    items = f"""
  <item>
    <title>  정부, AI 반도체에
      1조 투입 </title>
    <link>https://www.example.co.kr/news/articleView.html?idxno=101&amp;utm_source=rss</link>
    <guid isPermaLink="false">news-101</guid>
    <description>&lt;p&gt;국산 AI 칩 &lt;b&gt;시범 도입&lt;/b&gt;&lt;/p&gt;</description>
    <content:encoded><![CDATA[{LONG_BODY}<script>alert(1)</script>]]></content:encoded>
    <dc:creator>김기자 기자</dc:creator>
    <pubDate>Tue, 05 Nov 2024 09:30:00 +0900</pubDate>
  </item>"""
    feed = parse_feed(
        rss(items).encode(), url=FEED_URL, content_type="application/rss+xml; charset=utf-8"
    )
    assert feed.title == "AI 뉴스"
    assert feed.problem is None
    entry = one(feed)
    assert entry.title == "정부, AI 반도체에 1조 투입"
    assert entry.link == "https://www.example.co.kr/news/articleView.html?idxno=101&utm_source=rss"
    assert entry.canonical_url == "https://example.co.kr/news/articleView.html?idxno=101"
    assert entry.key == entry.canonical_url
    assert entry.guid == "news-101"
    assert entry.summary == "국산 AI 칩 시범 도입"
    assert entry.content_html is not None
    assert BODY_PARAGRAPH.strip() in entry.content_html
    assert "<script" not in entry.content_html  # feedparser's sanitizer
    assert entry.author == "김기자 기자"
    assert entry.published == datetime(2024, 11, 5, 0, 30, tzinfo=UTC)


def test_parse_feed_short_content_encoded_is_not_a_body() -> None:
    items = """
  <item>
    <title>짧은 글</title>
    <link>https://www.example.co.kr/news/1</link>
    <description>요약입니다.</description>
    <content:encoded><![CDATA[<p>요약입니다. 조금 더.</p>]]></content:encoded>
  </item>"""
    entry = one(parse_feed(rss(items).encode(), url=FEED_URL))
    assert entry.summary == "요약입니다."
    assert entry.content_html is None
    assert entry.published is None


def test_parse_feed_atom() -> None:
    doc = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ko">
  <title type="html">AI &amp;amp; 반도체</title>
  <id>tag:example.co.kr,2024:feed</id>
  <updated>2024-11-05T09:30:00+09:00</updated>
  <entry>
    <id>tag:example.co.kr,2024:1</id>
    <title type="html">&lt;b&gt;네이버&lt;/b&gt;, 하이퍼클로바X 공개</title>
    <link rel="alternate" type="text/html" href="/articles/2024/11/05/1"/>
    <link rel="enclosure" type="image/jpeg" href="/img/1.jpg"/>
    <author><name>이기자</name></author>
    <updated>2024-11-05T18:00:00+09:00</updated>
    <summary>새 언어모델을 공개했다.</summary>
    <content type="html">{LONG_BODY.replace("<", "&lt;").replace(">", "&gt;")}</content>
  </entry>
  <entry>
    <id>https://www.example.co.kr/articles/2</id>
    <title>본문만 있는 글</title>
    <published>2024-11-04T23:59:59Z</published>
    <content type="html">&lt;p&gt;짧은 본문&lt;/p&gt;</content>
  </entry>
</feed>
"""
    feed = parse_feed(doc.encode(), url=FEED_URL, content_type="application/atom+xml")
    assert feed.title == "AI & 반도체"
    assert feed.problem is None
    first, second = feed.entries
    assert first.title == "네이버, 하이퍼클로바X 공개"
    assert first.link == "https://www.example.co.kr/articles/2024/11/05/1"
    assert first.guid == "tag:example.co.kr,2024:1"
    assert first.summary == "새 언어모델을 공개했다."
    assert first.content_html is not None and BODY_PARAGRAPH.strip() in first.content_html
    assert first.author == "이기자"
    assert first.published == datetime(2024, 11, 5, 9, 0, tzinfo=UTC)
    # No <link>: the Atom id is an http URL, so it is the link.
    assert second.link == "https://www.example.co.kr/articles/2"
    assert second.key == "https://example.co.kr/articles/2"
    assert second.summary == "짧은 본문"  # taken from the content
    assert second.content_html is None
    assert second.published == datetime(2024, 11, 4, 23, 59, 59, tzinfo=UTC)


def test_parse_feed_body_only_atom_gets_a_short_summary() -> None:
    doc = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
  <entry><id>urn:uuid:1</id><title>t</title><link href="https://a.example/1"/>
  <content type="html">{LONG_BODY.replace("<", "&lt;").replace(">", "&gt;")}</content></entry>
</feed>"""
    entry = one(parse_feed(doc.encode(), url=FEED_URL))
    assert entry.content_html is not None
    assert entry.summary.endswith("…")
    assert len(entry.summary) <= 501


# --------------------------------------------------------------------------- #
# Encodings
# --------------------------------------------------------------------------- #

KOREAN_ITEMS = """
  <item>
    <title>인공지능 스타트업, 투자 유치</title>
    <link>https://www.example.co.kr/news/7</link>
    <description>똠양꿍 맛집을 찾는 AI</description>
  </item>"""


def test_parse_feed_euc_kr_declared_utf8_with_http_charset() -> None:
    # "똠" is outside EUC-KR; use CP949, which servers labelled euc-kr really send.
    content = rss(KOREAN_ITEMS, encoding="utf-8", title="전자신문").encode("cp949")
    feed = parse_feed(content, url=FEED_URL, content_type="text/xml; charset=euc-kr")
    assert feed.title == "전자신문"
    entry = one(feed)
    assert entry.title == "인공지능 스타트업, 투자 유치"
    assert entry.summary == "똠양꿍 맛집을 찾는 AI"
    assert feed.problem is None


def test_parse_feed_euc_kr_declared_utf8_without_charset_is_redecoded() -> None:
    content = rss(KOREAN_ITEMS, encoding="utf-8", title="전자신문").encode("cp949")
    for content_type in (None, "", "application/rss+xml", "text/xml"):
        feed = parse_feed(content, url=FEED_URL, content_type=content_type)
        assert one(feed).title == "인공지능 스타트업, 투자 유치", content_type
        assert feed.title == "전자신문"
        assert feed.problem is not None and "cp949" in feed.problem


def test_parse_feed_euc_kr_correctly_declared() -> None:
    content = rss(KOREAN_ITEMS, encoding="euc-kr", title="한겨레").encode("cp949")
    feed = parse_feed(content, url=FEED_URL, content_type="application/xml")
    assert feed.title == "한겨레"
    assert one(feed).summary == "똠양꿍 맛집을 찾는 AI"
    assert feed.problem is None


def test_parse_feed_utf8_mislabelled_latin1_by_server() -> None:
    content = rss(KOREAN_ITEMS).encode("utf-8")
    feed = parse_feed(content, url=FEED_URL, content_type="text/xml; charset=ISO-8859-1")
    assert one(feed).title == "인공지능 스타트업, 투자 유치"
    assert feed.problem is not None and "utf-8" in feed.problem


def test_parse_feed_genuine_windows_1252_is_left_alone() -> None:
    content = """<?xml version="1.0" encoding="windows-1252"?>
<rss version="2.0"><channel><title>Presse</title>
<item><title>Café Élysée à Paris</title><link>https://ex.fr/1</link></item>
</channel></rss>""".encode("cp1252")
    feed = parse_feed(content, url="https://ex.fr/rss", content_type=None)
    assert one(feed).title == "Café Élysée à Paris"
    assert feed.problem is None


# --------------------------------------------------------------------------- #
# Malformed input
# --------------------------------------------------------------------------- #


def test_parse_feed_malformed_xml_keeps_entries_and_records_problem() -> None:
    content = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Broken</title>
<item><title>First &nbsp; item</title><link>https://a.example/1</link></item>
<item><title>Second <b>unclosed</title><link>https://a.example/2</link></item>
</channel>"""
    feed = parse_feed(content, url=FEED_URL)
    assert [e.link for e in feed.entries] == ["https://a.example/1", "https://a.example/2"]
    assert feed.problem is not None
    assert feed.problem.startswith("malformed XML: line ")
    assert len(feed.problem) <= 200


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"   \n",
        b"\x00\xff\xfe garbage \x89PNG",
        b'{"items": [1, 2, 3]}',
        b"<?xml version='1.0'?><note><to>x</to></note>",
        b"<rss version='2.0'><channel><item><title>x</title>",
    ],
)
def test_parse_feed_garbage_raises_parse_error(content: bytes) -> None:
    with pytest.raises(ParseError) as info:
        parse_feed(content, url=FEED_URL)
    assert FEED_URL in str(info.value)


def test_parse_feed_html_page_raises_with_hint() -> None:
    page = """<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>AI 뉴스</title>
<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss/allArticle.xml">
</head><body><p>Hello<br></p></body></html>""".encode()
    with pytest.raises(ParseError) as info:
        parse_feed(page, url=FEED_URL, content_type="text/html; charset=utf-8")
    message = str(info.value)
    assert message.startswith(f"Feed {FEED_URL} is an HTML page, not an RSS or Atom feed.")
    assert "Hint: the page advertises a feed at https://www.example.co.kr/rss/allArticle.xml" in (
        message
    )


def test_parse_feed_html_page_without_alternate_link() -> None:
    with pytest.raises(ParseError, match="Hint: use the site's RSS or Atom address"):
        parse_feed(b"<html><body>nothing</body></html>", url=FEED_URL)


def test_parse_feed_empty_but_valid_feed_has_no_entries() -> None:
    feed = parse_feed(rss("").encode(), url=FEED_URL)
    assert feed.entries == ()
    assert feed.problem is None


def test_parse_feed_needs_bytes() -> None:
    with pytest.raises(TypeError):
        parse_feed("/etc/hostname", url=FEED_URL)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- #
# Links, guids, keys
# --------------------------------------------------------------------------- #


def test_parse_feed_entries_without_link_use_guid_keys() -> None:
    items = """
  <item><title>permalink false</title><guid isPermaLink="false">yna-AKR2024</guid></item>
  <item><title>numeric permalink guid</title><guid>12345</guid></item>
  <item><title>neither link nor guid</title><description>dropped</description></item>
  <item><title>not http</title><link>mailto:desk@example.co.kr</link><guid>g-4</guid></item>"""
    feed = parse_feed(rss(items).encode(), url=FEED_URL)
    assert [e.title for e in feed.entries] == [
        "permalink false",
        "numeric permalink guid",
        "not http",
    ]
    base = canonicalize_url(FEED_URL)
    for entry, guid in zip(feed.entries, ["yna-AKR2024", "12345", "g-4"], strict=True):
        assert entry.link is None
        assert entry.canonical_url is None
        assert entry.guid == guid
        assert entry.key == "guid:" + hashlib.sha1((base + guid).encode()).hexdigest()


def test_parse_feed_absolute_permalink_guid_is_the_link() -> None:
    items = "<item><title>t</title><guid>https://www.example.co.kr/a?id=1&amp;b=2</guid></item>"
    entry = one(parse_feed(rss(items).encode(), url=FEED_URL))
    assert entry.link == "https://www.example.co.kr/a?id=1&b=2"
    assert entry.key == "https://example.co.kr/a?b=2&id=1"


def test_parse_feed_resolves_relative_links() -> None:
    items = """
  <item><title>root</title><link>/news/2024/1.html</link></item>
  <item><title>dotdot</title><link>../view/2.html</link></item>
  <item><title>query</title><link>?idx=3</link></item>"""
    feed = parse_feed(rss(items).encode(), url="https://www.example.co.kr/rss/all/feed.xml")
    assert [e.link for e in feed.entries] == [
        "https://www.example.co.kr/news/2024/1.html",
        "https://www.example.co.kr/rss/view/2.html",
        "https://www.example.co.kr/rss/all/feed.xml?idx=3",
    ]


def test_parse_feed_dates_in_korean_time_become_utc() -> None:
    items = """
  <item><title>a</title><link>https://a.example/1</link>
    <pubDate>Mon, 01 Jan 2024 08:00:00 +0900</pubDate></item>
  <item><title>b</title><link>https://a.example/2</link>
    <dc:date>2024-03-01T00:30:00+09:00</dc:date></item>
  <item><title>c</title><link>https://a.example/3</link><pubDate>언젠가</pubDate></item>"""
    feed = parse_feed(rss(items).encode(), url=FEED_URL)
    assert [e.published for e in feed.entries] == [
        datetime(2023, 12, 31, 23, 0, tzinfo=UTC),
        datetime(2024, 2, 29, 15, 30, tzinfo=UTC),
        None,
    ]
    assert feed.entries[0].published is not None
    assert feed.entries[0].published.utcoffset() is not None


def test_parse_feed_caps_entries_and_drops_duplicate_keys() -> None:
    items = "".join(
        f"<item><title>n{i}</title><link>https://a.example/{i}?utm_medium=rss</link></item>"
        for i in range(10)
    )
    items = items.replace("/3?", "/2?")  # entry 3 repeats entry 2 once canonicalised
    feed = parse_feed(rss(items).encode(), url=FEED_URL, max_entries=5)
    assert [e.title for e in feed.entries] == ["n0", "n1", "n2", "n4", "n5"]


def test_parse_feed_titles_are_plain_text() -> None:
    items = """
  <item><title>&lt;em&gt;속보&lt;/em&gt; &amp;quot;GPT-5&amp;quot; 출시&amp;hellip;</title>
    <link>https://a.example/1</link></item>
  <item><title>AT&amp;T, 5G &lt; 6G</title><link>https://a.example/2</link></item>"""
    feed = parse_feed(rss(items).encode(), url=FEED_URL)
    assert [e.title for e in feed.entries] == ['속보 "GPT-5" 출시…', "AT&T, 5G < 6G"]


# --------------------------------------------------------------------------- #
# Google News feeds
# --------------------------------------------------------------------------- #

GNEWS_ITEMS = """
  <item>
    <title>삼성전자, 차세대 HBM 양산 - 연합뉴스</title>
    <link>https://news.google.com/rss/articles/CBMiVkFVX3lxTE1hYmM?oc=5</link>
    <guid isPermaLink="false">CBMiVkFVX3lxTE1hYmM</guid>
    <pubDate>Tue, 05 Nov 2024 01:02:03 GMT</pubDate>
    <description>&lt;a href="https://news.google.com/rss/articles/CBMiVkFVX3lxTE1hYmM?oc=5"&gt;삼성전자, 차세대 HBM 양산&lt;/a&gt;&amp;nbsp;&amp;nbsp;&lt;font color="#6f6f6f"&gt;연합뉴스&lt;/font&gt;</description>
    <source url="https://www.yna.co.kr">연합뉴스</source>
  </item>
  <item>
    <title>SK텔레콤 - AI 사업 - 전자신문</title>
    <link>https://news.google.com/rss/articles/CBMiQkFVX3lxTE5kZWY?oc=5</link>
    <guid isPermaLink="false">CBMiQkFVX3lxTE5kZWY</guid>
  </item>"""


def test_parse_feed_google_news_items() -> None:
    feed = parse_feed(
        rss(GNEWS_ITEMS, title='"인공지능" - Google 뉴스').encode(),
        url="https://news.google.com/rss/search?q=%EC%9D%B8%EA%B3%B5%EC%A7%80%EB%8A%A5&hl=ko&gl=KR&ceid=KR:ko",
        content_type="application/xml; charset=utf-8",
    )
    first, second = feed.entries
    assert first.title == "삼성전자, 차세대 HBM 양산"
    assert first.publisher == "연합뉴스"
    assert first.link == "https://news.google.com/rss/articles/CBMiVkFVX3lxTE1hYmM?oc=5"
    assert first.canonical_url == "https://news.google.com/rss/articles/CBMiVkFVX3lxTE1hYmM"
    assert first.key == first.canonical_url
    assert first.summary == "삼성전자, 차세대 HBM 양산 연합뉴스"
    assert first.published == datetime(2024, 11, 5, 1, 2, 3, tzinfo=UTC)
    # Without a <source>, the last " - " part of a Google News title is the publisher.
    assert second.title == "SK텔레콤 - AI 사업"
    assert second.publisher == "전자신문"


def test_parse_feed_source_without_suffix_keeps_title() -> None:
    items = """<item><title>제목 그대로</title><link>https://a.example/1</link>
      <source url="https://www.hani.co.kr">한겨레</source></item>"""
    entry = one(parse_feed(rss(items).encode(), url=FEED_URL))
    assert (entry.title, entry.publisher) == ("제목 그대로", "한겨레")


def test_parse_feed_non_google_title_with_dash_is_not_split() -> None:
    items = "<item><title>LG - 엑사원 공개</title><link>https://a.example/1</link></item>"
    entry = one(parse_feed(rss(items).encode(), url=FEED_URL))
    assert (entry.title, entry.publisher) == ("LG - 엑사원 공개", None)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.google.com/rss/articles/CBMiABC?oc=5", True),
        ("https://news.google.com/articles/CBMiABC", True),
        ("https://news.google.com/read/CBMiABC?hl=ko", True),
        ("http://NEWS.GOOGLE.COM/rss/articles/CBMi_-x", True),
        ("https://news.google.com/rss/search?q=ai", False),
        ("https://news.google.com/rss/articles/", False),
        ("https://www.google.com/url?q=https://a.example", False),
        ("https://news.google.com.evil.example/rss/articles/CBMiABC", False),
        ("not a url", False),
    ],
)
def test_is_google_news_link(url: str, expected: bool) -> None:
    assert is_google_news_link(url) is expected


# --------------------------------------------------------------------------- #
# canonicalize_url
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # case, default port, fragment
        ("HTTPS://WWW.Example.CO.KR:443/News/1?B=2#top", "https://example.co.kr/News/1?B=2"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com./a", "https://example.com/a"),
        # tracking parameters, sorting
        (
            "https://a.example/v?utm_source=rss&utm_medium=feed&id=7&fbclid=x&gclid=y&cat=ai",
            "https://a.example/v?cat=ai&id=7",
        ),
        (
            "https://a.example/v?mc_cid=1&mc_eid=2&igshid=3&yclid=4&_ga=5&ref_src=6&cmpid=7&ocid=8",
            "https://a.example/v",
        ),
        ("https://a.example/v?UTM_Campaign=x&dclid=1&msclkid=2", "https://a.example/v"),
        ("https://a.example/v?tag=b&tag=a&page=1", "https://a.example/v?page=1&tag=b&tag=a"),
        ("https://a.example/v?", "https://a.example/v"),
        ("https://a.example/v?flag&x=", "https://a.example/v?flag&x="),
        # AMP
        ("https://www.example.com/2024/05/slug/amp/", "https://example.com/2024/05/slug/"),
        ("https://example.com/news/amp/123", "https://example.com/news/123"),
        ("https://example.com/article/123/amp", "https://example.com/article/123"),
        ("https://example.com/a/b.amp.html", "https://example.com/a/b.html"),
        ("https://example.com/a?amp", "https://example.com/a"),
        ("https://example.com/a?amp=1&id=2", "https://example.com/a?id=2"),
        ("https://example.com/a?outputType=amp&id=2", "https://example.com/a?id=2"),
        ("https://example.com/a?outputType=print", "https://example.com/a?outputType=print"),
        ("https://amp.example.com/a", "https://example.com/a"),
        ("https://example.com/amp", "https://example.com/"),
        # mobile and www variants merge on the bare host
        ("https://m.yna.co.kr/view/AKR1", "https://yna.co.kr/view/AKR1"),
        ("https://www.yna.co.kr/view/AKR1", "https://yna.co.kr/view/AKR1"),
        ("https://mobile.example.com/x", "https://example.com/x"),
        ("https://m.blog.naver.com/x/1", "https://blog.naver.com/x/1"),
        ("https://m.co.kr/", "https://m.co.kr/"),
        ("https://www.com/", "https://www.com/"),
        # Naver News
        (
            "https://m.news.naver.com/article/001/0014567890?sid=105",
            "https://n.news.naver.com/article/001/0014567890",
        ),
        (
            "https://n.news.naver.com/mnews/article/001/0014567890?sid=105",
            "https://n.news.naver.com/article/001/0014567890",
        ),
        (
            "https://news.naver.com/main/read.naver?mode=LSD&mid=shm&sid1=105&oid=001&aid=0014567890",
            "https://n.news.naver.com/article/001/0014567890",
        ),
        (
            "http://news.naver.com/main/read.nhn?oid=001&aid=0014567890",
            "https://n.news.naver.com/article/001/0014567890",
        ),
        ("https://news.naver.com/section/105", "https://news.naver.com/section/105"),
        # Google News links keep only the id
        (
            "https://news.google.com/articles/CBMiABC?hl=ko&gl=KR&ceid=KR:ko",
            "https://news.google.com/rss/articles/CBMiABC",
        ),
        # IDN and encoding
        ("https://한국.kr/경로?q=값", "https://xn--3e0b707e.kr/%EA%B2%BD%EB%A1%9C?q=%EA%B0%92"),
        ("https://xn--3e0b707e.kr/a", "https://xn--3e0b707e.kr/a"),
        ("https://a.example/%ea%b0%80 b?q=%7e", "https://a.example/%EA%B0%80%20b?q=%7E"),
        ("https://a.example/100%", "https://a.example/100%25"),
        # IP hosts, userinfo
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("http://127.0.0.1:80/x", "http://127.0.0.1/x"),
        ("https://user@www.example.com/", "https://user@example.com/"),
        # not http(s), or garbage: returned stripped
        ("  not a url  ", "not a url"),
        ("mailto:desk@example.co.kr", "mailto:desk@example.co.kr"),
        ("/relative/path", "/relative/path"),
        ("http://", "http://"),
        ("http://example.com:99999/", "http://example.com:99999/"),
        ("http://[::1/x", "http://[::1/x"),
        ("", ""),
    ],
)
def test_canonicalize_url(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected
    assert canonicalize_url(expected) == expected


def _url_corpus() -> list[str]:
    schemes = ["http", "https", "HTTP", "ftp", ""]
    hosts = [
        "example.com",
        "WWW.Example.com",
        "m.news.naver.com",
        "news.naver.com",
        "n.news.naver.com",
        "amp.m.www.example.co.kr",
        "한국.kr",
        "xn--3e0b707e.kr",
        "127.0.0.1",
        "[::1]",
        "news.google.com",
        "a..b",
        "m.co.kr",
        "user:pw@m.example.org",
    ]
    ports = ["", ":80", ":443", ":8080", ":abc"]
    paths = [
        "",
        "/",
        "/amp",
        "/a/amp/",
        "/x.amp.amp.html",
        "/경로/기사 1",
        "/%7e%41/100%",
        "/article/001/0000000001",
        "/main/read.nhn",
        "/rss/articles/CBMiXYZ",
        "//double//slash",
        "/a/../b/./c",
    ]
    queries = [
        "",
        "?",
        "?amp",
        "?b=2&a=1&utm_source=x",
        "?oid=001&aid=0000000001&sid=105",
        "?q=%ED%95%9C+%EA%B8%80&q=a",
        "?outputType=amp&x=1",
        "?&&=&x",
        "?k=v%",
    ]
    fragments = ["", "#frag", "#!/route"]
    urls = [
        f"{s}://{h}{p}{path}{q}{f}" if s else f"{h}{p}{path}{q}{f}"
        for s, h, p, path, q, f in itertools.product(
            schemes, hosts, ports, paths, queries, fragments
        )
    ]
    rng = random.Random(20241105)
    alphabet = "abcAZ09:/?#[]@!$&'()*+,;=%-._~ \t\n한글\u00e9\u0000\ufffd"
    for _ in range(2000):
        noise = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        urls.append(rng.choice(["", "http://", "https://", "https://m.", "http://www."]) + noise)
    return urls


def test_canonicalize_url_is_idempotent_and_never_raises() -> None:
    failures = []
    for url in _url_corpus():
        once = canonicalize_url(url)
        twice = canonicalize_url(once)
        if once != twice:
            failures.append(f"{url!r} -> {once!r} -> {twice!r}")
    assert not failures, f"{len(failures)} not idempotent, e.g.:\n" + "\n".join(failures[:20])


def test_canonicalize_url_output_is_clean() -> None:
    for url in _url_corpus():
        result = canonicalize_url(url)
        if result.startswith(("http://", "https://")) and result != url.strip():
            assert "#" not in result, url
            assert "utm_" not in result.lower(), url
            assert not re.search(r"[\s\u0080-\uffff]", result.split("@")[-1]), (url, result)


# --------------------------------------------------------------------------- #
# feedparser's own test corpus: ParsedFeed or ParseError, nothing else
# --------------------------------------------------------------------------- #

_HEADER = re.compile(rb"^\s*Header:\s*Content-type:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


def test_parse_feed_survives_feedparser_corpus(shared_dir: Path) -> None:
    root = shared_dir / "corpus" / "feedparser-tests" / "tests"
    files = sorted(p for p in root.rglob("*") if p.is_file())
    assert len(files) > 1000
    failures: list[str] = []
    parsed = errors = 0
    for path in files:
        content = path.read_bytes()
        header = _HEADER.search(content)
        content_type = header.group(1).decode("latin-1") if header else None
        try:
            # Parsing never fetches: links in these files point at public hosts.
            result = parse_feed(
                content, url="http://127.0.0.1:9/feed.xml", content_type=content_type
            )
        except ParseError as exc:
            assert "127.0.0.1:9" in str(exc)
            errors += 1
        except Exception as exc:  # report every file, not just the first
            failures.append(f"{path.relative_to(root)}: {type(exc).__name__}: {exc}")
        else:
            assert isinstance(result, ParsedFeed)
            assert all(isinstance(e, FeedEntry) and e.key for e in result.entries)
            parsed += 1
    assert not failures, f"{len(failures)} files raised:\n" + "\n".join(failures[:50])
    assert parsed > errors


def test_parse_feed_turns_feedparser_crash_into_parse_error() -> None:
    # Found by tests/test_fuzz.py: feedparser 6.0 raises TypeError (int(None) in
    # _end_width) on an <image> whose <title> is never closed, instead of setting bozo.
    content = (
        b'<rss version="2.0"><channel><image>\n<title>\n<url>http://127.0.0.1/u</url>\n'
        b"<width>80</width>\n<height>15</height>\n</image></channel></rss>"
    )
    with pytest.raises(ParseError, match="feedparser could not read it"):
        parse_feed(content, url="http://127.0.0.1/feed.xml")
