"""Resolve Google News RSS links to the publisher's URL (the I/O half).

Google News feeds link to ``news.google.com/rss/articles/{id}``. Three routes
are tried, cheapest first:

1. the old id format holds the URL itself (:func:`~flows.parse.feeds.decode_google_news_link`);
2. the article page carries a signature and timestamp that the
   ``batchexecute`` endpoint exchanges for the URL
   (:func:`~flows.parse.feeds.google_news_decoding_request`);
3. if fetching the page was redirected off Google, that final URL is the answer.

Every failure is logged and gives None: the caller keeps the Google link.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

from flows.core.errors import KaiwatchError
from flows.parse.feeds import (
    decode_google_news_link,
    google_news_decoding_request,
    is_google_news_link,
    parse_google_news_decoding_response,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from flows.core.models import FetchResult


class HttpClient(Protocol):
    """What resolving needs of :class:`flows.fetch.client.HttpClient` (parse does not import fetch)."""

    def get(self, url: str, *, allow_private: bool = False) -> FetchResult: ...

    def post(
        self,
        url: str,
        *,
        data: Mapping[str, str] | bytes,
        headers: Mapping[str, str] | None = None,
        allow_private: bool = False,
    ) -> FetchResult: ...


__all__ = ["GOOGLE_NEWS_BASE", "resolve_google_news_link"]

logger = logging.getLogger(__name__)

GOOGLE_NEWS_BASE = "https://news.google.com"
# Locale of the article page when the link names none; it does not change the URL.
_DEFAULT_LOCALE = {"hl": "ko", "gl": "KR", "ceid": "KR:ko"}
_POST_HEADERS = {
    "content-type": "application/x-www-form-urlencoded;charset=UTF-8",
    "referer": "https://news.google.com/",
}


def resolve_google_news_link(
    url: str, client: HttpClient, *, base: str = GOOGLE_NEWS_BASE, allow_private: bool = False
) -> str | None:
    """Return the publisher URL behind a Google News article link, or None.

    :param url: a ``news.google.com`` article link from a Google News feed.
    :param client: makes the requests; only ``get(url)`` (following redirects)
        and ``post(url, data=, headers=)`` are used.
    :param base: scheme and host to send the requests to; the link's path is
        kept. Tests point it at a loopback server.
    :param allow_private: let the requests reach private addresses (tests only;
        Google is public).
    :returns: the publisher's URL, or None if the link is not a Google News
        link or no route worked.
    """
    if not is_google_news_link(url):
        return None
    decoded = decode_google_news_link(url)
    if decoded:
        return decoded

    parts = urlsplit(url.strip())
    article_id = parts.path.rstrip("/").rsplit("/", 1)[-1]
    locale = {k: v for k, v in parse_qsl(parts.query) if k in _DEFAULT_LOCALE}
    # /rss/articles/ answers non-browser clients; /articles/ and /read/ send
    # them to a consent or "sorry" page.
    page_url = f"{base.rstrip('/')}/rss/articles/{article_id}?" + urlencode(
        {**_DEFAULT_LOCALE, **locale}
    )

    page = _get(client, page_url, allow_private)
    if page is None:
        return None
    if _left_google(page.url, base):
        return page.url
    if not 200 <= page.status < 300:
        logger.info("google news: %s answered %s", page_url, page.status)
        return None

    found = _batchexecute(client, page_url, page.content.decode("utf-8", "replace"), allow_private)
    if found:
        return found
    logger.info("google news: could not resolve %s", url)
    return None


def _get(client: HttpClient, url: str, allow_private: bool) -> FetchResult | None:
    try:
        return client.get(url, allow_private=allow_private)
    except KaiwatchError as exc:
        logger.info("google news: GET %s failed: %s", url, exc)
        return None


def _batchexecute(
    client: HttpClient, page_url: str, page_html: str, allow_private: bool
) -> str | None:
    """Exchange the page's signature for the URL; None if any step fails."""
    request = google_news_decoding_request(page_url, page_html)
    if request is None:
        logger.info("google news: no signature on %s", page_url)
        return None
    endpoint, form = request
    try:
        answer = client.post(
            endpoint, data=form, headers=dict(_POST_HEADERS), allow_private=allow_private
        )
    except KaiwatchError as exc:
        logger.info("google news: POST %s failed: %s", endpoint, exc)
        return None
    if not 200 <= answer.status < 300:
        logger.info("google news: POST %s answered %s", endpoint, answer.status)
        return None
    return parse_google_news_decoding_response(answer.content.decode("utf-8", "replace"))


def _left_google(final_url: str, base: str) -> bool:
    """Tell whether a redirect ended on a publisher page rather than on Google."""
    final = urlsplit(final_url)
    if final.scheme not in ("http", "https") or not final.hostname:
        return False
    host = final.hostname
    if host == "google.com" or host.endswith(".google.com"):
        return False
    if final.netloc != urlsplit(base).netloc:
        return True
    # Same host as ``base`` (a test server): still Google unless off its paths.
    return not final.path.startswith(("/rss/", "/articles/", "/read/", "/sorry", "/_/"))
