"""Alert channels: apprise URLs from the environment, a file or a Prefect Secret block.

``KAIWATCH_NOTIFY`` holds one or more channels separated by spaces, commas or new
lines (as apprise reads a list of URLs), each an apprise URL optionally preceded by
tags: ``funding,slack=slack://T/B/C``.
``KAIWATCH_NOTIFY_FILE`` names an apprise configuration file (apprise's own text
or YAML format, with tags). ``KAIWATCH_NOTIFY_BLOCK`` names a Prefect Secret
block holding the same text as ``KAIWATCH_NOTIFY``. Every URL is registered as a
secret (masked in logs) and none is ever written to the database: a channel is
known there by apprise's ``url_id()`` and a label without credentials.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import apprise

from flows.core.errors import ConfigError
from flows.core.secrets import SecretBlockReader, no_secret_blocks, register_secret

__all__ = [
    "NOTIFY_ENV",
    "BrokenChannel",
    "Channel",
    "ChannelConfig",
    "apprise_log",
    "load_channels",
    "parse_channel_text",
    "read_channels",
]

NOTIFY_ENV = "KAIWATCH_NOTIFY"
NOTIFY_FILE_ENV = "KAIWATCH_NOTIFY_FILE"
NOTIFY_BLOCK_ENV = "KAIWATCH_NOTIFY_BLOCK"

# "tag1,tag2=" before a URL (a tag never holds ':' or '/', so a URL's own '=' is safe).
_TAGGED = re.compile(r"^(?P<tags>[\w.,-]+)=(?P<url>[a-z][a-z0-9+.-]*://.*)$", re.IGNORECASE)
# One channel in a list: "[tags=]scheme://…" up to the separator before the next one. As
# apprise's parse_urls: a comma or space splits only where another "scheme://" follows,
# so commas inside a URL (mailto's ?to=a@x,b@y) and in the tags before it are kept.
_ITEM = re.compile(
    r"(?:[\w.,-]+=)?[a-z][a-z0-9+.-]*://.*?(?=$|[\s,]+(?:[\w.,-]+=)?[a-z][a-z0-9+.-]*://)",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True, eq=False)
class Channel:
    """One apprise destination with its tags."""

    plugin: apprise.NotifyBase
    tags: frozenset[str]

    @property
    def id(self) -> str:
        """A stable hash that tells channels apart and reveals no credential.

        apprise's ``url_id()`` leaves out the recipients (two ``mailto`` URLs to one
        server, two chats of one bot would be one channel), so the URL as apprise
        prints it with its secrets masked (recipients kept) is hashed with it.
        """
        identity = f"{self.plugin.url_id()}|{self.plugin.url(privacy=True)}"
        return hashlib.sha256(identity.encode()).hexdigest()[:12]

    @property
    def label(self) -> str:
        """Service name, tags and id: what logs and `alerts list` show."""
        tags = f" [{','.join(sorted(self.tags))}]" if self.tags else ""
        return f"{self.plugin.service_name}{tags} {self.id[:8]}"

    @property
    def format(self) -> str:
        """The markup the channel expects: 'text', 'markdown' or 'html'."""
        return str(self.plugin.notify_format.value)

    def accepts(self, tags: list[str]) -> bool:
        """Whether a route or digest addressed to ``tags`` reaches this channel (any case)."""
        wanted = {tag.casefold() for tag in tags}
        return "all" in wanted or bool(self.tags & wanted)


@dataclass(frozen=True)
class BrokenChannel:
    """A channel apprise cannot load (a mistyped URL): named by its place, never its URL.

    Routing treats it like the channel it was meant to be (its tags), so that the
    alerts it would get wait in the outbox until its URL is fixed.
    """

    origin: str  # KAIWATCH_NOTIFY or KAIWATCH_NOTIFY_BLOCK
    number: int  # its place in that list, from 1
    scheme: str  # "mailtos", or "" when the item has no scheme at all
    tags: frozenset[str]

    @property
    def id(self) -> str:
        return f"broken:{self.origin}:{self.number}"

    @property
    def label(self) -> str:
        """Where it is and what kind it is: ``channel #2 in KAIWATCH_NOTIFY (mailtos://…)``."""
        kind = f" ({self.scheme}://…)" if self.scheme else ""
        return f"channel #{self.number} in {self.origin}{kind}"

    @property
    def problem(self) -> str:
        return (
            f"{self.origin}: channel #{self.number} is not an apprise URL apprise can use "
            "(see https://github.com/caronc/apprise/wiki for the forms). "
            "Fix the URL or remove it."
        )

    def accepts(self, tags: list[str]) -> bool:
        """As :meth:`Channel.accepts`."""
        wanted = {tag.casefold() for tag in tags}
        return "all" in wanted or bool(self.tags & wanted)


@dataclass(frozen=True)
class ChannelConfig:
    """The configured channels: those apprise loaded, and those it could not."""

    channels: list[Channel]
    broken: list[BrokenChannel]


