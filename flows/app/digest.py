"""The digest flow: one message per period with its events, grouped by type.

A daily digest covers the previous calendar day, a weekly one the previous
Monday-to-Monday week, both in the time zone of ``settings.timezone``. Each
period is recorded once (``digests``) with one delivery per channel, so a
rerun sends nothing twice and a channel that was down gets it on a later run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger

from flows.app.secret_blocks import read_secret_block
from flows.core.errors import ConfigError
from flows.core.secrets import install_secret_filter
from flows.notify.channels import NOTIFY_ENV, read_channels
from flows.pipeline.alerts import AlertCounts, combine, deliver_due
from flows.pipeline.config import SourcesFile, load_sources, resolve_db_path, resolve_sources_path
from storage import alerts as outbox
from storage.archive import Archive, iso_utc

__all__ = [
    "DIGEST_FLOW_NAME",
    "digest",
    "digest_label",
    "digest_moment",
    "digest_window",
    "send_digest",
]

DIGEST_FLOW_NAME = "kaiwatch-digest"


def digest_moment(day: str, period: str, timezone: str, now: datetime | None = None) -> datetime:
    """The moment whose digest covers ``day``: the next midnight, or the next Monday's.

    :param day: ``YYYY-MM-DD`` or ``today`` (in ``timezone``).
    :raises ConfigError: ``day`` is neither.
    """
    zone = ZoneInfo(timezone)
    try:
        chosen = (
            (now or datetime.now(UTC)).astimezone(zone).date()
            if day == "today"
            else date.fromisoformat(day)
        )
    except ValueError as exc:
        raise ConfigError(f"--day must be a date as YYYY-MM-DD or 'today', got {day!r}") from exc
    ahead = 7 - chosen.weekday() if period == "weekly" else 1
    return datetime.combine(chosen + timedelta(days=ahead), time(0), tzinfo=zone)


def digest_window(period: str, now: datetime, timezone: str) -> tuple[str, str]:
    """``[start, end)`` in UTC ISO form: the last full day or Monday-to-Monday week."""
    start, end = _local_window(period, now, timezone)
    return iso_utc(start) or "", iso_utc(end) or ""


def digest_label(period: str, now: datetime, timezone: str) -> str:
    """The local days a digest covers: ``2026-11-24``, or ``2026-11-16 to 2026-11-22``."""
    start, end = _local_window(period, now, timezone)
    last = (end - timedelta(days=1)).date()
    return start.date().isoformat() if period == "daily" else f"{start.date()} to {last}"


def _local_window(period: str, now: datetime, timezone: str) -> tuple[datetime, datetime]:
    local = now.astimezone(ZoneInfo(timezone))
    end = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "weekly":
        end -= timedelta(days=end.weekday())
        return end - timedelta(days=7), end
    return end - timedelta(days=1), end


def send_digest(
    archive: Archive, config: SourcesFile, period: str | None = None, now: datetime | None = None
) -> AlertCounts:
    """Record this period's digest for the digest channels and send what is due."""
    install_secret_filter()
    now = now or datetime.now(UTC)
    settings = config.alerts
    period = period or settings.digest.period
    timezone = config.settings.timezone
    start, end = digest_window(period, now, timezone)
    found = read_channels(read_block=read_secret_block)
    channels = [c for c in found.channels if c.accepts(settings.digest.to)]
    # A digest channel apprise cannot load gets this period's digest once it is fixed.
    broken = AlertCounts(
        broken=tuple(b.label for b in found.broken if b.accepts(settings.digest.to))
    )
    if not channels:
        return combine(AlertCounts(waiting=0 if broken.broken else 1), broken)
    # The digest of today (asked for with --day) is sent now, not at tomorrow's midnight.
    stamp = min(now, datetime.now(UTC))
    with archive.write() as conn:
        digest_id = outbox.open_digest(
            conn, period, start, end, digest_label(period, now, timezone),
            [(c.id, c.label) for c in channels], iso_utc(stamp) or "",
        )  # fmt: skip
        before = AlertCounts(already_sent=outbox.digest_sent(conn, digest_id))
    sending = deliver_due(archive, settings, channels, stamp, timezone=timezone)
    return combine(sending, broken, before)


@flow(name=DIGEST_FLOW_NAME, log_prints=False, validate_parameters=True)
def digest(
    sources_path: str | None = None,
    db_path: str | None = None,
    period: str | None = None,
    day: str | None = None,
) -> AlertCounts:
    """Send the daily (or weekly) digest of partnership and funding events.

    :param sources_path: the sources file (its ``alerts.digest`` settings); default
        ``$KAIWATCH_SOURCES`` or ``sources.yaml``.
    :param db_path: the archive; default ``$KAIWATCH_DB`` or ``storage/kaiwatch.db``.
    :param period: ``daily`` or ``weekly``; default the file's ``alerts.digest.period``.
    :param day: the day (``YYYY-MM-DD`` or ``today``) whose digest, or whose week's, to
        send; default the last full day or week.
    """
    logger = get_run_logger()
    if period not in {None, "daily", "weekly"}:
        raise ValueError(f"period must be 'daily' or 'weekly', got {period!r}")
    config = load_sources(resolve_sources_path(sources_path))
    period = period or config.alerts.digest.period
    now = digest_moment(day, period, config.settings.timezone) if day else None
    with Archive(resolve_db_path(db_path)) as archive:
        counts = send_digest(archive, config, period, now)
    if counts.waiting:
        logger.warning("no digest channel: set %s (tags %s)", NOTIFY_ENV, config.alerts.digest.to)
    else:
        logger.info("digest: %d sent, %d failed, %d dead", counts.sent, counts.failed, counts.dead)
    return counts
