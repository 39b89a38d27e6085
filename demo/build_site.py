"""Write the demo site: sample article pages for the offline demo (``make demo``).

The articles are short samples written for kaiwatch from public reporting,
wrapped in the page furniture real news sites carry (navigation, tickers,
share bars, related headlines, comment forms), so that the demo shows the
cleaner at work. Run it again after editing; the feeds are hand-written.
"""

from __future__ import annotations

from pathlib import Path

SITE = Path(__file__).parent / "site" / "pages"


def page(
    title: str,
    body: str,
    *,
    lang: str = "en",
    charset: str = "utf-8",
    site: str = "Demo Tech Daily",
    date: str = "2024-10-15T09:00:00+09:00",
    related: tuple[str, ...] = (
        "Kakao names new chief executive",
        "Chip exports rise for tenth straight month",
        "Game maker posts record quarterly sales",
    ),
    reply: str = "Leave a Reply",
) -> str:
    paragraphs = "\n".join(f"<p>{p.strip()}</p>" for p in body.strip().split("\n\n"))
    links = "\n".join(f'<li><a href="/a/{i}">{text}</a></li>' for i, text in enumerate(related))
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="{charset}"><title>{title} | {site}</title>
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{date}">
</head><body>
<header><nav><a href="/">Home</a> | <a href="/tech">Tech</a> | <a href="/biz">Business</a></nav>
<a class="skip" href="#main">Skip to content</a>
<div class="ticker"><span>KOSPI 2,593.37 -0.52%</span> <span>KOSDAQ 738.34 +0.11%</span></div>
</header>
<main id="main"><article><h1>{title}</h1>
{paragraphs}
<div class="share"><span>Share this:</span> <a href="#">Facebook</a> <a href="#">X</a></div>
</article></main>
<aside class="related"><h3>Related</h3><ul>
{links}
</ul></aside>
<section id="comments"><h3>{reply}</h3>
<p>Your email address will not be published. Required fields are marked *</p>
<form><textarea name="c"></textarea><button>Post Comment</button></form></section>
<footer><p>{site}. All rights reserved.</p><p><a href="/privacy">Privacy</a></p></footer>
</body></html>
"""


UPSTAGE = """
Upstage, the Korean developer of the Solar family of large language models, said on Tuesday it had closed a Series B round worth about 100 billion won ($72 million), its largest raise since the company was founded in 2020.

The start-up said the new money would pay for sales teams in the United States and Japan and for training the next versions of Solar, which it sells to banks, insurers and public agencies that want to run language models inside their own networks.

Strategic investors from the United States joined Korean financial groups in the round, the company said, without giving a valuation. Upstage plans to use the partners' cloud platforms to reach customers abroad.

"Companies want models they can control, on data they cannot send outside," chief executive Kim Sung-hoon told reporters. "That is where a specialised model beats a general one."

The raise comes as Korean AI start-ups compete for a limited pool of late-stage capital, while the government prepares support for domestic model developers.
"""

REBELLIONS = """
Rebellions and Sapeon Korea, two of the country's best-funded AI chip designers, signed an agreement on Wednesday to merge, creating a single company to take on Nvidia in chips for AI inference.

The combined company will keep the Rebellions name and be led by its co-founder Park Sunghyun, the two firms said. SK Telecom, Sapeon's largest shareholder, will become a major shareholder of the merged business, alongside KT, an existing backer of Rebellions.

Both companies design neural processing units for data centres. Executives said pooling their engineers would let them bring a new generation of chips to market sooner and compete for customers outside Korea.

The deal still needs approval from shareholders and regulators. The companies aim to complete the merger by the end of the year.
"""

LANTERNS = """
Hundreds of thousands of visitors walked along the Cheonggyecheon stream in central Seoul over the weekend as the city's annual lantern festival opened with more than 700 lanterns.

The organisers said this year's displays were inspired by traditional folk tales and by the city's history, with a large dragon lantern near Gwanghwamun drawing long queues.

Police added extra officers to manage crowds near the stream, and the city extended late-night bus services until the festival ends next Sunday.
"""

NAVER = """
네이버클라우드가 서울의 한 대학병원과 의료 인공지능(AI) 서비스 공동개발을 위한 업무협약(MOU)을 체결했다고 2일 밝혔다.

두 기관은 네이버의 초대규모 AI 하이퍼클로바X를 활용해 진료 기록 요약, 환자 상담 보조, 의료진 업무 자동화 서비스를 함께 개발하기로 했다. 병원은 의료 현장의 수요와 검증을 맡고, 네이버클라우드는 AI 모델과 클라우드 인프라를 제공한다.

네이버클라우드 관계자는 "의료 데이터는 외부 반출이 어려운 만큼 병원 내부에서 안전하게 운영할 수 있는 AI가 필요하다"며 "이번 협약으로 현장에서 바로 쓰일 수 있는 서비스를 만들겠다"고 말했다.

양측은 연내 시범 서비스를 선보이고 다른 의료기관으로 확대하는 방안도 검토할 계획이다.

홍길동 기자 gildong@demo-news.example

저작권자 ⓒ 데모뉴스 무단전재 및 재배포 금지
"""


def main() -> None:
    (SITE / "partner").mkdir(parents=True, exist_ok=True)
    title = "Upstage closes Series B round to take its Solar models abroad"
    (SITE / "upstage-series-b.html").write_text(page(title, UPSTAGE), encoding="utf-8")
    # A partner re-runs the story word for word under its own layout: an exact duplicate.
    partner = page(title, UPSTAGE, site="Partner Wire", related=("Won weakens against the dollar",))
    (SITE / "partner" / "upstage-series-b-copy.html").write_text(partner, encoding="utf-8")
    (SITE / "rebellions-sapeon.html").write_text(
        page(
            "Rebellions and Sapeon agree to merge their AI chip businesses",
            REBELLIONS,
            date="2024-06-12T14:30:00+09:00",
        ),
        encoding="utf-8",
    )
    (SITE / "lantern-festival.html").write_text(
        page(
            "Seoul lantern festival draws record crowds along Cheonggyecheon",
            LANTERNS,
            date="2024-11-03T18:00:00+09:00",
        ),
        encoding="utf-8",
    )
    # A Korean page in EUC-KR, declared only in its <meta>: the decoder must find it.
    korean = page(
        "네이버클라우드, 대학병원과 의료 AI 공동개발 업무협약 체결",
        NAVER,
        lang="ko",
        charset="euc-kr",
        site="데모뉴스",
        date="2024-09-02T10:00:00+09:00",
        related=("카카오, 신임 대표 선임", "반도체 수출 10개월 연속 증가"),
        reply="댓글 남기기",
    )
    (SITE / "naver-cloud-mou.html").write_bytes(korean.encode("cp949"))


if __name__ == "__main__":
    main()
