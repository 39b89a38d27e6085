"""Typed records passed between pipeline steps.

Steps hand each other these frozen dataclasses, never dicts or database rows,
so that each step can be tested alone and moved to another process unchanged
(they pickle).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "NUM_PERM",
    "Amount",
    "ArticleRecord",
    "EntryOutcome",
    "Event",
    "ExtractedArticle",
    "FeedEntry",
    "FetchResult",
    "Fingerprint",
    "Mention",
    "ParsedFeed",
    "Reason",
    "Scored",
    "UnknownEntity",
]

#: Permutations in a MinHash signature (why 256: :mod:`flows.analysis.neardup`).
NUM_PERM = 256


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


# -- what the analysis finds ---------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """One mention of an entity: its id, the words as written and their offsets."""

    entity_id: str
    surface: str
    start: int
    end: int


@dataclass(frozen=True)
class Amount:
    """One amount of money found in a text.

    ``value`` is in ``currency``; ``krw`` and ``usd`` are whole won and dollars
    (None when no rate converts the currency). ``start``/``end`` are offsets of
    ``text`` in the input, and ``sentence`` is the sentence around it.
    """

    text: str
    currency: str
    value: float
    krw: int | None
    usd: int | None
    start: int
    end: int
    sentence: str


@dataclass(frozen=True)
class UnknownEntity:
    """A name the knowledge base lacks, kept as an entity of its own.

    ``id`` is stable (``unk:`` and the name's normalised form), so the same name gets
    the same id in every article; ``type`` is a guess (``org`` or ``person``).
    """

    id: str
    name: str
    type: str
    lang: str


@dataclass(frozen=True)
class Reason:
    """One feature that moved an event's probability: its id, what it means, its weight."""

    id: str
    reason: str
    weight: float


@dataclass(frozen=True)
class Event:
    """One partnership or funding event, with the sentence that shows it and why.

    ``confidence`` is the calibrated probability that the event is real. ``parties``
    are entity ids (``unk:…`` for names the knowledge base lacks), ``roles`` theirs
    (recipient, lead_investor, investor, signatory, government); ``amounts`` start with
    the lead amount. ``trigger`` is the rule id of the witness trigger and ``reasons``
    the features with the largest contributions, largest first.
    """

    type: str
    subtype: str | None
    parties: tuple[str, ...]
    party_names: tuple[str, ...]
    amounts: tuple[Amount, ...]
    round: str | None
    evidence: str
    confidence: float
    roles: tuple[str, ...] = ()
    trigger: str | None = None
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class Fingerprint:
    """An article's MinHash signature and what it was built from.

    ``signature`` is :data:`NUM_PERM` little-endian unsigned 32-bit minima
    (bytes, so it is stored as a BLOB and compared exactly); ``shingles`` is
    how many distinct shingles the text had; ``lang`` the language it was
    shingled as.
    """

    signature: bytes
    shingles: int
    lang: str

    def __post_init__(self) -> None:
        if len(self.signature) != NUM_PERM * 4:
            raise ValueError(
                f"signature has {len(self.signature)} bytes, expected {NUM_PERM * 4} "
                f"({NUM_PERM} permutations). Fix: rebuild fingerprints with `kaiwatch reindex`."
            )

    def hashvalues(self) -> np.ndarray:
        """The signature as an array of :data:`NUM_PERM` unsigned 32-bit integers."""
        import numpy as np  # here: storage reads fingerprints without loading numpy

        return np.frombuffer(self.signature, dtype="<u4")


class Scored(Protocol):
    """What the alert policy reads of an event: an :class:`Event`, or an archived one's view."""

    @property
    def type(self) -> str: ...
    @property
    def confidence(self) -> float: ...


# -- between the steps --------------------------------------------------------


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
    # Names the knowledge base lacks; their mentions are in ``mentions`` under their ids.
    unknown_entities: tuple[UnknownEntity, ...] = ()


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
    reason: str | None = None  # for a failure: its code (flows/pipeline/reasons.py)