@contextlib.contextmanager
def apprise_log() -> Iterator[io.StringIO]:
    """What apprise logs meanwhile, kept here rather than printed: kaiwatch says it once.

    apprise logs a failed send or an unloadable URL as WARNING/ERROR lines; kaiwatch
    reads the reason from them (:func:`flows.alerts.failure_reason`) and reports it
    in the run summary, named by channel, instead of a line per delivery.
    """
    logger = logging.getLogger("apprise")
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield buffer
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def _split_items(text: str) -> list[str]:
    """The ``[tags=]url`` items of a channel list: spaces, commas or lines between them."""
    items: list[str] = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        for word in line.split():
            found = _ITEM.findall(word) if "://" in word else []
            items += [item.rstrip(",") for item in found] or [word.strip(",")]
    return [item for item in items if item]


def _read_channel_text(text: str, origin: str) -> ChannelConfig:
    """Channels from a channel list; the items apprise cannot load are kept as broken."""
    channels: list[Channel] = []
    broken: list[BrokenChannel] = []
    for number, item in enumerate(_split_items(text), start=1):
        match = _TAGGED.match(item)
        tags, url = (match["tags"], match["url"]) if match else ("", item)
        register_secret(url)
        # Tags ignore case, as apprise's configuration files make them.
        tag_set = frozenset(t.casefold() for t in tags.split(",") if t)
        with apprise_log():  # "Could not load E-Mail URL": the summary names the channel
            plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
        if plugin is None:
            scheme = url.split("://", 1)[0].lower() if "://" in url else ""
            broken.append(BrokenChannel(origin, number, scheme[:20], tag_set))
        else:
            channels.append(Channel(plugin, tag_set))
    return ChannelConfig(channels, broken)


def parse_channel_text(text: str, origin: str) -> list[Channel]:
    """Channels from ``[tags=]url`` items separated by spaces, commas or lines (``#`` comments).

    :raises ConfigError: an item is not a URL apprise knows.
    """
    found = _read_channel_text(text, origin)
    if found.broken:
        raise ConfigError(found.broken[0].problem)
    return found.channels


def _channels_from_file(path: str) -> list[Channel]:
    if not Path(path).is_file():
        raise ConfigError(f"{NOTIFY_FILE_ENV}={path}: no such file. Fix the path or unset it.")
    config = apprise.AppriseConfig()
    if not config.add(str(Path(path).resolve())):
        raise ConfigError(f"{NOTIFY_FILE_ENV}={path}: apprise cannot read this configuration.")
    servers = config.servers()
    if not servers:
        raise ConfigError(
            f"{NOTIFY_FILE_ENV}={path}: no usable apprise URL in it (apprise text or YAML format)."
        )
    channels = []
    for plugin in servers:
        register_secret(plugin.url())
        channels.append(Channel(plugin, frozenset(str(tag).casefold() for tag in plugin.tags)))
    return channels


def _channels_from_block(name: str, read_block: SecretBlockReader) -> ChannelConfig:
    return _read_channel_text(read_block(NOTIFY_BLOCK_ENV, name), NOTIFY_BLOCK_ENV)


def read_channels(
    environ: Mapping[str, str] | None = None,
    *,
    read_block: SecretBlockReader = no_secret_blocks,
) -> ChannelConfig:
    """Every configured alert channel, and those apprise cannot load; none when nothing is set.

    A channel that cannot be loaded does not stop the others: it is returned apart,
    named by its place in the list, so that a run can say so and keep its alerts.

    :param read_block: reads the Secret block named by ``$KAIWATCH_NOTIFY_BLOCK``
        (:func:`flows.app.secret_blocks.read_secret_block`).
    :raises ConfigError: the apprise file or the Secret block is missing or unreadable.
    """
    environ = os.environ if environ is None else environ
    found = _read_channel_text(environ.get(NOTIFY_ENV, ""), NOTIFY_ENV)
    channels, broken = list(found.channels), list(found.broken)
    if environ.get(NOTIFY_FILE_ENV):
        channels += _channels_from_file(environ[NOTIFY_FILE_ENV])
    if environ.get(NOTIFY_BLOCK_ENV):
        block = _channels_from_block(environ[NOTIFY_BLOCK_ENV], read_block)
        channels += block.channels
        broken += block.broken
    unique: dict[str, Channel] = {}
    for channel in channels:
        unique.setdefault(channel.id, channel)  # one URL listed twice is one channel
    return ChannelConfig(list(unique.values()), broken)


def load_channels(
    environ: Mapping[str, str] | None = None,
    *,
    read_block: SecretBlockReader = no_secret_blocks,
) -> list[Channel]:
    """Every configured alert channel; none when nothing is set.

    :param read_block: reads the Secret block named by ``$KAIWATCH_NOTIFY_BLOCK``
        (:func:`flows.app.secret_blocks.read_secret_block`).
    :raises ConfigError: a URL is invalid, the file or the Secret block is missing.
    """
    found = read_channels(environ, read_block=read_block)
    if found.broken:
        raise ConfigError(found.broken[0].problem)
    return found.channels
