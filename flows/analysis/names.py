"""Open-vocabulary names: organisations and people whether ``entities.yaml`` lists them or not.

Known names come from kaiwatch's tagger (Aho-Corasick over the knowledge base). Unknown
names come from cheap, general cues:

English
    capitalised spans ("Taewang DND", "Skild AI", "Kim Jaechul Graduate School of AI")
    with connectors (of, and, &, for, de), trimmed of sentence-opening words and titles;
    a span in a Title-Case headline counts only when the body writes it too; a lone
    sentence-initial word only when it is not a word the article also writes in lower case.
    Typed by company suffixes and organisation words (Inc., Corp., Labs, Ventures,
    University, Ministry of …), appositions ("startup X", "the Seoul-based X", "X, a …
    company"), person cues (CEO X, X said … he, Korean surnames, "X, chief executive of"),
    outlet cues (wire datelines, "according to X", "X reported", News/Times/Herald), and
    a small gazetteer of places.
Korean
    ㈜ / (주) / 주식회사 marks; words ending like an organisation (…벤처스, …전자, …대학교,
    …병원, …협회; generic nouns such as 대학병원, 공공기관, 통신사들 are refused);
    appositions ("AI 스타트업 X", "X 대표", "홍길동 X 대표"); Latin-script names in
    Korean text ("VUNO", "KAI"); and, optionally, kiwipiepy proper nouns (NNP) in the
    candidate sentences only (the model costs about 0.5 GB: docs/benchmarks.md).

Every name gets a type guess (``org``, ``person``, ``place``, ``outlet``, or the knowledge
base's type) and a stable id: the knowledge base's id, or ``unk:<slug>`` from the
normalised surface (so the same unknown name gets the same id in every article).
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Any

from flows.analysis.entities import EntityTagger
from flows.analysis.knowledge import KnowledgeBase

__all__ = ["Name", "NameFinder", "normalise", "unknown_id"]


@dataclass(frozen=True)
class Name:
    """One name in the document: id, surface, offsets, type guess, known or not, and why."""

    id: str
    surface: str
    start: int
    end: int
    type: str  # org | person | place | outlet | product | model | government | university | …
    known: bool
    source: str  # kb | suffix | apposition | capitalised | acronym | outlet | ko-mark | ko-suffix | kiwi …

    @property
    def is_org(self) -> bool:
        return self.type not in ("person", "place", "outlet", "product", "model")


# -- lexicons --------------------------------------------------------------------------------

_ORG_WORDS_EN = frozenset(
    """Inc Inc. Corp Corp. Co Co. Ltd Ltd. LLC Corporation Limited PLC GmbH AG SA NV Holdings Group
    Bank Lab Labs Ventures Venture Partners Capital Technologies Technology Tech Systems Electronics Motor
    Motors University Institute Agency Ministry Foundation Fund Investment Investments Securities
    Robotics Semiconductor Semiconductors Networks Network Telecom Telecommunications Software Solutions
    Therapeutics Industries Industry Association Council Committee Commission Cloud Research Analytics
    Dynamics Energy Chemical Chemicals Pharmaceuticals Pharma Bio Biosciences Games Entertainment Studio
    Studios Academy Center Centre Hospital Medical Healthcare Health School College Alliance Consortium
    Federation Society Office Department Bureau Authority Service Services AI Intelligence Digital Data
    Media Communications Mobility Aerospace Heavy Shipbuilding Insurance Financial Finance Asset Assets
    Management Exchange Cluster Park Hub Initiative Program Programme Project Platform Platforms Innovation
    Innovations Startups Accelerator Incubator Works Factory Global International Korea America Air Airlines
    Airways Railway""".split()
)
_ORG_PREFIX_EN = re.compile(
    r"^(?:University|Ministry|Bank|Institute|Department|Office|Bureau|Korea|National|Federal|Royal|Seoul"
    r"|Association|Federation|Council|Academy|Center|Centre|College|School)\b"
)
_STRONG_ORG_SUFFIX = re.compile(
    r"\b(?:Inc\.?|Corp\.?|Co\.?|Ltd\.?|LLC|Corporation|Limited|PLC|GmbH|AG|Holdings|Group|Labs?|Ventures|Partners"
    r"|Capital|Technologies|Systems|Electronics|Motors?|University|Institute|Agency|Ministry|Foundation|Fund"
    r"|Investments?|Securities|Robotics|Semiconductors?|Networks|Telecom|Therapeutics|Industries|Association"
    r"|Council|Commission|Hospital|Bank|Academy|College|School|Center|Centre|Consortium|Federation|Society|Studios?"
    r"|Games|Entertainment|Pharmaceuticals|Biosciences|Aerospace|Insurance|Exchange|Accelerator|Office|Bureau"
    r"|Authority|Department)$"
)
_LEADING_WORDS = frozenset(
    """The A An And But Or In On At By For With From As Its His Her Their This That Then While Meanwhile
    According Also Last Next Both When If Why How What These Those Other Such Some Many Most Every Each
    After Before During Since Under Over Through Via Photo Source Sources Image Images Credit Read More See
    Related Click Share Subscribe Advertisement Copyright Reporter Editor News Breaking Update Updated
    Published Posted Home Top Latest Trending Video Watch Listen Now Today Yesterday Tomorrow However
    Moreover Furthermore Additionally Besides Still Yet So Thus Therefore Hence Instead Rather Although
    Though Despite Because Unlike Like Once Until Unless Whether Where Who Whom Whose Which There Here
    It It's We Our Us I You Your They Them He She Him Not No Yes All Any Several Few More Less Further
    New Big First Second Third Major Key Main Global Local Korean Chinese Japanese American US U.S. UK EU
    South North East West Central Mr Mr. Ms Ms. Mrs Mrs. Dr Dr. Prof Prof. Sir Lord Vice Deputy Senior
    Junior Chief CEO CTO CFO COO President Chairman Chairwoman Chair Minister Professor Director Head Founder
    Co-founder Cofounder Manager Executive Officer Secretary Governor Mayor Ambassador Researcher Analyst
    Spokesperson Spokesman Spokeswoman Lawmaker Representative Senator General Commissioner Administrator
    Said Says Will Would Could Should May Might Can Must Has Have Had Is Are Was Were Be Been Being Do Does Did
    To Of Off Up Down Out Into Onto Upon Within Without About Above Below Between Among Against Around""".split()
)
_TITLE_WORDS = re.compile(
    r"\b(?:CEO|CTO|CFO|COO|President|Chairman|Chairwoman|Chair|Vice|Minister|Professor|Prof\.?|Dr\.?|Mr\.?|Ms\.?"
    r"|Mrs\.?|Director|Founder|[Cc]o-?founder|Chief|Head|Secretary|Governor|Mayor|Ambassador|Senator|Lawmaker"
    r"|Representative|Commissioner|Analyst|researcher|analyst|founder|chief executive|head|director"
    r"|president|chairman|professor|minister|executive|spokesperson|spokesman|CEO of)\s*$"
)
_PERSON_AFTER = re.compile(
    r"^(?:,\s*(?:the\s+)?(?:\w+\s+){0,3}(?:CEO|chief|founder|co-?founder|head|president|chairman|professor"
    r"|director|minister|executive|vice|senior|partner|analyst|researcher|spokes\w+|who)\b|\s+(?:\([0-9]{2}\)))"
)
_PERSON_SAID = re.compile(r"^,?\s+(?:said|says|told|added|noted|explained)\b")
_ORG_APPOSITION = re.compile(
    r"(?:\b(?:startup|start-up|company|firm|developer|chipmaker|maker|designer|provider|operator|unit"
    r"|subsidiary|affiliate|platform|lender|investor|fund|carrier|giant|conglomerate|insurer|bank|university"
    r"|hospital|institute|agency|studio|publisher|manufacturer|supplier|specialist|vendor)\s*$"
    r"|-based\s*$|'s\s*$)"
)
_ORG_APPOSITION_AFTER = re.compile(
    r"^,\s*(?:a|an|the)\s+(?:[\w-]+\s+){0,5}(?:startup|start-up|company|firm|developer|maker|provider|unit"
    r"|subsidiary|affiliate|platform|lender|investor|fund|carrier|conglomerate|bank|university|hospital"
    r"|institute|agency|studio|specialist|operator|manufacturer|group)\b"
)
_OUTLETS = frozenset(
    """Reuters Yonhap Bloomberg CNBC CNN BBC AP AFP IANS Xinhua Kyodo Nikkei TechCrunch Forbes Axios
    Newsis News1 Edaily Hankyung JoongAng Chosun Donga ZDNet ETNews DigiTimes Digitimes TheElec KED
    Businesskorea BusinessKorea PTI ANI Bernama Dow WSJ NYT FT Azernews MENAFN Benzinga""".split()
)
_OUTLET_WORDS = re.compile(
    r"\b(?:News|Times|Herald|Daily|Post|Journal|Tribune|Bulletin|Gazette|Chronicle|Wire|Today|Insider"
    r"|Review|Magazine|Press|Network|Broadcasting|Ilbo|Shinmun|Biz|Asia)$"
)
_OUTLET_CONTEXT_BEFORE = re.compile(
    r"(?:according to|told|reported by|via|source:|\(|©|copyright)\s*(?:the\s+)?$", re.I
)
_OUTLET_CONTEXT_AFTER = re.compile(
    r"^\s*(?:reported|\)\s*(?:--|—|–|-)|said in a report|newspaper|daily|news agency)", re.I
)
_PLACES = frozenset(
    """Korea Seoul Busan Incheon Daegu Daejeon Gwangju Ulsan Sejong Gyeonggi Pangyo Jeju Gangwon Suwon
    Seongnam Pohang Changwon Sacheon Siheung Dongtan Yongin Hwaseong Japan Tokyo Osaka China Beijing Shanghai
    Shenzhen Taiwan Taipei Hong Kong Singapore Vietnam Hanoi India Indonesia Thailand Malaysia Philippines
    Australia Europe Germany Berlin France Paris Britain England London UK Italy Spain Netherlands Sweden
    Finland Norway Switzerland Israel Saudi Arabia UAE Dubai Qatar Egypt Cairo Africa Canada Toronto Mexico
    Brazil America Americas US USA U.S. Washington California Silicon Valley San Francisco New York Texas
    United States Kingdom Arab Emirates Santa Clara Cupertino Mountain View Palo Alto Redmond Austin Chicago
    Barcelona Madrid Rome Munich Amsterdam Stockholm Geneva Zurich Vienna Brussels Warsaw Riyadh Abu Dhabi Doha
    Boston Massachusetts Seattle Las Vegas Nevada Asia Pacific Middle East Latin Russia Ukraine Turkey""".split()
)
_COMPASS = frozenset(
    "North South East West Northeast Northwest Southeast Southwest Central Greater".split()
)
_COMMON_UPPER = frozenset(
    """AI AGI LLM LLMs GPU GPUs NPU NPUs CPU HBM DRAM CEO CTO CFO COO IPO ESG ICT IT R&D B2B B2C SaaS API
    APIs USD KRW EUR PDF FAQ PR VC VCs MOU MOUs MOA LOI JV TV PC PCs OS UI UX ID AR VR XR IoT NFT DX AX
    CES MWC IFA USV USVs UAV DNA RNA FDA EV EVs SK LG KT HD GS CJ AM PM Q1 Q2 Q3 Q4 H1 H2 YoY QoQ ETF
    KOSPI KOSDAQ GDP CAGR ROI AIDC CSO CIO CMO CPO CDO CAO EVP SVP VP MD DC IDC SLM SLMs NLP""".split()
)
_KR_SURNAMES_EN = frozenset(
    """Kim Lee Park Choi Jung Jeong Kang Cho Jo Yoon Yun Jang Chang Lim Im Han Oh Seo Suh Shin Kwon Hwang Ahn
    Song Yoo Yu Hong Jeon Chun Ko Koh Moon Yang Son Bae Baek Paik Heo Huh Nam Noh Roh Ha Kwak Sung Cha Joo
    Chu Woo Koo Ku Min Ryu Yoo Na Jin Ji Um Chae Won Bang Gong Hyun Ham Byun Yeom Yeo Do Seok Sun Ma Gil
    Pyo Myung Ki Ban Wang Geum Ok Yook Maeng Je Mo Tak Kook Yeon Eun""".split()
)
_KR_SURNAMES_KO = frozenset(
    "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 유 홍 전 고 문 양 손 배 백 허 남 노 하 곽 성 차 주 우 구 민 류 "
    "나 진 지 엄 채 원 천 방 공 현 함 변 염 여 추 도 소 석 선 설 마 길 표 명 기 반 왕 금 옥 육 인 맹 제 모 탁 국 연 어 은 편 용 예".split()
)

_TOKEN_RE = re.compile(r"[A-Za-z0-9][\w&'’.\-]*[\w&]|[A-Za-z0-9]|[^\w\s]", re.UNICODE)
_CONNECTORS = frozenset({"of", "and", "&", "for", "de", "du", "the", "van", "von", "la", "on"})

# Korean
_KO_MARK_RE = re.compile(
    r"(?:\(주\)|㈜|주식회사)\s?([\uac00-\ud7a3A-Za-z0-9&]{2,})|([\uac00-\ud7a3A-Za-z0-9&]{2,})\s?(?:\(주\)|㈜)"
)
_KO_ORG_SUFFIXES = tuple(
    sorted(
        """테크놀로지스 테크놀로지 벤처스 벤처투자 파트너스 인베스트먼트 인베스트 자산운용 캐피탈 캐피털 랩스 로보틱스 홀딩스 그룹 전자
        증권 은행 대학교 과학기술원 과기원 연구원 연구소 재단 협회 학회 진흥원 진흥공단 공사 공단 사업단 병원 의료원 메디컬 헬스케어
        바이오 제약 테크 소프트 시스템즈 솔루션즈 네트웍스 네트웍스 모빌리티 에너지 엔터테인먼트 게임즈 스튜디오 미디어
        커뮤니케이션즈 정보통신 중공업 조선해양 항공우주산업 산업 에이아이 디지털 클라우드 텔레콤 카드 생명 화재 보험 부 처 청
        위원회 센터 기술지주 액셀러레이터 컴퍼니 코리아 데이터""".split(),
        key=len,
        reverse=True,
    )
)
_KO_SUFFIX_END = re.compile("(?:" + "|".join(map(re.escape, _KO_ORG_SUFFIXES)) + ")$")
# Generic nouns that end like names: never names (and never parties).
_KO_GENERIC = frozenset(
    """내부 외부 현장 현지 당사 자사 본사 양국 각국 관계자들 측은 측이 측과 이날 오늘 향후 앞으로
    대학병원 공공기관 통신사 통신사들 투자은행 벤처캐피털 벤처캐피탈 시스템반도체 정부부처 관계부처 지자체 중소기업 대기업 스타트업
    기업 업체 회사 기관 금융기관 연구기관 대학 대학교 병원 재단 협회 학회 은행 증권사 투자사 운용사 자산운용사 보험사 카드사
    연구소 연구원 센터 그룹 계열사 자회사 빅테크 테크 바이오 제약사 플랫폼 의료기관 출연연 정부 부처 공사 공단 산업 디지털
    클라우드 데이터 에너지 미디어 모빌리티 헬스케어 전자 솔루션 시스템 사업단 위원회 협의회 컨소시엄 한국 국내 해외 글로벌
    인공지능 생성형 반도체 데이터센터 국내외 양사 양측 업계 이번 투자 투자자 투자사 대표 최고경영자 관계자 이들 모델 기술
    서비스 사업 시장 라운드 자금 예산 협약 계약 이 그 올해 지난해 내년 한편 특히 또한 최근 현재 당시 제품 파트너십 협력
    업무협약 전략 목표 계획 분야 규모 금액 결과 지원 정책 소식 사항 유치 관련 내용 부분 방안 문제 상황 일정 조건 논의 확정
    결정 측 회사측 각 부 처 청 도 시 군 구 동 팀 장관 차관 총장 교수 회장 사장 의장 대통령 기자 정부출연연구기관 국책은행
    시중은행 지방은행 인터넷은행 상장사 비상장사 유니콘 통신3사 이통3사 이통사 빅테크들 업계는 기업들 스타트업들 통신업계
    주관기관 참여기관 수요기관 공급기업 수요기업 도입기업 참여기업 선정기업 지원기업 투자기업 피투자기업 포트폴리오사 과기정통부""".split()
)
_KO_APPOSITION = re.compile(
    r"(?:스타트업|기업|업체|전문\s*기업|전문\s*업체|회사|개발사|제조사|플랫폼\s*기업|벤처캐피털|투자사|운용사|대학|병원|연구소|"
    r"기관|협회|재단|제작사|팹리스|반도체\s*기업|AI\s*기업|인공지능\s*기업)\s+"
    r"['‘\"“]?([\uac00-\ud7a3A-Za-z0-9][\uac00-\ud7a3A-Za-z0-9&·]{1,20})['’\"”]?"
    r"(?=(?:은|는|이|가|와|과|에|의|을|를|로|으로|에게|와의|과의|도|,|\s|\(|$))"
)
_KO_TITLES = (
    r"대표(?:이사)?|회장|부회장|사장|부사장|전무|상무|의장|총장|원장|교수|장관|차관|청장|이사장|센터장|본부장|부문장|실장|단장"
    r"|CEO|CTO|CFO|박사|위원장|대통령|의원|창업자|창업주|소장|국장|과장|팀장|기자|특파원|연구원|GIO|CSO|CIO"
)
_KO_PERSON_ORG_TITLE = re.compile(
    rf"(?:^|[\s(\[‘'\"“·,])([\uac00-\ud7a3]{{2,4}})\s+([\uac00-\ud7a3A-Za-z0-9&]{{2,15}})\s+(?:{_KO_TITLES})(?![\uac00-\ud7a3])"
)
_KO_ORG_PERSON_TITLE = re.compile(
    rf"(?:^|[\s(\[‘'\"“·,])([\uac00-\ud7a3A-Za-z0-9&]{{2,15}})\s+([\uac00-\ud7a3]{{2,4}})\s+(?:{_KO_TITLES})(?![\uac00-\ud7a3])"
)
_KO_PERSON_TITLE = re.compile(
    rf"(?:^|[\s(\[‘'\"“·,])([\uac00-\ud7a3]{{2,4}})\s*(?:{_KO_TITLES})(?![\uac00-\ud7a3])"
)
_KO_PARTICLES = tuple(
    sorted(
        """에서는 에서도 에서의 에게는 으로는 으로도 으로서 으로써 이라는 이라고 이었다 이지만 과의 와의 과는 와는 과도 와도 에는
        에도 에서 에게 으로 로는 로도 로서 로써 까지 부터 마저 조차 처럼 보다 이나 이며 이고 이다 이라 라는 라고 였다 한테 께서
        이랑 측은 측이 측의 측과 측도 측 은 는 이 가 을 를 의 에 와 과 도 로 만 며 다 랑 등 엔 들""".split(),
        key=len,
        reverse=True,
    )
)
_KO_WORD_RE = re.compile(r"[\uac00-\ud7a3A-Za-z0-9&]+")
# Venues and events: places, not parties ("김대중컨벤션센터", "대강당", "협약식").
_KO_VENUE = re.compile(
    r"(?:컨벤션센터|컨벤션|전시장|전시관|호텔|강당|회의실|대회의실|홀|식|행사|포럼|박람회|세미나|컨퍼런스|서밋|대회|시상식)$"
)
_KO_LATIN_NAME = re.compile(
    r"(?<![A-Za-z0-9])([A-Z][A-Za-z0-9&]*(?:[ -][A-Z][A-Za-z0-9&]*){0,2})(?![A-Za-z0-9])"
)
_KO_PLACES = frozenset(
    """한국 대한민국 국내 서울 부산 인천 대구 대전 광주 울산 세종 경기 경기도 강원 충북 충남 전북 전남 경북 경남 제주 판교 성남 수원
    용인 화성 평택 포항 창원 사천 시흥 동탄 미국 중국 일본 대만 베트남 인도 유럽 독일 영국 프랑스 캐나다 호주 싱가포르 이스라엘
    사우디 사우디아라비아 중동 아시아 북미 남미 실리콘밸리 뉴욕 워싱턴 캘리포니아 라스베이거스 토론토 도쿄 베이징 상하이 美 中
    日 佛 英 獨 이집트 카이로 아프리카 러시아 동남아 글로벌""".split()
)


def normalise(name: str) -> str:
    """The comparison key of a name: case-folded, NFKC, without corporate suffixes and 'the'."""
    key = unicodedata.normalize("NFKC", name).replace("’", "'")
    key = re.sub(r"^(?:\(주\)|㈜|주식회사)\s*|\s*(?:\(주\)|㈜)$", "", key.strip())
    key = key.strip(" .,'\"()")
    key = re.sub(r"'s$", "", key)
    key = re.sub(r"^(?:the)\s+", "", key, flags=re.I)
    key = re.sub(
        r"[,\s]+(?:Inc|Corp|Co|Ltd|LLC|Corporation|Limited|PLC|GmbH|AG|Co\., Ltd)\.?$",
        "",
        key,
        flags=re.I,
    )
    key = re.sub(r"^(?:\(주\)|㈜|주식회사)\s*|\s*(?:\(주\)|㈜)$", "", key)
    key = re.sub(r"\s+", " ", key).casefold()
    return key.replace(" ", "") if re.search("[\uac00-\ud7a3]", key) else key


def unknown_id(name: str) -> str:
    """A stable id for a name the knowledge base lacks: ``unk:`` and its normalised key."""
    key = normalise(name)
    slug = re.sub(r"[^0-9a-z\uac00-\ud7a3]+", "-", key).strip("-")
    return f"unk:{slug or 'x'}"


def strip_particles(token: str) -> str:
    """Korean particles off the end of a word (네이버가 → 네이버), leaving at least 2 characters."""
    for _ in range(2):
        # the longest particle that ends the word and leaves two characters
        found = _PARTICLE_END.search(token, 2)
        if found is None:
            break
        token = token[: found.start()]
    return token


# Every particle that can end a word, longest first: one search instead of a loop.
_PARTICLE_END = re.compile("(?:" + "|".join(map(re.escape, _KO_PARTICLES)) + ")$")


_KB_TYPES = {
    "company": "org",
    "investor": "org",
    "fund": "org",
    "research_institute": "org",
    "government": "government",
    "university": "university",
    "person": "person",
    "product": "product",
    "model": "model",
}


class NameFinder:
    """Find known and unknown names in a document; build once, use for many documents.

    :param kb: the knowledge base; its tagger finds the known names.
    :param use_kiwi: also take kiwipiepy's proper nouns in the sentences given to
        :meth:`find` as ``parse`` (Korean only). Loads the model on first use.
    :param use_kb: False measures the open-vocabulary part alone (as if the knowledge
        base were empty).
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        tagger: EntityTagger,
        *,
        use_kiwi: bool = False,
        use_kb: bool = True,
    ):
        self.kb = kb
        self.tagger = tagger
        self.use_kiwi = use_kiwi
        self.use_kb = use_kb
        self._kiwi: Any = None
        self._outlet_ids = {
            e.id
            for e in kb.entities
            if e.type == "company"
            and (
                e.name in _OUTLETS
                or _OUTLET_WORDS.search(e.name)
                or re.search(
                    r"(?:뉴스|일보|신문|방송|경제|타임스|헤럴드|통신)$", " ".join(e.aliases_ko)
                )
            )
        }

    # -- public ------------------------------------------------------------------------

    def find(
        self,
        doc: str,
        title: str = "",
        *,
        lang: str = "en",
        parse: list[tuple[int, str]] | None = None,
    ) -> list[Name]:
        """Names in ``doc`` (title first when it opens the document), in text order.

        :param parse: ``(offset, sentence)`` pairs to give kiwipiepy (Korean, when enabled).
        """
        names: list[Name] = []
        if self.use_kb:
            for m in self.tagger.tag(doc):
                entity = self.kb.get(m.entity_id)
                kind = _KB_TYPES.get(entity.type, "org")
                if m.entity_id in self._outlet_ids:
                    kind = "outlet"
                names.append(Name(m.entity_id, m.surface, m.start, m.end, kind, True, "kb"))
        opened = self._english(doc, title)
        if lang == "ko":
            opened += self._korean(doc)
            if self.use_kiwi and parse:
                opened += self._kiwi_names(parse)
        return _merge(names, opened, self.tagger if self.use_kb else None)

    def with_kiwi(self, doc: str, names: list[Name], parse: list[tuple[int, str]]) -> list[Name]:
        """``names`` and kiwipiepy's proper nouns in the ``(offset, sentence)`` pairs given.

        Korean only; loads kiwipiepy on the first call. Nothing is added when the finder
        was built without ``use_kiwi`` or there is nothing to parse.
        """
        if not self.use_kiwi or not parse:
            return names
        known = [n for n in names if n.known]
        opened = [n for n in names if not n.known] + self._kiwi_names(parse)
        return _merge(known, opened, self.tagger if self.use_kb else None)

    # -- English ---------------------------------------------------------------------------

    def _english(self, doc: str, title: str) -> list[Name]:
        title_end = len(title.strip()) if title and doc.startswith(title.strip()) else 0
        headings = _heading_spans(doc, title_end)
        prose = "".join(
            " " * (e - s) if any(hs <= s < he for hs, he in headings) else doc[s:e]
            for s, e in _line_spans(doc)
        )
        lower_words = {w for w in re.findall(r"\b[a-z][a-z'-]+\b", doc)}
        out: list[Name] = []
        for start, end, words, _sent_initial in _capitalised_spans(doc):
            surface = doc[start:end]
            in_heading = any(hs <= start < he for hs, he in headings)
            if in_heading and surface not in prose and not _STRONG_ORG_SUFFIX.search(surface):
                continue  # Title Case headline or heading: a name must also be in the prose
            if len(words) == 1:
                w = words[0]
                if w in _COMMON_UPPER or (w.lower() in lower_words and not w.isupper()):
                    continue
                if not w.isupper() and not _mixed_case(w) and not _mid_sentence(w, prose):
                    continue  # a capitalised word seen only where every word is capitalised
                if re.fullmatch(r"[\d.,]+[A-Za-z]{0,2}", w) or len(w) < 2:
                    continue
                if re.fullmatch(r"[A-Z][a-z]+(?:ed|ing|ly|ment|tion|ness|ity)", w):
                    continue  # Enhanced, Training, Distribution: words, not names
                if "-" in w and any(p[:1].islower() or p in _COMMON_UPPER for p in w.split("-")):
                    continue  # AI-powered, Asia-Pacific-wide
            content = [w for w in words if w not in _CONNECTORS]
            if all(w in _COMMON_UPPER or w in _NATIONALITIES or w in _COMPASS for w in content):
                continue  # "Korean AI", "NPUs for AI": common words, capitalised
            kind, source = self._type_en(doc, start, end, words)
            if kind is None:
                continue
            out.append(Name(unknown_id(surface), surface, start, end, kind, False, source))
        return out

    def _type_en(self, doc: str, start: int, end: int, words: list[str]) -> tuple[str | None, str]:
        surface = doc[start:end]
        before = doc[max(0, start - 40) : start]
        after = doc[end : end + 60]
        if surface in _PLACES or all(
            w in _PLACES or w.title() in _PLACES or w in _COMPASS for w in words
        ):
            return "place", "gazetteer"
        if surface in _OUTLETS or (
            _OUTLET_WORDS.search(surface)
            and (_OUTLET_CONTEXT_BEFORE.search(before) or _OUTLET_CONTEXT_AFTER.search(after))
        ):
            return "outlet", "outlet"
        if _OUTLET_CONTEXT_AFTER.match(after) and re.match(r"^\s*\)\s*(?:--|—|–|-)", after):
            return "outlet", "outlet"
        if _STRONG_ORG_SUFFIX.search(surface) or _ORG_PREFIX_EN.search(surface):
            return "org", "suffix"
        if (
            _TITLE_WORDS.search(before)
            and len(words) <= 4
            and not any(w in _ORG_WORDS_EN for w in words)
        ):
            return "person", "title"
        if _PERSON_AFTER.match(after) and len(words) in (2, 3):
            return "person", "apposition"
        if _looks_korean_person(words):
            return "person", "surname"
        if _ORG_APPOSITION.search(before) or _ORG_APPOSITION_AFTER.match(after):
            return "org", "apposition"
        if any(w in _ORG_WORDS_EN for w in words[1:]):
            return "org", "suffix"
        if len(words) == 1 and (words[0].isupper() or _mixed_case(words[0])):
            return "org", "acronym"
        if (
            len(words) in (2, 3)
            and _PERSON_SAID.match(after)
            and all(w[:1].isupper() and w[1:].islower() for w in words)
        ):
            return "person", "said"
        return "org", "capitalised"

    # -- Korean -----------------------------------------------------------------------------

    def _korean(self, doc: str) -> list[Name]:
        out: list[Name] = []

        def add(surface: str, start: int, kind: str, source: str) -> None:
            surface = strip_particles(surface.strip("'‘’\"“”·"))
            if len(surface) < 2 or surface in _KO_GENERIC or surface in _KO_PLACES:
                return
            if _KO_VENUE.search(surface) or "·" in surface:
                return
            if re.fullmatch(r"[\d.,]+", surface):
                return
            at = doc.find(surface, start)
            if at < 0:
                return
            out.append(
                Name(unknown_id(surface), surface, at, at + len(surface), kind, False, source)
            )

        for m in _KO_MARK_RE.finditer(doc):
            g = 1 if m.group(1) else 2
            add(m.group(g), m.start(g), "org", "ko-mark")
        for m in _KO_APPOSITION.finditer(doc):
            add(m.group(1), m.start(1), "org", "ko-apposition")
        for m in _KO_PERSON_ORG_TITLE.finditer(doc):
            if m.group(1)[0] in _KR_SURNAMES_KO:
                add(m.group(1), m.start(1), "person", "ko-title")
                if not m.group(2).endswith(("기자", "측")):
                    add(m.group(2), m.start(2), "org", "ko-title")
        for m in _KO_ORG_PERSON_TITLE.finditer(doc):
            if m.group(2)[0] in _KR_SURNAMES_KO:
                add(m.group(2), m.start(2), "person", "ko-title")
                add(m.group(1), m.start(1), "org", "ko-title")
        for m in _KO_PERSON_TITLE.finditer(doc):
            if m.group(1)[0] in _KR_SURNAMES_KO and len(m.group(1)) in (3, 4):
                add(m.group(1), m.start(1), "person", "ko-title")
        for m in _KO_WORD_RE.finditer(doc):
            word = strip_particles(m.group(0))
            if not re.search("[\uac00-\ud7a3]", word):
                continue
            found = _KO_SUFFIX_END.search(word)
            suffix = found.group(0) if found else None
            if suffix and len(word) >= len(suffix) + 2 and word not in _KO_GENERIC:
                head = word[: -len(suffix)]
                if head in _KO_GENERIC or (head in _KO_PLACES and suffix in ("시", "도", "청")):
                    continue
                if (
                    suffix
                    in ("부", "처", "청", "센터", "데이터", "디지털", "클라우드", "산업", "코리아")
                    and len(word) < 5
                ):
                    continue
                add(word, m.start(), "org", "ko-suffix")
        for m in _KO_LATIN_NAME.finditer(doc):
            words = m.group(1).replace("-", " ").split()
            if all(w in _COMMON_UPPER for w in words) or m.group(1) in _COMMON_UPPER:
                continue
            if len(m.group(1)) < 2 or re.fullmatch(r"[A-Z]\d*", m.group(1)):
                continue
            out.append(
                Name(
                    unknown_id(m.group(1)),
                    m.group(1),
                    m.start(1),
                    m.end(1),
                    "org",
                    False,
                    "ko-latin",
                )
            )
        return out

    def _kiwi_names(self, parse: list[tuple[int, str]]) -> list[Name]:
        kiwi = self._load_kiwi()
        out: list[Name] = []
        for offset, sentence in parse:
            tokens = kiwi.tokenize(sentence)
            i = 0
            while i < len(tokens):
                tok = tokens[i]
                glued_sl = (
                    tok.tag == "SL"
                    and i + 1 < len(tokens)
                    and tokens[i + 1].tag in ("NNP", "NNG")
                    and tokens[i + 1].start == tok.start + tok.len
                )
                if tok.tag != "NNP" and not glued_sl:
                    i += 1
                    continue
                j = i
                # merge NNP runs written together ("네이버클라우드", "SK가스", "오픈AI")
                while (
                    j + 1 < len(tokens)
                    and tokens[j + 1].tag in ("NNP", "SL", "NNG")
                    and tokens[j + 1].start == tokens[j].start + tokens[j].len
                    and (tokens[j + 1].tag != "NNG" or j == i)
                ):
                    j += 1
                # a name written in two words ("네이버 벤처스", "알렉스 카프"): also the joined span
                if (
                    j + 1 < len(tokens)
                    and tokens[j + 1].tag == "NNP"
                    and tokens[j + 1].start == tokens[j].start + tokens[j].len + 1
                ):
                    k = j + 1
                    joined = sentence[tokens[i].start : tokens[k].start + tokens[k].len]
                    if joined.split()[0] not in _KO_PLACES:
                        out.append(
                            Name(
                                unknown_id(joined),
                                joined,
                                offset + tokens[i].start,
                                offset + tokens[k].start + tokens[k].len,
                                "org",
                                False,
                                "kiwi",
                            )
                        )
                start, end = tokens[i].start, tokens[j].start + tokens[j].len
                surface = sentence[start:end]
                i = j + 1
                if (
                    len(surface) < 2
                    or surface in _KO_PLACES
                    or surface in _KO_GENERIC
                    or _KO_VENUE.search(surface)
                ):
                    continue
                kind = (
                    "person"
                    if (
                        len(surface) == 3
                        and surface[0] in _KR_SURNAMES_KO
                        and re.match(rf"\s*(?:{_KO_TITLES})", sentence[end:])
                    )
                    else "org"
                )
                out.append(
                    Name(
                        unknown_id(surface),
                        surface,
                        offset + start,
                        offset + end,
                        kind,
                        False,
                        "kiwi",
                    )
                )
        return out

    def _load_kiwi(self) -> Any:
        if self._kiwi is None:
            from kiwipiepy import Kiwi  # optional dependency: about 0.5 GB resident

            with warnings.catch_warnings():
                # 0 is one thread since kiwipiepy 0.21 (what we want); it warns that it changed.
                warnings.simplefilter("ignore", DeprecationWarning)
                self._kiwi = Kiwi(num_workers=0)
        return self._kiwi


