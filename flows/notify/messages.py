"""Alert and digest messages, written for Slack and e-mail alike.

Messages are plain text handed to apprise with ``body_format=TEXT``: apprise
escapes it for HTML channels (e-mail). Every other channel may interpret it:
apprise's Slack plugin turns ``&lt;!channel&gt;`` back into a live ``<!channel>``,
Discord and Mattermost ping on ``@everyone``/``@channel`` and render markdown
links, and apprise calls some of them "text". So text from feeds is made inert
for every channel but HTML ones (:func:`inert`). The digest's HTML version is
built with every value escaped. Dates are shown in the configured time zone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flows.core.money_text import format_amount
from storage.alerts import EventView

__all__ = [
    "Message",
    "alert_message",
    "confidence_line",
    "digest_message",
    "headline",
    "inert",
]

DEFAULT_TIMEZONE = "Asia/Seoul"  # settings.timezone's default
_TYPE_LABEL = {"funding": "Funding", "partnership": "Partnership"}
# How a headline says each partnership subtype (flows/analysis/events/detector.py); others: "sign a … deal".
_PARTNERSHIP_VERB = {
    "agreement": "sign an agreement",
    "partnership": "partner",
    "joint venture": "form a joint venture",
    "joint development": "agree to develop jointly",
    "expansion": "expand their partnership",
    "supply": "sign a supply deal",
    "": "partner",
}
# The same when the article names one party only (the other a generic noun, 대학병원).
_PARTNERSHIP_VERB_ONE = {
    "agreement": "signs an agreement",
    "partnership": "partners",
    "joint venture": "forms a joint venture",
    "joint development": "agrees to develop jointly",
    "expansion": "expands a partnership",
    "supply": "signs a supply deal",
    "": "partners",
}
# Slack's <!channel>; Discord's and Mattermost's @everyone / @here / @channel / @all.
_MENTION = re.compile(r"@(?=(?:everyone|here|channel|all)\b)", re.IGNORECASE)
# "&lt;!channel&gt;" written in a headline: apprise's Slack plugin would unescape it.
_ENTITY = re.compile(r"&(?=#?\w+;)")
# A markdown link "[text](http://…)": the "](" joins text to a target.
_LINK = re.compile(r"\]\s*\(")


@dataclass(frozen=True)
class Message:
    """A title and bodies; ``html`` is set only for digests."""

    title: str
    text: str
    html: str | None = None


def inert(text: str) -> str:
    """Feed text that no chat channel can turn into a mention, a link or a tag.

    ``<`` ``>`` become the look-alikes ‹ ›; a zero-width space breaks mentions,
    HTML entities and markdown links. Emphasis (``*bold*``) is left: it can only
    change how a headline looks.
    """
    text = text.replace("<", "\u2039").replace(">", "\u203a")
    text = _ENTITY.sub("&\u200b", text)
    text = _LINK.sub("]\u200b(", text)
    return _MENTION.sub("@\u200b", text)


def _safe(channel_format: str) -> Callable[[str], str]:
    # apprise escapes text for HTML channels itself; every other channel gets inert text.
    return (lambda text: text) if channel_format == "html" else inert


def _amount(view: EventView) -> str | None:
    """The event's first amount as written, with the other currency added when it lacks it.

    The first, not the largest: in "raised $13 million at a $200 million valuation"
    the sentence leads with what was raised.
    """
    if not view.amounts:
        return None
    first = view.amounts[0]
    text = str(first.get("text") or "")
    # The conversion is written by the one formatter (flows/core/money_text.py): $48 m, ₩70 bn.
    if "$" not in text and first.get("usd") and first.get("currency") != "USD":
        text += f" ({format_amount(int(first['usd']), 'USD')})"
    elif first.get("currency") == "USD" and first.get("krw") and "won" not in text:
        text += f" ({format_amount(int(first['krw']), 'KRW')})"
    return text


def _names(view: EventView) -> list[str]:
    return [name for name in view.party_names if name] or list(view.parties)


def _with_role(view: EventView, *roles: str) -> list[str]:
    """The names of the parties whose role is one of ``roles``, in order."""
    names = _names(view)
    return [name for name, role in zip(names, view.roles, strict=False) if role in roles and name]


_ROLE_LABEL = {
    "recipient": "raised",
    "lead_investor": "lead investor",
    "investor": "investor",
    "government": "government",
    "signatory": "",
}


def _parties_line(view: EventView) -> str:
    """``Rebellions (raised), KT (lead investor)``; a party the knowledge base lacks is marked."""
    names = _names(view)
    out = []
    for i, name in enumerate(names):
        role = view.roles[i] if i < len(view.roles) else ""
        label = _ROLE_LABEL.get(role, role)
        new = i < len(view.parties) and view.parties[i].startswith("unk:")
        notes = [x for x in (label, "new name" if new else "") if x]
        out.append(f"{name} ({', '.join(notes)})" if notes else name)
    return ", ".join(out)


def confidence_line(view: EventView, top: int = 3) -> str:
    """``Confidence 0.93: signed an agreement; in the title; a party the knowledge base knows``.

    The reasons are the features that raised the probability most (``kaiwatch explain``
    shows all of them, with the ones that lowered it).
    """
    raised = [r for r in view.reasons if float(r.get("weight", 0)) > 0][:top]
    why = "; ".join(str(r.get("reason") or r.get("id")) for r in raised)
    return f"Confidence {view.confidence:.2f}" + (f": {why}" if why else "")


def headline(view: EventView) -> str:
    """``FuriosaAI raises 70 billion won ($48 million), Series C bridge``."""
    names = _names(view)
    amount = _amount(view)
    if view.type == "funding":
        # By role: who raised, who invested, who budgeted (an event without roles: in order).
        recipient = _with_role(view, "recipient")
        investors = _with_role(view, "lead_investor", "investor")
        government = _with_role(view, "government")
        if view.subtype == "government":
            who = (government or names or ["Undisclosed party"])[0]
            line = f"{who} commits {amount}" if amount else f"{who} commits funding"
        elif recipient and investors and not (view.subtype == "round" or view.round):
            line = (
                f"{investors[0]} invests {amount} in {recipient[0]}"
                if amount
                else (f"{investors[0]} invests in {recipient[0]}")
            )
        elif recipient or view.subtype == "round" or view.round:
            who = (recipient or names or ["Undisclosed party"])[0]
            line = f"{who} raises {amount}" if amount else f"{who} raises funding"
        else:
            parties = " and ".join(names[:2]) or "Undisclosed party"
            line = f"{parties}: {view.subtype or 'investment'}" + (f", {amount}" if amount else "")
        return line + (f", {view.round}" if view.round else "")
    parties = " and ".join(names[:3]) or "Undisclosed parties"
    if len(names) == 1:
        verb = _PARTNERSHIP_VERB_ONE.get(view.subtype or "", f"signs a {view.subtype} deal")
    else:
        verb = _PARTNERSHIP_VERB.get(view.subtype or "", f"sign a {view.subtype} deal")
    return f"{parties} {verb}" + (f", {amount}" if amount else "")


def _date(view: EventView, timezone: str) -> str:
    """The article's day where the reader is (08:00 in Seoul on the 25th is the 25th)."""
    if not view.published:
        return ""
    moment = datetime.fromisoformat(view.published)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).date().isoformat()


