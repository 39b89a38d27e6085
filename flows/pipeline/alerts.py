"""Route queued alerts to channels and deliver them, with retries and a dead letter.

The outbox rows are written with the article (:mod:`storage.alerts`). Here,
after each run: new alerts are checked (threshold, age) and routed to the
channels whose tags a matching route names; then every due delivery is sent,
one channel at a time, and marked sent only once apprise reports the channel
accepted it. A failure waits ``retry_after_minutes``, doubled per failure, and
after ``max_attempts`` the delivery is dead (listed by ``kaiwatch alerts list
--dead``, revived by ``kaiwatch alerts retry``). A crash between a channel's
acceptance and the mark resends that one message once on the next run.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import apprise

from flows.analysis.events import warrants_alert
from flows.analysis.relevance import is_about_korean_ai
from flows.core.errors import RunInProgress
from flows.core.secrets import install_secret_filter, mask
from flows.notify.channels import NOTIFY_ENV, BrokenChannel, Channel, apprise_log
from flows.notify.messages import DEFAULT_TIMEZONE, Message, alert_message, digest_message
from flows.pipeline.alert_config import AlertSettings, Route
from storage import alerts as outbox
from storage.archive import Archive, iso_utc
from storage.lease import RunLease

__all__ = [
    "AlertCounts",
    "attempt_message",
    "combine",
    "deliver_alerts",
    "deliver_due",
    "digest_events",
    "failure_reason",
    "route_new_alerts",
    "select_channels",
    "send_message",
    "send_test",
]

log = logging.getLogger(__name__)

_MAX_BACKOFF = timedelta(days=1)


Reasons = tuple[tuple[str, int], ...]
"""Counts by reason, most frequent first: ``(("HTTP 500", 2), ("timed out", 1))``."""


def _reasons(counter: Counter[str]) -> Reasons:
    return tuple(counter.most_common())


def _add_reasons(*groups: Reasons) -> Reasons:
    total: Counter[str] = Counter()
    for group in groups:
        total.update(dict(group))
    return _reasons(total)


def _why(reasons: Reasons, prefix: str = "") -> str:
    """`` (41 older than 72 h: alerts.max_age_hours; 2 not Korean AI)``, or ``""``."""
    if not reasons:
        return ""
    sep = "; " if any(":" in reason for reason, _ in reasons) else ", "
    return f" ({prefix}{sep.join(f'{count} {reason}' for reason, count in reasons)})"


@dataclass(frozen=True)
class AlertCounts:
    """What one pass of the sender did, and why for every count that is not "sent"."""

    routed: int = 0
    skipped: int = 0  # below the threshold, too old, off-topic, or no route matched
    waiting: int = 0  # new alerts kept until a channel is configured
    sent: int = 0
    failed: int = 0  # will be retried
    dead: int = 0  # gave up this pass
    held: int = 0  # alerts that wait for a channel apprise cannot load (see ``broken``)
    skipped_why: Reasons = ()
    failed_why: Reasons = ()  # what the channels answered: "HTTP 500", "connection refused"
    dead_why: Reasons = ()
    broken: tuple[str, ...] = ()  # labels of channels apprise cannot load (never their URLs)
    error: str | None = None  # the channels could not be read at all; nothing was sent
    already_sent: int = 0  # a digest: channels that had it before this pass
    updates: int = 0  # alerts.updates: update messages sent (a write-up gave the amount or round)

    @property
    def problem(self) -> bool:
        """A channel is misconfigured: the operator has something to fix."""
        return bool(self.broken or self.error)

    def deliveries(self) -> str:
        """``1 sent, 2 failed (will retry: 1 HTTP 500, 1 connection refused), 0 dead``."""
        return (
            f"{self.sent} sent, {self.failed} failed{_why(self.failed_why, 'will retry: ')}, "
            f"{self.dead} dead{_why(self.dead_why)}"
        )

    def format(self) -> str:
        """The run summary's alert line, then a line per channel that cannot be loaded."""
        if self.error:
            return f"alerts: not sent: {self.error}"
        waiting = f" (set {NOTIFY_ENV})" if self.waiting else ""
        updates = f", {self.updates} update(s) sent" if self.updates else ""
        lines = [
            f"alerts: {self.routed} routed, {self.deliveries()}, "
            f"{self.skipped} skipped{_why(self.skipped_why)}, "
            f"{self.waiting} waiting for a channel{waiting}{updates}"
        ]
        lines += [
            f"  {label} cannot be loaded by apprise: {self.held} alert(s) wait for it. "
            "Fix its URL (forms: https://github.com/caronc/apprise/wiki)."
            for label in self.broken
        ]
        return "\n".join(lines)


