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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import apprise

from flows.analysis.events import warrants_alert
from flows.analysis.relevance import is_about_korean_ai
from flows.core.errors import RunInProgress
from flows.core.secrets import install_secret_filter, mask
from flows.notify.channels import NOTIFY_ENV, Channel
from flows.notify.messages import DEFAULT_TIMEZONE, Message, alert_message, digest_message
from flows.pipeline.alert_config import AlertSettings, Route
from storage import alerts as outbox
from storage.archive import Archive, iso_utc
from storage.lease import RunLease

__all__ = [
    "AlertCounts",
    "deliver_alerts",
    "deliver_due",
    "digest_events",
    "route_new_alerts",
    "select_channels",
    "send_message",
    "send_test",
]

log = logging.getLogger(__name__)

_MAX_BACKOFF = timedelta(days=1)


@dataclass(frozen=True)
class AlertCounts:
    """What one pass of the sender did."""

    routed: int = 0
    skipped: int = 0  # below the threshold, too old, or no route matched
    waiting: int = 0  # new alerts kept until a channel is configured
    sent: int = 0
    failed: int = 0  # will be retried
    dead: int = 0  # gave up this pass

    def format(self) -> str:
        return (
            f"alerts: {self.routed} routed, {self.sent} sent, {self.failed} failed (will retry), "
            f"{self.dead} dead, {self.skipped} skipped, {self.waiting} waiting for a channel"
        )


def _iso(moment: datetime) -> str:
    # Stamps are compared as text with the archive's, so they share its one form.
    return iso_utc(moment) or ""


def select_channels(
    view: outbox.EventView,
    routes: Sequence[Route],
    channels: Sequence[Channel],
    watched: Mapping[str, frozenset[str]] | None = None,
) -> list[Channel]:
    """The channels an event goes to: every channel without routes, else the routed ones.

    ``watched`` maps each route's name to the entity ids its watch list stands for
    (:func:`watch_lists`); without it, the watch list is compared as written.
    """
    if not routes:
        return list(channels)
    chosen: dict[str, Channel] = {}
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


def route_new_alerts(
    archive: Archive, settings: AlertSettings, channels: Sequence[Channel], now: datetime
) -> AlertCounts:
    """Give every new alert its deliveries, or close it (below threshold, too old, no route)."""
    routed = skipped = 0
    with archive.write() as conn:
        pending = outbox.new_alerts(conn)
        if pending and not channels:
            return AlertCounts(waiting=len(pending))
        oldest = _iso(now - timedelta(hours=settings.max_age_hours))
        stamp = _iso(now)
        watched = watch_lists(conn, settings.routes) if pending else {}
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
                if targets:
                    outbox.route_alert(conn, alert["id"], [(c.id, c.label) for c in targets], stamp)
                    routed += 1
                    continue
                status = "no_route"
            outbox.set_alert_status(conn, alert["id"], status, stamp)
            skipped += 1
    return AlertCounts(routed=routed, skipped=skipped)


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
    notifier = apprise.Apprise()
    notifier.add(channel.plugin)
    if message.html is not None and channel.format == "html":
        body, body_format = message.html, apprise.NotifyFormat.HTML
    else:
        body, body_format = message.text, apprise.NotifyFormat.TEXT
    try:
        # apprise returns False on failure and None when nothing was sent: both are failures.
        return bool(notifier.notify(title=message.title, body=body, body_format=body_format))
    except Exception as exc:  # a plugin bug must not stop the other deliveries
        log.warning("%s: apprise raised %s", channel.label, mask(str(exc)))
        return False


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
    sent = failed = dead = 0
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
        accepted = message is not None and send_message(channel, message)
        with archive.write() as conn:
            if accepted:
                outbox.mark_delivery(conn, delivery.id, now=_iso(now), error=None)
                sent += 1
                continue
            error = "the channel did not accept it" if message else "its event is gone"
            attempts = delivery.attempts + 1
            retry_at = None
            if message is not None and attempts < settings.max_attempts:
                # Capped before multiplying: 2**39 minutes would overflow timedelta.
                factor = 2 ** min(attempts - 1, 16)
                wait = timedelta(minutes=settings.retry_after_minutes) * factor
                retry_at = _iso(now + min(wait, _MAX_BACKOFF))
            outbox.mark_delivery(conn, delivery.id, now=_iso(now), error=error, retry_at=retry_at)
            if retry_at is None:
                dead += 1
                log.warning("%s: delivery #%d is dead: %s", channel.label, delivery.id, error)
            else:
                failed += 1
                log.warning("%s: delivery #%d failed, retry at %s", channel.label, delivery.id,
                            retry_at)  # fmt: skip
    return AlertCounts(sent=sent, failed=failed, dead=dead)


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
) -> AlertCounts:
    """Route new alerts, then send what is due; never raises for a channel failure.

    :param timezone: where the readers are: the dates messages show.
    """
    install_secret_filter()
    now = now or datetime.now(UTC)
    routing = route_new_alerts(archive, settings, channels, now)
    if routing.waiting:
        log.info("%d alert(s) queued; set %s to receive them", routing.waiting, NOTIFY_ENV)
    sending = deliver_due(archive, settings, channels, now, timezone=timezone)
    return AlertCounts(
        routed=routing.routed, skipped=routing.skipped, waiting=routing.waiting,
        sent=sending.sent, failed=sending.failed, dead=sending.dead,
    )  # fmt: skip


def send_test(channels: Sequence[Channel]) -> list[tuple[Channel, bool]]:
    """Send a short test message to every channel: which accepted it."""
    message = Message(
        title="[kaiwatch] test message",
        text="kaiwatch can reach this channel. Partnership and funding alerts will arrive here.",
    )
    return [(channel, send_message(channel, message)) for channel in channels]
