"""Deliver queued operator messages (a feed was paused, …) through apprise.

The operator channel is one or more apprise URLs in ``KAIWATCH_OPERATOR_NOTIFY``
(or in the file named by ``KAIWATCH_OPERATOR_NOTIFY_FILE``), never in a YAML
file or the database. A message is marked sent only after the channel took it;
one that fails stays queued and is tried again after the next run.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

import apprise

from flows.core.secrets import (
    SecretBlockReader,
    install_secret_filter,
    no_secret_blocks,
    read_secret_list,
    split_secret_list,
)
from storage.archive import Archive

__all__ = ["OPERATOR_ENV", "DeliveryCounts", "deliver_operator_messages", "operator_urls"]

log = logging.getLogger(__name__)

OPERATOR_ENV = "KAIWATCH_OPERATOR_NOTIFY"
# Or the name of a Prefect Secret block holding the URLs (encrypted at rest by Prefect).
OPERATOR_BLOCK_ENV = "KAIWATCH_OPERATOR_NOTIFY_BLOCK"


@dataclass(frozen=True)
class DeliveryCounts:
    sent: int = 0
    failed: int = 0
    pending: int = 0


def operator_urls(
    environ: Mapping[str, str] | None = None,
    *,
    read_block: SecretBlockReader = no_secret_blocks,
) -> list[str]:
    """The operator channel's apprise URLs (registered as secrets).

    From ``$KAIWATCH_OPERATOR_NOTIFY``, the file ``$KAIWATCH_OPERATOR_NOTIFY_FILE``,
    and the Prefect Secret block named by ``$KAIWATCH_OPERATOR_NOTIFY_BLOCK``.

    :param read_block: reads that Secret block
        (:func:`flows.app.secret_blocks.read_secret_block`).
    :raises ConfigError: the named Secret block cannot be loaded.
    """
    environ = os.environ if environ is None else environ
    urls = read_secret_list(OPERATOR_ENV, environ)
    block = environ.get(OPERATOR_BLOCK_ENV)
    if block:
        urls += split_secret_list(read_block(OPERATOR_BLOCK_ENV, block))
    return urls


def deliver_operator_messages(archive: Archive, urls: list[str]) -> DeliveryCounts:
    """Send every queued operator message to ``urls``; never raises for a channel failure."""
    install_secret_filter()
    pending = archive.pending_operator_messages()
    if not pending:
        return DeliveryCounts()
    if not urls:
        log.info(
            "%d operator message(s) queued; set %s to receive them", len(pending), OPERATOR_ENV
        )
        return DeliveryCounts(pending=len(pending))
    channel = apprise.Apprise()
    for index, url in enumerate(urls, start=1):
        if not channel.add(url):
            log.warning(
                "operator channel URL #%d in %s is not a valid apprise URL", index, OPERATOR_ENV
            )
    sent = failed = 0
    for message in pending:
        # apprise returns False on failure and None when nothing could be sent; both are failures.
        delivered = (
            bool(channel.notify(title=message["subject"], body=message["body"]))
            if len(channel)
            else False
        )
        archive.mark_operator_message(
            message["id"], error=None if delivered else "the channel did not accept it"
        )
        sent, failed = sent + delivered, failed + (not delivered)
    if failed:
        log.warning("%d operator message(s) not delivered; they stay queued", failed)
    return DeliveryCounts(sent=sent, failed=failed)
