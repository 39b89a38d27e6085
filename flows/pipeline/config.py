"""Load and validate ``sources.yaml``: the feeds to watch and the run settings.

Every problem becomes one :class:`~flows.core.errors.ConfigError` line that names
the file, the entry and the fix, e.g.::

    sources.yaml: sources[2] (yonhap-en): url: must be an http(s) URL, got 'ftp://x'.
    Fix: write the feed's full http:// or https:// address.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator

from flows.analysis.knowledge import KnowledgeBase, alias_key
from flows.core.errors import ConfigError
from flows.core.yamlfile import StrictModel, read_yaml_mapping, validation_error_line
from flows.pipeline.alert_config import AlertSettings
from flows.pipeline.cron import check_cron

__all__ = [
    "DEFAULT_DB_PATH",
    "DEFAULT_SOURCES_PATH",
    "SOURCES_ENV_VAR",
    "Settings",
    "Source",
    "SourcesFile",
    "adhoc_sources",
    "check_watch_lists",
    "load_sources",
    "resolve_db_path",
    "resolve_sources_path",
]

DEFAULT_SOURCES_PATH = Path("sources.yaml")
DEFAULT_DB_PATH = Path("storage/kaiwatch.db")
DB_ENV_VAR = "KAIWATCH_DB"
# A worker started by Prefect (deploy/prefect.yaml) finds its files through these.
SOURCES_ENV_VAR = "KAIWATCH_SOURCES"

_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class Source(StrictModel):
    """One feed to poll."""

    name: str = Field(description="Short unique id: lower-case letters, digits, '-', '_', '.'.")
    url: str = Field(description="The feed's http(s) address.")
    lang: str | None = Field(
        default=None, description="Main language of the feed ('en', 'ko'); detected if unset."
    )
    filter: Literal["korean-ai", "none"] = Field(
        default="none",
        description="'korean-ai' keeps only articles about AI with a Korean connection "
        "(for general news feeds); 'none' keeps everything.",
    )
    fetch_pages: bool = Field(
        default=True,
        description="Fetch each article page; if false, archive the feed's own text only.",
    )
    enabled: bool = Field(default=True, description="Set to false to stop polling this feed.")
    allow_private_network: bool = Field(
        default=False,
        description="Let this feed's article links reach private addresses and other ports "
        "(an intranet feed, a test server). The feed URL itself is always trusted.",
    )

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME_PATTERN.match(value):
            raise ValueError(f"must be lower-case letters, digits, '-', '_' or '.', got {value!r}")
        return value

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value.strip()

    @field_validator("lang")
    @classmethod
    def _check_lang(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z]{2}", value):
            raise ValueError(
                f"must be a two-letter language code such as 'en' or 'ko', got {value!r}"
            )
        return value

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


class Settings(StrictModel):
    """Run-wide settings: schedule and limits."""

    schedule: str = Field(
        default="*/15 * * * *",
        description="Cron expression for `kaiwatch serve` (default: every 15 minutes).",
    )
    timezone: str = Field(default="Asia/Seoul", description="Time zone of the cron schedule.")
    max_entries_per_feed: int = Field(
        default=200, ge=1, le=5000, description="Entries read from one feed per poll."
    )
    max_workers: int = Field(
        default=8, ge=1, le=64, description="Feeds polled at once (still one request per host)."
    )
    max_attempts: int = Field(
        default=3, ge=1, le=20, description="Tries for an article page before giving up on it."
    )
    min_poll_interval_minutes: int = Field(
        default=10,
        ge=0,
        le=1440,
        description="A feed is polled at most this often, whatever the schedule or manual runs; "
        "a failing feed waits twice as long after each failure (up to a day).",
    )
    korean_names: Literal["rules", "kiwipiepy"] = Field(
        default="rules",
        description="How names the knowledge base lacks are found in Korean articles: 'rules' "
        "(company marks, endings, appositions, titles), or 'kiwipiepy' to add its proper nouns "
        "in sentences with a deal trigger (recall 0.42 -> 0.85 on news-dev-2; about 0.5 GB "
        "more memory, loaded on the first Korean article; needs `pip install kaiwatch[korean]`). "
        "Names only: parties and scores never use it.",
    )
    pause_after_failures: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Consecutive failures after which a feed is paused until it is resumed "
        "(`kaiwatch sources resume NAME`).",
    )

    @field_validator("schedule")
    @classmethod
    def _check_cron(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (try 'Asia/Seoul' or 'UTC')") from exc
        return value


class SourcesFile(StrictModel):
    """The whole ``sources.yaml``."""

    settings: Settings = Field(default_factory=Settings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    sources: list[Source] = Field(description="The feeds to poll.")

    @model_validator(mode="after")
    def _unique(self) -> SourcesFile:
        seen_names: set[str] = set()
        seen_urls: set[str] = set()
        for source in self.sources:
            if source.name in seen_names:
                raise ValueError(f"two sources are named {source.name!r}; names must be unique")
            if source.url in seen_urls:
                raise ValueError(f"the feed {source.url} is listed twice")
            seen_names.add(source.name)
            seen_urls.add(source.url)
        return self

    def enabled_sources(self) -> list[Source]:
        return [source for source in self.sources if source.enabled]


def load_sources(path: str | Path = DEFAULT_SOURCES_PATH) -> SourcesFile:
    """Read and validate a sources file.

    :raises ConfigError: the file is missing, is not YAML, or breaks the schema.
    """
    path = Path(path)
    raw = read_yaml_mapping(
        path,
        top_key="sources",
        missing_fix="pass --sources PATH or copy the sources.yaml shipped with kaiwatch",
    )
    try:
        return SourcesFile.model_validate(raw)
    except ValidationError as exc:
        line = validation_error_line(path, raw, exc, model=SourcesFile, shipped="sources.yaml")
        raise ConfigError(line, path=str(path)) from exc


def check_watch_lists(config: SourcesFile, kb: KnowledgeBase, path: str | Path) -> None:
    """Check that every name in the routes' watch lists is an entity of the knowledge base.

    A misspelt name (``naverr``) would match no event, silently.

    :raises ConfigError: a name is no entity's id, name or alias; says which, and the closest.
    """
    known = {alias_key(name): entity.id for entity in kb.entities for name in entity.names}
    known.update((alias_key(entity.id), entity.id) for entity in kb.entities)
    for index, route in enumerate(config.alerts.routes):
        for name in route.entities:
            if alias_key(name) in known:
                continue
            close = difflib.get_close_matches(alias_key(name), list(known), n=1, cutoff=0.75)
            hint = f" (did you mean {known[close[0]]!r}?)" if close else ""
            raise ConfigError(
                f"{path}: alerts.routes[{index}] ({route.name}): entities: {name!r} is not an "
                f"entity in entities.yaml{hint}. Fix: use an id, name or alias from "
                "entities.yaml, or add the entity there.",
                path=str(path),
            )


def adhoc_sources(
    urls: list[str], base: SourcesFile | None = None, *, allow_private_network: bool = False
) -> SourcesFile:
    """Build a sources file that polls just ``urls`` with default settings (``--feed``).

    :raises ConfigError: a URL is not http(s).
    """
    sources: list[Source] = []
    for url in dict.fromkeys(urls):  # the same feed given twice is polled once
        name = _adhoc_name(url)
        if any(source.name == name for source in sources):  # /a-b and /a/b
            name = f"{name}-{len(sources) + 1}"
        raw = {
            "name": name,
            "url": url,
            "allow_private_network": allow_private_network,
        }
        try:
            sources.append(Source.model_validate(raw))
        except ValidationError as exc:
            raise ConfigError(f"--feed {url!r}: {exc.errors()[0]['msg']}.") from exc
    if base is None:
        return SourcesFile(sources=sources)
    return SourcesFile(settings=base.settings, alerts=base.alerts, sources=sources)


def _adhoc_name(url: str) -> str:
    """A feed's name from its URL: host, port and path, so that two feeds on one host differ.

    Stable across runs (the archive keeps a feed's state by URL, its lines by name).
    """
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:  # the URL check reports it
        port = None
    text = "-".join(str(p) for p in (parts.hostname or "feed", port, parts.path) if p)
    name = re.sub(r"[^a-z0-9._]+", "-", text.lower()).strip("-._")[:80]
    return name or "feed"


def resolve_sources_path(sources: str | Path | None = None) -> Path:
    """The sources file: ``--sources``, else ``$KAIWATCH_SOURCES``, else ``sources.yaml``."""
    if sources:
        return Path(sources)
    env = os.environ.get(SOURCES_ENV_VAR)
    return Path(env) if env else DEFAULT_SOURCES_PATH


def resolve_db_path(db: str | Path | None = None) -> Path:
    """The archive path: ``--db``, else ``$KAIWATCH_DB``, else ``storage/kaiwatch.db``."""
    if db:
        return Path(db)
    env = os.environ.get(DB_ENV_VAR)
    return Path(env) if env else DEFAULT_DB_PATH
