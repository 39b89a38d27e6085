"""One feed, end to end: poll → new entries → fetch → extract → relevance → archive.

Plain functions with no Prefect in them: :mod:`flows.app.ingest` wraps
:func:`poll_feed` in a task. Later steps (near-duplicates, entities, events)
slot into :func:`process_entry` and :func:`flows.pipeline.persist.save_outcomes`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from flows.analysis.dedup import content_hash
from flows.analysis.enrich import enrich_article
from flows.analysis.entities import EntityTagger
from flows.analysis.events import EventDetector, default_detector
from flows.analysis.relevance import is_about_korean_ai
from flows.core.errors import ExtractError, FetchError, FetchHTTPError, ParseError
from flows.core.models import ArticleRecord, EntryOutcome, ExtractedArticle, FeedEntry
from flows.fetch.client import (
    FEED_MAX_BYTES,
    PAGE_MAX_BYTES,
    HttpClient,
    parse_cache_control_max_age,
    set_host_interval,
)
from flows.fetch.robots import RobotsPolicy
from flows.parse.extract import extract_article, extract_fragment
from flows.parse.feeds import canonicalize_url, is_google_news_link, parse_feed
from flows.parse.gnews import resolve_google_news_link
from flows.parse.titles import headline_and_outlet
from flows.pipeline.config import Settings, Source
from flows.pipeline.persist import save_outcomes
from flows.pipeline.politeness import next_poll_after_failure, next_poll_after_success, should_pause
from flows.pipeline.reasons import FIXED_BY_PRIVATE_NETWORK, describe_counts, failure_reason
from storage.archive import Archive, FeedState, utc_now

if TYPE_CHECKING:  # the pipeline does not send alerts; the flow reports them
    from flows.pipeline.alerts import AlertCounts

__all__ = ["FeedReport", "RunSummary", "poll_feed", "process_entry"]

log = logging.getLogger(__name__)

# Articles are saved in batches: bounded memory, and a crash loses at most one batch.
BATCH_SIZE = 25
# A feed's own text shorter than this is a teaser; the page is fetched instead.
MIN_FEED_TEXT = 400
# Longer texts are cut at a paragraph: no news article is this long, a hostile page may be.
MAX_TEXT_CHARS = 100_000


@dataclass
class FeedReport:
    """What one poll of one feed did."""

    name: str
    url: str
    status: str = "polled"  # polled | not_modified | failed | skipped | paused
    entries_seen: int = 0
    new: int = 0
    duplicate: int = 0
    irrelevant: int = 0
    failed: int = 0
    error: str | None = None
    problem: str | None = None
    next_poll_at: datetime | None = None
    paused: bool = False  # this poll's failure paused the feed
    new_article_ids: list[int] = field(default_factory=list)
    failed_why: Counter[str] = field(default_factory=Counter)  # failed entries by reason code


@dataclass
class RunSummary:
    """Totals of one run over all feeds."""

    reports: list[FeedReport] = field(default_factory=list)
    run_id: int | None = None
    blocked: str | None = None  # another run held the archive; nothing was polled
    alerts: AlertCounts | None = None  # what the alert sender did after polling

    def counts(self) -> dict[str, int]:
        """The run's totals, named like the ``runs`` table's columns."""
        by_status = [report.status for report in self.reports]
        return {
            "feeds_polled": sum(status in {"polled", "not_modified"} for status in by_status),
            "feeds_not_modified": by_status.count("not_modified"),
            "feeds_failed": by_status.count("failed"),
            "feeds_skipped": by_status.count("skipped"),
            "feeds_paused": by_status.count("paused") + sum(r.paused for r in self.reports),
            "entries_seen": sum(report.entries_seen for report in self.reports),
            "articles_new": sum(report.new for report in self.reports),
            "articles_duplicate": sum(report.duplicate for report in self.reports),
            "articles_irrelevant": sum(report.irrelevant for report in self.reports),
            "articles_failed": sum(report.failed for report in self.reports),
        }

    def failures(self) -> list[FeedReport]:
        return [report for report in self.reports if report.status == "failed"]

    def failed_why(self) -> Counter[str]:
        """Failed entries of every feed, by reason code."""
        total: Counter[str] = Counter()
        for report in self.reports:
            total.update(report.failed_why)
        return total

    def reasons(self) -> str | None:
        """Why entries failed and feeds were not polled, short (for the ``runs`` table)."""
        c = self.counts()
        parts = [describe_counts(self.failed_why(), fix=False)] if c["articles_failed"] else []
        for key, what in (("feeds_failed", "feed(s) failed"), ("feeds_skipped", "feed(s) not "
                          "due yet"), ("feeds_paused", "feed(s) paused")):  # fmt: skip
            if c[key]:
                parts.append(f"{c[key]} {what}")
        return "; ".join(parts) or None

    def format(self) -> str:
        """The run summary: a line for feeds, entries and alerts; every count says why."""
        if self.blocked:
            return f"not run: {self.blocked}"
        c = self.counts()
        modified = " (304: nothing new)" if c["feeds_not_modified"] else ""
        feeds = (
            f"feeds: {c['feeds_polled']} polled, {c['feeds_not_modified']} not modified{modified}, "
            f"{c['feeds_failed']} failed"
        )
        if c["feeds_skipped"]:
            due = min(
                r.next_poll_at for r in self.reports if r.status == "skipped" and r.next_poll_at
            )
            feeds += (
                f", {c['feeds_skipped']} not due yet (next poll {due:%Y-%m-%d %H:%M} UTC, after "
                "settings.min_poll_interval_minutes or the server's wish; kaiwatch run --now "
                "polls it)"
            )
        if c["feeds_paused"]:
            feeds += f", {c['feeds_paused']} paused"
        duplicate = " (already archived: same URL or text)" if c["articles_duplicate"] else ""
        irrelevant = " (not Korean AI news: filter: korean-ai)" if c["articles_irrelevant"] else ""
        failed = f" ({describe_counts(self.failed_why())})" if c["articles_failed"] else ""
        articles = (
            f"entries: {c['entries_seen']} seen; articles: {c['articles_new']} new, "
            f"{c['articles_duplicate']} duplicate{duplicate}, "
            f"{c['articles_irrelevant']} irrelevant{irrelevant}, {c['articles_failed']} failed{failed}"
        )
        lines = [feeds, articles]
        if self.alerts is not None:
            lines.append(self.alerts.format())
        for report in self.reports:
            if report.status == "failed":
                lines.append(f"  failed feed {report.name}: {report.error}")
            if report.paused:
                lines.append(
                    f"  paused feed {report.name}: resume with `kaiwatch sources resume {report.name}`"
                )
            elif report.status == "paused":
                lines.append(f"  paused feed {report.name} (not polled): {report.error}")
        return "\n".join(lines)


def poll_feed(
    source: Source,
    *,
    archive: Archive,
    client: HttpClient,
    settings: Settings,
    robots: RobotsPolicy | None = None,
    tagger: EntityTagger | None = None,
    run_id: int | None = None,
    now: Callable[[], datetime] = utc_now,
    poll_now: bool = False,
    retry_failed: bool = False,
) -> FeedReport:
    """Poll one feed and archive its new articles; never raises for a bad feed.

    A feed that fails (network, HTTP status, unparseable XML) is recorded on
    its ``feeds`` row and reported; the other feeds go on. The feed URL is the
    operator's and trusted; its article links are strangers' and guarded
    (public addresses only unless the source allows private ones, robots.txt
    when ``robots`` is given).

    Entries that failed for a reason the source's settings now fix (links on a
    private address, now allowed) are retried at once, the feed fetched afresh
    (a 304 would hide them).

    :param poll_now: poll even if the feed is not due yet (``kaiwatch run --now``).
    :param retry_failed: retry every failed entry now, whatever its attempts
        (``kaiwatch run --retry-failed``).
    """
    report = FeedReport(name=source.name, url=source.url)
    state = archive.ensure_feed(source.url, source.name)
    if state.paused_at is not None:
        report.status = "paused"
        report.error = f"paused; resume with `kaiwatch sources resume {source.name}`"
        return report
    fixed = {FIXED_BY_PRIVATE_NETWORK} if source.allow_private_network else set()
    retrying = bool(
        (retry_failed or fixed)
        and archive.failed_entries(state.id, reasons=None if retry_failed else fixed)
    )
    if not (poll_now or retrying) and state.next_poll_at is not None and state.next_poll_at > now():
        report.status, report.next_poll_at = "skipped", state.next_poll_at
        return report
    try:
        response = client.get(
            source.url,
            etag=None if retrying else state.etag,
            last_modified=None if retrying else state.last_modified,
            max_bytes=FEED_MAX_BYTES,
            allow_private=True,
        )
    except FetchError as exc:
        http_error = exc if isinstance(exc, FetchHTTPError) else None
        return _record_failure(
            report, archive, state, settings, now(), error=str(exc),
            status=http_error.status if http_error else None,
            retry_after=http_error.retry_after if http_error else None,
        )  # fmt: skip
    next_poll = next_poll_after_success(
        now(), settings, max_age=parse_cache_control_max_age(response.headers)
    )
    if response.not_modified:
        archive.record_feed_polled(
            state.id,
            status=304,
            etag=response.etag,
            last_modified=response.last_modified,
            next_poll_at=next_poll,
        )
        report.status = "not_modified"
        return report
    try:
        parsed = parse_feed(
            response.content,
            url=response.url,
            content_type=response.content_type,
            max_entries=settings.max_entries_per_feed,
        )
    except ParseError as exc:
        return _record_failure(
            report, archive, state, settings, now(), error=str(exc), status=response.status
        )

    report.entries_seen = len(parsed.entries)
    report.problem = parsed.problem
    unseen = archive.unseen_keys(
        (entry.key for entry in parsed.entries), max_attempts=settings.max_attempts,
        retry_reasons=fixed, retry_failed=retry_failed,
    )  # fmt: skip
    new_entries = [entry for entry in parsed.entries if entry.key in unseen]
    recurring = archive.recurring_lines(source.name)
    # One detector per knowledge base and setting, built on first use (kiwipiepy, when
    # settings.korean_names asks for it, loads on the first Korean article only).
    detector = default_detector(tagger, settings.korean_names == "kiwipiepy") if tagger else None
    for batch in _batches(new_entries, BATCH_SIZE):
        outcomes = [
            process_entry(
                entry,
                source,
                client,
                robots=robots,
                tagger=tagger,
                detector=detector,
                recurring_lines=recurring,
                now=now,
            )
            for entry in batch
        ]
        report.failed_why.update(o.reason or "other" for o in outcomes if o.status == "failed")
        counts = save_outcomes(archive, outcomes, feed_id=state.id, run_id=run_id)
        report.new += counts.new
        report.duplicate += counts.duplicate
        report.irrelevant += counts.irrelevant
        report.failed += counts.failed
        report.new_article_ids.extend(counts.new_article_ids)
    # Validators are stored only once the entries are safely archived, so a
    # crash mid-feed makes the next run fetch the feed again instead of a 304.
    archive.record_feed_polled(
        state.id,
        status=response.status,
        etag=response.etag,
        last_modified=response.last_modified,
        problem=parsed.problem,
        next_poll_at=next_poll,
    )
    return report


def _record_failure(
    report: FeedReport,
    archive: Archive,
    state: FeedState,
    settings: Settings,
    now: datetime,
    *,
    error: str,
    status: int | None,
    retry_after: float | None = None,
) -> FeedReport:
    """Count a failed poll, back off, and pause the feed once it keeps failing."""
    failures = state.failures + 1  # one run writes a feed at a time (the lease)
    next_poll = next_poll_after_failure(now, settings, failures=failures, retry_after=retry_after)
    archive.record_feed_failure(state.id, error=error, status=status, next_poll_at=next_poll)
    report.status, report.error, report.next_poll_at = "failed", error, next_poll
    # INFO: the run summary lists the failed feed with its error; the log keeps the count.
    log.info("feed %s failed (%d in a row): %s", report.name, failures, error)
    if should_pause(settings, failures):
        reason = f"{failures} failed polls in a row; last error: {error}"
        archive.pause_feed(state.id, reason=reason)
        archive.add_operator_message(
            "feed-paused",
            f"kaiwatch paused the feed {report.name}",
            f"The feed {report.name} ({report.url}) failed {failures} times in a row and is "
            f"paused.\nLast error: {error}\nResume it with: kaiwatch sources resume {report.name}",
        )
        report.paused = True
    return report


def process_entry(
    entry: FeedEntry,
    source: Source,
    client: HttpClient,
    *,
    robots: RobotsPolicy | None = None,
    tagger: EntityTagger | None = None,
    detector: EventDetector | None = None,
    recurring_lines: frozenset[str] = frozenset(),
    now: Callable[[], datetime] = utc_now,
) -> EntryOutcome:
    """Turn one feed entry into an article (or say why not); never raises for bad input."""
    aliases: list[str] = []
    link = entry.link
    try:
        # With fetch_pages off nothing is fetched for an entry, not even Google's redirect.
        if link and source.fetch_pages and is_google_news_link(link):
            resolved = resolve_google_news_link(link, client)  # Google is public
            if resolved is None:
                raise ExtractError(f"could not resolve the Google News link {link}")
            link = resolved
        extracted, final_url = _extract(entry, source, client, robots, link, recurring_lines)
    except (FetchError, ExtractError) as exc:
        return EntryOutcome(
            key=entry.key, status="failed", title=entry.title, aliases=(), error=str(exc),
            reason=failure_reason(exc),
        )  # fmt: skip

    canonical = canonicalize_url(final_url) if final_url else entry.key
    for candidate in (canonicalize_url(link) if link else None, canonical):
        if candidate and candidate != entry.key and candidate not in aliases:
            aliases.append(candidate)
    page_title, outlet = headline_and_outlet(extracted.title, extracted.sitename)
    title = (entry.title or page_title or "")[:1000]
    text = _cap_text(extracted.text)
    lang = extracted.lang or source.lang
    if source.filter == "korean-ai" and not is_about_korean_ai(title, text, lang):
        return EntryOutcome(key=entry.key, status="irrelevant", title=title, aliases=tuple(aliases))
    article = ArticleRecord(
        canonical_url=canonical,
        url=final_url or link or entry.key,
        title=title,
        text=text,
        content_hash=content_hash(text),
        source=source.name,
        fetched_at=now(),
        guid=entry.guid,
        lang=lang,
        author=entry.author or extracted.author,
        publisher=entry.publisher or (outlet if outlet != title else None),
        published=entry.published or extracted.published,
    )
    article = enrich_article(article, tagger, detector=detector)
    return EntryOutcome(
        key=entry.key, status="archived", title=title, article=article, aliases=tuple(aliases)
    )


def _extract(
    entry: FeedEntry,
    source: Source,
    client: HttpClient,
    robots: RobotsPolicy | None,
    link: str | None,
    recurring_lines: frozenset[str],
) -> tuple[ExtractedArticle, str | None]:
    """Extract from the feed's full text when it has one, else from the page."""
    if entry.content_html:
        try:
            extracted = extract_fragment(
                entry.content_html, url=link, title=entry.title, recurring_lines=recurring_lines
            )
            if len(extracted.text) >= MIN_FEED_TEXT or not (source.fetch_pages and link):
                return extracted, link
        except ExtractError:
            if not (source.fetch_pages and link):
                raise
    if source.fetch_pages and link:
        private = source.allow_private_network
        if robots is not None:
            robots.check(link, allow_private=private)  # says whether disallowed or unreachable
            delay = robots.crawl_delay(link, allow_private=private)
            if delay:
                set_host_interval(link, delay)
        page = client.get(link, max_bytes=PAGE_MAX_BYTES, allow_private=private)
        extracted = extract_article(
            page.content,
            url=page.url,
            content_type=page.content_type,
            recurring_lines=recurring_lines,
        )
        return extracted, page.url
    if entry.summary:
        return extract_fragment(
            entry.summary, url=link, title=entry.title, recurring_lines=recurring_lines
        ), link
    if not source.fetch_pages:
        raise ExtractError(f"entry {entry.key} has no text in the feed and page fetching is off")
    raise ExtractError(f"entry {entry.key} has no http(s) link to fetch and no text in the feed")


def _cap_text(text: str) -> str:
    """Cut an over-long text at the last paragraph break before :data:`MAX_TEXT_CHARS`."""
    if len(text) <= MAX_TEXT_CHARS:
        return text
    cut = text.rfind("\n", 0, MAX_TEXT_CHARS)
    return text[: cut if cut > MAX_TEXT_CHARS // 2 else MAX_TEXT_CHARS]


def _batches(items: list[FeedEntry], size: int) -> Iterable[list[FeedEntry]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
