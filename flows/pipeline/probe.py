"""Fetch a feed once and say what it holds (``kaiwatch sources check --probe``)."""

from __future__ import annotations

from dataclasses import dataclass

from flows.core.errors import FetchError, FetchHTTPError, ParseError
from flows.fetch.client import FEED_MAX_BYTES, HttpClient
from flows.parse.feeds import parse_feed

__all__ = ["ProbeResult", "probe_feed"]


@dataclass(frozen=True)
class ProbeResult:
    """A feed's answer: HTTP status, item count, newest item date, or the error."""

    url: str
    status: int | None = None
    items: int = 0
    last_item: str | None = None
    problem: str | None = None
    error: str | None = None


def probe_feed(url: str, client: HttpClient) -> ProbeResult:
    """Fetch and parse one feed without touching the archive; never raises for a bad feed."""
    try:
        # The operator listed this feed: trusted, like the feed fetch of a run.
        response = client.get(url, max_bytes=FEED_MAX_BYTES, allow_private=True)
    except FetchHTTPError as exc:
        return ProbeResult(url, status=exc.status, error=str(exc))
    except FetchError as exc:
        return ProbeResult(url, error=str(exc))
    try:
        parsed = parse_feed(response.content, url=response.url, content_type=response.content_type)
    except ParseError as exc:
        return ProbeResult(url, status=response.status, error=str(exc))
    dates = [entry.published for entry in parsed.entries if entry.published]
    last = max(dates).isoformat(timespec="minutes") if dates else None
    return ProbeResult(
        url, status=response.status, items=len(parsed.entries), last_item=last,
        problem=parsed.problem,
    )  # fmt: skip
