"""Event identity (flows/analysis/identity.py): the cases issue 16 names, on hand-made events.

What must stay apart (two rounds of one company a month apart, two MOUs of one ministry on
one day, a budget and its supplementary budget) and what must come together (one round
written in won and in dollars, in Korean and in English).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows.analysis.dedup import content_hash
from flows.analysis.enrich import enrich_article
from flows.analysis.event_facts import (
    budget_facts,
    event_facts,
    facts_from_json,
    facts_to_json,
    round_of,
)
from flows.analysis.identity import RULES, EventFacts, Money, Org, amounts_agree, judge
from flows.analysis.kin import Kin
from flows.analysis.records import Candidate, Filing, file_event
from flows.analysis.translit import same_name
from flows.core.models import ArticleRecord


@pytest.fixture(scope="module")
def kin(kb) -> Kin:  # type: ignore[no-untyped-def]
    return Kin.from_knowledge(kb)


def won(text: str, value: float, about: bool = False) -> Money:
    return Money(text, "KRW", value, (("KRW", value),), about)


def usd(text: str, value: float) -> Money:
    return Money(text, "USD", value, (("USD", value),))


def funding(
    article: str,
    recipient: Org | None,
    investors: tuple[Org, ...] = (),
    amount: Money | None = None,
    rnd: str | None = None,
    day: date | None = None,
    **kw: object,
) -> EventFacts:
    parties = ((recipient,) if recipient else ()) + investors
    amounts = (amount,) if amount else ()
    return EventFacts(
        article, "funding", parties, amount=amount, amounts=amounts, round=rnd, date=day, **kw
    )  # type: ignore[arg-type]


def mou(article: str, *parties: Org, day: date | None = None, **kw: object) -> EventFacts:
    return EventFacts(article, "partnership", parties, date=day, **kw)  # type: ignore[arg-type]


def budget(article: str, amount: Money, **kw: object) -> EventFacts:
    return EventFacts(
        article, "funding", (GOV,), amount=amount, amounts=(amount,), budget=True, **kw
    )  # type: ignore[arg-type]


UPSTAGE = Org("upstage", "Upstage", "recipient")
SKT = Org("sk-telecom", "SK Telecom", "investor")
MSIT = Org("msit", "Ministry of Science and ICT", "signatory")
GOV = Org("government-of-south-korea", "Government of South Korea", "government")


# -- amounts --------------------------------------------------------------------------------


def test_amounts_agree_written_differently() -> None:
    assert amounts_agree(won("1000억원", 1e11), won("about 100 billion won", 1e11, about=True))
    assert amounts_agree(won("1조8000억원", 1.8e12), won("1.8 trillion won", 1.8e12))
    # $72 million against 1000억원 at 2025's rates (1,350–1,490 won a dollar)
    assert amounts_agree(usd("$72 million", 72e6), won("1000억원", 1e11), year=2025)
    # "about" widens the band: 95 billion is within 8 % of about 100 billion
    assert amounts_agree(won("950억원", 9.5e10), won("about 100 billion won", 1e11, about=True))


def test_amounts_agree_not_when_they_differ() -> None:
    assert not amounts_agree(won("1조원", 1e12), won("1조4600억원", 1.46e12))
    assert not amounts_agree(won("1조8000억원", 1.8e12), won("1조9067억원", 1.9067e12))
    assert not amounts_agree(usd("$72 million", 72e6), won("500억원", 5e10), year=2025)
    # a round figure may be rounded up to 6 %, not 10 %
    assert not amounts_agree(won("900억원", 9e10), won("100 billion won", 1e11))


# -- funding ---------------------------------------------------------------------------------


def test_judge_one_round_in_korean_and_english(kin: Kin) -> None:
    en = funding("en", UPSTAGE, (SKT,), usd("$72 million", 72e6), day=date(2025, 3, 4))
    ko = funding(
        "ko",
        Org("upstage", "업스테이지", "recipient"),
        (Org("sk-telecom", "SK텔레콤", "investor"),),
        won("1000억원", 1e11),
        day=date(2025, 3, 5),
        lang="ko",
    )
    verdict = judge(en, ko, kin)
    assert (verdict.same, verdict.rule) == (True, "F4.recipient_amount")


def test_judge_two_rounds_of_one_company_a_month_apart(kin: Kin) -> None:
    a = funding("a", UPSTAGE, (SKT,), won("300억원", 3e10), day=date(2025, 3, 4))
    b = funding("b", UPSTAGE, (SKT,), won("300억원", 3e10), day=date(2025, 4, 8))
    assert judge(a, b, kin).rule == "E2.window"
    # undated: the rounds, else the amounts, tell them apart
    a2 = funding("a", UPSTAGE, (SKT,), won("300억원", 3e10), rnd="b")
    assert judge(a2, funding("b", UPSTAGE, (SKT,), won("1000억원", 1e11), rnd="c"), kin).rule == (
        "F1.round"
    )
    assert judge(a2, funding("b", UPSTAGE, (SKT,), won("1000억원", 1e11)), kin).rule == "F3.amount"


def test_judge_parent_investing_in_a_subsidiary(kin: Kin) -> None:
    a = funding("a", Org("sk-broadband", "SK Broadband", "recipient"), (SKT,))
    b = funding("b", None, (SKT,))  # the detector found only the investor
    assert not judge(a, b, kin).same


# -- partnerships ----------------------------------------------------------------------------


def test_judge_two_mous_of_one_ministry_on_one_day(kin: Kin) -> None:
    day = date(2025, 10, 15)
    naver, kakao = Org("naver", "Naver", "signatory"), Org("kakao", "Kakao", "signatory")
    a = mou("a", MSIT, naver, day=day, mentions=(naver, MSIT))
    b = mou("b", MSIT, kakao, day=day, mentions=(kakao, MSIT))
    verdict = judge(a, b, kin)
    assert (verdict.same, verdict.rule) == (False, "X.none")  # the ministry alone is generic
    assert "no non-generic party" in verdict.detail


def test_judge_two_mous_of_one_company_with_other_partners(kin: Kin) -> None:
    space = Org("spacelintech", "SpaceLintech")
    sjsu = Org("san-jose-state-university", "SJSU")
    a = mou("a", Org("mobilint", "Mobilint"), space, mentions=(space,))
    b = mou("b", Org("mobilint", "Mobilint"), sjsu, mentions=(sjsu,))
    verdict = judge(a, b, kin)
    assert (verdict.same, verdict.rule) == (False, "P3.other_partner")
    assert verdict.detail == "not named in the other article: SpaceLintech, SJSU"


def test_judge_unknown_partner_across_scripts(kin: Kin) -> None:
    en = mou(
        "en", Org("hd-hyundai", "HD Hyundai"), Org("unk:anduril-industries", "Anduril Industries")
    )
    ko = mou("ko", Org("hd-hyundai", "HD현대"), Org("unk:안두릴", "안두릴"), lang="ko")
    assert judge(en, ko, kin).rule == "P1.two_common"
    # the Korean write-up's detector missed the partner, but its headline names it
    ko2 = mou("ko2", Org("hd-hyundai", "HD현대"), lang="ko", words=("안두릴", "무인수상정"))
    assert judge(en, ko2, kin).rule == "P2.named_in_both"


def test_same_name_across_scripts() -> None:
    assert same_name("크래프톤", "Krafton")
    assert same_name("팔란티어", "Palantir Technologies")
    assert same_name("Wattpad", "Watpad")
    assert same_name("University of Toronto", "Toronto University")
    assert not same_name("서울대학교", "Seoul National University Hospital")
    assert not same_name("Samsung SDS", "Samsung SDI")


# -- budgets ---------------------------------------------------------------------------------


def test_judge_budget_and_its_supplementary_budget(kin: Kin) -> None:
    main = budget("main", won("1조8000억원", 1.8e12), budget_kind="main", fiscal_year=2025)
    extra = budget("extra", won("1.8 trillion won", 1.8e12), budget_kind="supplementary")
    assert judge(main, extra, kin).rule == "B2.kind"


def test_judge_budget_proposal_and_passed_budget(kin: Kin) -> None:
    proposed = budget("p", won("1조4600억원", 1.46e12), stage="proposed")
    passed = budget("f", won("1조9067억원", 1.9067e12), stage="passed")
    assert judge(proposed, passed, kin).rule == "B1.stage"


def test_judge_one_budget_in_two_outlets(kin: Kin) -> None:
    a = budget("a", won("1조8000억원", 1.8e12), budget_kind="supplementary")
    b = budget(
        "b",
        won("12조", 1.2e13),
        budget_kind="supplementary",
        context_amounts=(won("1조8000억", 1.8e12),),
    )
    assert judge(a, b, kin).rule == "B4.lead_amount"


def test_judge_national_and_local_budgets(kin: Kin) -> None:
    a = budget("a", won("9억원", 9e8))
    local = Org("unk:경기도", "경기도", "government")
    b = EventFacts("b", "funding", (local,), amount=won("9억원", 9e8), budget=True)
    assert judge(a, b, kin).rule == "B3.level"


def test_budget_facts_read_stage_kind_and_ordinal() -> None:
    facts = budget_facts("정부는 2차 추경안을 국무회의에서 의결했다", [])
    assert facts == {
        "stage": "proposed",
        "budget_kind": "supplementary",
        "fiscal_year": None,
        "ordinal": 2,
    }
    assert budget_facts("The National Assembly passed the 2025 budget", [])["stage"] == "passed"
    assert round_of("퓨리오사AI, 시리즈C 브릿지 투자 유치") == "c"
    assert round_of("raises $10 million in a pre-Series A round") == "pre-a"


def test_every_verdict_rule_is_a_listed_rule(kin: Kin) -> None:
    a = funding("a", UPSTAGE, (SKT,), won("300억원", 3e10), rnd="b")
    verdicts = [
        judge(a, x, kin) for x in (a, mou("m", SKT, UPSTAGE), budget("g", won("1억원", 1e8)))
    ]
    assert [v.rule for v in verdicts] == ["F4.recipient_amount", "E1.type", "F8.kind"]
    assert all(v.rule in RULES for v in verdicts)


# -- facts from the real detector ------------------------------------------------------------


def _analysed(tagger, title: str, text: str, lang: str, day: int) -> ArticleRecord:  # type: ignore[no-untyped-def]
    url = f"https://news.example/{lang}-{day}"
    record = ArticleRecord(
        canonical_url=url, url=url, title=title, text=text, content_hash=content_hash(text),
        source="wire", fetched_at=datetime(2026, 11, 24, tzinfo=UTC), lang=lang,
        published=datetime(2026, 11, day, 9, tzinfo=UTC),
    )  # fmt: skip
    return enrich_article(record, tagger)


def test_event_facts_korean_and_english_write_ups_join(tagger, kin: Kin) -> None:  # type: ignore[no-untyped-def]
    en = _analysed(
        tagger,
        "FuriosaAI raises about 80 billion won in Series D round",
        "FuriosaAI, the Seoul-based AI chip start-up, said on Monday it had raised about 80 "
        "billion won in a Series D round from Korea Development Bank and IBK Industrial Bank.\n"
        "The company will use the money to expand production of its inference chips.",
        "en",
        23,
    )
    ko = _analysed(
        tagger,
        "퓨리오사AI, 800억원 규모 시리즈D 투자 유치",
        "인공지능 반도체 스타트업 퓨리오사AI가 800억원 규모의 시리즈D 투자를 유치했다고 24일 밝혔다.\n"
        "이번 투자에는 산업은행과 IBK기업은행이 참여했다.",
        "ko",
        24,
    )
    [fe] = [event_facts(e, en, "en") for e in en.events if e.type == "funding"]
    [fk] = [event_facts(e, ko, "ko") for e in ko.events if e.type == "funding"]
    assert (fe.round, fk.round, fe.date, fk.date) == (
        "d",
        "d",
        date(2026, 11, 23),
        date(2026, 11, 24),
    )
    assert fe.amount is not None and fe.amount.about and fk.amount is not None
    verdict = judge(fe, fk, kin)
    assert verdict.same, verdict
    assert facts_from_json(facts_to_json(fk)) == fk


def test_every_rule_is_documented_as_it_reads() -> None:
    """docs/dedup.md's rules table is RULES, line for line (a doc that cannot drift)."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "dedup.md").read_text("utf-8")
    for rule in RULES.values():
        assert f"| `{rule.id}` | {rule.kind} | {rule.text} |" in doc, rule.id


