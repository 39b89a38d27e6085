"""Why a feed entry failed: a short code kept in the archive, and the words a person reads.

The code goes in ``entries.reason``, so that the archive can group failures and
retry the ones a setting fixes once it is fixed; the phrase (and, where there is
one, the fix) goes in the run summary, ``kaiwatch runs`` and ``sources status``::

    failure_reason(exc)                    -> "private"
    describe("private")                    -> "refused: private address — use
                                               --allow-private-network or allow_private_network: true"
    describe_counts({"private": 100, "timeout": 2})
                                           -> "100 refused: private address — use …; 2 timed out"
"""

from __future__ import annotations

from collections.abc import Mapping

from flows.core.errors import (
    BlockedURL,
    ExtractError,
    FetchError,
    FetchHTTPError,
    FetchTimeout,
    HostNotFound,
    KaiwatchError,
    PrivateNetworkBlocked,
    ResponseTooLarge,
    RobotsDisallowed,
)

__all__ = ["FIXED_BY_PRIVATE_NETWORK", "describe", "describe_counts", "failure_reason"]

FIXED_BY_PRIVATE_NETWORK = "private"
"""The code of failures that ``allow_private_network: true`` fixes."""

# code: (what happened, the fix or "")
_REASONS: dict[str, tuple[str, str]] = {
    FIXED_BY_PRIVATE_NETWORK: (
        "refused: private address",
        "use --allow-private-network or allow_private_network: true",
    ),
    "blocked": ("refused: not an http(s) link, or a redirect from https to http", ""),
    "dns": ("DNS: host not found", ""),
    "robots": ("disallowed by robots.txt", ""),
    "robots_unreachable": ("robots.txt unreachable (asked again later)", ""),
    "timeout": ("timed out", ""),
    "too_large": ("page too large", ""),
    "tls": ("TLS certificate not valid", ""),
    "connection": ("connection failed", ""),
    "google_news": ("Google News link not resolved", ""),
    "no_text": ("no article text in the page", ""),
    "other": ("other error (see kaiwatch sources status)", ""),
}


def failure_reason(exc: KaiwatchError) -> str:
    """The code of why fetching or extracting an entry failed."""
    if isinstance(exc, PrivateNetworkBlocked):
        return FIXED_BY_PRIVATE_NETWORK
    if isinstance(exc, BlockedURL):
        return "blocked"
    if isinstance(exc, HostNotFound):
        return "dns"
    if isinstance(exc, RobotsDisallowed):
        return "robots_unreachable" if exc.unreachable else "robots"
    if isinstance(exc, FetchTimeout):
        return "timeout"
    if isinstance(exc, FetchHTTPError):
        return f"http:{exc.status}"
    if isinstance(exc, ResponseTooLarge):
        return "too_large"
    if isinstance(exc, FetchError):
        return "tls" if str(exc).startswith("TLS certificate") else "connection"
    if isinstance(exc, ExtractError):
        return "google_news" if "Google News link" in str(exc) else "no_text"
    return "other"


def describe(code: str | None, *, fix: bool = True) -> str:
    """The phrase for a code, with its fix after a dash unless ``fix`` is False."""
    code = code or "other"
    if code.startswith("http:"):
        return f"HTTP {code[5:]}"
    what, how = _REASONS.get(code, (code, ""))
    return f"{what} — {how}" if fix and how else what


def describe_counts(
    counts: Mapping[str | None, int] | Mapping[str, int], *, fix: bool = True
) -> str:
    """``100 refused: private address — use …; 2 timed out``, the most frequent first."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0] or ""))
    return "; ".join(f"{count} {describe(code, fix=fix)}" for code, count in ordered if count)
