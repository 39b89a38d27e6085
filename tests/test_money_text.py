"""The one amount formatter (flows/core/money_text.py): units by currency and language."""

from __future__ import annotations

import pytest

from flows.core.money_text import format_amount


@pytest.mark.parametrize(
    ("value", "currency", "lang", "shown"),
    [
        (50_000_000_000, "KRW", "en", "₩50 bn"),
        (50_000_000_000, "KRW", "ko", "500억원"),
        (35_000_000, "USD", "en", "$35 m"),
        (35_000_000, "USD", "ko", "3500만 달러"),
        (1_800_000_000_000, "KRW", "ko", "1조8000억원"),
        (1_906_700_000_000, "KRW", "ko", "1조9067억원"),
        (1_460_000_000_000, "KRW", "en", "₩1.46 tn"),
        (172_300_000_000, "KRW", "en", "₩172 bn"),
        (1_250_000_000, "USD", "ko", "12억5000만 달러"),
        (105_000_000, "EUR", "en", "€105 m"),
        (105_000_000, "EUR", "ko", "1억500만 유로"),
        (999_990_000, "USD", "en", "$1 bn"),  # rounds up to the next unit, not "1000 m"
        (999_999_990_000, "KRW", "ko", "9999억9999만원"),
        (999_999_999_999, "KRW", "ko", "1조원"),  # 9999억9999.9999만 rounds up to 1조
        (99_996_000, "USD", "ko", "1억 달러"),
        (2_082, "USD", "en", "$2,082"),
        (3_000_000, "KRW", "ko", "300만원"),
        (5_000_000, "CHF", "en", "5 m CHF"),  # a currency without a symbol keeps its code
        (None, "KRW", "en", ""),
    ],
)
def test_format_amount(value: int | None, currency: str, lang: str, shown: str) -> None:
    assert format_amount(value, currency, lang) == shown


def test_a_missing_currency_is_won_and_a_missing_language_english() -> None:
    assert format_amount(7_200_000_000, None, None) == "₩7.2 bn"
