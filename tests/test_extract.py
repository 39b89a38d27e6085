"""Tests for flows.parse.extract: decoding, extraction with real trafilatura, cleaning."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trafilatura
import yaml

from flows.core.errors import ExtractError
from flows.parse.extract import (
    clean_text,
    decode_html,
    detect_language,
    extract_article,
    extract_fragment,
    line_key,
)

KO_BODY = [
    "삼성전자가 국내 인공지능(AI) 스타트업과 손잡고 온디바이스 AI 반도체 공동 개발에 나선다.",
    "삼성전자는 5일 서울 서초사옥에서 AI 반도체 설계 기업 리벨리온과 전략적 업무협약(MOU)을"
    " 체결했다고 밝혔다. 양사는 차세대 신경망처리장치(NPU) 설계와 메모리 최적화 기술을 함께"
    " 연구하기로 했다.",
    "이번 협약에 따라 양사는 내년 상반기까지 시제품을 공개하고, 데이터센터와 스마트폰에 들어갈"
    " 저전력 AI 칩을 순차적으로 선보일 계획이다. 업계에서는 이번 협력이 국산 AI 반도체 생태계"
    " 확대에 기여할 것으로 보고 있다.",
    '박성현 리벨리온 대표는 "세계 최고 수준의 메모리 기술과 결합해 글로벌 시장에서 경쟁력을'
    ' 높이겠다"고 말했다.',
]
KO_FURNITURE = [
    "홍길동 기자 hong@testilbo.co.kr",
    "입력 2025.06.05 09:30 수정 2025.06.05 10:12",
    "관련기사",
    "저작권자 ⓒ 테스트일보 무단전재 및 재배포 금지",
    "[ⓒ 디지털투데이 (DigitalToday) 무단전재 및 재배포 금지]",
    "페이스북 트위터 카카오톡 URL 복사",
    "댓글 0",
    "(사진=삼성전자 제공)",
]


def _ko_page(charset_meta: str = "") -> str:
    """A Korean news page with navigation, a ticker, furniture and a comment form."""
    paragraphs = "".join(f"<p>{line}</p>" for line in KO_BODY)
    return f"""<html><head>{charset_meta}<title>삼성전자, 리벨리온과 AI 반도체 협력</title>
