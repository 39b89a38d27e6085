"""Money amounts: every form of the issue, the non-amounts, two currencies, rates, sentences."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from flows.analysis.money import DEFAULT_RATES, Amount, Rates, parse_amounts

USD = DEFAULT_RATES.krw_per_unit["USD"]


def one(text: str) -> Amount:
    amounts = parse_amounts(text)
    assert len(amounts) == 1, amounts
    return amounts[0]


@pytest.mark.parametrize(
    ("text", "surface", "currency", "value"),
    [
        ("a $1.5 billion fund", "$1.5 billion", "USD", 1.5e9),
        ("reach US$86.1 billion by 2026", "US$86.1 billion", "USD", 86.1e9),
        ("invest 909 billion won in AI", "909 billion won", "KRW", 909e9),
        ("deploy 1.02 trillion won for chips", "1.02 trillion won", "KRW", 1.02e12),
        ("a KRW 10 billion round", "KRW 10 billion", "KRW", 10e9),
        ("₩300 billion for GPUs", "₩300 billion", "KRW", 300e9),
        ("총 1조 200억원을 투입한다", "1조 200억원", "KRW", 1.02e12),
        ("9090억 원 규모", "9090억 원", "KRW", 909e9),
        ("2조8000억 원을 쓴다", "2조8000억 원", "KRW", 2.8e12),
        ("300억원 규모 투자", "300억원", "KRW", 30e9),
        ("5억 달러를 유치했다", "5억 달러", "USD", 5e8),
        ("$4B deal", "$4B", "USD", 4e9),
        ("$1.5bn round", "$1.5bn", "USD", 1.5e9),
        ("$27 Million liquidation", "$27 Million", "USD", 27e6),
        ("4.98 billion yuan", "4.98 billion yuan", "CNY", 4.98e9),
        ("€1 billion plan", "€1 billion", "EUR", 1e9),
        ("W10 billion budget", "W10 billion", "KRW", 10e9),
        ("10 billion Korean won", "10 billion Korean won", "KRW", 10e9),
        ("1,000 won coins", "1,000 won", "KRW", 1000),
        ("1억 5천만 달러 투자", "1억 5천만 달러", "USD", 1.5e8),
        ("주당 3만1650원에", "3만1650원", "KRW", 31650),
        ("1.8조원 추경", "1.8조원", "KRW", 1.8e12),
        ("2500억 규모 유상증자", "2500억", "KRW", 250e9),  # won implied by 규모
        ("루닛, 600억 자금조달", "600억", "KRW", 60e9),  # won implied by 자금
        ("GPU 1만장 확보(1.46조)", "1.46조", "KRW", 1.46e12),  # budget line in brackets
    ],
)
def test_parse_amounts_forms(text: str, surface: str, currency: str, value: float) -> None:
    amount = one(text)
    assert (amount.text, amount.currency, amount.value) == (surface, currency, value)
    assert text[amount.start : amount.end] == surface


def test_parse_amounts_one_amount_in_two_currencies() -> None:
    amount = one("It raised 5.2 billion won ($3.6 million) from investors.")
    assert amount.text == "5.2 billion won ($3.6 million)"
    assert (amount.currency, amount.value, amount.krw, amount.usd) == (
        "KRW",
        5.2e9,
        5_200_000_000,
        3_600_000,
    )


def test_parse_amounts_korean_amount_with_conversion() -> None:
    amount = one("7억 달러(약 9824억원) 규모의 라운드")
    assert amount.text == "7억 달러(약 9824억원)"
    assert (amount.currency, amount.krw, amount.usd) == ("USD", 982_400_000_000, 700_000_000)


def test_parse_amounts_conversion_to_a_third_currency_keeps_won() -> None:
    amount = one("invest 909 billion won (approximately 4.98 billion yuan) in AI")
    assert amount.text == "909 billion won (approximately 4.98 billion yuan)"
    assert amount.krw == 909_000_000_000
    assert amount.usd == round(Decimal(909_000_000_000) / USD)


@pytest.mark.parametrize(
    "text",
    [
        "GPT-3 has 175 billion parameters and another model 1.6 trillion parameters.",
        "Exports rose 66.7% year-on-year, second only to 2017 (69.6%).",
        "By 2027 the plan ends; in 2023 won the contest.",
        "USD/KRW 1350 -1 -0.07%  JPY100/KRW 892.24",
        "KOSPI 2745.82 -9.29 -0.34%",
        "세 가지 3원칙과 100엔진, 2025년 1만장의 GPU",
        "The W3 model and 1750억 개 매개변수",
    ],
)
def test_parse_amounts_non_amounts(text: str) -> None:
    assert parse_amounts(text) == []


def test_parse_amounts_ranges_give_both_ends() -> None:
    korean = parse_amounts("600억-800억원 규모로 논의 중")
    assert [(a.text, a.value) for a in korean] == [("600억", 60e9), ("800억원", 80e9)]
    english = parse_amounts("a $1-2 billion round")
    assert [a.value for a in english] == [1e9, 2e9]


def test_parse_amounts_converts_with_default_rates() -> None:
    amount = one("$1.5 billion")
    assert amount.krw == round(Decimal("1.5e9") * USD)
    assert amount.usd == 1_500_000_000
    assert DEFAULT_RATES.as_of == date(2026, 1, 26)


def test_parse_amounts_with_custom_rates() -> None:
    rates = Rates(as_of=date(2025, 1, 2), krw_per_unit={"USD": Decimal(1000)})
    amount = parse_amounts("5억 달러", rates=rates)[0]
    assert (amount.krw, amount.usd) == (500_000_000_000, 500_000_000)
    euro = parse_amounts("€1 billion", rates=rates)[0]
    assert (euro.krw, euro.usd) == (None, None)  # no EUR rate given


def test_parse_amounts_keeps_the_sentence() -> None:
    text = "Samsung Corp. grew. The U.S. firm said it would invest $2 billion. 삼성전자는 1조원을 투자한다. 끝."
    amounts = parse_amounts(text)
    assert [a.sentence for a in amounts] == [
        "The U.S. firm said it would invest $2 billion.",
        "삼성전자는 1조원을 투자한다.",
    ]
    assert amounts[0].text == "$2 billion"


def test_parse_amounts_seed_003(shared_dir: Path) -> None:
    text = (shared_dir / "corpus" / "seeds" / "003_429c415f1a14590d.txt").read_text("utf-8")
    found = {a.text.split(" (")[0]: a for a in parse_amounts(text)}
    assert found["909 billion won"].krw == 909_000_000_000
    assert found["1.02 trillion won"].krw == 1_020_000_000_000
    assert found["US$86.1 billion"].usd == 86_100_000_000
    assert "622 trillion won" in found
    assert all("parameter" not in a.sentence for a in found.values())


def test_parse_amounts_seed_002_skips_parameters_and_tickers(shared_dir: Path) -> None:
    text = (shared_dir / "corpus" / "seeds" / "002_d9c4fa1b89cb0f43.txt").read_text("utf-8")
    assert [a.text for a in parse_amounts(text)] == ["$1.5 billion", "$32 billion"]


# -- amounts on page furniture (issue 15) ---------------------------------------------

BODY = (
    "The Ministry of Science and ICT said on Monday it would spend $1.5 billion over five "
    "years on sovereign AI models, with the first calls for proposals due in March."
)


def test_parse_amounts_skips_a_related_headlines_block() -> None:
    text = "\n".join(
        [
            BODY,
            "More to Read",
            "Crypto lender faces $27 Million liquidation as prices slide",
            "Kakao opens its Kanana model to outside developers",
        ]
    )
    assert [a.text for a in parse_amounts(text)] == ["$1.5 billion"]


@pytest.mark.parametrize(
    "line",
    [
        "Related: Seoul start-up raises $5 million for AI chips",
        "▶ 관련기사: 리벨리온, 1000억원 규모 시리즈C 투자 유치",
        "SEE MORE: Naver sets aside 500 billion won for GPUs",
    ],
)
def test_parse_amounts_skips_a_furniture_line(line: str) -> None:
    amounts = parse_amounts(f"{BODY}\n{line}\n{BODY.replace('Monday', 'Tuesday')}")
    assert [a.text for a in amounts] == ["$1.5 billion", "$1.5 billion"]


def test_parse_amounts_an_amount_alone_is_still_read() -> None:
    # One line is an amount someone wrote (an alert setting), not a page.
    assert [a.text for a in parse_amounts("₩300")] == ["₩300"]


def test_parse_amounts_seed_004_leaves_the_headline_list(shared_dir: Path) -> None:
    text = (shared_dir / "corpus" / "seeds" / "004_ddde61632953ea57.txt").read_text("utf-8")
    assert "$27 Million" in text
    assert [a.text for a in parse_amounts(text)] == ["$1.5 billion"]
