"""Furniture: reaction widgets and headline lists in real-looking pages, and line rules.

The page tests run real trafilatura (both of the focuses kaiwatch uses) on markup
written for these tests; the text in it is invented.
"""

from __future__ import annotations

import pytest
import trafilatura

from flows.core.furniture import furniture_mask, furniture_spans
from flows.parse.extract import clean_text, extract_article

EN_BODY = [
    "Naver said on Monday that it would build a second AI data centre in Chuncheon with local "
    "partners, and that the centre would open in the first half of next year.",
    "The company plans to house its HyperCLOVA X training clusters there and to rent part of "
    "the capacity to start-ups that build on its models, a spokesperson said.",
    "Local officials welcomed the plan, saying the centre would create several hundred jobs "
    "and bring new students to the engineering schools in the province.",
    "Naver did not say how much the centre would cost, but analysts in Seoul put the figure "
    "in the hundreds of billions of won, in line with its first site.",
]
KO_BODY = [
    "네이버가 강원도 춘천에 두 번째 인공지능(AI) 데이터센터를 짓는다고 3일 밝혔다. 회사는 지역 "
    "협력사와 함께 내년 상반기 가동을 목표로 공사를 진행한다.",
    "새 데이터센터에는 하이퍼클로바X 학습용 서버가 들어서며, 일부 용량은 네이버 모델을 활용하는 "
    "스타트업에 임대할 계획이라고 회사 관계자는 설명했다.",
    "춘천시는 데이터센터가 수백 개의 일자리를 만들고 지역 공과대학에 학생을 끌어들일 것으로 "
    "기대한다며 환영의 뜻을 밝혔다.",
    "네이버는 구체적인 투자 규모를 밝히지 않았지만, 증권가에서는 첫 번째 센터와 비슷한 수천억원 "
    "규모가 될 것으로 보고 있다.",
]


def _page(body: list[str], inside: str, *, after: int = 4, lang: str = "en") -> str:
    """A news page; ``inside`` sits in the <article> after the first ``after`` paragraphs."""
    first = "".join(f"<p>{p}</p>" for p in body[:after])
    rest = "".join(f"<p>{p}</p>" for p in body[after:])
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        "<title>Naver to build a second AI data centre</title></head><body>"
        '<header><nav><a href="/">Home</a> <a href="/tech">Tech</a> <a href="/biz">Business</a>'
        "</nav></header><main><article><h1>Naver to build a second AI data centre</h1>"
        f'<div class="article-body">{first}{inside}{rest}</div></article></main>'
        "<footer><p>About us | Contact | Privacy policy</p></footer></body></html>"
    )


def _labels(words: list[str], counts: list[str]) -> list[tuple[str, str]]:
    return list(zip(words, counts, strict=True))


EN_WORDS = ["Happy", "Sad", "Excited", "Angry", "Surprise", "Sleepy"]
KO_WORDS = ["좋아요", "훈훈해요", "슬퍼요", "화나요", "후속기사 원해요"]
KO_COUNTS = ["12", "0", "1", "3", "0"]

# Each form of reaction widget: (markup, language, strings that must not survive).
WIDGETS: dict[str, tuple[str, str, list[str]]] = {
    # the form: every reaction on one line, inside <article>
    "en-one-line": (
        '<div class="reactions">'
        + " ".join(f"<span>{w}</span> <span>0%</span>" for w in EN_WORDS)
        + "</div>",
        "en",
        ["Happy", "Sad 0%", "0%"],
    ),
    # seed 004's form: an image alt and a label per reaction, then its share, a line each
    "en-separate-lines": (
        '<div class="wpd-reactions"><h4>What\'s your reaction?</h4>'
        + "".join(
            f'<div class="r"><img alt="{w}" src="/e/{i}.svg"><div class="name">{w}</div>'
            f'<div class="pct">0%</div></div>'
            for i, w in enumerate(EN_WORDS)
        )
        + "</div>",
        "en",
        ["Happy", "Sleepy", "0%", "What's your reaction"],
    ),
    "en-list-with-counts": (
        '<div class="reactions"><p>What do you think?</p><ul>'
        + "".join(
            f"<li>{w} <span>{n}</span></li>"
            for w, n in _labels(["Like", "Love", "Haha", "Wow", "Sad", "Angry"], list("420100"))
        )
        + "</ul></div>",
        "en",
        ["Haha", "Wow", "Love 2", "What do you think"],
    ),
    "ko-one-line": (
        '<p class="vote">' + " ".join(f"{w} {n}" for w, n in _labels(KO_WORDS, KO_COUNTS)) + "</p>",
        "ko",
        ["좋아요", "훈훈해요", "후속기사"],
    ),
    "ko-separate-lines": (
        '<div class="emotion">'
        + "".join(
            f'<div class="e"><p class="t">{w}</p><p class="n">{n}</p></div>'
            for w, n in _labels(KO_WORDS, KO_COUNTS)
        )
        + "</div>",
        "ko",
        ["좋아요", "슬퍼요", "화나요"],
    ),
    "ko-list": (
        '<div class="emotion"><p>이 기사를 추천합니다</p><ul>'
        + "".join(
            f'<li><span class="t">{w}</span> <span class="n">{n}</span></li>'
            for w, n in _labels(KO_WORDS, KO_COUNTS)
        )
        + "</ul></div>",
        "ko",
        ["좋아요", "슬퍼요", "추천합니다"],
    ),
}


