"""Load and validate ``entities.yaml``: the entities the tagger knows.

Validated like ``sources.yaml``: every problem becomes one
:class:`~flows.core.errors.ConfigError` line naming the file, the entry and the fix::

    entities.yaml: entities[12] (naver-cloud): parent: unknown id 'navr'.
    Fix: use the id of an entity in the file, or remove parent.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import (
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from flows.core.errors import ConfigError
from flows.core.text import HANGUL
from flows.core.yamlfile import StrictModel, read_yaml_mapping, validation_error_line

__all__ = [
    "DEFAULT_ENTITIES_PATH",
    "ENTITY_TYPES",
    "Entity",
    "EntityType",
    "KnowledgeBase",
    "alias_key",
    "append_entity",
    "entity_stanza",
    "load_entities",
]

DEFAULT_ENTITIES_PATH = Path("entities.yaml")

EntityType = Literal[
    "company",
    "government",
    "person",
    "university",
    "research_institute",
    "investor",
    "fund",
    "product",
    "model",
]
ENTITY_TYPES: tuple[str, ...] = get_args(EntityType)

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
_SPACE_RE = re.compile(r"\s+")


def alias_key(alias: str) -> str:
    """Return the key two aliases share when they are the same name.

    Case and runs of spaces do not count, and neither do spaces at all in a
    name with Hangul (네이버 클라우드 is 네이버클라우드).
    """
    key = _SPACE_RE.sub(" ", alias.strip()).casefold()
    return key.replace(" ", "") if HANGUL.search(key) else key


class Entity(StrictModel):
    """One organisation, person, product or model."""

    id: str = Field(description="Stable slug: lower-case letters, digits and '-'.")
    name: str = Field(min_length=1, description="Canonical English name.")
    type: EntityType = Field(description="What kind of entity this is.")
    aliases_en: tuple[str, ...] = Field(default=(), description="Latin-script aliases.")
    aliases_ko: tuple[str, ...] = Field(default=(), description="Korean aliases.")
    parent: str | None = Field(default=None, description="Id of the owning entity.")
    country: str | None = Field(default=None, description="ISO 3166 alpha-2 home country.")
    ambiguous: tuple[str, ...] = Field(
        default=(), description="Names that need exact case and context in the article."
    )
    context: tuple[str, ...] = Field(
        default=(), description="Words that show an ambiguous name means this entity."
    )
    shorthand: tuple[str, ...] = Field(
        default=(), description="Group names that stand for the one member an article names."
    )

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError(
                f"must be lower-case letters, digits and '-', got {value!r}. "
                "Fix: write it like 'naver-cloud'"
            )
        return value

    @field_validator("country")
    @classmethod
    def _check_country(cls, value: str | None) -> str | None:
        if value is not None and not _COUNTRY_RE.match(value):
            raise ValueError(
                f"must be a two-letter ISO country code such as 'KR' or 'US', got {value!r}"
            )
        return value

    @field_validator("aliases_en", "aliases_ko", "context")
    @classmethod
    def _check_words(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not value.strip():
                raise ValueError("has an empty entry. Fix: remove it")
        return tuple(value.strip() for value in values)

    @model_validator(mode="after")
    def _check_flags(self) -> Entity:
        names = set(self.names)
        for field in ("ambiguous", "shorthand"):
            for alias in getattr(self, field):
                if alias not in names:
                    raise ValueError(
                        f"{field}: {alias!r} is not the name or an alias of this entity. "
                        "Fix: add it to aliases_en or aliases_ko, or correct its spelling"
                    )
        return self

    @property
    def names(self) -> tuple[str, ...]:
        """The name and every alias, without repeats, name first."""
        return tuple(dict.fromkeys((self.name, *self.aliases_en, *self.aliases_ko)))

    @property
    def needs_context(self) -> frozenset[str]:
        """Names that match only with exact case and context (ambiguous and shorthand)."""
        return frozenset((*self.ambiguous, *self.shorthand))


class KnowledgeBase(StrictModel):
    """Every entity, with lookups by id and by family."""

    entities: tuple[Entity, ...] = Field(description="The entities.")

    _by_id: dict[str, Entity] = PrivateAttr(default_factory=dict)
    _children: dict[str, tuple[str, ...]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check_links(self) -> KnowledgeBase:
        if not self.entities:
            raise ValueError("entities: the list is empty. Fix: add at least one entity")
        message = _link_problem(self.entities)
        if message:
            raise ValueError(message)
        return self

    def model_post_init(self, context: Any, /) -> None:
        self._by_id = {entity.id: entity for entity in self.entities}
        children: dict[str, list[str]] = {}
        for entity in self.entities:
            if entity.parent:
                children.setdefault(entity.parent, []).append(entity.id)
        self._children = {key: tuple(value) for key, value in children.items()}

    def __len__(self) -> int:
        return len(self.entities)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._by_id

    def get(self, entity_id: str) -> Entity:
        """Return the entity with this id.

        :raises KeyError: no entity has it.
        """
        return self._by_id[entity_id]

    def children(self, entity_id: str) -> tuple[str, ...]:
        """Ids of the entities whose parent is ``entity_id``."""
        return self._children.get(entity_id, ())

    def descendants(self, entity_id: str) -> frozenset[str]:
        """Ids of every entity owned by ``entity_id``, directly or not."""
        found: set[str] = set()
        todo = list(self.children(entity_id))
        while todo:
            current = todo.pop()
            if current not in found:
                found.add(current)
                todo.extend(self.children(current))
        return frozenset(found)

    def find(self, name: str) -> Entity | None:
        """Return the entity whose name or alias is ``name`` (any case), if any."""
        key = alias_key(name)
        for entity in self.entities:
            if any(alias_key(alias) == key for alias in entity.names):
                return entity
        return None


def _label(index: int, entity: Entity) -> str:
    return f"entities[{index}] ({entity.id})"


def _link_problem(entities: tuple[Entity, ...]) -> str | None:
    """Describe the first duplicate id, unknown parent, cycle or shared alias, if any."""
    first_index: dict[str, int] = {}
    for index, entity in enumerate(entities):
        if entity.id in first_index:
            other = first_index[entity.id]
            return (
                f"{_label(index, entity)}: id {entity.id!r} is already used by entities[{other}]. "
                "Fix: give each entity its own id"
            )
        first_index[entity.id] = index
    for index, entity in enumerate(entities):
        if entity.parent is None:
            continue
        if entity.parent not in first_index:
            return (
                f"{_label(index, entity)}: parent: unknown id {entity.parent!r}. "
                "Fix: use the id of an entity in the file, or remove parent"
            )
        seen = {entity.id}
        parent: str | None = entity.parent
        while parent is not None:
            if parent in seen:
                return (
                    f"{_label(index, entity)}: parent: {entity.parent!r} leads back to this "
                    "entity. Fix: an entity cannot own its owner; remove one parent"
                )
            seen.add(parent)
            parent = entities[first_index[parent]].parent
    owner: dict[str, int] = {}
    for index, entity in enumerate(entities):
        for alias in entity.names:
            key = alias_key(alias)
            other = owner.setdefault(key, index)
            if other != index:
                return (
                    f"{_label(index, entity)}: alias {alias!r} is also claimed by "
                    f"{_label(other, entities[other])}. Fix: keep it on one entity only"
                )
    return None


def load_entities(path: str | Path = DEFAULT_ENTITIES_PATH) -> KnowledgeBase:
    """Read and validate a knowledge-base file.

    :param path: the YAML file (``entities.yaml`` at the top of the checkout by default).
    :raises ConfigError: the file is missing, is not YAML, or breaks the schema.
    """
    path = Path(path)
    raw = read_yaml_mapping(
        path,
        top_key="entities",
        missing_fix="pass the path of entities.yaml, or copy the one shipped with kaiwatch",
    )
    try:
        return KnowledgeBase.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            validation_error_line(
                path, raw, exc, label_key="id", model=KnowledgeBase, shipped="entities.yaml"
            ),
            path=str(path),
        ) from exc


def entity_stanza(entity: Entity) -> str:
    """The YAML lines of one entry, as ``entities.yaml`` writes them (two-space list item)."""
    import json

    def flow(values: tuple[str, ...]) -> str:
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"

    lines = [f"  - id: {entity.id}", f"    name: {json.dumps(entity.name, ensure_ascii=False)}"]
    lines.append(f"    type: {entity.type}")
    if entity.parent:
        lines.append(f"    parent: {entity.parent}")
    if entity.country:
        lines.append(f"    country: {entity.country}")
    if entity.aliases_en:
        lines.append(f"    aliases_en: {flow(entity.aliases_en)}")
    if entity.aliases_ko:
        lines.append(f"    aliases_ko: {flow(entity.aliases_ko)}")
    return "\n".join(lines) + "\n"


def append_entity(path: str | Path, entity: Entity) -> KnowledgeBase:
    """Append ``entity`` to the knowledge-base file, only if the result still validates.

    :raises ConfigError: the id or an alias is taken, or the file would not load.
    """
    path = Path(path)
    old = path.read_text(encoding="utf-8")
    new = old + ("" if old.endswith("\n") else "\n") + entity_stanza(entity)
    trial = path.with_name(path.name + ".promote-check")
    trial.write_text(new, encoding="utf-8")
    try:
        kb = load_entities(trial)
    except ConfigError as exc:
        raise ConfigError(str(exc).replace(str(trial), str(path)), path=str(path)) from exc
    finally:
        trial.unlink(missing_ok=True)
    path.write_text(new, encoding="utf-8")
    return kb
