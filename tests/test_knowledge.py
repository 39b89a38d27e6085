"""entities.yaml loading: the shipped file is valid and broad; mistakes give one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.analysis.knowledge import ENTITY_TYPES, Entity, KnowledgeBase, alias_key, load_entities
from flows.core.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent

# The names the issue asks for, by group (canonical names as the labels write them).
REQUIRED = [
    "Samsung Electronics", "Samsung SDS", "SK Group", "SK Telecom", "SK hynix", "KT",
    "KT Cloud", "LG Group", "LG AI Research", "LG Uplus", "LG CNS", "Naver", "Naver Cloud",
    "Naver Labs", "Kakao", "Kakao Brain", "Hyundai Motor Group", "Hanwha Group", "Krafton",
    "NCSoft",
    "Upstage", "Rebellions", "FuriosaAI", "Sapeon", "DeepX", "Lunit", "Vuno", "Twelve Labs",
    "Riiid", "Scatter Lab", "Wrtn Technologies", "Moloco", "Skelter Labs", "42dot",
    "Mobilint", "HyperAccel", "Allganize", "Saltlux",
    "Ministry of Science and ICT", "Ministry of Economy and Finance",
    "Ministry of Trade, Industry and Energy", "National AI Committee", "NIPA", "IITP", "NIA",
    "ETRI", "KISTI", "Korea Development Bank", "Industrial Bank of Korea",
    "National Growth Fund", "Government of South Korea",
    "KAIST", "Seoul National University", "POSTECH", "Yonsei University", "Korea University",
    "UNIST", "GIST",
    "OpenAI", "Anthropic", "Google", "Google DeepMind", "Microsoft", "Nvidia", "Amazon",
    "Amazon Web Services", "Meta", "AMD", "Arm", "TSMC", "Deutsche Telekom", "Singtel", "e&",
    "Saudi Data and AI Authority", "Aramco Digital", "DeepSeek", "Alibaba",
    "Yoon Suk Yeol", "Lee Jae-myung", "Lee Jae-yong", "Chey Tae-won", "Koo Kwang-mo",
]  # fmt: skip


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "entities.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_entities_shipped_file_is_valid_and_broad(kb: KnowledgeBase) -> None:
    assert len(kb) >= 300
    assert {entity.type for entity in kb.entities} == set(ENTITY_TYPES)
    missing = [name for name in REQUIRED if kb.find(name) is None]
    assert missing == []


def test_load_entities_shipped_file_links_families(kb: KnowledgeBase) -> None:
    assert kb.get("naver-cloud").parent == "naver"
    assert kb.get("google-deepmind").parent == "google"
    assert {"sk-telecom", "sk-hynix", "sk-broadband"} <= kb.descendants("sk-group")
    # The seed that credits DeepSeek to Alibaba is wrong: they are not one family.
    assert kb.get("deepseek").parent != "alibaba"
    assert "deepseek" not in kb.descendants("alibaba")


def test_load_entities_shipped_file_has_romanisations_in_use(kb: KnowledgeBase) -> None:
    yoon = kb.get("yoon-suk-yeol")
    assert {"Yoon Seok-yue", "Yin Xiyue"} <= set(yoon.aliases_en)
    assert "윤석열" in yoon.aliases_ko
    assert kb.find("Cho Joo-wan") is kb.find("William Cho")


def test_load_entities_unknown_key_names_file_entry_and_fix(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "entities:\n  - {id: naver, name: Naver, type: company}\n"
        "  - {id: naver-cloud, name: Naver Cloud, type: company, aliasses_en: [NCP]}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_entities(path)
    assert str(info.value) == (
        f"{path}: entities[1] (naver-cloud): aliasses_en: unknown key (did you mean 'aliases_en'?). "
        "Fix: remove it or check its spelling (the keys are in the commented entities.yaml "
        "shipped with kaiwatch)."
    )


def test_load_entities_missing_field(tmp_path: Path) -> None:
    path = write(tmp_path, "entities:\n  - {id: kt, name: KT}\n")
    with pytest.raises(ConfigError) as info:
        load_entities(path)
    assert str(info.value) == f"{path}: entities[0] (kt): type: Field required. Fix: add it."


def test_load_entities_bad_type(tmp_path: Path) -> None:
    path = write(tmp_path, "entities:\n  - {id: kt, name: KT, type: telco}\n")
    with pytest.raises(ConfigError, match=r"entities\[0\] \(kt\): type: Input should be 'company'"):
        load_entities(path)


def test_load_entities_duplicate_id(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "entities:\n  - {id: naver, name: Naver, type: company}\n"
        "  - {id: naver, name: Naver Corp, type: company}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_entities(path)
    assert str(info.value) == (
        f"{path}: entities[1] (naver): id 'naver' is already used by entities[0]. "
        "Fix: give each entity its own id."
    )


def test_load_entities_unknown_parent(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "entities:\n  - {id: naver, name: Naver, type: company}\n"
        "  - {id: naver-cloud, name: Naver Cloud, type: company, parent: navr}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_entities(path)
    assert str(info.value) == (
        f"{path}: entities[1] (naver-cloud): parent: unknown id 'navr'. "
        "Fix: use the id of an entity in the file, or remove parent."
    )


def test_load_entities_parent_cycle(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "entities:\n  - {id: a, name: A Corp, type: company, parent: b}\n"
        "  - {id: b, name: B Corp, type: company, parent: a}\n",
    )
    with pytest.raises(ConfigError, match=r"entities\[0\] \(a\): parent: 'b' leads back"):
        load_entities(path)


def test_load_entities_alias_claimed_twice(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "entities:\n"
        "  - {id: samsung-electronics, name: Samsung Electronics, type: company,"
        " aliases_en: [Samsung]}\n"
        "  - {id: samsung-group, name: Samsung Group, type: company, aliases_en: [SAMSUNG]}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_entities(path)
    assert str(info.value) == (
        f"{path}: entities[1] (samsung-group): alias 'SAMSUNG' is also claimed by "
        "entities[0] (samsung-electronics). Fix: keep it on one entity only."
    )


def test_load_entities_korean_alias_spacing_is_one_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "entities:\n  - {id: a, name: Naver Cloud, type: company, aliases_ko: [네이버클라우드]}\n"
        "  - {id: b, name: Naver Cloud Two, type: company, aliases_ko: [네이버 클라우드]}\n",
    )
    with pytest.raises(ConfigError, match="alias '네이버 클라우드' is also claimed by"):
        load_entities(path)


def test_load_entities_ambiguous_must_be_an_alias(tmp_path: Path) -> None:
    path = write(
        tmp_path, "entities:\n  - {id: meta, name: Meta, type: company, ambiguous: [META]}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_entities(path)
    assert str(info.value) == (
        f"{path}: entities[0] (meta): ambiguous: 'META' is not the name or an alias of this "
        "entity. Fix: add it to aliases_en or aliases_ko, or correct its spelling."
    )


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("{id: Naver, name: Naver, type: company}", r"id: must be lower-case letters"),
        ("{id: naver, name: Naver, type: company, country: Korea}", r"country: must be a two"),
        ("{id: naver, name: Naver, type: company, aliases_ko: ['']}", r"has an empty entry"),
    ],
)
def test_load_entities_bad_values(tmp_path: Path, entry: str, expected: str) -> None:
    path = write(tmp_path, f"entities:\n  - {entry}\n")
    with pytest.raises(ConfigError, match=expected) as info:
        load_entities(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("entities: [\n", "not valid YAML at line"),
        ("- just a list\n", "expected a mapping with an 'entities:' list"),
        ("entities: []\n", r"entities\.yaml: entities: the list is empty\. Fix: add at least one"),
    ],
)
def test_load_entities_bad_files(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_entities(write(tmp_path, text))


def test_load_entities_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"file not found\. Fix: pass the path of entities\.yaml"):
        load_entities(tmp_path / "nope.yaml")


def test_alias_key_ignores_case_and_korean_spacing() -> None:
    assert alias_key("  SK  hynix ") == alias_key("sk hynix")
    assert alias_key("네이버 클라우드") == alias_key("네이버클라우드")
    assert alias_key("Naver Cloud") != alias_key("NaverCloud")


def test_knowledge_base_family_lookups() -> None:
    kb = KnowledgeBase(
        entities=(
            Entity(id="g", name="G Group", type="company"),
            Entity(id="c", name="G Child", type="company", parent="g"),
            Entity(id="gc", name="G Grandchild", type="company", parent="c"),
        )
    )
    assert kb.children("g") == ("c",)
    assert kb.descendants("g") == {"c", "gc"}
    assert "gc" in kb
    assert kb.find("g grandchild") is kb.get("gc")
    assert kb.find("nobody") is None
