"""sources.yaml fuzzed: random values and types in every field give one error line or a run.

Every field of every model in the file is drawn, with plausible values (cron strings,
amounts, tags, time zones) mixed with any YAML value at all. A file that loads is then
used the way a run and ``kaiwatch serve`` use it: a feed polled with its settings, its
failures backed off, an alert routed and sent with its alert settings, its digest
window and schedules computed. Nothing may raise but a one-line ConfigError.
"""

from __future__ import annotations

import copy
import itertools
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from flows.core.errors import ConfigError
from flows.pipeline.alert_config import AlertSettings, DigestSettings, Route
from flows.pipeline.config import Settings, Source, SourcesFile, load_sources
from helpers import AI_PARAGRAPHS, FUNDING_TEXT, FUNDING_TITLE, article_page, rss, store
from storage.archive import Archive
from storage.entities import sync_entities

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)

ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.lists(st.text(max_size=6), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
# Per field: values a user would write (GOOD), edge values (WILD), or any YAML at all.
GOOD: dict[str, st.SearchStrategy[Any]] = {
    "schedule": st.sampled_from(
        [
            "*/15 * * * *",
            "0 8 * * 1",
            "0 0 29 2 *",
            "1-5/2 3,4 * jan-mar mon-fri",
            "0 8 * * sun-sat",
        ]
    ),
    "timezone": st.sampled_from(["UTC", "Asia/Seoul", "America/New_York"]),
    "name": st.from_regex(r"[a-z0-9][a-z0-9._-]{0,7}", fullmatch=True),
    "url": st.sampled_from(["https://a.example/feed", "http://b.example:8080/rss?x=1"]),
    "lang": st.sampled_from(["en", "ko", None]),
    "filter": st.sampled_from(["korean-ai", "none"]),
    "threshold": st.floats(0, 1),
    "min_amount": st.one_of(
        st.integers(0, 10**13), st.sampled_from(["100억원", "10 billion won", "$5 million"])
    ),
    "types": st.lists(st.sampled_from(["funding", "partnership"]), min_size=1, max_size=2),
    "entities": st.lists(st.sampled_from(["naver", "삼성전자", "Samsung", "x"]), max_size=2),
    "to": st.lists(st.sampled_from(["all", "funding", "email"]), min_size=1, max_size=2),
    "period": st.sampled_from(["daily", "weekly"]),
}
WILD: dict[str, st.SearchStrategy[Any]] = {
    "schedule": st.one_of(
        st.sampled_from(
            [
                "@daily",
                "61 * * * *",
                "*/0 * * * *",
                "* * * * 8",
                "5-1 * * * *",
                "* * *",
                "0 0 30 2 *",
            ]
        ),
        st.text(alphabet="0123456789*/-, ajnmo", max_size=20),
    ),
    "timezone": st.sampled_from(["Mars/Olympus", "", "../../etc/passwd"]),
    "name": st.text(alphabet="ab-._ XY1", max_size=8),
    "url": st.sampled_from(["ftp://x/y", "no url", "https://", "http://[::1", ""]),
    "lang": st.sampled_from(["kor", "", "EN"]),
    "filter": st.sampled_from(["ai", ""]),
    "min_amount": st.sampled_from(["lots", "1e400", "", "-5억원", 10**40, -1]),
    "types": st.lists(st.sampled_from(["merger", ""]), max_size=2),
    "to": st.lists(st.sampled_from(["bad tag!", ""]), max_size=2),
    "period": st.sampled_from(["hourly", ""]),
}
GOOD_NUMBER = st.integers(1, 20)
WILD_NUMBER = st.one_of(
    st.sampled_from([0, -1, 10**8, 10**12, 10**20, float("inf"), float("nan"), 1e308]),
    st.integers(min_value=-(10**20), max_value=10**20),
)
BOOLEAN_FIELDS = {"fetch_pages", "enabled", "allow_private_network"}
SECTIONS = {"settings", "alerts", "sources", "routes", "digest"}
MODELS = (SourcesFile, Settings, AlertSettings, Route, DigestSettings, Source)
FIELDS = sorted({name for model in MODELS for name in model.model_fields})


def _value(draw: st.DrawFn, field: str, wild: set[str]) -> Any:
    """What a user would write, unless the field is one of this document's wild ones."""
    if field in wild:
        return draw(st.one_of(WILD.get(field, WILD_NUMBER), ANY))
    if field in BOOLEAN_FIELDS:
        return draw(st.booleans())
    return draw(GOOD.get(field, GOOD_NUMBER))


def _model(draw: st.DrawFn, model: type[BaseModel], wild: set[str]) -> dict[str, Any]:
    """The model's required fields and a random subset of the others (all wild ones)."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in SECTIONS:
            continue
        if info.is_required() or name in wild or draw(st.booleans()):
            out[name] = _value(draw, name, wild)
    return out


@st.composite
def sources_yaml(draw: st.DrawFn) -> dict[str, Any]:
    """A sources.yaml document: sensible except in one to three fields, which may hold anything."""
    wild = draw(st.sets(st.sampled_from(FIELDS), min_size=1, max_size=3))
    document: dict[str, Any] = {
        "sources": [
            _model(draw, Source, wild)
            for _ in range(draw(st.integers(1 if wild & set(Source.model_fields) else 0, 2)))
        ]
    }
    if draw(st.booleans()) or wild & {"settings", *Settings.model_fields}:
        document["settings"] = _model(draw, Settings, wild)
    if draw(st.booleans()) or wild & {
        *AlertSettings.model_fields,
        *Route.model_fields,
        *DigestSettings.model_fields,
    }:
        alerts = _model(draw, AlertSettings, wild)
        routes = draw(st.integers(1 if wild & set(Route.model_fields) else 0, 2))
        alerts["routes"] = [_model(draw, Route, wild) for _ in range(routes)]
        alerts["digest"] = _model(draw, DigestSettings, wild)
        document["alerts"] = alerts
    for section in ("routes", "digest", "alerts", "settings", "sources"):
        if section in wild and draw(st.booleans()):  # the section itself of the wrong type
            target = document["alerts"] if section in {"routes", "digest"} else document
            target[section] = draw(ANY)
    if draw(st.integers(0, 9)) == 0:
        document[draw(st.sampled_from(["source", "setting", "alert", "extra"]))] = draw(ANY)
    return document


@pytest.fixture
def template(tmp_path: Path, kb) -> Path:  # type: ignore[no-untyped-def]
    """An archive with every migration applied and the knowledge base synced, to copy."""
    path = tmp_path / "template.db"
    with Archive(path) as archive, archive.write() as conn:
        sync_entities(conn, kb)
    return path


@pytest.fixture
def site(feed_server) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A feed with one article and a webhook, on the loopback server."""
    feed_server.route("/a", article_page("Samsung and Naver sign AI chip MOU", AI_PARAGRAPHS))
    feed_server.route(
        "/f.xml", rss([("Samsung and Naver sign AI chip MOU", feed_server.url("/a"))])
    )
    feed_server.route("/hook", "ok")
    yield feed_server.url("/f.xml")


def run_with(config: SourcesFile, feed_url: str, hook: str, db: Path, tagger) -> None:  # type: ignore[no-untyped-def]
    """Use every setting as a run and `kaiwatch serve` do, against the loopback site."""
    from flows.app.digest import digest_label, digest_window, send_digest
    from flows.app.serve import next_fire
    from flows.fetch.client import HttpClient
    from flows.notify.channels import parse_channel_text
    from flows.pipeline.alerts import deliver_alerts
    from flows.pipeline.politeness import next_poll_after_failure, next_poll_after_success
    from flows.pipeline.poll import poll_feed

    timezone = config.settings.timezone
    source = (config.sources or [Source(name="x", url=feed_url)])[0]
    with Archive(db) as archive, HttpClient(max_retries=0) as client:
        poll_feed(
            source.model_copy(update={"url": feed_url}), archive=archive, client=client,
            settings=config.settings, tagger=tagger, now=lambda: NOW,
        )  # fmt: skip
        next_poll_after_success(NOW, config.settings, max_age=10**12)
        next_poll_after_failure(NOW, config.settings, failures=10**6, retry_after=10**12)
        store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://news.example/f")
        channels = parse_channel_text(f"funding,all={hook}", "KAIWATCH_NOTIFY")
        for later in (timedelta(0), timedelta(days=400)):
            deliver_alerts(archive, config.alerts, channels, NOW + later, timezone=timezone)
        for period in ("daily", "weekly"):
            digest_window(period, NOW, timezone)
            digest_label(period, NOW, timezone)
        send_digest(archive, config, now=NOW)
    assert next_fire(config.settings.schedule, timezone, NOW) is not None
    next_fire(config.alerts.digest.cron, timezone, NOW)


_counter = itertools.count()


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(document=sources_yaml())
def test_any_sources_yaml_gives_one_error_line_or_a_run(
    document: dict[str, Any],
    site: str,
    template: Path,
    feed_server,
    tmp_path: Path,
    tagger,
    monkeypatch,
) -> None:  # type: ignore[no-untyped-def]
    hook = feed_server.url("/hook").replace("http://", "json://")
    monkeypatch.setenv("KAIWATCH_NOTIFY", hook)
    number = next(_counter)
    path = tmp_path / f"sources-{number}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        config = load_sources(path)
    except ConfigError as exc:
        message = str(exc)
        assert "\n" not in message and message.startswith(f"{path}:"), message
        return
    event("loaded")
    db = tmp_path / f"kw-{number}.db"
    shutil.copyfile(template, db)
    run_with(config, site, hook, db, tagger)


# Every field, one at a time, with each edge value, in a file that is otherwise valid.
EDGE_VALUES: list[Any] = [
    None, True, 0, -1, 10**8, 10**20, -(10**20), 1e308, float("inf"), float("nan"), "", "x",
    "61 * * * *", "* * * * 8", "0 0 30 2 *", "@daily", "Mars/Olympus", [], ["x"], {"a": 1},
    "100억원", "lots", "ko", "bad tag!",
]  # fmt: skip
BASE: dict[str, Any] = {
    "settings": {},
    "alerts": {"routes": [{"name": "r", "to": ["all"]}], "digest": {}},
    "sources": [{"name": "s", "url": "https://a.example/feed"}],
}
FIELD_PATHS = [
    *(("settings", name) for name in Settings.model_fields),
    *(("alerts", name) for name in AlertSettings.model_fields if name not in {"routes", "digest"}),
    *(("alerts", "routes", 0, name) for name in Route.model_fields),
    *(("alerts", "digest", name) for name in DigestSettings.model_fields),
    *(("sources", 0, name) for name in Source.model_fields),
]


@pytest.mark.slow
@pytest.mark.parametrize("where", FIELD_PATHS, ids=lambda where: ".".join(map(str, where)))
def test_every_field_with_edge_values_gives_one_error_line_or_a_run(
    where: tuple[Any, ...],
    site: str,
    template: Path,
    feed_server,
    tmp_path: Path,
    tagger,
    monkeypatch,
) -> None:  # type: ignore[no-untyped-def]
    hook = feed_server.url("/hook").replace("http://", "json://")
    monkeypatch.setenv("KAIWATCH_NOTIFY", hook)
    for number, value in enumerate(EDGE_VALUES):
        document = copy.deepcopy(BASE)
        node = document
        for key in where[:-1]:
            node = node[key]
        node[where[-1]] = value
        path = tmp_path / f"sources-{number}.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        try:
            config = load_sources(path)
        except ConfigError as exc:
            message = str(exc)
            assert "\n" not in message and message.startswith(f"{path}:"), message
            continue
        db = tmp_path / f"kw-{number}.db"
        shutil.copyfile(template, db)
        try:
            run_with(config, site, hook, db, tagger)
        except Exception as exc:
            raise AssertionError(f"{'.'.join(map(str, where))} = {value!r}: {exc!r}") from exc


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    fields=st.lists(
        st.one_of(
            st.from_regex(r"(\*|\d{1,2}(-\d{1,2})?)(/\d{1,2})?(,\d{1,2})?", fullmatch=True),
            st.sampled_from(["jan", "feb-mar", "mon-fri", "sun", "7", "L", "H", "R", "?"]),
        ),
        min_size=5,
        max_size=5,
    )
)
def test_check_cron_accepts_only_schedules_prefect_can_place(fields: list[str]) -> None:
    from flows.app.serve import next_fire
    from flows.pipeline.cron import check_cron

    expression = " ".join(fields)
    try:
        check_cron(expression)
    except ValueError:
        return
    assert next_fire(expression, "Asia/Seoul", NOW) is not None, expression
