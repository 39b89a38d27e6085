"""Alert channels: apprise URLs from the environment, a file or a Prefect Secret block.

``KAIWATCH_NOTIFY`` holds one or more channels separated by spaces or new lines,
each an apprise URL optionally preceded by tags: ``funding,slack=slack://T/B/C``.
``KAIWATCH_NOTIFY_FILE`` names an apprise configuration file (apprise's own text
or YAML format, with tags). ``KAIWATCH_NOTIFY_BLOCK`` names a Prefect Secret
block holding the same text as ``KAIWATCH_NOTIFY``. Every URL is registered as a
secret (masked in logs) and none is ever written to the database: a channel is
known there by apprise's ``url_id()`` and a label without credentials.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import apprise

from flows.core.errors import ConfigError
from flows.core.secrets import SecretBlockReader, no_secret_blocks, register_secret

__all__ = ["NOTIFY_ENV", "Channel", "load_channels", "parse_channel_text"]

NOTIFY_ENV = "KAIWATCH_NOTIFY"
NOTIFY_FILE_ENV = "KAIWATCH_NOTIFY_FILE"
NOTIFY_BLOCK_ENV = "KAIWATCH_NOTIFY_BLOCK"

# "tag1,tag2=" before a URL (a tag never holds ':' or '/', so a URL's own '=' is safe).
_TAGGED = re.compile(r"^(?P<tags>[\w.,-]+)=(?P<url>[a-z][a-z0-9+.-]*://.+)$", re.IGNORECASE)


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


def parse_channel_text(text: str, origin: str) -> list[Channel]:
    """Channels from ``[tags=]url`` items separated by spaces or lines (``#`` comments).

    :raises ConfigError: an item is not a URL apprise knows.
    """
    channels = []
    items = [
        item
        for line in text.splitlines()
        if not line.lstrip().startswith("#")
        for item in line.split()
    ]
    for number, item in enumerate(items, start=1):
        match = _TAGGED.match(item)
        tags, url = (match["tags"], match["url"]) if match else ("", item)
        register_secret(url)
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
        if plugin is None:
            raise ConfigError(
                f"{origin}: channel #{number} is not an apprise URL apprise can use "
                "(see https://github.com/caronc/apprise/wiki for the forms). "
                "Fix the URL or remove it."
            )
        # Tags ignore case, as apprise's configuration files make them.
        channels.append(Channel(plugin, frozenset(t.casefold() for t in tags.split(",") if t)))
    return channels


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


def _channels_from_block(name: str, read_block: SecretBlockReader) -> list[Channel]:
    return parse_channel_text(read_block(NOTIFY_BLOCK_ENV, name), NOTIFY_BLOCK_ENV)


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
    environ = os.environ if environ is None else environ
    channels = parse_channel_text(environ.get(NOTIFY_ENV, ""), NOTIFY_ENV)
    if environ.get(NOTIFY_FILE_ENV):
        channels += _channels_from_file(environ[NOTIFY_FILE_ENV])
    if environ.get(NOTIFY_BLOCK_ENV):
        channels += _channels_from_block(environ[NOTIFY_BLOCK_ENV], read_block)
    unique: dict[str, Channel] = {}
    for channel in channels:
        unique.setdefault(channel.id, channel)  # one URL listed twice is one channel
    return list(unique.values())
