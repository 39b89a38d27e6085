"""Keep secrets out of logs.

Alert channel URLs carry tokens and passwords (``slack://T/B/XXXX``,
``mailtos://user:pass@host``). kaiwatch reads them only from the environment
(or a file named by a ``*_FILE`` variable), registers every value here, and a
logging filter replaces them, and any URL userinfo, with ``***`` in every
record that passes through the loggers it is installed on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, urlsplit

from flows.core.errors import ConfigError

__all__ = [
    "SecretBlockReader",
    "SecretFilter",
    "install_secret_filter",
    "mask",
    "no_secret_blocks",
    "read_secret_list",
    "register_secret",
    "split_secret_list",
]

#: Reads a secret store's entry: ``(variable naming it, entry name) -> value``. kaiwatch's
#: commands and flows pass :func:`flows.app.secret_blocks.read_secret_block` (Prefect).
SecretBlockReader = Callable[[str, str], str]

_lock = threading.Lock()
_secrets: set[str] = set()
_BARE_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:/*", re.IGNORECASE)
# scheme://user:password@host → scheme://***@host
_USERINFO = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^/\s@]+@", re.IGNORECASE)


def register_secret(value: str) -> None:
    """Mask ``value`` from now on, and the parts of it that carry credentials.

    For a URL that is the password, and every path segment or query value long
    enough to be a token (Slack's ``slack://T/B/TOKEN``, a webhook's secret path);
    the host stays readable so that logs still say where a delivery failed.
    """
    value = value.strip()
    if len(value) < 4 or _BARE_SCHEME.fullmatch(value):  # "mailtos://" alone holds no secret
        return
    parts = {value}
    with contextlib.suppress(ValueError):
        url = urlsplit(value)
        if url.password:
            parts.add(url.password)
        segments = [*url.path.split("/"), *(v for _, v in parse_qsl(url.query))]
        if not url.hostname:  # slack://T/B/C style: the "host" is a token too
            segments.append(url.netloc)
        parts.update(segment for segment in segments if len(segment) >= 8)
    with _lock:
        _secrets.update(parts)


def mask(text: str) -> str:
    """``text`` with every registered secret and URL userinfo replaced by ``***``."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, "***")
    return _USERINFO.sub(r"\g<scheme>***@", text)


class SecretFilter(logging.Filter):
    """A logging filter that masks secrets in the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        _mask_record(record)
        return True


def _mask_record(record: logging.LogRecord) -> None:
    message = record.getMessage()
    masked = mask(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        # Formatters use exc_text when it is set: format the traceback now, masked.
        record.exc_text = mask(_TRACEBACK_FORMATTER.formatException(record.exc_info))


_TRACEBACK_FORMATTER = logging.Formatter()


_installed = False


def install_secret_filter() -> None:
    """Mask secrets in every log record the process creates from now on (idempotent).

    A filter on a logger misses records of its child loggers (urllib3's
    ``connectionpool`` logs the request line with the URL path), so the mask is
    applied where records are made: in the log record factory.
    """
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        previous = logging.getLogRecordFactory()

    def masked_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _mask_record(record)
        return record

    logging.setLogRecordFactory(masked_record)


def read_secret_list(name: str, environ: Mapping[str, str] = os.environ) -> list[str]:
    """URLs from ``$NAME`` (separated by spaces, commas or newlines) or the file ``$NAME_FILE``.

    Every value is registered as a secret before it is returned.
    """
    text = environ.get(name, "")
    path = environ.get(f"{name}_FILE")
    if path:
        with open(path, encoding="utf-8") as handle:
            text += "\n" + handle.read()
    return split_secret_list(text)


def split_secret_list(text: str) -> list[str]:
    """Split URLs separated by spaces, commas or lines (``#`` comments skipped); register each."""
    values = [
        item
        for line in text.splitlines()
        if not line.lstrip().startswith("#")
        for item in re.split(r"[\s,]+", line)
        if item
    ]
    for value in values:
        register_secret(value)
    return values


def no_secret_blocks(variable: str, name: str) -> str:
    """The :data:`SecretBlockReader` of a caller that reads no secret store: always an error."""
    raise ConfigError(
        f"{variable}={name!r}: Prefect Secret blocks are read by the kaiwatch commands and "
        "flows only. Fix: set the URLs in the environment, or run kaiwatch."
    )