def _iso(moment: datetime) -> str:
    # Stamps are compared as text with the archive's, so they share its one form.
    return iso_utc(moment) or ""


def select_channels(
    view: outbox.EventView,
    routes: Sequence[Route],
    channels: Sequence[Any],
    watched: Mapping[str, frozenset[str]] | None = None,
) -> list[Any]:
    """The channels an event goes to: every channel without routes, else the routed ones.

    ``watched`` maps each route's name to the entity ids its watch list stands for
    (:func:`watch_lists`); without it, the watch list is compared as written.
    """
    if not routes:
        return list(channels)
    chosen: dict[str, Any] = {}
    for route in routes:
        ids = (watched or {}).get(route.name, frozenset())
        if _matches(view, route, ids):
            for channel in channels:
                if channel.accepts(route.to):
                    chosen.setdefault(channel.id, channel)
    return list(chosen.values())


def watch_lists(conn: Any, routes: Sequence[Route]) -> dict[str, frozenset[str]]:
    """Each route's watch list as entity ids: names, aliases and Korean names resolved."""
    from flows.notify.queries import resolve_entity  # the same resolution as `kaiwatch entity NAME`

    resolved = {}
    for route in routes:
        ids: set[str] = set()
        for name in route.entities:
            found = resolve_entity(conn, name)
            if not found:
                log.warning("route %s: %r names no known entity; compared as written",
                            route.name, name)  # fmt: skip
            ids.update(entity_id for entity_id, _ in found)
        resolved[route.name] = frozenset(ids)
    return resolved


def _matches(view: outbox.EventView, route: Route, watched_ids: frozenset[str]) -> bool:
    if view.type not in route.types:
        return False
    if route.min_amount is not None and (view.amount_krw or 0) < route.min_amount:
        return False
    if route.entities:
        involved = {v.casefold() for v in (*view.parties, *view.party_names, *view.mentioned)}
        wanted = {item.casefold() for item in (*route.entities, *watched_ids)}
        if not involved & wanted:
            return False
    return True


def _skip_reasons(settings: AlertSettings) -> dict[str, str]:
    """What each closing status means, with the setting behind it."""
    return {
        "below_threshold": f"below confidence {settings.threshold:g}: alerts.threshold",
        "off_topic": "not Korean AI",
        "expired": f"older than {settings.max_age_hours:g} h: alerts.max_age_hours",
        "no_route": "no route matched: alerts.routes",
    }


