"""Typed records passed between pipeline steps.

Steps hand each other these frozen dataclasses, never dicts or database rows,
so that each step can be tested alone and moved to another process unchanged
(they pickle).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the steps' own records; models stays importable without them
    from flows.entities import Mention
    from flows.events import Event
    from flows.money import Amount
    from flows.neardup import Fingerprint

__all__ = [
    "ArticleRecord",
    "EntryOutcome",
    "ExtractedArticle",
    "FeedEntry",
    "FetchResult",
    "ParsedFeed",
]


@dataclass(frozen=True)
class FetchResult:
    """One HTTP response, read in full (within the size cap).

    ``url`` is the final URL after redirects. ``headers`` has lower-case keys.
    ``not_modified`` is true for a 304 answer to a conditional GET, in which
    case ``content`` is empty.
    """

    url: str
    status: int
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    not_modified: bool = False

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed, with its link resolved and canonicalised.

    ``key`` identifies the entry across runs: the canonical URL, or (for an
    item without a usable link) a ``guid:`` key built from the feed and guid.
    ``content_html`` holds the full text when the feed carries it
    (``content:encoded``); otherwise the page must be fetched.
    """

    key: str
    link: str | None
    canonical_url: str | None
    guid: str | None
    title: str
    summary: str = ""
    content_html: str | None = None
    published: datetime | None = None
    author: str | None = None
    publisher: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: its entries and, if the XML was malformed, the problem."""

    title: str
    entries: tuple[FeedEntry, ...]
    problem: str | None = None


@dataclass(frozen=True)
class ExtractedArticle:
    """Clean article text and metadata from a page or a feed's full text."""

    text: str
    title: str | None = None
    published: datetime | None = None
    author: str | None = None
    sitename: str | None = None
    lang: str | None = None
    removed_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArticleRecord:
    """An article ready for the archive: clean text plus where it came from."""

    canonical_url: str
    url: str
    title: str
    text: str
    content_hash: str
    source: str
    fetched_at: datetime
    guid: str | None = None
    lang: str | None = None
    author: str | None = None
    publisher: str | None = None
    published: datetime | None = None
    # Filled by the analysis steps; offsets are into analyze.article_document(title, text).
    mentions: tuple[Mention, ...] = ()
    amounts: tuple[Amount, ...] = ()
    fingerprint: Fingerprint | None = None
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class EntryOutcome:
    """What happened to one feed entry in this run.

    ``status`` is ``archived`` (an article to store; the archive may still
    find it a duplicate), ``irrelevant`` or ``failed``. ``aliases`` are other
    keys the entry is known by (the publisher URL behind a Google News link,
    the URL a page redirected to), remembered so that none is fetched again.
    """

    key: str
    status: str
    title: str = ""
    article: ArticleRecord | None = None
    aliases: tuple[str, ...] = ()
    error: str | None = None
    reason: str | None = None  # for a failure: its code (flows/reasons.py)