@pytest.mark.parametrize("focus", ["precision", "recall"])
@pytest.mark.parametrize("form", list(WIDGETS))
def test_extract_article_drops_reaction_widget(form: str, focus: str) -> None:
    markup, lang, gone = WIDGETS[form]
    body = EN_BODY if lang == "en" else KO_BODY
    html = _page(body, markup, after=len(body))
    # trafilatura keeps the widget (so this tests the cleaner, not the extractor) ...
    assert gone[0] in (trafilatura.extract(html, favor_recall=True) or "")
    # ... and kaiwatch's text has none of it, and all of the article.
    text = extract_article(html.encode(), focus=focus).text  # type: ignore[arg-type]
    for piece in gone:
        assert piece not in text, f"{form}: {piece!r} survived"
    assert text.splitlines() == body


# Lists of other stories' headlines: (markup, language, its headlines, where in the body).
HEADLINES_EN = [
    "Crypto lender faces $27 million liquidation as prices slide",
    "Samsung to expand HBM output as AI demand soars",
    "Kakao opens its Kanana model to outside developers",
]
HEADLINES_KO = [
    "리벨리온, 1000억원 규모 시리즈C 투자 유치",
    "카카오, 자체 AI 모델 카나나 외부 개방",
    "삼성전자, HBM 생산 확대…AI 수요 대응",
]


def _links(titles: list[str]) -> str:
    return "".join(f'<li><a href="/news/{i}">{t}</a></li>' for i, t in enumerate(titles))


HEADLINE_LISTS: dict[str, tuple[str, str, list[str], int]] = {
    "en-header-mid-article": (
        f'<div class="more"><h3>More to Read</h3><ul>{_links(HEADLINES_EN)}</ul></div>',
        "en",
        HEADLINES_EN,
        2,
    ),
    "en-links-without-header": (f"<ul>{_links(HEADLINES_EN)}</ul>", "en", HEADLINES_EN, 2),
    "en-links-as-paragraphs": (
        "".join(f'<p><a href="/n/{i}">{t}</a></p>' for i, t in enumerate(HEADLINES_EN)),
        "en",
        HEADLINES_EN,
        4,
    ),
    "en-teaser-line": (
        f'<p><strong>Related:</strong> <a href="/n/1">{HEADLINES_EN[0]}</a></p>',
        "en",
        HEADLINES_EN[:1],
        2,
    ),
    "ko-관련기사": (
        f'<div class="relation"><h4>관련기사</h4><ul>{_links(HEADLINES_KO)}</ul></div>',
        "ko",
        HEADLINES_KO,
        2,
    ),
    "ko-많이-본-뉴스-at-the-end": (
        f'<div class="rank"><h3>많이 본 뉴스</h3><ol>{_links(HEADLINES_KO)}</ol></div>',
        "ko",
        HEADLINES_KO,
        4,
    ),
    "ko-teaser-line": (f"<p>▶ 관련기사: {HEADLINES_KO[0]}</p>", "ko", HEADLINES_KO[:1], 2),
}


@pytest.mark.parametrize("focus", ["precision", "recall"])
@pytest.mark.parametrize("form", list(HEADLINE_LISTS))
def test_extract_article_drops_headline_list(form: str, focus: str) -> None:
    markup, lang, headlines, after = HEADLINE_LISTS[form]
    body = EN_BODY if lang == "en" else KO_BODY
    text = extract_article(
        _page(body, markup, after=after, lang=lang).encode(),
        focus=focus,  # type: ignore[arg-type]
    ).text
    for headline in headlines:
        assert headline not in text, f"{form}: {headline!r} survived"
    assert text.splitlines() == body


