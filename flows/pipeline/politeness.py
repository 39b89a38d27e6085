"""When to poll a feed next: minimum interval, server hints, backoff, pausing.

Pure functions of the clock and the feed's history, so that the policy is
tested without waiting. Every delay is capped at a day, so a publisher's
header can park a feed but never forever (reliability note R9).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flows.pipeline.config import Settings

__all__ = ["MAX_DELAY", "next_poll_after_failure", "next_poll_after_success", "should_pause"]

MAX_DELAY = timedelta(days=1)


def next_poll_after_success(
    now: datetime, settings: Settings, *, max_age: float | None = None
) -> datetime | None:
    """The earliest next poll after a 200 or 304: the minimum interval, or the
    response's ``Cache-Control: max-age`` if longer. None means "any time"."""
    delay = timedelta(minutes=settings.min_poll_interval_minutes)
    if max_age:
        delay = max(delay, timedelta(seconds=max_age))
    delay = min(delay, MAX_DELAY)
    return now + delay if delay > timedelta(0) else None


def next_poll_after_failure(
    now: datetime, settings: Settings, *, failures: int, retry_after: float | None = None
) -> datetime:
    """Exponential backoff: the minimum interval (at least a minute) doubled per
    consecutive failure, or the server's ``Retry-After`` if longer; capped at a day."""
    base = timedelta(minutes=max(settings.min_poll_interval_minutes, 1))
    delay = base * (1 << min(max(failures - 1, 0), 16))  # 2 ** (failures - 1), at most 2 ** 16
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    return now + min(delay, MAX_DELAY)


def should_pause(settings: Settings, failures: int) -> bool:
    """A feed is paused once it has failed this many times in a row."""
    return failures >= settings.pause_after_failures