def _also(view: EventView) -> str | None:
    others = view.outlets - 1
    if others < 1:
        return None
    return f"Also carried by {others} other outlet{'s' if others > 1 else ''}."


def alert_message(
    view: EventView, channel_format: str, timezone: str = DEFAULT_TIMEZONE
) -> Message:
    """One alert, for a channel whose markup is ``text``, ``markdown`` or ``html``."""
    safe = _safe(channel_format)
    title = f"[{_TYPE_LABEL[view.type]}] {safe(headline(view))}"
    lines = [f"Parties: {safe(_parties_line(view) or 'not named')}"]
    amount = _amount(view)
    details = [f"Amount: {safe(amount)}"] if amount else []
    if view.round:
        details.append(f"Round: {safe(view.round)}")
    if details:
        lines.append(" · ".join(details))
    lines.append(f'Evidence: "{safe(view.evidence)}"')
    lines.append(f"{safe(view.title)}: {safe(view.outlet)}, {_date(view, timezone)}")
    lines.append(safe(view.url))
    also = _also(view)
    if also:
        lines.append(also)
    lines.append(f"{confidence_line(view)} · kaiwatch alert #{view.alert_id}")
    return Message(title=title, text="\n".join(lines))


def _sorted_by_type(views: Sequence[EventView]) -> dict[str, list[EventView]]:
    groups: dict[str, list[EventView]] = {"funding": [], "partnership": []}
    for view in views:
        groups.setdefault(view.type, []).append(view)
    for items in groups.values():
        items.sort(key=lambda v: (-(v.amount_krw or 0), -v.confidence, v.article_id))
    return {kind: items for kind, items in groups.items() if items}


def digest_message(
    views: Sequence[EventView],
    *,
    period: str,
    label: str,
    channel_format: str,
    chart_svg: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
) -> Message:
    """The period's events grouped by type, largest amounts first, each story once.

    :param label: the local days covered, for the title (:func:`flows.app.digest.digest_label`).
    """
    safe = _safe(channel_format)
    title = f"kaiwatch {period} digest, {label}: {len(views)} event{'s' * (len(views) != 1)}"
    groups = _sorted_by_type(views)
    text_lines: list[str] = []
    html_parts = [
        '<html><body style="font-family:sans-serif">',
        f"<h2>{html.escape(title)}</h2>",
    ]
    if not views:
        text_lines.append("No partnership or funding events in this period.")
        html_parts.append("<p>No partnership or funding events in this period.</p>")
    if chart_svg:
        html_parts.append(f"<div>{chart_svg}</div>")
    for kind, items in groups.items():
        label = f"{_TYPE_LABEL[kind]} ({len(items)})"
        text_lines += ["", label]
        html_parts.append(f"<h3>{html.escape(label)}</h3><ul>")
        for view in items:
            also = f" (+{view.outlets - 1} outlets)" if view.outlets > 1 else ""
            text_lines.append(f"• {safe(headline(view))}{also}")
            text_lines.append(f"  {safe(view.title)}: {safe(view.outlet)}, {_date(view, timezone)}")
            text_lines.append(f"  {safe(view.url)}")
            html_parts.append(
                f"<li><b>{html.escape(headline(view))}</b>{html.escape(also)}<br>"
                f'<a href="{html.escape(view.url, quote=True)}">{html.escape(view.title)}</a> '
                f"({html.escape(view.outlet)}, {html.escape(_date(view, timezone))})<br>"
                f"<i>{html.escape(view.evidence)}</i></li>"
            )
        html_parts.append("</ul>")
    html_parts.append("</body></html>")
    return Message(title=title, text="\n".join(text_lines).strip(), html="\n".join(html_parts))