# -- filing in records (flows/analysis/records.py) ----------------------------------------------


def test_file_event_joins_the_matching_record(kin: Kin) -> None:
    first = funding("1", UPSTAGE, (SKT,), won("1000억원", 1e11), day=date(2025, 3, 4))
    other = funding("2", Org("furiosaai", "FuriosaAI", "recipient"), (), won("800억원", 8e10))
    later = funding("3", UPSTAGE, (SKT,), usd("$72 million", 72e6), day=date(2025, 3, 5))
    records = [Candidate(1, (first,)), Candidate(2, (other,))]
    assert file_event(later, records, kin) == Filing(1, "F4.recipient_amount", "", ())
    # an event of the same article never joins a record another of its events joined
    assert file_event(later, records, kin, taken={1}) == Filing(None, "new")


def test_file_event_one_conflicting_report_vetoes_the_record(kin: Kin) -> None:
    """G1: a record whose first report agrees but whose second names another round is not it."""
    a = funding("1", UPSTAGE, (SKT,), day=date(2025, 3, 4))
    b = funding("2", UPSTAGE, (SKT,), rnd="c", day=date(2025, 3, 4))
    new = funding("3", UPSTAGE, (SKT,), rnd="b", day=date(2025, 3, 5))
    assert file_event(new, [Candidate(1, (a, b))], kin).record_id is None
    assert file_event(new, [Candidate(1, (a,))], kin).record_id == 1


