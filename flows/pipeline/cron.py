"""Check a five-field cron expression the way Prefect's scheduler will read it.

``sources.yaml`` is validated without importing Prefect (``sources check`` must
start fast), so the schedules are checked here: each field's numbers, ranges,
steps and names within their bounds, and a day of the month that its months
have (``0 0 30 2 *`` never fires). Prefect's own extensions (``R``, ``H``) and
the ``@daily`` shortcuts are refused, as Prefect refuses them.
"""

from __future__ import annotations

import re

__all__ = ["check_cron"]

_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    ("day of week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)  # fmt: skip
_ITEM = re.compile(r"^(?:(?P<all>\*)|(?P<start>\w+)(?:-(?P<end>\w+))?)(?:/(?P<step>\d+))?$")
# The most days each month can have (February in a leap year).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def check_cron(expression: str) -> str:
    """Return ``expression`` if it is a cron schedule that fires; else raise ValueError.

    :raises ValueError: with the field and the value at fault, e.g. "minute 61 is not in 0-59".
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"must be a five-field cron expression (minute hour day month weekday), "
            f"got {expression!r}"
        )
    values = [_field_values(text, *spec) for text, spec in zip(fields, _FIELDS, strict=True)]
    days, months = values[2], values[3]
    if fields[4] == "*" and not any(
        day <= _MONTH_DAYS[month - 1] for day in days for month in months
    ):
        raise ValueError(f"{expression!r} never fires: no month in it has that day")
    return expression


def _field_values(text: str, name: str, low: int, high: int, names: tuple[str, ...]) -> set[int]:
    """The numbers one field stands for."""
    found: set[int] = set()
    for item in text.split(","):
        match = _ITEM.match(item)
        if match is None:
            raise ValueError(f"{name} {item!r} is not a number, a range, '*' or a step")
        if match["all"]:
            start, end = low, high
        else:
            start = _number(match["start"], name, low, high, names)
            end = _number(match["end"], name, low, high, names) if match["end"] else start
            if end < start:
                raise ValueError(f"{name} range {item!r} runs backwards")
        step = int(match["step"]) if match["step"] else 1
        if step < 1 or step > high:
            raise ValueError(f"{name} step in {item!r} must be 1 to {high}")
        if match["step"] and not match["end"] and not match["all"]:
            end = high  # "5/15": from 5 on, every 15
        found.update(range(start, end + 1, step))
    return found


def _number(word: str, name: str, low: int, high: int, names: tuple[str, ...]) -> int:
    if word.lower() in names:
        return names.index(word.lower()) + (1 if name == "month" else 0)
    if not word.isdigit():
        raise ValueError(f"{name} {word!r} is not a number" + (f" or {names[0]}…" if names else ""))
    value = int(word)
    if not low <= value <= high:
        raise ValueError(f"{name} {value} is not in {low}-{high}")
    return value
