"""The polling policy: minimum interval, max-age, backoff, Retry-After, caps, pausing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from flows.pipeline.config import Settings
from flows.pipeline.politeness import (
    MAX_DELAY,
    next_poll_after_failure,
    next_poll_after_success,
    should_pause,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_success_waits_the_minimum_interval() -> None:
    assert next_poll_after_success(NOW, Settings()) == NOW + timedelta(minutes=10)
    assert next_poll_after_success(NOW, Settings(min_poll_interval_minutes=0)) is None


def test_success_honours_longer_max_age_capped_at_a_day() -> None:
    assert next_poll_after_success(NOW, Settings(), max_age=3600) == NOW + timedelta(hours=1)
    assert next_poll_after_success(NOW, Settings(), max_age=60) == NOW + timedelta(minutes=10)
    assert next_poll_after_success(NOW, Settings(), max_age=10**9) == NOW + MAX_DELAY


def test_failure_backs_off_exponentially_up_to_a_day() -> None:
    settings = Settings(min_poll_interval_minutes=15)
    waits = [next_poll_after_failure(NOW, settings, failures=n) - NOW for n in range(1, 9)]
    assert waits[:4] == [timedelta(minutes=m) for m in (15, 30, 60, 120)]
    assert waits[-1] == MAX_DELAY
    assert all(a <= b for a, b in itertools.pairwise(waits))


def test_failure_honours_retry_after_capped_at_a_day() -> None:
    settings = Settings()
    assert next_poll_after_failure(NOW, settings, failures=1, retry_after=120) == NOW + timedelta(
        minutes=10
    )
    assert next_poll_after_failure(NOW, settings, failures=1, retry_after=7200) == NOW + timedelta(
        hours=2
    )
    assert next_poll_after_failure(NOW, settings, failures=1, retry_after=10**9) == NOW + MAX_DELAY


def test_failure_waits_at_least_a_minute_even_without_minimum_interval() -> None:
    settings = Settings(min_poll_interval_minutes=0)
    assert next_poll_after_failure(NOW, settings, failures=1) == NOW + timedelta(minutes=1)


def test_should_pause_after_configured_failures() -> None:
    settings = Settings(pause_after_failures=3)
    assert [should_pause(settings, n) for n in (1, 2, 3, 4)] == [False, False, True, True]
