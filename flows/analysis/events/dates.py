"""The article's date and the time words of a sentence, read against it.

Time words are resolved against a reference date: the article's ``published`` date when
the pipeline knows it, else the latest full date the page itself prints (bylines,
"입력 2024.05.29"), else none (then only relative words such as "last year" or 지난해
count). "Last year", "in March", "지난달", "2023년" are facts about the sentence relative
to that date; an announcement older than the article is background (the scorer learns
how much each fact weighs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date

__all__ = ["TimeFacts", "estimate_published", "fact_names", "time_facts"]

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        ]
    )
    for m in names.split()
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_FULL_DATE_RES = (
    re.compile(r"(?<!\d)(20[0-3]\d)[-./]\s?(\d{1,2})[-./]\s?(\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(20[0-3]\d)년\s*(\d{1,2})월\s*(\d{1,2})일"),
    re.compile(rf"\b({_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(20[0-3]\d)\b", re.I),
    re.compile(rf"(?<!\d)(\d{{1,2}})\s+({_MONTH_NAMES})\.?,?\s+(20[0-3]\d)\b", re.I),
)


def _full_dates(text: str) -> list[date]:
    found: list[date] = []
    for i, regex in enumerate(_FULL_DATE_RES):
        for m in regex.finditer(text):
            try:
                if i < 2:
                    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
                elif i == 2:
                    y, mo, d = int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2))
                else:
                    y, mo, d = int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1))
                found.append(date(y, mo, d))
            except ValueError:
                continue
    return found


def estimate_published(title: str, text: str, published: date | None) -> tuple[date | None, str]:
    """The reference date and where it comes from (``published``, ``page`` or ``none``).

    The page's latest full date is used: bylines print the publication (or update) date,
    and dates in the story itself are mostly earlier. Pages with a "related articles"
    list can print later dates; this is measured in ``evaluate.py`` (dates section).
    """
    if published:
        return published, "published"
    dates = [
        d for d in _full_dates(f"{title}\n{text}") if date(2000, 1, 1) <= d <= date(2027, 1, 1)
    ]
    if not dates:
        return None, "none"
    return max(dates), "page"


@dataclass(frozen=True)
class TimeFacts:
    """Time words in one sentence, resolved against the reference date when there is one."""

    past_year: bool  # an explicit year before the reference year ("in 2021", "2021년")
    this_year: bool
    future_year: bool
    old_date: bool  # a full or month date more than ~45 days before the reference
    recent_date: bool  # a date within ~45 days of the reference, or a weekday / "N일 밝혔다"
    future_date: bool
    rel_past: bool  # last year, N years ago, 지난해, 작년, earlier this year
    rel_recent_month: bool  # last month, 지난달, earlier this month
    fresh: bool  # today, on Monday, this week, 이날, 오늘, "21일 밝혔다"
    year_noref: bool  # an explicit year and no reference date


_YEAR_RE = re.compile(
    r"(?<![\d.,$₩])(?:in |since |from |by |until |of |back in |early |late |mid-?)?"
    r"(20[0-3]\d|19\d\d)(?:년(?!\s*\d+월\s*\d+일)|(?![\d%.,]|\s*(?:won|억|조|만|billion|million|trillion)))",
    re.I,
)
_MONTH_EN_RE = re.compile(
    rf"\b(?:in|since|from|by|until|early|late|mid-?|last|this|next)\s+({_MONTH_NAMES})\b(?!\s+\d)",
    re.I,
)
_MONTH_KO_RE = re.compile(r"(?<![\d년])(?<!지난\s)(\d{1,2})월(?!\s*\d{1,2}일)")
_REL_PAST_RE = re.compile(
    r"\b(?:last year|(?:a|one|two|three|four|five|several|a few|\d+) years? ago|earlier this year"
    r"|the previous year|a year earlier|previously|in the past)\b"
    r"|지난해|작년|\d+\s*년\s*전|수년\s*전|몇\s*년\s*전|앞서\s*지난해|과거",
    re.I,
)
_REL_MONTH_RE = re.compile(
    r"\b(?:last month|earlier this month|(?:a|one|two|three|several|a few|\d+) (?:months?|weeks?) ago"
    r"|last week)\b|지난달|지난\s*\d+월|\d+\s*개월\s*전",
    re.I,
)
_FRESH_RE = re.compile(
    r"\b(?:today|this week|on (?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
    r"|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day(?= (?:said|announced|that|it))"
    r"|(?:said|announced|says) (?:on )?(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|yesterday)\b"
    r"|이날|오늘|\d{1,2}일\s*(?:밝혔|발표했|전했|알렸|체결했|맺었|개최|열린|진행)",
    re.I,
)


def time_facts(sentence: str, ref: date | None) -> TimeFacts:
    """Resolve the sentence's time words against ``ref`` (None: relative words only)."""
    years = [int(m.group(1)) for m in _YEAR_RE.finditer(sentence)]
    past_year = this_year = future_year = False
    if ref and years:
        past_year = any(y < ref.year for y in years)
        this_year = any(y == ref.year for y in years)
        future_year = any(y > ref.year for y in years)
    old = recent = future = False
    if ref:
        for d in _full_dates(sentence):
            delta = (ref - d).days
            old |= delta > 45
            recent |= -3 <= delta <= 45
            future |= delta < -3
        months = [_MONTHS[m.group(1).lower()] for m in _MONTH_EN_RE.finditer(sentence)]
        months += [
            int(m.group(1)) for m in _MONTH_KO_RE.finditer(sentence) if 1 <= int(m.group(1)) <= 12
        ]
        for month in months:
            back = (ref.month - month) % 12  # months before the reference, within a year
            old |= back >= 2 and not years
            recent |= back <= 1
    return TimeFacts(
        past_year=past_year,
        this_year=this_year,
        future_year=future_year,
        old_date=old,
        recent_date=recent,
        future_date=future,
        rel_past=bool(_REL_PAST_RE.search(sentence)),
        rel_recent_month=bool(_REL_MONTH_RE.search(sentence)),
        fresh=bool(_FRESH_RE.search(sentence)),
        year_noref=bool(years) and ref is None,
    )


def fact_names(facts: TimeFacts) -> list[str]:
    """The names of the facts that hold, in field order."""
    return [f.name for f in fields(facts) if getattr(facts, f.name)]