def test_file_event_keeps_a_record_within_its_span(kin: Kin) -> None:
    """G3: a record's dated reports stay within 7 days of its first, even by small steps."""
    reports = tuple(
        funding(str(i), UPSTAGE, (SKT,), won("1000억원", 1e11), day=date(2025, 3, 1 + 3 * i))
        for i in range(3)
    )  # 1, 4 and 7 March
    late = funding("9", UPSTAGE, (SKT,), won("1000억원", 1e11), day=date(2025, 3, 10))
    assert judge(late, reports[-1], kin).same  # three days after the last report …
    assert (
        file_event(late, [Candidate(1, reports)], kin).record_id is None
    )  # … nine after the first


def test_file_event_bridges_two_records_into_the_oldest(kin: Kin) -> None:
    """G6: an English write-up naming both what a Korean and an English one had joins them."""
    hd = Org("hd-hyundai", "HD Hyundai", "signatory")
    ko = mou("1", Org("hd-hyundai", "HD현대"), lang="ko", words=("안두릴", "무인수상정"))
    en = mou("2", hd, Org("unk:anduril-industries", "Anduril Industries"), mentions=(hd,))
    both = mou("3", hd, Org("unk:anduril", "Anduril"), Org("unk:안두릴", "안두릴"))
    records = [Candidate(5, (ko,)), Candidate(7, (en,))]
    filing = file_event(both, records, kin)
    assert (filing.record_id, filing.rule, filing.merge) == (5, "G6.bridge", (7,))


def test_file_event_keeps_articles_a_user_split_apart(kin: Kin) -> None:
    """G7: a pinned pair never shares a record, whatever identity says."""
    first = funding("1", UPSTAGE, (SKT,), won("1000억원", 1e11))
    again = funding("2", UPSTAGE, (SKT,), won("1000억원", 1e11))
    assert file_event(again, [Candidate(1, (first,))], kin).record_id == 1
    assert file_event(again, [Candidate(1, (first,))], kin, apart={"1"}) == Filing(None, "G7.pin")


def test_file_event_leaves_doubtful_events_alone(kin: Kin) -> None:
    first = funding("1", UPSTAGE, (SKT,), won("1000억원", 1e11))
    doubtful = funding("2", UPSTAGE, (SKT,), won("1000억원", 1e11), probability=0.3)
    assert file_event(doubtful, [Candidate(1, (first,))], kin) == Filing(None, "new")
