"""Find money amounts in English and Korean text and put them in KRW and USD.

Forms understood::

    $1.5 billion   US$86.1 billion   $4B   $1.5bn   USD 20 million   €1 billion
    909 billion won   1.02 trillion won   KRW 10 billion   ₩300 billion   W10 billion
    4.98 billion yuan   500 million dollars   $1-2 billion (two amounts)
    1조 200억원   2조8000억 원   9090억 원   300억원 규모   5억 달러   3만1650원
    2500억 규모 / 600억 자금조달 / 확보(1.46조) (won implied by what surrounds it)
    5.2 billion won ($3.6 million)   7억 달러(약 9824억원)   (one amount, two currencies)

A number is money only with a currency (a symbol, a code or a word), so
parameter counts ("175 billion parameters"), percentages and years are not
amounts. "won" after a bare number needs a scale word or thousands separators
("2023 won" is a year before a verb).

When the text states an amount in two currencies, the stated figures are used;
otherwise :data:`DEFAULT_RATES` (or the ``rates`` passed in) convert it.

Amounts on lines that :mod:`flows.core.furniture` calls page furniture are not the
article's: a headline in a "more to read" list ("... Faces $27 Million
Liquidation") or a teaser line is another story's money (issue 15).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flows.core.furniture import MAX_FURNITURE_CHARS, furniture_spans
from flows.core.models import Amount

__all__ = ["DEFAULT_RATES", "Amount", "Rates", "parse_amounts"]


@dataclass(frozen=True)
class Rates:
    """Exchange rates: how many won one unit of each currency buys, on one date.

    :param as_of: the date the rates hold for.
    :param krw_per_unit: ``{"USD": Decimal("1440.60"), ...}``; KRW is 1 if left out.
    :param source: where the figures come from.
    """

    as_of: date
    krw_per_unit: Mapping[str, Decimal]
    source: str = ""

    def to_krw(self, value: Decimal, currency: str) -> Decimal | None:
        """Return ``value`` in won, or None if there is no rate for ``currency``."""
        if currency == "KRW":
            return value
        rate = self.krw_per_unit.get(currency)
        return value * rate if rate is not None else None

    def to_usd(self, value: Decimal, currency: str) -> Decimal | None:
        """Return ``value`` in US dollars, or None if a rate is missing."""
        if currency == "USD":
            return value
        krw = self.to_krw(value, currency)
        usd_rate = self.krw_per_unit.get("USD")
        return krw / usd_rate if krw is not None and usd_rate else None


#: Hana Bank's base rates (매매기준율) at the 15:30 KST close of 26 January 2026.
#: Replace them with `Rates(...)` for other dates; GBP has no default rate, so pound
#: amounts come out with ``krw`` and ``usd`` None unless a rate is given.
DEFAULT_RATES = Rates(
    as_of=date(2026, 1, 26),
    krw_per_unit={
        "USD": Decimal("1440.60"),
        "EUR": Decimal("1708.19"),
        "JPY": Decimal("9.3415"),
        "CNY": Decimal("207.16"),
    },
    source="Hana Bank base rates (매매기준율), 15:30 KST, 26 January 2026",
)


@dataclass
class _Raw:
    start: int
    end: int
    currency: str
    value: Decimal
    stated: dict[str, Decimal] = field(default_factory=dict)


# -- English ----------------------------------------------------------------------

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SCALE_WORDS = {
    "thousand": 3,
    "million": 6,
    "mn": 6,
    "mln": 6,
    "billion": 9,
    "bn": 9,
    "trillion": 12,
    "tn": 12,
    "tril": 12,
    "trn": 12,
}
_SCALE_LETTERS = {"k": 3, "m": 6, "b": 9, "t": 12}
_SCALE = (
    r"(?:[ -]?(?P<word{n}>(?i:thousand|million|billion|trillion|mln|mn|bn|trn|tril|tn))\b"
    r"|(?P<letter{n}>[kKmMbBtT])\b)"
)
_PREFIX = {
    "US$": "USD",
    "U.S.$": "USD",
    "$": "USD",
    "USD": "USD",
    "KRW": "KRW",
    "₩": "KRW",
    "W": "KRW",
    "EUR": "EUR",
    "€": "EUR",
    "JPY": "JPY",
    "¥": "JPY",
    "CNY": "CNY",
    "RMB": "CNY",
    "GBP": "GBP",
    "£": "GBP",
}
_SUFFIX = {
    "won": "KRW",
    "dollar": "USD",
    "dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "yen": "JPY",
    "yuan": "CNY",
    "renminbi": "CNY",
}
_EN_PREFIXED_RE = re.compile(
    r"(?<![\w/])(?P<cur>US ?\$|U\.S\. ?\$|(?<![A-Za-z])\$|USD|KRW|₩|W(?=\d)|EUR|€|JPY|¥|CNY|RMB|GBP|£)"
    rf"[ ]?(?P<num>{_NUM})(?:[ ]?(?:-|–|to)[ ]?(?:\$|₩|€|£)?(?P<num2>{_NUM}))?"
    rf"(?:{_SCALE.format(n='')})?(?![\w/])"
)
_EN_SUFFIXED_RE = re.compile(
    rf"(?<![\w.,$₩€£¥])(?P<num>{_NUM})(?:[ ]?(?:-|–|to)[ ]?(?P<num2>{_NUM}))?"
    rf"(?:{_SCALE.format(n='')})?[ ]?(?:(?:South )?Korean |US |U\.S\. )?"
    r"(?P<cur>won|dollars?|euros?|yen|yuan|renminbi)\b"
)

# -- Korean -----------------------------------------------------------------------

_KO_BIG = {"조": 12, "억": 8, "만": 4}
_KO_SMALL = {"천": 3, "백": 2, "십": 1}
_KO_GROUP = r"\d[\d,]*(?:\.\d+)?[ ]?[천백십]?[ ]?[조억만]"
_KO_TAIL = r"\d[\d,]*(?:\.\d+)?(?:[ ]?[천백])?"
_KO_NUM = rf"(?:{_KO_GROUP}[ ]?)+(?:{_KO_TAIL})?|{_KO_TAIL}"
_KO_CURRENCY = {"원": "KRW", "달러": "USD", "유로": "EUR", "엔": "JPY", "위안": "CNY"}
_KO_AMOUNT_RE = re.compile(
    rf"(?<![\d.,A-Za-z])(?P<num>{_KO_NUM})[ ]?(?:미국[ ]?|美[ ]?|미화[ ]?)?(?P<cur>원|달러|유로|엔|위안)"
)
# Without a currency word, a figure in 억/조 is won when a money word follows it.
_KO_IMPLIED_RE = re.compile(
    rf"(?<![\d.,A-Za-z])(?P<num>(?:{_KO_GROUP}[ ]?)*\d[\d,]*(?:\.\d+)?[ ]?[천백십]?[ ]?[억조])"
    r"(?=[ ]?(?:규모|투자|자금|펀드|펀딩|예산|추경|유치|조달|지원|매출|출자|증자|어치|상당))"
)
# A figure in 억/조 alone in brackets is won too, as in budget lists: "GPU 확보(1.46조)".
_KO_BRACKETED_RE = re.compile(
    rf"(?<=[(（])[ ]?(?P<num>(?:{_KO_GROUP}[ ]?)*\d[\d,]*(?:\.\d+)?[ ]?[천백십]?[ ]?[억조])"
    r"(?=[ ]?[)）])"
)
# What may follow a Korean currency word: particles, 대 (range), 씩, 가량, 규모, ...
_KO_AFTER_RE = re.compile(
    r"(?:으로|에서|까지|부터|보다|가량|어치|상당|규모|수준|안팎|이상|이하|미만|초과|정도|이며|이고"
    r"|이다|였다|이었다|[을를이가은는의에도와과만대씩선쯤께당로])*(?![\uac00-\ud7a3])"
)
_KO_RANGE_RE = re.compile(rf"(?<![\d.,])(?P<num>{_KO_NUM})[ ]?[-~∼–][ ]?$")

# A second currency in brackets right after an amount: "($3.6 million)", "(약 9824억원)".
_CONVERSION_OPEN_RE = re.compile(
    r"[ ]?[(（\[][ ]?(?:(?:approximately|approx\.|about|around|roughly|some|nearly|almost|or"
    r"|약|대략|한화[ ]?|원화[ ]?|미화[ ]?|우리[ ]?돈[ ]?|US)[ ]?)*"
)
_CONVERSION_CLOSE_RE = re.compile(r"[ ]?[)）\]]")

# -- sentences --------------------------------------------------------------------

_SENTENCE_END_RE = re.compile(r"(?<=[.!?。])[ \t]+|\n+")
_ABBREVIATION_RE = re.compile(
    r"(?:\b[A-Z]|\b(?:Mr|Ms|Mrs|Dr|Prof|No|Inc|Co|Corp|Ltd|vs|St|Jr|Sr|Jan|Feb|Mar|Apr|Jun|Jul"
    r"|Aug|Sep|Sept|Oct|Nov|Dec|approx|U\.S|U\.K|Gov|Rep|Sen))\.$"
)


def _decimal(number: str) -> Decimal:
    return Decimal(number.replace(",", ""))


def _english_scale(match: re.Match[str]) -> int | None:
    word, letter = match.group("word"), match.group("letter")
    if word:
        return _SCALE_WORDS[word.lower()]
    if letter:
        return _SCALE_LETTERS[letter.lower()]
    return None


def _english(text: str) -> list[_Raw]:
    found: list[_Raw] = []
    for regex in (_EN_PREFIXED_RE, _EN_SUFFIXED_RE):
        for match in regex.finditer(text):
            raw_currency = match.group("cur").replace(" ", "")
            currency = _PREFIX.get(raw_currency) or _SUFFIX[raw_currency.lower()]
            scale = _english_scale(match)
            number = match.group("num")
            if scale is None:
                if raw_currency == "W":
                    continue  # "W3" is a model number, not 3 won
                if currency == "KRW" and regex is _EN_SUFFIXED_RE and "," not in number:
                    continue  # "2023 won": a year before a verb
            factor = Decimal(10) ** (scale or 0)
            for num in (number, match.group("num2")):
                if num:
                    found.append(_Raw(match.start(), match.end(), currency, _decimal(num) * factor))
    return found


def _korean_number(text: str) -> Decimal | None:
    """Read "1조 200억", "2조8000억", "3만1650", "1억 5천만" as a number."""
    total = Decimal(0)
    last_big = 99
    for number, small, big in re.findall(
        r"(\d[\d,]*(?:\.\d+)?)[ ]?([천백십]?)[ ]?([조억만]?)", text
    ):
        value = _decimal(number)
        if small:
            value *= Decimal(10) ** _KO_SMALL[small]
        if big:
            exponent = _KO_BIG[big]
            if exponent >= last_big:
                return None  # not in descending order: two numbers, not one
            last_big = exponent
            value *= Decimal(10) ** exponent
        elif last_big == 0:
            return None
        else:
            last_big = 0
        total += value
    return total


def _korean(text: str) -> list[_Raw]:
    found: list[_Raw] = []
    for match in _KO_AMOUNT_RE.finditer(text):
        if not _KO_AFTER_RE.match(text, match.end()):
            continue  # 엔진, 원칙: the currency word begins another word
        number = match.group("num").strip()
        if not re.search(r"[조억만천백]", number) and len(re.sub(r"\D", "", number)) < 3:
            continue  # "3원칙" and the like: too small to be news money
        value = _korean_number(number)
        if value is None:
            continue
        currency = _KO_CURRENCY[match.group("cur")]
        start = match.start() + (len(match.group("num")) - len(match.group("num").lstrip()))
        found.append(_Raw(start, match.end(), currency, value))
        ranged = _KO_RANGE_RE.search(text, max(0, start - 40), start)
        if ranged:
            low = _korean_number(ranged.group("num"))
            if low is not None:
                found.append(_Raw(ranged.start(), ranged.end("num"), currency, low))
    for regex in (_KO_IMPLIED_RE, _KO_BRACKETED_RE):
        for match in regex.finditer(text):
            value = _korean_number(match.group("num"))
            if value is not None:
                found.append(_Raw(match.start("num"), match.end("num"), "KRW", value))
    return found


def _without_overlaps(raws: list[_Raw]) -> list[_Raw]:
    """Keep the longest of overlapping matches (ranges keep both of their amounts)."""
    raws.sort(key=lambda raw: (raw.start, -(raw.end - raw.start)))
    kept: list[_Raw] = []
    for raw in raws:
        if kept and raw.start < kept[-1].end:
            same_span = (raw.start, raw.end) == (kept[-1].start, kept[-1].end)
            if not (same_span and raw.currency == kept[-1].currency):
                continue
        kept.append(raw)
    return kept


def _merge_conversions(text: str, raws: list[_Raw]) -> list[_Raw]:
    """Join "5.2 billion won ($3.6 million)" into one amount stated in two currencies."""
    merged: list[_Raw] = []
    index = 0
    while index < len(raws):
        raw = raws[index]
        raw.stated.setdefault(raw.currency, raw.value)
        following = raws[index + 1] if index + 1 < len(raws) else None
        if following is not None and following.currency != raw.currency:
            opening = _CONVERSION_OPEN_RE.match(text, raw.end)
            closing = _CONVERSION_CLOSE_RE.match(text, following.end)
            if opening and opening.end() == following.start and closing:
                raw.stated.setdefault(following.currency, following.value)
                raw.end = closing.end()
                index += 1
        merged.append(raw)
        index += 1
    return merged


def _sentence_starts(text: str) -> list[int]:
    starts = [0]
    for match in _SENTENCE_END_RE.finditer(text):
        end = match.start()
        # An abbreviation ("U.S.", "Corp.") is a few characters before the space.
        if match.group(0).startswith("\n") or not _ABBREVIATION_RE.search(
            text, max(0, end - 8), end
        ):
            starts.append(match.end())
    return starts


def _sentence(text: str, starts: list[int], start: int, end: int) -> str:
    index = bisect_right(starts, start) - 1
    begin = starts[index]
    stop = len(text)
    following = bisect_right(starts, end - 1)
    if following < len(starts):
        stop = starts[following]
    return text[begin:stop].strip()


def _line_chars(text: str, offset: int) -> int:
    """Return the length of the line of ``text`` that holds ``offset``."""
    end = text.find("\n", offset)
    return (len(text) if end < 0 else end) - (text.rfind("\n", 0, offset) + 1)


def _off_furniture(text: str, raws: list[_Raw]) -> list[_Raw]:
    """Drop the amounts that sit on furniture lines (related headlines, teasers, tickers)."""
    # One line is an amount someone wrote down (a setting, a title), not a page. And
    # furniture lines are short: when every amount is in a long paragraph (the usual
    # case, and always in text the cleaner de-furnished) there is nothing to judge.
    if "\n" not in text.strip() or all(
        _line_chars(text, raw.start) > MAX_FURNITURE_CHARS for raw in raws
    ):
        return raws
    spans = furniture_spans(text)
    starts = [start for start, _ in spans]
    kept = []
    for raw in raws:
        index = bisect_right(starts, raw.start) - 1
        if index < 0 or raw.start >= spans[index][1]:
            kept.append(raw)
    return kept


def _whole(value: Decimal | None) -> int | None:
    return int(value.to_integral_value()) if value is not None else None


def parse_amounts(text: str, *, rates: Rates = DEFAULT_RATES) -> list[Amount]:
    """Return the money amounts in ``text``, in order.

    :param text: English or Korean text (or both), one paragraph per line.
    :param rates: exchange rates for amounts the text states in one currency only.
    """
    if not text:
        return []
    raws = _merge_conversions(
        text, _off_furniture(text, _without_overlaps(_english(text) + _korean(text)))
    )
    starts = _sentence_starts(text) if raws else [0]
    amounts = []
    for raw in raws:
        stated = raw.stated
        krw = stated.get("KRW")
        if krw is None:
            krw = rates.to_krw(raw.value, raw.currency)
        usd = stated.get("USD")
        if usd is None:
            usd = rates.to_usd(krw, "KRW") if krw is not None else None
        amounts.append(
            Amount(
                text=text[raw.start : raw.end],
                currency=raw.currency,
                value=float(raw.value),
                krw=_whole(krw),
                usd=_whole(usd),
                start=raw.start,
                end=raw.end,
                sentence=_sentence(text, starts, raw.start, raw.end),
            )
        )
    return amounts
