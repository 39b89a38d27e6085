"""sources.yaml loading: the shipped file is valid; mistakes give one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.core.errors import ConfigError
from flows.pipeline.config import adhoc_sources, load_sources, resolve_db_path

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_sources_shipped_file_is_valid() -> None:
    config = load_sources(REPO / "sources.yaml")
    names = {source.name for source in config.sources}
    assert {"aitimes", "zdnet-korea", "etnews", "it-chosun", "bloter"} <= names
    assert {"yonhap-en", "korea-herald"} <= names
    assert (
        sum(
            source.url.startswith("https://news.google.com/rss/search") for source in config.sources
        )
        >= 4
    )
    assert {source.lang for source in config.sources} == {"en", "ko"}
    # General feeds carry a relevance filter.
    general = {source.name: source.filter for source in config.sources}
    assert general["yonhap-en"] == general["korea-herald"] == "korean-ai"
    assert config.settings.schedule == "*/15 * * * *"


def test_load_sources_unknown_key_names_file_entry_and_fix(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources:\n  - name: ok\n    url: https://a.example/feed\n"
        "  - name: yonhap\n    url: https://b.example/rss\n    lnag: en\n",
    )
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    message = str(info.value)
    assert message == (
        f"{path}: sources[1] (yonhap): lnag: unknown key (did you mean 'lang'?). "
        "Fix: remove it or check its spelling (the keys are in the commented sources.yaml "
        "shipped with kaiwatch)."
    )
    assert "\n" not in message


def test_load_sources_bad_url(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - name: x\n    url: ftp://files.example/feed\n")
    with pytest.raises(
        ConfigError,
        match=r"sources\[0\] \(x\): url: must be an http\(s\) URL, got 'ftp://files.example/feed'",
    ):
        load_sources(path)


def test_load_sources_missing_field(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - name: x\n")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert str(info.value) == f"{path}: sources[0] (x): url: Field required. Fix: add it."


def test_load_sources_bad_filter_value(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - name: x\n    url: https://a.example/f\n    filter: ai\n")
    with pytest.raises(
        ConfigError,
        match=r"filter: Input should be 'korean-ai' or 'none'\. Fix: use one of the allowed values",
    ):
        load_sources(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sources: [\n", "not valid YAML at line"),
        ("- just\n- a list\n", "expected a mapping with a 'sources:' list"),
        ("sources:\n  - name: A B\n    url: https://a.example/f\n", "name: must be lower-case"),
        (
            "settings:\n  schedule: every hour\nsources: []\n",
            "settings.schedule: must be a five-field cron",
        ),
        ("settings:\n  timezone: Mars/Olympus\nsources: []\n", "unknown time zone 'Mars/Olympus'"),
        (
            "sources:\n  - name: a\n    url: https://a.example/f\n  - name: a\n    url: https://b.example/f\n",
            "two sources are named 'a'",
        ),
        (
            "sources:\n  - name: a\n    url: https://a.example/f\n    lang: korean\n",
            "lang: must be a two-letter",
        ),
    ],
)
def test_load_sources_errors_are_one_line(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert expected in str(info.value)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_load_sources_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"file not found\. Fix: pass --sources PATH"):
        load_sources(tmp_path / "nope.yaml")


def test_adhoc_sources_builds_one_source_per_url() -> None:
    config = adhoc_sources(["https://a.example/rss", "http://127.0.0.1:8000/feed.xml"])
    assert [source.url for source in config.sources] == [
        "https://a.example/rss",
        "http://127.0.0.1:8000/feed.xml",
    ]
    assert [source.filter for source in config.sources] == ["none", "none"]
    assert len({source.name for source in config.sources}) == 2


def test_adhoc_sources_rejects_non_http() -> None:
    with pytest.raises(ConfigError, match="--feed 'file:///etc/passwd'"):
        adhoc_sources(["file:///etc/passwd"])


def test_resolve_db_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert resolve_db_path(None) == Path("storage/kaiwatch.db")
    monkeypatch.setenv("KAIWATCH_DB", str(tmp_path / "env.db"))
    assert resolve_db_path(None) == tmp_path / "env.db"
    assert resolve_db_path(tmp_path / "flag.db") == tmp_path / "flag.db"


# --- issue 14: every setting within its bounds, mistakes named as the user wrote them ---


def test_load_sources_rejects_an_age_beyond_any_date(tmp_path: Path) -> None:
    """A huge max_age_hours used to pass and then kill delivery with OverflowError."""
    path = write(tmp_path, "alerts:\n  max_age_hours: 100000000\nsources: []\n")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert str(info.value) == (
        f"{path}: alerts.max_age_hours: Input should be less than or equal to 876000."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("settings:\n  schedule: '61 * * * *'\nsources: []\n", "settings.schedule: minute 61"),
        ("settings:\n  schedule: '* * * * banana'\nsources: []\n", "day of week 'banana'"),
        ("alerts:\n  digest:\n    schedule: '0 25 * * *'\nsources: []\n", "hour 25"),
        (
            "alerts:\n  routes:\n    - name: r\n      min_amount: -5\n      to: [all]\nsources: []\n",
            "alerts.routes[0] (r): min_amount: Input should be greater than or equal to 0",
        ),
        (
            "alerts:\n  routes:\n    - name: ''\n      to: [all]\nsources: []\n",
            "alerts.routes[0].name: String should have at least 1 character",
        ),
        (
            "alerts:\n  digest:\n    to: []\nsources: []\n",
            "alerts.digest.to: List should have at least 1",
        ),
    ],
)
def test_load_sources_checks_cron_amounts_and_names(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_load_sources_names_a_top_level_typo_first(tmp_path: Path) -> None:
    path = write(tmp_path, "source:\n  - name: x\n    url: https://a.example/f\n")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert str(info.value) == (
        f"{path}: source: unknown key (did you mean 'sources'?) (and 1 more problem(s)). "
        "Fix: remove it or check its spelling (the keys are in the commented sources.yaml "
        "shipped with kaiwatch)."
    )


def test_load_sources_unknown_key_fix_does_not_name_the_users_file_as_the_reference(
    tmp_path: Path,
) -> None:
    path = tmp_path / "unknownkey.yaml"
    path.write_text("sources: []\nsetings: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert "comments at the top of unknownkey.yaml" not in str(info.value)
    assert "setings: unknown key (did you mean 'settings'?)" in str(info.value)


def test_adhoc_feeds_on_one_host_are_told_apart_by_their_path() -> None:
    """--feed named every feed <host>-1: two test feeds on 127.0.0.1 were one feed's name."""
    first = adhoc_sources(["http://127.0.0.1:8000/news/feed.xml"]).sources[0].name
    second = adhoc_sources(["http://127.0.0.1:8000/blog/rss"]).sources[0].name
    assert (first, second) == ("127.0.0.1-8000-news-feed.xml", "127.0.0.1-8000-blog-rss")
    assert adhoc_sources(["https://a.example/"]).sources[0].name == "a.example"
