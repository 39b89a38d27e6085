"""Each rule record's own examples: words it must find, and words it must leave alone.

``tests/test_rules.py`` runs every pair through the record (triggers and cues by their
pattern; blockers through the check of their scope on a candidate of the sentence),
and fails when a record has no example. The sentences are written for the rules, in
the style of the news they read; they are no corpus article's text.
"""

from __future__ import annotations

__all__ = ["EXAMPLES"]

#: rule id -> (sentences it fires on, sentences it must not fire on)
EXAMPLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # -- triggers: partnership, English
    "p.en.sign_agreement": (
        (
            "Naver signed a memorandum of understanding with Samsung Electronics.",
            "KT inked a three-year supply deal with Rebellions on Monday.",
        ),
        ("Naver signed off on the plan.", "The signing ceremony drew a crowd."),
    ),
    "p.en.agreement_signed": (
        (
            "A five-year partnership was signed between KT and Microsoft.",
            "The MOU signed by both firms covers chips.",
        ),
        ("No agreement was signed at the meeting.",),
    ),
    "p.en.announce_partnership": (
        (
            "Upstage announced a strategic partnership with AWS.",
            "The two firms formed a joint venture for robotics.",
        ),
        ("Upstage announced a new model.",),
    ),
    "p.en.partner_with": (
        ("Kakao partnered with OpenAI on ChatGPT.",),
        ("Kakao's partners include banks.",),
    ),
    "p.en.team_up": (
        ("LG teamed up with Microsoft on AI data centres.", "Naver joins hands with Intel."),
        ("The team won the match.",),
    ),
    "p.en.collaborate": (
        ("Lunit will collaborate with Microsoft on cancer imaging.",),
        ("Lunit values collaboration.",),
    ),
    "p.en.jointly_develop": (
        ("The firms will co-develop AI chips.", "They agreed to jointly develop a model."),
        ("The firm developed a model.",),
    ),
    "p.en.agree_to": (
        ("Samsung agreed with Naver to expand their chip work.",),
        ("Samsung agreed that prices were high.",),
    ),
    "p.en.expand_ties": (
        ("LG and Microsoft widened their alliance to cloud.",),
        ("LG widened its lead in TVs.",),
    ),
    "p.en.pick_partner": (
        ("Naver Cloud picked Upstage as its preferred model partner.",),
        ("Naver Cloud picked a new chief executive.",),
    ),
    "p.en.deal_noun": (
        ("The joint venture will build robots.", "An MOU covers training."),
        ("The venture capital firm grew.",),
    ),
    "p.en.kw": (("The deal covers chips.",), ("The company grew quickly.",)),
    # -- triggers: partnership, Korean
    "p.ko.sign_agreement": (
        ("네이버는 삼성전자와 업무협약을 체결했다.", "두 회사는 양해각서(MOU)를 교환했다."),
        ("네이버는 새 모델을 공개했다.",),
    ),
    "p.ko.ceremony": (("양사는 판교에서 협약식을 열었다.",), ("협약식은 다음 주다.",)),
    "p.ko.hands": (("KT가 마이크로소프트와 손잡았다.", "LG·구글 맞손"), ("손님이 많았다.",)),
    "p.ko.cooperate": (("양사는 AI 협력을 공식화했다.",), ("협력사 모집 공고",)),
    "p.ko.partnership": (
        ("업스테이지는 AWS와 전략적 파트너십을 발표했다.",),
        ("파트너십이란 무엇인가",),
    ),
    "p.ko.joint": (
        ("두 기관은 공동 연구를 추진한다.", "합작법인을 설립했다."),
        ("연구를 시작했다.",),
    ),
    "p.ko.kw": (("협약 내용은 공개되지 않았다.",), ("신제품을 출시했다.",)),
    # -- triggers: funding, English
    "f.en.raise_round": (
        ("Rebellions raised 124 billion won in a Series B round.",),
        ("Rebellions raised prices.",),
    ),
    "f.en.lead_round": (
        ("KT led the Series B.", "We are thrilled to co-lead the company's Series A."),
        ("KT led the market.",),
    ),
    "f.en.raise_amount": (
        ("Upstage raised $72 million from investors.", "The startup secured 5 billion won."),
        ("Upstage raised concerns about costs.",),
    ),
    "f.en.invest_in": (("Kakao invested 10 billion won in Wrtn.",), ("Kakao is an investor.",)),
    "f.en.stake": (("SK bought a minority stake in the startup.",), ("The stakes are high.",)),
    "f.en.budget": (("The Cabinet approved the AI budget.",), ("The Cabinet met on Tuesday.",)),
    "f.en.commit_amount": (
        (
            "The ministry is allocating $1.5 billion to sovereign AI.",
            "The government will invest 909 billion won in everyday AI.",
        ),
        ("The ministry is allocating staff to the project.",),
    ),
    "f.en.fund_close": (
        ("Korea Investment Partners closed a 200 billion won AI fund.",),
        ("The firm closed its funding gap.",),
    ),
    "f.en.top_up": (
        ("Twelve Labs added $30 million to its Series A round.",),
        ("Twelve Labs added features to its app.",),
    ),
    "f.en.kw": (("The funding will pay for chips.",), ("The chips are fast.",)),
    # -- triggers: funding, Korean
    "f.ko.round": (("리벨리온은 1240억원의 투자를 유치했다.",), ("리벨리온은 칩을 공개했다.",)),
    "f.ko.round_name": (
        ("퓨리오사AI는 시리즈C 투자를 마무리했다.",),
        ("시드니에서 행사가 열렸다.",),
    ),
    "f.ko.invest": (
        ("카카오는 1000억원을 출자하기로 했다.",),
        ("카카오는 투자자 설명회를 열었다.",),
    ),
    "f.ko.invest_in": (
        ("카카오벤처스가 닥터누리에 후속 투자를 집행했다.",),
        ("투자자들이 모였다.",),
    ),
    "f.ko.budget": (("정부는 AI 예산 10조원을 편성했다.",), ("예산 이야기는 없었다.",)),
    "f.ko.commit_amount": (
        ("정부가 AI 반도체 예산으로 1조원을 편성했다.", "시는 200억원을 투입한다."),
        ("매출 1조원을 기록했다.",),
    ),
    "f.ko.fund": (("모태펀드는 AI 펀드를 조성한다.",), ("펀드 수익률이 올랐다.",)),
    "f.ko.kw": (("투자 규모는 밝히지 않았다.",), ("칩 성능이 좋아졌다.",)),
    # -- blockers, English (each on a sentence with a trigger)
    "b.en.preview": (
        ("Kakao is expected to sign a partnership with OpenAI next week.",),
        ("Kakao signed a partnership with OpenAI on Monday.",),
    ),
    "b.en.talks": (
        ("Samsung executives met with Nvidia and discussed an AI partnership.",),
        ("Samsung signed an AI partnership with Nvidia.",),
    ),
    "b.en.seeking": (
        ("Upstage is seeking to raise funding from investors.",),
        ("Upstage raised funding from investors.",),
    ),
    "b.en.hedge": (
        ("The deal could be signed within months.",),
        ("The deal was signed on Monday.",),
    ),
    "b.en.rumour": (
        ("Rebellions reportedly raised funding in a Series C round.",),
        ("Rebellions raised funding in a Series C round, the company said.",),
    ),
    "b.en.negation": (
        ("Kakao has not signed a partnership with OpenAI.",),
        ("Kakao has signed a partnership with OpenAI.",),
    ),
    "b.en.background_word": (
        ("Naver previously signed an MOU with Samsung.",),
        ("Naver signed an MOU with Samsung on Tuesday.",),
    ),
    "b.en.called_off": (
        ("Kakao terminated the supply contract it signed with Saltlux.",),
        ("Kakao signed a supply contract with Saltlux.",),
    ),
    "b.en.preview_before": (
        ("Naver is expected to announce next month that it has signed a cloud deal with Nvidia.",),
        ("Naver said on Monday it has signed a cloud deal with Nvidia.",),
    ),
    "b.en.past_before": (
        ("The ministry then signed an MOU with Google on AI education.",),
        ("The ministry signed an MOU with Google on AI education on Friday.",),
    ),
    "b.en.pluperfect": (
        ("Naver reminded investors that it had signed an MOU with Samsung Electronics.",),
        ("Naver announced on Monday it had signed an MOU with Samsung Electronics.",),
    ),
    "b.en.past_after": (
        ("KT signed a supply contract with Rebellions earlier this month to use its chips.",),
        ("KT signed a supply contract with Rebellions on Tuesday to use its chips.",),
    ),
    # -- blockers, Korean
    "b.ko.preview": (("네이버는 다음 달 협약을 체결할 예정이다.",), ("네이버는 협약을 체결했다.",)),
    "b.ko.talks": (
        ("KT 대표가 팔란티어 CEO와 만나 협력 방안을 논의했다.",),
        ("KT는 팔란티어와 협약을 체결했다.",),
    ),
    "b.ko.seeking": (
        ("과기정통부가 앤트로픽과 업무협약 체결을 검토하고 있다.",),
        ("과기정통부가 앤트로픽과 업무협약을 체결했다.",),
    ),
    "b.ko.hedge": (
        ('회사 관계자는 "시리즈C 투자 유치와 관련해 결정된 바는 없다"고 말했다.',),
        ("회사는 시리즈C 투자를 유치했다고 밝혔다.",),
    ),
    "b.ko.background_word": (
        ("네이버는 기존 협약을 바탕으로 협력한다.",),
        ("네이버는 인텔과 협약을 체결했다.",),
    ),
    "b.ko.called_off": (
        ("KT와 리벨리온의 업무협약 체결식이 잠정 연기됐다.",),
        ("KT와 리벨리온이 업무협약을 체결했다.",),
    ),
    "b.ko.past_before": (
        ("지난해 네이버는 삼성전자와 협약을 맺었다.",),
        ("이번에 네이버는 삼성전자와 협약을 맺었다.",),
    ),
    "b.ko.past_after": (
        ("네이버는 삼성전자와 AI 반도체 협약을 체결한 바 있다.",),
        ("네이버는 삼성전자와 AI 반도체 협약을 체결했다고 밝혔다.",),
    ),
    "b.any.merger": (
        (
            "Rebellions and Sapeon signed an agreement on Wednesday to merge.",
            "카카오가 스타트업 지분 100%를 인수하는 계약을 체결했다.",
        ),
        ("Rebellions and Sapeon signed an agreement on Wednesday to develop chips.",),
    ),
    # -- cues
    "c.en.not_partner": (("Lunit agreed to acquire Volpara.",), ("Lunit partnered with Volpara.",)),
    "c.en.tally": (
        ("LG AI Research has signed MOUs with more than 30 companies.",),
        ("LG AI Research signed an MOU with KAIST.",),
    ),
    "c.ko.not_partner": (("카카오가 스타트업을 인수했다.",), ("카카오가 스타트업과 협약했다.",)),
    "c.en.not_funding": (
        ("The round values the company at $1 billion.", "The market is forecast to grow."),
        ("The company raised $10 million.",),
    ),
    "c.en.capex": (
        ("Naver will invest in GPUs and data centres.",),
        ("Naver will invest in Wrtn.",),
    ),
    "c.ko.not_funding": (("뤼튼의 누적 투자액은 200억원이다.",), ("뤼튼이 200억원을 유치했다.",)),
    "c.ko.capex": (("SK하이닉스는 청주 공장에 20조원을 투자한다.",), ("SK는 뤼튼에 투자한다.",)),
    "c.any.selection": (("연구센터는 정부 사업에 선정됐다.",), ("연구센터는 문을 열었다.",)),
    "c.any.foreign_gov": (
        ("중국 정부가 AI 기금을 조성했다.", "The US government approved a plan."),
        ("정부가 예산을 편성했다.",),
    ),
    "c.any.gov": (
        ("The ministry approved the budget.", "정부가 예산을 편성했다."),
        ("Naver approved the plan.",),
    ),
    "c.any.listing": (
        ("리벨리온은 1월, 퓨리오사AI는 3월 투자를 유치했다.",),
        ("리벨리온은 3월 17일 투자를 유치했다.",),
    ),
    "c.any.pronoun_parties": (
        ("양사는 협약을 맺었다.", "The two companies signed a deal."),
        ("네이버는 협약을 맺었다.",),
    ),
    "c.any.announce": (
        ("The company said it raised money.", "회사는 밝혔다."),
        ("The company raised money.",),
    ),
    "c.any.quote_named": (
        ("'전략적 파트너십 체결'이라는 보도자료",),
        ("전략적 파트너십을 체결했다.",),
    ),
    "c.any.contest": (
        ("The startup won the pitch competition.", "경진대회 수상팀"),
        ("The startup won a contract.",),
    ),
    "c.any.review": (
        ("The committee began reviewing the budget.", "추경 심사"),
        ("The committee passed the budget.",),
    ),
    "c.any.dispute": (
        ("A dispute over the chip deal grew.", "양사 갈등"),
        ("The chip deal grew.",),
    ),
    "c.any.first_person": (('"We are thrilled," he said.',), ("The firm said it was pleased.",)),
    "t.opinion": (
        ("[Column] Korea's AI MOU habit", "[사설] AI 예산"),
        ("Naver signs MOU with Intel",),
    ),
    "t.question": (
        ("Can South Korea join the frontier AI race?", "왜 AI 투자인가"),
        ("Korea joins the AI race",),
    ),
    "t.stock": (
        ("[특징주] 코난테크 상한가", "Konan shares soar after LG deal"),
        ("Konan signs deal with LG",),
    ),
    "t.deal_word": (
        ("Rebellions raises 250 bln won", "네이버, 인텔과 협약"),
        ("Rebellions unveils a chip",),
    ),
    "t.event_type_p": (("Naver signs MOU with Intel",), ("Rebellions raises 250 bln won",)),
    "t.event_type_f": (("Rebellions raises 250 bln won",), ("Naver signs MOU with Intel",)),
    "t.plan": (
        ("Kakao mulls deal with OpenAI", "네이버, 협약 추진"),
        ("Kakao signs deal with OpenAI",),
    ),
    "t.contest_review_dispute": (
        ("Samsung and Naver in dispute over chip", "과방위 추경 심사"),
        ("Samsung and Naver sign chip deal",),
    ),
    "t.meeting": (
        ("Minister meets Nvidia CEO", "KT 대표, 팔란티어 CEO와 회동"),
        ("KT signs deal with Palantir",),
    ),
}
