"""Amounts of money as people write them: ``₩50 bn``, ``500억원``, ``$35 m``.

The one formatter for every surface that shows an amount (canned queries, charts,
``kaiwatch events``, alerts and digests), so a figure reads the same everywhere. An
amount keeps the currency the article stated; the language picks the style. Korean
counts in 만 (10⁴), 억 (10⁸) and 조 (10¹²) and shows the two largest of them
(``1조8000억원``, ``12억5000만 달러``); English scales by thousands (``₩1.46 tn``,
``$35 m``). Figures are rounded, never invented: a reader who wants the exact number
has the integer column next to the text.
"""

from __future__ import annotations

__all__ = ["format_amount"]

_SYMBOL = {"KRW": "₩", "USD": "$", "EUR": "€", "JPY": "¥", "CNY": "CN¥", "GBP": "£"}
_KOREAN_WORD = {"USD": " 달러", "EUR": " 유로", "JPY": " 엔", "CNY": " 위안", "GBP": " 파운드"}
_ENGLISH_SCALE = ((10**12, "tn"), (10**9, "bn"), (10**6, "m"))
_KOREAN_SCALE = ((10**12, "조"), (10**8, "억"), (10**4, "만"))


def format_amount(value: float | int | None, currency: str | None, lang: str | None = "en") -> str:
    """Write ``value`` of ``currency`` for a reader of ``lang`` (``ko`` or anything else).

    >>> format_amount(50_000_000_000, "KRW", "en"), format_amount(50_000_000_000, "KRW", "ko")
    ('₩50 bn', '500억원')
    >>> format_amount(35_000_000, "USD"), format_amount(1_806_700_000_000, "KRW", "ko")
    ('$35 m', '1조8067억원')

    :returns: ``''`` when there is no value (a deal that names no amount).
    """
    if value is None:
        return ""
    code = (currency or "KRW").upper()
    amount = abs(float(value))
    if lang == "ko":
        number = _korean(amount)
        return number + "원" if code == "KRW" else number + _KOREAN_WORD.get(code, f" {code}")
    symbol = _SYMBOL.get(code)
    number = _english(amount)
    return f"{symbol}{number}" if symbol else f"{number} {code}"


def _english(amount: float) -> str:
    """``50 bn``, ``1.46 tn``, ``172 bn``, ``2,082``: three significant digits at most."""
    for size, unit in _ENGLISH_SCALE:
        if amount >= size * 0.9995:  # 999.6 m reads as 1 bn, not 1000 m
            scaled = amount / size
            digits = 2 if scaled < 10 else 1 if scaled < 100 else 0
            shown = f"{scaled:.{digits}f}"
            if "." in shown:
                shown = shown.rstrip("0").rstrip(".")
            return f"{shown} {unit}"
    return f"{amount:,.0f}"


def _korean(amount: float) -> str:
    """``1조8000억``, ``500억``, ``3500만``, ``9,000``: the two largest units, rounded."""
    whole = round(amount)
    for i, (size, unit) in enumerate(_KOREAN_SCALE):
        if whole < size:
            continue
        # Rounded to the next unit down (the last unit: to itself).
        step = _KOREAN_SCALE[i + 1][0] if i + 1 < len(_KOREAN_SCALE) else size
        rounded = round(whole / step) * step
        if i and rounded >= _KOREAN_SCALE[i - 1][0]:
            return _korean(rounded)  # 9999억9999.9만 is 1조
        head, rest = divmod(rounded, size)
        tail = rest // step if step != size else 0
        return f"{head}{unit}" + (f"{tail}{_KOREAN_SCALE[i + 1][1]}" if tail else "")
    return f"{whole:,}"
