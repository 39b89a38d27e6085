"""Short update messages: a later write-up gave an alerted event's amount or round (issue 16).

Off unless ``alerts.updates: true``. A write-up of an event that alerted already sends no
second alert; when it gives what the first lacked (the amount, the round), the archive notes
an update (:func:`storage.alerts.queue_update`) and this step sends it once, to each channel
that got the alert. Updates noted while the setting is off are closed unsent, so turning it
on later sends no backlog.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from flows.notify.channels import Channel
from flows.notify.messages import Message, inert
from flows.pipeline.alert_config import AlertSettings
from storage import alerts as outbox
from storage.archive import Archive, iso_utc

__all__ = ["send_updates", "update_message"]

log = logging.getLogger(__name__)

_FIELDS = {"amount": "Amount", "round": "Round"}


def update_message(update: Mapping[str, Any]) -> Message:
    """``[Update] Funding: Upstage — Amount: 100 billion won``, with the write-up that gave it."""
    names = json.loads(update["party_names"] or "[]")
    who = update["recipient_name"] or ", ".join(names[:3]) or "an event alerted earlier"
    what = f"{_FIELDS[update['field']]}: {update['value']}"
    title = f"[Update] {str(update['type']).capitalize()}: {inert(str(who))} — {inert(what)}"
    text = (
        f"{inert(what)}, as {inert(str(update['outlet']))} reports it:\n"
        f"{inert(str(update['title']))}\n{update['canonical_url']}\n"
        "(kaiwatch alerted this event earlier; this is its only update for that field.)"
    )
    return Message(title=title, text=text)


def send_updates(
    archive: Archive,
    settings: AlertSettings,
    channels: Sequence[Channel],
    now: datetime,
) -> tuple[int, int]:
    """Send the noted updates; ``(messages sent, failed)``. Failures are retried next pass,
    ``alerts.max_attempts`` times in all, to the channels that have not accepted yet.
    """
    # here, not at the top: flows.pipeline.alerts calls this module after its deliveries
    from flows.pipeline.alerts import attempt_message

    stamp = iso_utc(now) or ""
    by_id = {channel.id: channel for channel in channels}
    sent = failed = 0
    with archive.write() as conn:
        pending = outbox.new_updates(conn)
        targets = {u["id"]: outbox.update_targets(conn, u["id"], u["alert_id"]) for u in pending}
    for update in pending:
        if not settings.updates:
            with archive.write() as conn:
                outbox.mark_update(conn, update["id"], sent_to=(), status="off", now=stamp)
            continue
        message = update_message(update)
        accepted = []
        for channel_id in sorted(targets[update["id"]]):
            channel = by_id.get(channel_id)
            if channel is None:
                continue  # no longer configured: it gets no update
            error = attempt_message(channel, message)
            if error is None:
                accepted.append(channel_id)
                sent += 1
            else:
                failed += 1
                log.info("update %s not accepted: %s", update["id"], error)
        left = {c for c in targets[update["id"]] if c in by_id} - set(accepted)
        attempts = int(update["attempts"]) + 1
        status = "sent" if not left else ("dead" if attempts >= settings.max_attempts else "new")
        with archive.write() as conn:
            outbox.mark_update(conn, update["id"], sent_to=accepted, status=status, now=stamp)
    return sent, failed
