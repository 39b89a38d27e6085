"""What event identity needs to know about organisations: family, government or not, names.

A plain object built from the knowledge base (:meth:`Kin.from_knowledge`) or from the archive's
``entities`` table (the pipeline reads the rows, :mod:`storage.event_records`); identity's
functions take it as an argument, so they stay pure (issue 16).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flows.analysis.knowledge import KnowledgeBase

__all__ = ["GOV_KR", "Kin", "KinEntity"]

#: The Korean government's id in entities.yaml: its bodies are "central".
GOV_KR = "government-of-south-korea"
_ASSEMBLY = "national-assembly"
#: Entity types that name no organisation: never a party to match on.
_NOT_PARTIES = ("person", "product", "model", "place")
# Korean local governments, known or not (by the end of their name).
_LOCAL_NAME = re.compile(
    r"(?:특별시|광역시|특별자치시|특별자치도|시청|도청|군청|구청|[가-힣]{1,4}(?:시|도|군|구))$"
    r"|\b(?:city|province|provincial government|metropolitan government|county)\b",
    re.I,
)
_OFFICIAL = re.compile(
    r"\b(?:ministry|government|municipal|province|city of)\b|부$|정부|청$|위원회$", re.I
)
_NOT_OFFICIAL = re.compile(r"대학|university|병원|hospital", re.I)
_FOREIGN = re.compile(r"\b(?:U\.?S\.?|American|Chinese|Japanese|foreign)\b")


@dataclass(frozen=True)
class KinEntity:
    """One known entity as identity reads it."""

    name: str
    type: str
    parent: str | None = None
    country: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kin:
    """The knowledge base as identity reads it: ``entities`` maps ids to :class:`KinEntity`."""

    entities: Mapping[str, KinEntity] = field(default_factory=dict)

    @classmethod
    def from_knowledge(cls, kb: KnowledgeBase) -> Kin:
        """Every entity of a loaded knowledge base."""
        return cls(
            {e.id: KinEntity(e.name, e.type, e.parent, e.country, e.names) for e in kb.entities}
        )

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[str, str, str, str | None, str | None, tuple[str, ...]]]
    ) -> Kin:
        """From ``(id, name, type, parent, country, aliases)`` rows of the archive."""
        return cls({row[0]: KinEntity(row[1], row[2], row[3], row[4], row[5]) for row in rows})

    def known(self, entity_id: str) -> bool:
        return entity_id in self.entities

    def type(self, entity_id: str) -> str | None:
        entity = self.entities.get(entity_id)
        return entity.type if entity else None

    def names(self, entity_id: str) -> tuple[str, ...]:
        """The name and aliases of a known entity (both scripts)."""
        entity = self.entities.get(entity_id)
        if entity is None:
            return ()
        return tuple(dict.fromkeys((entity.name, *entity.aliases)))

    def ancestors(self, entity_id: str) -> tuple[str, ...]:
        """Parent, grandparent, … of a known entity (a cycle stops the walk)."""
        out: list[str] = []
        seen = {entity_id}
        current = self.entities.get(entity_id)
        while current is not None and current.parent and current.parent not in seen:
            seen.add(current.parent)
            out.append(current.parent)
            current = self.entities.get(current.parent)
        return tuple(out)

    def family(self, a: str, b: str) -> bool:
        """One organisation, or one the other's ancestor (Naver Cloud and Naver)."""
        return a == b or a in self.ancestors(b) or b in self.ancestors(a)

    def generic(self, entity_id: str, name: str = "") -> bool:
        """N8: the Korean government and its bodies, national or local: party to too many deals."""
        entity = self.entities.get(entity_id)
        if entity is not None:
            return entity.type == "government" and entity.country in (None, "KR")
        official = bool(_OFFICIAL.search(name) or _LOCAL_NAME.search(name.strip()))
        return official and not _NOT_OFFICIAL.search(name) and not _FOREIGN.search(name)

    def level(self, entity_id: str, name: str = "") -> str | None:
        """``central`` or ``local`` for a Korean government body, else None (B3)."""
        if not self.generic(entity_id, name):
            return None
        entity = self.entities.get(entity_id)
        if entity is None:
            return "local" if _LOCAL_NAME.search(name) else "central"
        lineage = {entity_id, *self.ancestors(entity_id)}
        if GOV_KR in lineage or _ASSEMBLY in lineage:
            return "central"
        return "local" if any(_LOCAL_NAME.search(n) for n in self.names(entity_id)) else "central"

    def not_a_party(self, entity_id: str) -> bool:
        """A person, product, model or place: never a party in common."""
        return self.type(entity_id) in _NOT_PARTIES