def route_new_alerts(
    archive: Archive,
    settings: AlertSettings,
    channels: Sequence[Channel],
    now: datetime,
    broken: Sequence[BrokenChannel] = (),
) -> AlertCounts:
    """Give every new alert its deliveries, or close it (below threshold, too old, no route).

    An alert that would also go to a channel apprise cannot load (``broken``) is
    routed to the others and waits for that one; once no such channel takes it any
    more (its URL was fixed), it gets deliveries for the channels it lacks.
    """
    routed = held = 0
    skipped: Counter[str] = Counter()
    reasons = _skip_reasons(settings)
    labels = tuple(channel.label for channel in broken)
    with archive.write() as conn:
        pending = outbox.new_alerts(conn)
        waiting = outbox.waiting_alerts(conn)
        if pending and not channels:
            held = len(pending) + len(waiting) if broken else 0
            return AlertCounts(waiting=len(pending) - held, held=held, broken=labels)
        oldest = _iso(now - timedelta(hours=settings.max_age_hours))  # bounded by its setting
        stamp = _iso(now)
        watched = watch_lists(conn, settings.routes) if pending or waiting else {}
        for alert_id in waiting:
            view = outbox.alert_view(conn, alert_id)
            if view is None or select_channels(view, settings.routes, broken, watched):
                held += view is not None
                continue
            targets = select_channels(view, settings.routes, channels, watched)
            outbox.add_alert_deliveries(conn, alert_id, [(c.id, c.label) for c in targets], stamp)
            outbox.set_alert_waiting(conn, alert_id, None)
        for alert in pending:
            view = outbox.alert_view(conn, alert["id"])
            status = None
            # The detector's alert policy, asked twice to tell the two reasons apart.
            if view is None or not warrants_alert([view], True, settings.threshold):
                status = "below_threshold"  # a reindex may also have dropped the event
            elif not warrants_alert(
                [view], _about_korean_ai(conn, view.article_id), settings.threshold
            ):
                status = "off_topic"  # e.g. a foreign deal in a feed kept unfiltered
            elif _iso(datetime.fromisoformat(view.published or alert["created_at"])) < oldest:
                # By the article's date: a new feed's backlog must not flood the channels.
                status = "expired"
            else:
                targets = select_channels(view, settings.routes, channels, watched)
                unloadable = select_channels(view, settings.routes, broken, watched)
                if targets:
                    outbox.route_alert(conn, alert["id"], [(c.id, c.label) for c in targets], stamp)
                    routed += 1
                if unloadable:
                    held += 1
                    if targets:  # a new alert that only broken channels take stays new
                        outbox.set_alert_waiting(
                            conn, alert["id"], ", ".join(c.label for c in unloadable)
                        )
                if targets or unloadable:
                    continue
                status = "no_route"
            outbox.set_alert_status(conn, alert["id"], status, stamp)
            skipped[reasons[status]] += 1
    return AlertCounts(
        routed=routed, skipped=sum(skipped.values()), skipped_why=_reasons(skipped), held=held,
        broken=labels,
    )  # fmt: skip


