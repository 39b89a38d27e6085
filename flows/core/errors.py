"""Every error kaiwatch raises on purpose, under one root.

::

    KaiwatchError
    ├── ConfigError          a YAML file or setting is wrong (names file, entry, fix)
    ├── FetchError           an HTTP request failed (carries ``url``)
    │   ├── FetchTimeout
    │   ├── FetchHTTPError   a non-2xx status (carries ``status``, ``retry_after``)
    │   ├── ResponseTooLarge the body passed the cap after decompression
    │   ├── HostNotFound     the host name does not resolve (DNS)
    │   ├── RobotsDisallowed robots.txt disallows the page, or is unreachable for now
    │   └── BlockedURL       the URL is not one we may fetch (scheme, port, address)
    │       └── PrivateNetworkBlocked  a private address or port: allow_private_network
    ├── ParseError           a feed could not be parsed into any entry
    ├── ExtractError         a page gave no usable article text
    └── StorageError         the archive could not be opened or written
        ├── MigrationError
        └── RunInProgress    another run holds the write lease

The CLI catches ``KaiwatchError`` and prints its message as one line.
"""

from __future__ import annotations

__all__ = [
    "BlockedURL",
    "ConfigError",
    "ExtractError",
    "FetchError",
    "FetchHTTPError",
    "FetchTimeout",
    "HostNotFound",
    "KaiwatchError",
    "MigrationError",
    "ParseError",
    "PrivateNetworkBlocked",
    "ResponseTooLarge",
    "RobotsDisallowed",
    "RunInProgress",
    "StorageError",
]


class KaiwatchError(Exception):
    """Base class of every error kaiwatch raises on purpose."""


class ConfigError(KaiwatchError):
    """A configuration file or setting is invalid."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class FetchError(KaiwatchError):
    """An HTTP request failed."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class FetchTimeout(FetchError):
    """The server did not answer in time."""


class FetchHTTPError(FetchError):
    """The server answered with a status we cannot use."""

    def __init__(
        self, message: str, *, url: str, status: int, retry_after: float | None = None
    ) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.retry_after = retry_after


class ResponseTooLarge(FetchError):
    """The response body passed the size cap (counted after decompression)."""


class HostNotFound(FetchError):
    """The URL's host name does not resolve (DNS)."""


class RobotsDisallowed(FetchError):
    """robots.txt disallows the page, or could not be read and disallows everything for now."""

    def __init__(self, message: str, *, url: str, unreachable: bool = False) -> None:
        super().__init__(message, url=url)
        self.unreachable = unreachable


class BlockedURL(FetchError):
    """The URL may not be fetched (scheme, port or address refused)."""


class PrivateNetworkBlocked(BlockedURL):
    """The URL is on a private address or a port other than 80/443; a source may allow it."""


class ParseError(KaiwatchError):
    """A feed could not be parsed into any entry."""


class ExtractError(KaiwatchError):
    """A page gave no usable article text."""


class StorageError(KaiwatchError):
    """The archive could not be opened or written."""


class MigrationError(StorageError):
    """A schema migration failed."""


class RunInProgress(StorageError):
    """Another run holds the archive's write lease."""
