"""The ``alerts:`` section of sources.yaml: threshold, retries, routes and the digest.

Only rules live here. Channel URLs (with their tokens and passwords) come from
the environment or an apprise configuration file (:mod:`flows.notify.channels`); a
route names channels by their apprise *tags*.

.. code-block:: yaml

    alerts:
      threshold: 0.6
      routes:
        - name: big-rounds
          types: [funding]
          min_amount: 10 billion won      # or 100억원, $5 million, 10000000000
          to: [funding]                   # apprise tags
        - name: watch-list
          entities: [naver, samsung-electronics]
          to: [email]
      digest:
        period: daily
        to: [email]
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from flows.analysis.money import parse_amounts
from flows.core.yamlfile import StrictModel
from flows.pipeline.cron import check_cron

__all__ = ["AlertSettings", "DigestSettings", "Route"]

EventType = Literal["partnership", "funding"]
_TAG = re.compile(r"^[\w.-]+$")


def _check_tags(values: list[str]) -> list[str]:
    for value in values:
        if not _TAG.match(value):
            raise ValueError(f"a channel tag is a word such as 'funding' or 'email', got {value!r}")
    return values


class Route(StrictModel):
    """Send the events that match every given condition to the channels with these tags."""

    name: str = Field(min_length=1, description="A name for messages and `kaiwatch alerts list`.")
    types: list[EventType] = Field(
        default=["partnership", "funding"], description="Event types this route takes."
    )
    entities: list[str] = Field(
        default_factory=list,
        description="Watch list: entity ids from entities.yaml (or names); the event must "
        "involve one of them as a party or the article must mention it.",
    )
    min_amount: int | None = Field(
        default=None,
        ge=0,
        le=10**16,  # ten thousand trillion won: more than any deal, within SQLite's integers
        description="Smallest amount, in won; also '10 billion won', '100억원', '$5 million'.",
    )
    to: list[str] = Field(
        min_length=1, description="Apprise tags of the channels; 'all' for every channel."
    )

    @field_validator("min_amount", mode="before")
    @classmethod
    def _parse_amount(cls, value: object) -> object:
        if isinstance(value, str):
            amounts = parse_amounts(value)
            if len(amounts) != 1 or amounts[0].krw is None:
                raise ValueError(
                    f"cannot read {value!r} as one amount; write e.g. '10 billion won', "
                    "'100억원', '$5 million' or a number of won"
                )
            return amounts[0].krw
        return value

    @field_validator("to")
    @classmethod
    def _check_to(cls, value: list[str]) -> list[str]:
        return _check_tags(value)


class DigestSettings(StrictModel):
    """The digest: one message per period with its events, grouped by type."""

    period: Literal["daily", "weekly"] = Field(default="daily", description="daily or weekly.")
    schedule: str | None = Field(
        default=None,
        description="Cron for `kaiwatch serve`; default 08:00 daily, or Monday 08:00 weekly "
        "(in settings.timezone).",
    )
    to: list[str] = Field(
        default=["all"],
        min_length=1,
        description="Apprise tags of the channels that get the digest.",
    )

    @field_validator("to")
    @classmethod
    def _check_to(cls, value: list[str]) -> list[str]:
        return _check_tags(value)

    @field_validator("schedule")
    @classmethod
    def _check_cron(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @property
    def cron(self) -> str:
        if self.schedule:
            return self.schedule
        return "0 8 * * 1" if self.period == "weekly" else "0 8 * * *"


class AlertSettings(StrictModel):
    """When an event becomes an alert, where it goes, and how hard delivery tries."""

    threshold: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Smallest event confidence that alerts."
    )
    max_attempts: int = Field(
        default=6, ge=1, le=100, description="Delivery attempts before an alert is marked dead."
    )
    retry_after_minutes: float = Field(
        default=5,
        ge=0,
        le=1440,
        description="Wait before the second attempt; doubles after each failure (up to a day).",
    )
    max_age_hours: float = Field(
        default=72,
        gt=0,
        le=876000,  # a century: the date arithmetic stays in range (100000000 overflowed)
        description="Alerts older than this when first routed are not sent (no flood when "
        "channels are configured on an old archive); they still show in the digest.",
    )
    updates: bool = Field(
        default=False,
        description="Also send one short update when a later write-up gives an alerted "
        "event's missing amount or round (once per event and field, to the channels that "
        "got the alert).",
    )
    routes: list[Route] = Field(
        default_factory=list,
        description="Routing rules; with none, every alert goes to every channel.",
    )
    digest: DigestSettings = Field(default_factory=DigestSettings)