# -- helpers -----------------------------------------------------------------------------------


def _line_spans(doc: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in doc.split("\n"):
        spans.append((pos, pos + len(line) + 1))
        pos += len(line) + 1
    return spans


def _heading_spans(doc: str, title_end: int) -> list[tuple[int, int]]:
    """The title and short Title-Case lines (headings, menus, captions) as offsets."""
    out = [(0, title_end)] if title_end else []
    for s, e in _line_spans(doc):
        line = doc[s:e].strip()
        words = re.findall(r"[A-Za-z][\w'’-]*", line)
        if not words or len(words) > 14 or line.endswith((".", '"', "”")):
            continue
        caps = sum(
            w[0].isupper()
            for w in words
            if w.lower() not in _CONNECTORS
            and w.lower() not in ("a", "an", "to", "in", "at", "with", "by", "as", "is", "its")
        )
        content = sum(
            1
            for w in words
            if w.lower() not in _CONNECTORS
            and w.lower() not in ("a", "an", "to", "in", "at", "with", "by", "as", "is", "its")
        )
        if content and caps / content >= 0.75:
            out.append((s, e))
    return out


def _mid_sentence(word: str, prose: str) -> bool:
    """The word written capitalised somewhere other than at the start of a sentence or line."""
    for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", prose):
        before = prose[max(0, m.start() - 3) : m.start()]
        if m.start() > 0 and not re.search(r"(?:[.!?:]\s*|\n\s*|^\s*)[\"“(‘']?$", before):
            return True
    return False


def _mixed_case(word: str) -> bool:
    """Brand-like casing: a capital after the first letter, or a digit (DeepX, 42Maru, iFLYTEK)."""
    return bool(re.search(r"[a-z][A-Z]|\d[A-Za-z]|[A-Za-z]\d", word)) or (
        word[:1].islower() and any(c.isupper() for c in word[1:])
    )


def _looks_korean_person(words: list[str]) -> bool:
    if len(words) not in (2, 3):
        return False
    firsts = [w.split("-")[0] for w in words]
    if not all(
        p[:1].isupper() and (p[1:].islower() or p.isupper() or len(p) == 1) for p in firsts if p
    ):
        return False
    words = [w.title() if w.isupper() else w for w in words]
    return (words[0] in _KR_SURNAMES_EN or words[-1] in _KR_SURNAMES_EN) and not any(
        w in _ORG_WORDS_EN for w in words
    )


def _is_cap(tok: str) -> bool:
    return bool(tok) and (
        tok[0].isupper()
        or (tok[0].isdigit() and re.search("[A-Za-z]", tok) is not None)
        or (tok[0].islower() and any(c.isupper() for c in tok[1:]))
    )


# "Seoul-based", "SoftBank-backed": a modifier, not part of the name after it.
_MODIFIER_RE = re.compile(
    r"-(?:based|led|backed|owned|listed|born|headquartered|focused|powered|driven|run|funded"
    r"|language|speaking|made|built|designed|developed|specific|related|native|centric|style"
    r"|level|scale|wide|only|free|friendly|ready|enabled|capable|grade|class)$"
)
_SPLIT_WORDS = frozenset(
    """CEO CTO CFO COO President Chairman Chairwoman Chair Minister Professor Prof Prof. Dr Dr. Mr Mr. Ms Ms.
    Mrs Mrs. Director Founder Chief Head Secretary Governor Mayor Ambassador Senator Vice Deputy Executive
    Officer Manager Analyst Lawmaker Representative Commissioner Spokesperson GIO Chairperson""".split()
)
_NATIONALITIES = frozenset("Korean Chinese Japanese American".split())
_CALENDAR = frozenset(
    """January February March April May June July August September October November December Jan Feb Mar Apr
    Jun Jul Aug Sep Sept Oct Nov Dec Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Wed Thu
    Fri Sat Sun""".split()
)


def _capitalised_spans(doc: str) -> list[tuple[int, int, list[str], bool]]:
    """Runs of capitalised tokens (with inner connectors), split at titles and trimmed."""
    tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN_RE.finditer(doc)]
    runs: list[list[tuple[int, int, str]]] = []
    i, n = 0, len(tokens)
    while i < n:
        _s, _e, tok = tokens[i]
        if not _is_cap(tok) or re.search("[\uac00-\ud7a3]", tok):
            i += 1
            continue
        run = [tokens[i]]
        j = i
        while j + 1 < n:
            ns, ne, nt = tokens[j + 1]
            gap = doc[tokens[j][1] : ns]
            if gap != " " or run[-1][2].endswith(("'s", "’s")):
                break
            if _is_cap(nt) and not re.search("[\uac00-\ud7a3]", nt):
                run.append(tokens[j + 1])
                j += 1
                continue
            has_of = any(t[2] == "of" for t in run)
            ok_connector = nt in ("of", "for", "de", "du", "&", "the") or (nt == "and" and has_of)
            if (
                ok_connector
                and j + 2 < n
                and _is_cap(tokens[j + 2][2])
                and doc[ne : tokens[j + 2][0]] == " "
            ):
                run += [tokens[j + 1], tokens[j + 2]]
                j += 2
                continue
            break
        runs.append(run)
        i = j + 1
    spans: list[tuple[int, int, list[str], bool]] = []
    for run in runs:
        prefix = doc[max(0, run[0][0] - 3) : run[0][0]]
        initial = run[0][0] == 0 or bool(re.search(r"(?:[.!?:]\s|\n|^)\s*[\"“(]?$", prefix))
        segment: list[tuple[int, int, str]] = []
        ends: list[tuple[int, int, str] | None] = [*run, None]
        for item in ends:
            if (
                item is not None
                and not _MODIFIER_RE.search(item[2])
                and item[2].rstrip(".") not in _SPLIT_WORDS
                and item[2] not in _CALENDAR
            ):
                segment.append(item)
                continue
            seg = segment
            segment = []
            seg_initial = initial and bool(seg) and seg[0] is run[0]
            while seg and (seg[0][2] in _LEADING_WORDS or seg[0][2].rstrip(".") in _LEADING_WORDS):
                if (
                    seg[0][2] in _NATIONALITIES
                    and len(seg) == 2
                    and seg[1][2] in _ORG_WORDS_EN
                    and seg[1][2] not in _COMMON_UPPER
                ):
                    break  # Korean Air, Korean Bank: the adjective is part of the name
                seg = seg[1:]
                seg_initial = False
            while seg and seg[-1][2] in _CONNECTORS:
                seg = seg[:-1]
            # "Series A of Moara Robotics": the round is not part of the name after it
            if len(seg) > 3 and seg[0][2] in ("Series", "Pre-Series") and seg[2][2] == "of":
                seg = seg[3:]
            if not seg:
                continue
            words = [t for _, _, t in seg]
            end = seg[-1][1]
            if words[-1].endswith(("'s", "’s")):
                words[-1] = words[-1][:-2]
                end -= 2
            if words[-1].endswith(".") and words[-1] not in ("Inc.", "Corp.", "Co.", "Ltd."):
                words[-1] = words[-1].rstrip(".")
                end = seg[-1][0] + len(words[-1])
            words = [w for w in words if w]
            if (
                words
                and len(words) <= 8
                and not re.fullmatch(
                    r"(?:Series|Pre-Series|Pre) [A-F]\d?|Pre-?IPO", " ".join(words)
                )
            ):
                spans.append((seg[0][0], end, words, seg_initial))
    return spans


def _merge(known: list[Name], opened: list[Name], tagger: EntityTagger | None) -> list[Name]:
    """Known names first; an unknown name overlapping a known one is dropped unless it is a
    longer organisation whose extra words are organisation words ("Samsung Venture Investment")."""
    out = list(known)
    spans = [(k.start, k.end) for k in known]
    for name in sorted(opened, key=lambda n: (n.start, -(n.end - n.start))):
        if tagger is not None:
            kb_id = tagger.lookup(name.surface) or tagger.lookup(normalise(name.surface))
            if kb_id:
                continue  # the tagger has it (or chose not to tag it here)
        overlap = [(s, e) for s, e in spans if s < name.end and name.start < e]
        if overlap:
            inside = all(name.start <= s and e <= name.end for s, e in overlap)
            if (
                not inside
                or name.type not in ("org",)
                or not _STRONG_ORG_SUFFIX.search(name.surface)
            ):
                continue
            if any(s == name.start and e == name.end for s, e in overlap):
                continue
        out.append(name)
        spans.append((name.start, name.end))
    out.sort(key=lambda n: n.start)
    return out
