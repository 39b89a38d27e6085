"""robots.txt for article pages (R10, RFC 9309).

:class:`RobotsPolicy` answers "may kaiwatch fetch this page?" for our
User-Agent. It fetches ``/robots.txt`` once per scheme, host and port through
the shared :class:`~flows.fetch.client.HttpClient` and keeps the answer up to a day::

    robots = RobotsPolicy(http)
    if robots.allowed(link):
        page = http.get(link)
    delay = robots.crawl_delay(link)  # None, or seconds the site asks between requests

What an answer means (RFC 9309 2.3.1):

- **2xx**: the file is parsed and its rules apply, kept for :data:`ROBOTS_TTL`;
- **4xx** (401 and 403 included): there are no rules, everything is allowed,
  kept for :data:`ROBOTS_TTL`;
- **5xx, 429, a timeout, a connection or TLS failure, too many redirects, a
  file over** :data:`ROBOTS_MAX_BYTES`: the site is unreachable for now, so
  everything is disallowed until :data:`ROBOTS_RETRY` has passed (or the
  server's longer ``Retry-After``, up to a day), then asked again;
- a robots.txt URL the client refuses (a private address, a non-public port):
  no say; the page fetch meets the same guard and says why. Not cached.

Redirects are followed by the client (at most five, each hop checked).

The file is parsed here (:func:`parse_robots`), not by
:mod:`urllib.robotparser`, which does not follow RFC 9309: it applies the
first matching rule instead of the longest, knows no ``*`` or ``$``, matches
``User-agent`` values as substrings, ends a group at a blank line, and drops
a trailing ``?`` from rules (``Disallow: /*?`` would become "disallow
everything" under a wildcard-aware matcher). Here, as the RFC says: groups
for our product token (case-insensitive; else ``*``) are merged, the longest
matching rule wins, ``Allow`` wins a tie, ``*`` matches any run of characters,
a final ``$`` anchors the end, and ``/robots.txt`` is always allowed.
``Crawl-delay`` (not in the RFC, but common) is read from the same groups.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from flows.core.errors import (
    BlockedURL,
    FetchError,
    FetchHTTPError,
    HostNotFound,
    RobotsDisallowed,
)
from flows.fetch.client import USER_AGENT, HttpClient

__all__ = [
    "ROBOTS_MAX_BYTES",
    "ROBOTS_RETRY",
    "ROBOTS_TTL",
    "RobotsPolicy",
    "RobotsRules",
    "parse_robots",
]

logger = logging.getLogger(__name__)

ROBOTS_TTL = 24 * 3600.0
"""Seconds a fetched robots.txt (or a 4xx for it) is used before asking again (RFC 9309 2.4)."""

ROBOTS_RETRY = 15 * 60.0
"""Seconds an unreachable robots.txt (5xx, network) disallows everything before the next try."""

ROBOTS_MAX_BYTES = 512 * 1024
"""Body cap for robots.txt; RFC 9309 2.5 asks crawlers to read at least 500 KiB."""

_MAX_CACHED = 4096  # origins kept; expired ones are dropped first when it fills up
_MAX_RULE_CHARS = 2048  # longer paths in a rule are cut: bounds the matching work


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Group:
    agents: tuple[str, ...]  # lower-case product tokens, or "*"
    rules: tuple[tuple[str, bool], ...]  # (normalised path pattern, allow)
    crawl_delay: float | None


@dataclass(frozen=True)
class RobotsRules:
    """The rules one robots.txt sets for one user agent (its groups merged, RFC 9309 2.2.1)."""

    rules: tuple[tuple[str, bool], ...] = ()  # (normalised path pattern, allow), in file order
    crawl_delay: float | None = None

    @cached_property
    def _compiled(self) -> list[tuple[tuple[str, ...], bool, int, bool]]:
        """Each rule as (literal parts between ``*``, anchored by ``$``, length, allow)."""
        compiled = []
        for path, allow in self.rules:
            anchored = path.endswith("$")
            parts = tuple((path[:-1] if anchored else path).split("*"))
            compiled.append((parts, anchored, len(path), allow))
        return compiled

    def allowed(self, path: str) -> bool:
        """Tell whether ``path`` (path and query, as sent) may be fetched (RFC 9309 2.2.2).

        The longest matching rule wins; on a tie ``Allow`` wins; no match allows.
        """
        target = _normalise(path or "/")
        if target == "/robots.txt":
            return True
        best: tuple[int, bool] | None = None
        for parts, anchored, length, allow in self._compiled:
            if (best is None or (length, allow) > best) and _matches(parts, anchored, target):
                best = (length, allow)
        return True if best is None else best[1]


def parse_robots(text: str, user_agent: str = USER_AGENT) -> RobotsRules:
    """Parse a robots.txt file and return the rules it sets for ``user_agent``.

    :param text: the file's text (decoded as UTF-8).
    :param user_agent: a User-Agent string; its product token (``kaiwatch``)
        is what ``User-agent`` lines are matched against.
    """
    token = _product_token(user_agent)
    groups = _groups(text)
    mine = [g for g in groups if token in g.agents] or [g for g in groups if "*" in g.agents]
    delays = [g.crawl_delay for g in mine if g.crawl_delay is not None]
    return RobotsRules(
        rules=tuple(rule for g in mine for rule in g.rules),
        crawl_delay=delays[0] if delays else None,
    )


def _groups(text: str) -> list[_Group]:
    """Split robots.txt into groups: user-agent lines, then the rules that follow them."""
    groups: list[_Group] = []
    agents: list[str] = []
    rules: list[tuple[str, bool]] = []
    delay: float | None = None
    in_rules = False

    def close() -> None:
        if agents:
            groups.append(_Group(tuple(agents), tuple(rules), delay))

    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        name, colon, value = line.partition(":")
        if not colon:
            continue
        name, value = name.strip().lower(), value.strip()
        if name == "user-agent":
            if in_rules:  # a user-agent after rules starts the next group
                close()
                agents, rules, delay, in_rules = [], [], None, False
            agents.append(_product_token(value) or "*")
        elif name in {"allow", "disallow"} and agents:
            in_rules = True
            if value:  # an empty rule matches nothing
                rules.append((_normalise(value[:_MAX_RULE_CHARS]), name == "allow"))
        elif name == "crawl-delay" and agents:
            in_rules = True
            try:
                seconds = float(value)
            except ValueError:
                continue
            if seconds >= 0 and seconds == seconds and delay is None:  # not NaN
                delay = min(seconds, ROBOTS_TTL)
    close()
    return groups


def _product_token(user_agent: str) -> str:
    """``kaiwatch/0.1.0 (+https://…)`` → ``kaiwatch``; ``*`` stays ``*``."""
    return re.split(r"[/\s]", user_agent.strip(), maxsplit=1)[0].lower()


_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")


def _normalise(path: str) -> str:
    """Percent-encode what RFC 3986 does not allow bare (non-ASCII, spaces); upper-case escapes."""
    quoted = urllib.parse.quote(path, safe="!#$%&'()*+,/:;=?@[]~")
    return _PERCENT.sub(lambda m: m.group().upper(), quoted)


def _matches(parts: tuple[str, ...], anchored: bool, path: str) -> bool:
    """Match ``path`` against a rule split at its ``*`` s; a rule matches a prefix unless anchored.

    Each literal part is placed at its leftmost possible position, which
    leaves the most room for the rest; with ``str.find`` this takes time
    linear in the rule's parts, where a regular expression with many ``*``
    could backtrack for ever on a hostile robots.txt.
    """
    if not path.startswith(parts[0]):
        return False
    if len(parts) == 1:
        return not anchored or path == parts[0]
    position = len(parts[0])
    middle, last = parts[1:-1], parts[-1]
    for part in middle:
        found = path.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    if anchored:
        return path.endswith(last) and len(path) - len(last) >= position
    return path.find(last, position) >= 0


# --------------------------------------------------------------------------- the policy


@dataclass(frozen=True)
class _Entry:
    """What one origin's robots.txt says, and until when we believe it."""

    expires: float  # on the policy's clock
    rules: RobotsRules | None = None  # None: disallow everything (unreachable)
    why: str = ""  # for an unreachable one: what happened ("HTTP 503 from …")


class RobotsPolicy:
    """Decide from robots.txt whether a page may be fetched; safe to share between threads.

    :param client: the client robots.txt files are fetched with.
    :param user_agent: whose rules apply; its product token (``kaiwatch``) is
        matched against the ``User-agent`` lines.
    :param ttl: seconds a robots.txt is kept (at most a day, RFC 9309).
    :param retry: seconds an unreachable robots.txt disallows everything.
    :param clock: monotonic seconds (tests pass a fake one).
    """

    def __init__(
        self,
        client: HttpClient,
        *,
        user_agent: str = USER_AGENT,
        ttl: float = ROBOTS_TTL,
        retry: float = ROBOTS_RETRY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._user_agent = user_agent
        self._ttl = min(ttl, ROBOTS_TTL)
        self._retry = retry
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, _Entry] = {}
        self._fetching: dict[str, threading.Lock] = {}

    def allowed(self, url: str, *, allow_private: bool = False) -> bool:
        """Tell whether robots.txt lets us fetch ``url``; fetches robots.txt if needed.

        :param allow_private: passed to the client for the robots.txt request;
            give the same value as for the page.
        :returns: False when the rules disallow ``url`` or robots.txt is
            unreachable for now; True otherwise, and for URLs robots.txt has
            no say on (not http or https, unparseable: the client refuses those).
        """
        target = _split(url)
        if target is None or target.path == "/robots.txt":
            return True
        entry = self._entry(target, allow_private)
        if entry is None:
            return True
        if entry.rules is None:
            return False
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        return entry.rules.allowed(path)

    def check(self, url: str, *, allow_private: bool = False) -> None:
        """Raise if robots.txt does not let us fetch ``url``, saying which of the two it is.

        :raises RobotsDisallowed: the rules disallow the page, or robots.txt is
            unreachable for now (``unreachable`` is set, and the message says why).
        """
        if self.allowed(url, allow_private=allow_private):
            return
        target = _split(url)
        assert target is not None  # allowed() says yes to anything robots.txt has no say on
        origin = _origin(target)
        entry = self._fresh(origin)
        if entry is not None and entry.rules is None:
            raise RobotsDisallowed(
                f"robots.txt of {origin} is unreachable ({entry.why}); its pages are not "
                "fetched until it answers",
                url=url,
                unreachable=True,
            )
        raise RobotsDisallowed(f"robots.txt of {origin} disallows {url}", url=url)

    def crawl_delay(self, url: str, *, allow_private: bool = False) -> float | None:
        """Return the ``Crawl-delay`` (seconds) robots.txt sets for us on ``url``'s site, if any.

        Fetches robots.txt if needed, like :meth:`allowed`. The caller may use
        it as the site's minimum interval between requests.
        """
        target = _split(url)
        if target is None:
            return None
        entry = self._entry(target, allow_private)
        return None if entry is None or entry.rules is None else entry.rules.crawl_delay

    # -- cache --------------------------------------------------------------------

    def _entry(self, target: urllib.parse.SplitResult, allow_private: bool) -> _Entry | None:
        """Return the origin's entry, fetching robots.txt once however many threads ask."""
        key = _origin(target)
        with self._lock:
            entry = self._fresh(key)
            if entry is not None:
                return entry
            fetching = self._fetching.setdefault(key, threading.Lock())
        with fetching:
            with self._lock:  # another thread may have fetched it meanwhile
                entry = self._fresh(key)
            if entry is not None:
                return entry
            entry = self._fetch(key, allow_private)
            if entry is not None:
                with self._lock:
                    self._store(key, entry)
            return entry

    def _fresh(self, key: str) -> _Entry | None:
        entry = self._cache.get(key)
        return entry if entry is not None and entry.expires > self._clock() else None

    def _store(self, key: str, entry: _Entry) -> None:
        if key not in self._cache and len(self._cache) >= _MAX_CACHED:
            now = self._clock()
            for old in [k for k, r in self._cache.items() if r.expires <= now]:
                del self._cache[old]
                self._fetching.pop(old, None)
            if len(self._cache) >= _MAX_CACHED:  # all fresh: drop the oldest entry
                oldest = next(iter(self._cache))
                del self._cache[oldest]
                self._fetching.pop(oldest, None)
        self._cache[key] = entry

    # -- fetching -------------------------------------------------------------------

    def _fetch(self, origin: str, allow_private: bool) -> _Entry | None:
        """Fetch and read ``origin``'s robots.txt (RFC 9309 2.3.1); None: no say, not cached."""
        url = origin + "/robots.txt"
        now = self._clock()
        try:
            response = self._client.get(
                url, max_bytes=ROBOTS_MAX_BYTES, allow_private=allow_private
            )
        except (BlockedURL, HostNotFound) as exc:
            # The page meets the same refusal or DNS failure, and says so itself.
            logger.debug("robots.txt of %s not fetched: %s", origin, exc)
            return None
        except FetchHTTPError as exc:
            if 400 <= exc.status < 500 and exc.status != 429:
                return _Entry(expires=now + self._ttl, rules=RobotsRules())  # no rules
            wait = max(self._retry, min(exc.retry_after or 0.0, ROBOTS_TTL))
            return self._unreachable(origin, now + wait, str(exc))
        except FetchError as exc:  # timeout, connection, TLS, redirects, too large
            return self._unreachable(origin, now + self._retry, str(exc))
        rules = parse_robots(_decode(response.content), self._user_agent)
        return _Entry(expires=now + self._ttl, rules=rules)

    def _unreachable(self, origin: str, until: float, why: str) -> _Entry:
        logger.info("robots.txt of %s unreachable, not fetching its pages for now: %s", origin, why)
        return _Entry(expires=until, rules=None, why=why)


# --------------------------------------------------------------------------- helpers


def _split(url: str) -> urllib.parse.SplitResult | None:
    """Split an http(s) URL with a host; None for anything robots.txt has no say on."""
    try:
        target = urllib.parse.urlsplit(url.strip())
        target.port  # noqa: B018 (raises ValueError for a bad port)
    except (ValueError, AttributeError):
        return None
    return target if target.scheme.lower() in {"http", "https"} and target.hostname else None


def _origin(url: urllib.parse.SplitResult) -> str:
    """Return ``scheme://host[:port]``: robots.txt applies per scheme, host and port."""
    scheme, host = url.scheme.lower(), url.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = url.port
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


def _decode(content: bytes) -> str:
    """robots.txt is UTF-8 (RFC 9309 2.3); a BOM and bad bytes are tolerated."""
    return content.decode("utf-8", errors="replace").removeprefix("\ufeff")