<meta property="article:published_time" content="2025-06-05T09:30:00+09:00">
<meta property="og:site_name" content="테스트일보"></head><body>
<nav><a href="/">홈</a> <a href="/it">IT</a> <a href="/eco">경제</a></nav>
<div class="ticker">코스피 2,745.82 ▼9.29 -0.34%</div>
<article><h1>삼성전자, 리벨리온과 AI 반도체 협력</h1>
<div class="byline">홍길동 기자 hong@testilbo.co.kr</div>
<p>입력 2025.06.05 09:30 수정 2025.06.05 10:12</p>
{paragraphs}
<p>홍길동 기자 hong@testilbo.co.kr</p>
<p>저작권자 ⓒ 테스트일보 무단전재 및 재배포 금지</p>
</article>
<div class="comments"><h3>댓글 0</h3><form><textarea></textarea><button>등록</button></form></div>
<footer>회사소개 | 개인정보처리방침 | Copyright ⓒ 2025 테스트일보. All rights reserved.</footer>
</body></html>"""


def _page_from_lines(lines: list[str]) -> bytes:
    """Wrap text lines, one <p> each, in a page with a nav bar and a footer."""
    nav = "".join(f'<li><a href="/s{i}">Section {i}</a></li>' for i in range(8))
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Seed</title></head><body>"
        f"<nav><ul>{nav}</ul></nav><main><article>{body}</article></main>"
        "<footer><p>About us | Contact | Privacy policy | Terms of use</p></footer>"
        "</body></html>"
    ).encode()


def _norm(line: str) -> str:
    return " ".join(line.split())


def _boilerplate_seeds(shared: Path) -> list[tuple[str, list[str], str]]:
    gold = yaml.safe_load((shared / "corpus" / "seeds-gold.yaml").read_text(encoding="utf-8"))
    return [
        (name, labels["boilerplate"], (shared / "corpus" / "seeds" / name).read_text("utf-8"))
        for name, labels in gold.items()
        if labels.get("boilerplate")
    ]


def _assert_clean(name: str, text: str, boilerplate: list[str], seed_text: str) -> None:
    """Every boilerplate line is gone; every real sentence of the seed is still there."""
    lines = [_norm(line) for line in text.splitlines()]
    for furniture in boilerplate:
        left = [ln for ln in lines if ln == furniture or (len(furniture) > 12 and furniture in ln)]
        assert not left, f"{name}: boilerplate {furniture!r} survived"
    for line in map(_norm, seed_text.splitlines()):
        if len(line) >= 60 and line.endswith((".", "?", "!", "”")) and line not in boilerplate:
            assert line in text, f"{name}: lost sentence {line[:60]!r}"


# -- seeds ----------------------------------------------------------------------


def test_clean_text_drops_seed_boilerplate(shared_dir: Path) -> None:
    seeds = _boilerplate_seeds(shared_dir)
    assert seeds
    for name, boilerplate, seed_text in seeds:
        text, removed = clean_text(seed_text)
        _assert_clean(name, text, boilerplate, seed_text)
        assert removed


def test_extract_article_drops_seed_boilerplate(shared_dir: Path) -> None:
    for name, boilerplate, seed_text in _boilerplate_seeds(shared_dir):
        lines = [line for line in seed_text.splitlines() if line.strip()]
        article = extract_article(_page_from_lines(lines), url=f"https://seed.example/{name}")
        _assert_clean(name, article.text, boilerplate, seed_text)
        assert "Section 3" not in article.text
        assert "Privacy policy" not in article.text
        assert article.lang == "en"


def test_clean_text_fixes_seed_mojibake(shared_dir: Path) -> None:
    seed = (shared_dir / "corpus" / "seeds" / "001_cc4795bb22cb4bd3.txt").read_text("utf-8")
    assert "modelsâ" in seed
    text, _ = clean_text(seed)
    assert "modelsâ" not in text
    assert "Koreaâs" not in text
    assert "the models’ ability" in text
    assert "South Korea’s position" in text


def test_clean_text_fixes_full_mojibake() -> None:
    text, _ = clean_text("Samsungâ€™s AI chip â€” a first.")
    assert text == "Samsung’s AI chip — a first."


# -- decoding -------------------------------------------------------------------

KO_SAMPLE = (
    "<html><head><title>인공지능</title></head>"
    "<body><p>똠방각하 삼성전자가 인공지능 반도체에 투자한다.</p></body></html>"
)


def test_decode_html_euc_kr_declared_in_header() -> None:
    # "똠" is outside EUC-KR proper: it decodes only when EUC-KR is read as CP949.
    content = KO_SAMPLE.encode("cp949")
    assert decode_html(content, "text/html; charset=EUC-KR") == KO_SAMPLE


def test_decode_html_euc_kr_declared_in_meta() -> None:
    page = KO_SAMPLE.replace(
        "<head>", '<head><meta http-equiv="Content-Type" content="text/html; charset=euc-kr">'
    )
    assert decode_html(page.encode("cp949")) == page
    page = KO_SAMPLE.replace("<head>", '<head><meta charset="ks_c_5601-1987">')
    assert decode_html(page.encode("cp949"), "text/html") == page


def test_decode_html_undeclared_korean() -> None:
    assert decode_html(KO_SAMPLE.encode("cp949")) == KO_SAMPLE
    assert decode_html(KO_SAMPLE.encode("utf-8")) == KO_SAMPLE


def test_decode_html_wrong_declaration() -> None:
    content = KO_SAMPLE.encode("cp949")
    assert decode_html(content, "text/html; charset=utf-8") == KO_SAMPLE
    assert decode_html(KO_SAMPLE.encode("utf-8"), "text/html; charset=euc-kr") == KO_SAMPLE


def test_decode_html_latin1_read_as_windows_1252() -> None:
    content = b"<meta charset=iso-8859-1><p>caf\xe9 \x93quoted\x94</p>"
    assert decode_html(content) == "<meta charset=iso-8859-1><p>café “quoted”</p>"


@pytest.mark.parametrize(
    "content",
    [b"", b"\x80\x81\xfe\xff\x00<p>", bytes(range(256)), b"<meta charset='no-such'>\xc3("],
)
def test_decode_html_never_raises(content: bytes) -> None:
    assert isinstance(decode_html(content, "text/html; charset=bogus"), str)


@pytest.mark.parametrize("where", ["header", "meta", "undeclared"])
def test_extract_article_korean_page(where: str) -> None:
    meta = '<meta charset="euc-kr">' if where == "meta" else ""
    content_type = "text/html; charset=euc-kr" if where == "header" else None
    article = extract_article(_ko_page(meta).encode("cp949"), content_type=content_type)
    for line in KO_BODY:
        assert line in article.text
    for furniture in ("기자", "입력 2025", "무단전재", "코스피", "개인정보처리방침", "댓글"):
        assert furniture not in article.text
    assert article.lang == "ko"
    assert article.title == "삼성전자, 리벨리온과 AI 반도체 협력"
    assert article.published == datetime(2025, 6, 5, 0, 30, tzinfo=UTC)
    assert article.author == "홍길동"
    assert article.sitename == "테스트일보"


# -- extraction -----------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"   ",
        b"<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></body></html>",
        b"<html><body><p>Too short to be an article.</p></body></html>",
        b"<html><body><p>Skip to content</p><p>Share this</p><p>Leave a Reply</p></body></html>",
    ],
)
def test_extract_article_without_article_raises(content: bytes) -> None:
    with pytest.raises(ExtractError, match=re.escape("page https://x.example/a")):
        extract_article(content, url="https://x.example/a")


def test_extract_article_date_becomes_utc() -> None:
    page = _page_from_lines(
        ["Samsung Electronics said on Tuesday it would build an AI chip plant in Pyeongtaek."] * 1
        + [f"Paragraph {i} adds more detail about the plan and its schedule." for i in range(4)]
    ).replace(
        b"<title>",
        b'<meta property="article:published_time" content="2024-03-01T08:00:00-05:00"><title>',
    )
    article = extract_article(page)
    assert article.published == datetime(2024, 3, 1, 13, 0, tzinfo=UTC)


def test_extract_article_recurring_lines() -> None:
    lines = [
        "Subscribe to our weekly newsletter about chips and AI for free today",
        "Naver said on Monday it had signed a cloud deal with a Saudi ministry.",
        "The agreement covers data centres, digital twins and Arabic language models.",
        "Shares of Naver rose 3 percent in Seoul after the announcement on Monday.",
    ]
    recurring = {line_key("SUBSCRIBE to our weekly newsletter about chips and AI for free today")}
    article = extract_article(_page_from_lines(lines), recurring_lines=recurring)
    assert "newsletter" not in article.text
    assert lines[0] in article.removed_lines
    assert lines[1] in article.text


# -- feed fragments ---------------------------------------------------------------


def test_extract_fragment_keeps_paragraphs() -> None:
    fragment = (
        "<p>Samsung Electronics said on Tuesday it would invest 1 trillion won in AI chips.</p>"
        "<p>The company will build a research centre in Pangyo.<br>It will hire 500 engineers."
        "</p><ul><li>Design of NPUs</li><li>HBM packaging</li></ul><script>var x = 1;</script>"
        "<p>The post <a href='#'>Samsung bets on AI</a> appeared first on Example News.</p>"
    )
    article = extract_fragment(fragment, url="https://e.example/1", title="Samsung bets on AI")
    assert article.text.splitlines() == [
        "Samsung Electronics said on Tuesday it would invest 1 trillion won in AI chips.",
        "The company will build a research centre in Pangyo.",
        "It will hire 500 engineers.",
        "- Design of NPUs",
        "- HBM packaging",
    ]
    assert article.title == "Samsung bets on AI"
    assert article.lang == "en"
    assert article.removed_lines == ("The post Samsung bets on AI appeared first on Example News.",)


def test_extract_fragment_empty_raises() -> None:
    with pytest.raises(ExtractError, match=re.escape("feed text of https://e.example/2")):
        extract_fragment("<p>Read more…</p>", url="https://e.example/2")


# -- cleaning -------------------------------------------------------------------


def test_clean_text_drops_korean_furniture() -> None:
    text, removed = clean_text("\n".join([KO_FURNITURE[0], *KO_BODY, *KO_FURNITURE[1:]]))
    assert text.splitlines() == KO_BODY
    assert set(removed) == set(KO_FURNITURE)


def test_clean_text_drops_reaction_widgets() -> None:
    widget = ["좋아요 3", "슬퍼요 0", "후속기사 원해요 1", "Happy", "0%", "Sad", "12%"]
    text, removed = clean_text("\n".join([*KO_BODY, *widget]))
    assert text.splitlines() == KO_BODY
    assert removed == tuple(widget)


@pytest.mark.parametrize(
    "line",
    [
        "Skip to main content",
        "Share this article",
        "Comments (12)",
        "Leave a comment",
        "Save my name, email, and website in this browser for the next time I comment.",
        "three + 4 =",
        "5 min read",
        "Reading time: 4 minutes",
        "Updated: November 19, 2019 08:38 AM ET",
        "Posted 3 hours ago",
        "SAMSUNG ELEC 71,000 +1,200 +1.72%",
        "Write to Jane Doe at jane.doe@example.com",
        "Contact the reporter at jane.doe@example.com or on X.",
        "Copyright © 2024 Example Media. All rights reserved.",
        "Related: Samsung unveils new foldables",
        "Tags: AI, Samsung, chips",
        "Advertisement",
        "Facebook Twitter LinkedIn Email",
        "0/300",
        "김철수 특파원",
        "[서울=뉴시스] 송종호 기자",
        "기사입력 2025-01-05 10:30",
        "많이 본 뉴스",
        "ⓒ 연합뉴스",
        "<저작권자 © 뉴시스, 무단전재-재배포 금지>",
        "AI 학습 및 활용 금지",
        "[관련기사] 네이버, 하이퍼클로바X 기업용 출시",
        "관련기사 더보기",
        "▶ 관련 뉴스: 카카오, AI 에이전트 공개",
    ],
)
def test_clean_text_drops_furniture_line(line: str) -> None:
    body = "Samsung Electronics said it would spend more on AI chips next year."
    text, removed = clean_text(f"{body}\n{line}")
    assert text == body
    assert removed == (line,)


@pytest.mark.parametrize(
    "line",
    [
        "Share prices of Samsung rose 3 percent on Monday.",
        "Comments from the minister were welcomed by the industry.",
        "By 2030, Korea aims to train 10,000 AI specialists.",
        "Applicants should email ai-fund@msit.go.kr by June 30 with a plan of at most ten pages.",
        "The source said the deal was worth 1 trillion won.",
        "The KOSPI rose 1.2% to 2,745.82 on Tuesday as chip stocks rallied.",
        "기자회견에서 최 장관은 AI 예산을 늘리겠다고 밝혔다.",
        "관계자는 “관련 기사가 사실과 다르다”고 말했다.",
        "관련 기사가 나오자 네이버 주가는 5% 올랐다.",
        "좋아요를 누른 이용자가 100만 명을 넘었다.",
        "정부는 2025년 1월 5일 AI 기본법 시행령을 발표했다.",
        "Голосование продлится до 8 октября до 18:00 по московскому времени.",
    ],
)
def test_clean_text_keeps_sentences(line: str) -> None:
    text, removed = clean_text(line)
    assert text == line
    assert removed == ()


def test_clean_text_whitespace_and_duplicates() -> None:
    text, removed = clean_text(
        "  First\u00a0paragraph   here.\r\n\r\n\tSecond\u200b one.\nSecond one.\n"
    )
    assert text == "First paragraph here.\nSecond one."
    assert removed == ("Second one.",)


BODY = [
    "LG AI Research unveiled its EXAONE 4.0 model on Tuesday in Seoul.",
    "The model combines reasoning and fast answers in one network.",
]


def test_clean_text_drops_trailing_headlines() -> None:
    related = [
        "Samsung to expand HBM output as AI demand soars",
        "Naver launches HyperCLOVA X for enterprise customers in Japan",
    ]
    text, removed = clean_text("\n".join([*BODY * 3, "More to Read", *related, "Comment 0"]))
    assert text.splitlines() == BODY * 3
    assert removed == ("More to Read", *related, "Comment 0")


def test_clean_text_keeps_trailing_lines_without_furniture() -> None:
    # Two short unpunctuated lines at the end with no furniture near them may be a
    # sub-heading and a paragraph without a full stop: keep them.
    lines = [*BODY * 3, "Role of the president in the SK hynix deal", "The industry also raises"]
    assert clean_text("\n".join(lines))[0].splitlines() == lines


def test_clean_text_keeps_subheadings_and_introduced_lists() -> None:
    inner = [BODY[0], "What the model can do", BODY[1]]
    assert clean_text("\n".join(inner))[0].splitlines() == inner
    listed = [
        *BODY,
        "The ministry named three priorities:",
        "Building sovereign AI models for public use",
        "Securing ten thousand GPUs for researchers",
    ]
    assert clean_text("\n".join(listed))[0].splitlines() == listed


def test_clean_text_recurring_lines_by_key_or_text() -> None:
    line = "Get the Korea Tech Daily newsletter every morning"
    text, removed = clean_text(f"{BODY[0]}\n{line}\n{BODY[1]}", recurring_lines={line_key(line)})
    assert text.splitlines() == BODY
    assert removed == (line,)
    text, _ = clean_text(f"{BODY[0]}\n{line}", recurring_lines=[line])
    assert text == BODY[0]


def test_line_key_normalises() -> None:
    assert line_key("Comment 3") == line_key("  comment   12 ")
    assert line_key("Comment 3") != line_key("Comments 3")
    assert len(line_key("x")) == 16


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Samsung Electronics said it would invest more in artificial intelligence.", "en"),
        (
            "삼성전자가 인공지능(AI) 반도체에 투자를 늘린다고 밝혔다. LG전자와 SK하이닉스도 뒤따랐다.",
            "ko",
        ),
        ("[Digital Today reporter Chi-gyu Hwang (황치규)] Amazon plans to invest in OpenAI.", "en"),
        ("12345 !!!", None),
    ],
)
def test_detect_language(text: str, lang: str | None) -> None:
    assert detect_language(text) == lang


def test_detect_language_other_languages_use_langid() -> None:
    german = "Der Vorstand hat am Dienstag beschlossen, die Produktion in Korea auszubauen."
    french = "Le gouvernement a annoncé mardi un nouveau plan pour l'intelligence artificielle."
    assert (detect_language(german), detect_language(french)) == ("de", "fr")


def test_detect_language_english_and_korean_do_not_load_langid_model() -> None:
    # py3langid's model costs ~100 MB of RSS; kaiwatch's two languages must not need it.
    code = (
        "from flows.core.text import detect_language, _identifier\n"
        "assert detect_language('Naver said on Monday that it had signed a deal with the "
        "ministry to build a data centre for AI in the city of Chuncheon.') == 'en'\n"
        "assert detect_language('네이버가 춘천에 AI 데이터센터를 짓기로 했다.') == 'ko'\n"
        "print(_identifier.cache_info().currsize)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "0"


# -- trafilatura's focus ------------------------------------------------------------


def _dev_page(shared: Path, prefix: str) -> bytes:
    import gzip

    (path,) = (shared / "corpus" / "extraction-dev" / "html").glob(f"{prefix}*.html.gz")
    return gzip.decompress(path.read_bytes())


def test_extract_article_precision_falls_back_to_recall(shared_dir: Path) -> None:
    # trafilatura's precision mode keeps only a reprints notice of this page, which
    # cleaning drops; kaiwatch then asks recall mode, which finds the body.
    content = _dev_page(shared_dir, "f8ff621a")
    precise = trafilatura.extract(decode_html(content), favor_precision=True, fast=True) or ""
    assert "premarket trading" not in precise
    article = extract_article(content)
    assert "premarket trading" in article.text