def _about_korean_ai(conn: Any, article_id: int) -> bool:
    # Feeds with `filter: none` keep every article; an alert is only for Korean AI news.
    title, text, lang = conn.execute(
        "SELECT title, text, lang FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    return is_about_korean_ai(title, text, lang)


def _funding_chart(conn: Any, end: str) -> str:
    """Funding per month over the six months up to a weekly digest's end, as inline SVG."""
    from flows.notify.charts import funding_chart_svg  # only weekly digests draw

    last_day = datetime.fromisoformat(end).date()  # the week's end, included
    year, month = last_day.year, last_day.month - 5
    if month < 1:
        year, month = year - 1, month + 12
    until = (last_day + timedelta(days=1)).isoformat()
    return funding_chart_svg(conn, f"{year:04d}-{month:02d}-01", until)


def digest_events(conn: Any, start: str, end: str, threshold: float) -> list[outbox.EventView]:
    """The events a digest of ``[start, end)`` lists: those an alert would have gone out for."""
    views = outbox.period_events(conn, start, end, threshold)
    return [view for view in views if _about_korean_ai(conn, view.article_id)]


def send_message(channel: Channel, message: Message) -> bool:
    """Send one message to one channel; True only when the channel accepted it."""
    return attempt_message(channel, message) is None


def attempt_message(channel: Channel, message: Message) -> str | None:
    """Send one message to one channel: None when it accepted it, else why not.

    apprise tells only True or False; why is in what its plugin logs (the HTTP
    status, a refused connection, a timeout), read here while it sends.
    """
    notifier = apprise.Apprise()
    notifier.add(channel.plugin)
    if message.html is not None and channel.format == "html":
        body, body_format = message.html, apprise.NotifyFormat.HTML
    else:
        body, body_format = message.text, apprise.NotifyFormat.TEXT
    with apprise_log() as logged:
        try:
            # apprise returns False on failure and None when nothing was sent: both are failures.
            accepted = bool(
                notifier.notify(title=message.title, body=body, body_format=body_format)
            )
        except Exception as exc:  # a plugin bug must not stop the other deliveries
            return f"apprise raised {type(exc).__name__}: {mask(str(exc))[:200]}"
    return None if accepted else failure_reason(logged.getvalue())


_HTTP_STATUS = re.compile(r"error=(\d{3})\b")


def failure_reason(log_text: str) -> str:
    """Why a channel did not accept a message, from what apprise logged while sending.

    ``HTTP 500``, ``connection refused``, ``timed out``, ``DNS: host not found``,
    ``TLS error``; else apprise's own first warning (masked), or a plain "not accepted".
    """
    text = log_text.lower()
    status = _HTTP_STATUS.search(log_text)
    if status:
        return f"HTTP {status[1]}"
    if "refused" in text:
        return "connection refused"
    if "timed out" in text or "timeout" in text:
        return "timed out"
    if any(hint in text for hint in ("name or service not known", "name resolution",
                                     "nodename nor servname", "getaddrinfo")):  # fmt: skip
        return "DNS: host not found"
    if "certificate" in text or "ssl" in text:
        return "TLS error"
    for line in log_text.splitlines():
        if line.startswith(("WARNING ", "ERROR ")):
            return mask(line.split(" ", 1)[1]).strip()[:160]
    return "not accepted"


def deliver_due(
    archive: Archive,
    settings: AlertSettings,
    channels: Sequence[Channel],
    now: datetime,
    *,
    timezone: str = DEFAULT_TIMEZONE,
) -> AlertCounts:
    """Send every due delivery (alerts and digests) whose channel is configured.

    One pass at a time per archive (the ``deliver`` lease): an ingest run and a
    digest run that overlap must not both send what is due.
    """
    try:
        with RunLease(archive.path, name="deliver"):
            return _deliver_due(archive, settings, channels, now, timezone)
    except RunInProgress:
        log.info("another kaiwatch process is delivering alerts; it sends what is due")
        return AlertCounts()


def _deliver_due(
    archive: Archive,
    settings: AlertSettings,
    channels: Sequence[Channel],
    now: datetime,
    timezone: str,
) -> AlertCounts:
    by_id = {channel.id: channel for channel in channels}
    # An alert or digest goes to several channels: read its events once, format per channel.
    contents: dict[tuple[int | None, int | None], outbox.EventView | _Digest | None] = {}
    sent = 0
    failed: Counter[str] = Counter()
    dead: Counter[str] = Counter()
    by_channel: Counter[tuple[str, str]] = Counter()  # (channel, reason): one log line each
    with archive.write() as conn:
        due = outbox.due_deliveries(conn, _iso(now))
    for delivery in due:
        channel = by_id.get(delivery.channel_id)
        if channel is None:
            continue  # its channel was removed from the configuration: kept, not failed
        key = (delivery.alert_id, delivery.digest_id)
        if key not in contents:
            contents[key] = _content(archive, delivery, settings.threshold)
        message = _message(contents[key], channel, timezone)
        error = attempt_message(channel, message) if message is not None else "its event is gone"
        with archive.write() as conn:
            if error is None:
                outbox.mark_delivery(conn, delivery.id, now=_iso(now), error=None)
                sent += 1
                continue
            attempts = delivery.attempts + 1
            retry_at = None
            if message is not None and attempts < settings.max_attempts:
                # Capped before multiplying: 2**39 minutes would overflow timedelta.
                factor = 2 ** min(attempts - 1, 16)
                wait = timedelta(minutes=settings.retry_after_minutes) * factor
                retry_at = _iso(now + min(wait, _MAX_BACKOFF))
            outbox.mark_delivery(conn, delivery.id, now=_iso(now), error=error, retry_at=retry_at)
            (dead if retry_at is None else failed)[error] += 1
            by_channel[(channel.label, error)] += 1
    _log_failures(by_channel)
    return AlertCounts(
        sent=sent, failed=sum(failed.values()), dead=sum(dead.values()),
        failed_why=_reasons(failed), dead_why=_reasons(dead),
    )  # fmt: skip


def _log_failures(by_channel: Mapping[tuple[str, str], int]) -> None:
    """One line per channel and reason, however many deliveries failed for it."""
    for (label, reason), count in by_channel.items():
        log.info("%s: %d delivery(ies) not accepted: %s", label, count, reason)


def _content(
    archive: Archive, delivery: outbox.DeliveryRow, threshold: float
) -> outbox.EventView | _Digest | None:
    """What a delivery is about: the alert's event view (None if gone), or the digest's."""
    conn = archive.conn
    if delivery.alert_id is not None:
        return outbox.alert_view(conn, delivery.alert_id)
    assert delivery.digest_id is not None
    period, start, end, label = outbox.digest_period(conn, delivery.digest_id)
    views = digest_events(conn, start, end, threshold)
    chart = _funding_chart(conn, end) if period == "weekly" else None
    return _Digest(period, label, views, chart)


@dataclass(frozen=True)
class _Digest:
    """A digest's period and events, read once for all its channels."""

    period: str
    label: str
    views: list[outbox.EventView]
    chart_svg: str | None


def _message(
    content: outbox.EventView | _Digest | None, channel: Channel, timezone: str
) -> Message | None:
    """The message for one channel's markup, or None when the alert's event is gone."""
    if content is None:
        return None
    if isinstance(content, _Digest):
        return digest_message(
            content.views, period=content.period, label=content.label,
            channel_format=channel.format, timezone=timezone, chart_svg=content.chart_svg,
        )  # fmt: skip
    return alert_message(content, channel.format, timezone)


def deliver_alerts(
    archive: Archive,
    settings: AlertSettings,
    channels: Sequence[Channel],
    now: datetime | None = None,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    broken: Sequence[BrokenChannel] = (),
) -> AlertCounts:
    """Route new alerts, then send what is due; never raises for a channel failure.

    :param timezone: where the readers are: the dates messages show.
    :param broken: channels apprise cannot load; the alerts they would get wait for them.
    """
    install_secret_filter()
    now = now or datetime.now(UTC)
    routing = route_new_alerts(archive, settings, channels, now, broken)
    if routing.waiting:
        log.info("%d alert(s) queued; set %s to receive them", routing.waiting, NOTIFY_ENV)
    sending = deliver_due(archive, settings, channels, now, timezone=timezone)
    from flows.pipeline.updates import send_updates  # it uses this module's apprise call

    updates, _ = send_updates(archive, settings, channels, now)
    return replace(combine(routing, sending), updates=updates)


def combine(*counts: AlertCounts) -> AlertCounts:
    """The sum of several passes' counts (routing, then sending)."""
    return AlertCounts(
        routed=sum(c.routed for c in counts), skipped=sum(c.skipped for c in counts),
        waiting=sum(c.waiting for c in counts), sent=sum(c.sent for c in counts),
        failed=sum(c.failed for c in counts), dead=sum(c.dead for c in counts),
        held=sum(c.held for c in counts),
        skipped_why=_add_reasons(*(c.skipped_why for c in counts)),
        failed_why=_add_reasons(*(c.failed_why for c in counts)),
        dead_why=_add_reasons(*(c.dead_why for c in counts)),
        broken=tuple(dict.fromkeys(label for c in counts for label in c.broken)),
        error=next((c.error for c in counts if c.error), None),
        already_sent=sum(c.already_sent for c in counts),
        updates=sum(c.updates for c in counts),
    )  # fmt: skip


def send_test(channels: Sequence[Channel]) -> list[tuple[Channel, str | None]]:
    """Send a short test message to every channel: None for each that accepted it, else why not."""
    message = Message(
        title="[kaiwatch] test message",
        text="kaiwatch can reach this channel. Partnership and funding alerts will arrive here.",
    )
    return [(channel, attempt_message(channel, message)) for channel in channels]