# -- line rules -------------------------------------------------------------------

SENTENCE = "Samsung Electronics said on Tuesday it would spend more on AI chips next year."


@pytest.mark.parametrize(
    "line",
    [
        "Happy 0% Sad 0% Excited 0% Angry 0%",
        "좋아요 3 슬퍼요 0 화나요 1 후속기사 원해요 0",
        "Like Love Haha Wow Sad Angry",
        "Was this article helpful? Yes No",
        "이 기사를 추천합니다",
        "Click to rate this post! [Total: 0 Average: 0]",
        "(12 votes)",
        "SEE MORE: Startup raises $5 million for AI chips",
        "DON'T MISS",
        "Most read in world news",
        "Click here to get the Example News app",
        "Get the latest updates right in your inbox. Subscribe to our newsletters.",
        "Follow Example Tech on Instagram, Facebook, Twitter and YouTube.",
        "If you buy something through this post, we may earn a commission.",
        "(Reporting by Jane Roe in Seoul; Editing by John Doe)",
        "Jane Roe contributed reporting from Seoul.",
        "Reach the reporter on Twitter at https://twitter.com/janeroe",
        "Have a tip? Jane Roe may be reached at jroe@example.com.",
        "Seoul bureau | Updated: 19 November 2025, 09:01 AM",
        "First Published: Tuesday, November 19, 2025 08:38 AM",
        "#AI #반도체 #삼성전자",
        "네이버에서 테스트일보를 구독하세요",
    ],
)
def test_furniture_mask_line(line: str) -> None:
    assert furniture_mask([SENTENCE, line]) == [False, True]


@pytest.mark.parametrize(
    "line",
    [
        "Users can download the app from Google Play from Monday, Naver said.",
        "The bank could earn a commission of 2% on each loan it arranges.",
        "Kim contributed 5 billion won to the fund, the filing showed.",
        "Reporting by the Financial Times showed the deal was worth $2 billion.",
        "Happy customers returned 30% more often, the survey found.",
        "Seoul | Tokyo | Beijing",
        "| 3 | Kim Min-jun | 2275 | 3 |",
        "What do you think? The minister asked lawmakers to pass the bill this year.",
    ],
)
def test_furniture_mask_keeps_sentence(line: str) -> None:
    assert furniture_mask([SENTENCE, line]) == [False, False]


def test_furniture_mask_widget_header_goes_only_with_a_widget() -> None:
    lines = [SENTENCE, "What do you think?", SENTENCE.replace("Tuesday", "Monday")]
    assert furniture_mask(lines) == [False, False, False]
    assert furniture_mask([SENTENCE, "What do you think?", "Like 4", "Love 2"]) == [
        False,
        True,
        True,
        True,
    ]


def test_furniture_mask_header_list_ends_at_a_sentence() -> None:
    lines = [SENTENCE, "Related", *HEADLINES_EN, SENTENCE.replace("AI chips", "memory")]
    assert furniture_mask(lines) == [False, True, True, True, True, False]


def test_furniture_mask_link_runs_need_two_links() -> None:
    lines = [SENTENCE, HEADLINES_EN[1], SENTENCE.replace("Tuesday", "Monday")]
    links = {HEADLINES_EN[1], HEADLINES_EN[2]}
    assert furniture_mask(lines, links=lambda: links) == [False, False, False]
    lines = [SENTENCE, f"- {HEADLINES_EN[1]}", f"- {HEADLINES_EN[2]}", EN_BODY[0]]
    assert furniture_mask(lines, links=lambda: links) == [False, True, True, False]
    # after the last sentence, one link is what is left of a list
    assert furniture_mask([SENTENCE, HEADLINES_EN[1]], links=lambda: links) == [False, True]


def test_clean_text_drops_one_line_widget_among_body() -> None:
    text, removed = clean_text(
        "\n".join([*KO_BODY[:2], "좋아요 12 슬퍼요 1 화나요 3", *KO_BODY[2:]])
    )
    assert text.splitlines() == KO_BODY
    assert removed == ("좋아요 12 슬퍼요 1 화나요 3",)


def test_furniture_spans_are_offsets_of_whole_lines() -> None:
    text = f"{SENTENCE}\n\n  Related:  {HEADLINES_EN[0]}\n{EN_BODY[0]}"
    spans = furniture_spans(text)
    assert [text[start:end] for start, end in spans] == [f"  Related:  {HEADLINES_EN[0]}"]
