"""Every error kaiwatch raises on purpose, under one root.

::

    KaiwatchError
    ├── ConfigError          a YAML file or setting is wrong (names file, entry, fix)
    ├── FetchError           an HTTP request failed (carries ``url``)
    │   ├── FetchTimeout
    │   ├── FetchHTTPError   a non-2xx status (carries ``status``, ``retry_after``)
    │   ├── ResponseTooLarge the body passed the cap after decompression
    │   └── BlockedURL       the URL is not one we may fetch (scheme, port, address)
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
    "KaiwatchError",
    "MigrationError",
    "ParseError",
    "ResponseTooLarge",
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


class BlockedURL(FetchError):
    """The URL may not be fetched (scheme, port or address refused)."""


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
