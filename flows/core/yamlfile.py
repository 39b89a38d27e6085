"""Read a user-edited YAML file and turn its problems into one-line ConfigErrors.

Shared by ``sources.yaml`` (:mod:`flows.pipeline.config`) and ``entities.yaml``
(:mod:`flows.analysis.knowledge`): each message names the file, the entry (by its
``name`` or ``id``) and the field, and ends with the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from flows.core.errors import ConfigError

__all__ = ["StrictModel", "read_yaml_mapping", "validation_error_line"]


class StrictModel(BaseModel):
    """A section of a user-edited YAML file: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def read_yaml_mapping(path: Path, *, top_key: str, missing_fix: str) -> dict[str, Any]:
    """Parse ``path`` as YAML whose top level is a mapping with a ``top_key:`` list.

    :raises ConfigError: missing, unreadable, not YAML, or not such a mapping.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found. Fix: {missing_fix}.", path=str(path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the file: {exc}", path=str(path)) from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(
            f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}.", path=str(path)
        ) from exc
    if not isinstance(raw, dict) or not isinstance(raw.get(top_key, []), list):
        raise ConfigError(
            f"{path}: expected a mapping with {_article(top_key)} '{top_key}:' list at the top "
            "level. "
            f"Fix: start the file with '{top_key}:' (see the {path.name} shipped with kaiwatch).",
            path=str(path),
        )
    return raw


_FIXES = {
    "extra_forbidden": "remove it or check its spelling (see the comments at the top of {name})",
    "missing": "add it",
    "literal_error": "use one of the allowed values",
}


def validation_error_line(
    path: Path, raw: Any, exc: ValidationError, *, label_key: str = "name"
) -> str:
    """The first validation problem as one line: file, entry, field, message, fix.

    :param label_key: the field that names a list entry (``name``, ``id``).
    """
    errors = exc.errors()
    first = errors[0]
    loc = tuple(first["loc"])
    if len(loc) > 3 and isinstance(loc[-1], int):  # ('entities', 3, 'aliases_en', 0): the list
        loc = loc[:-1]
    where = _describe_location(raw, loc, label_key)
    kind = first["type"]
    message = (
        "unknown key" if kind == "extra_forbidden" else first["msg"].removeprefix("Value error, ")
    )
    extra = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    line = f"{path}: {where}: {message}.{extra}" if where else f"{path}: {message}.{extra}"
    fix = _FIXES.get(kind)
    return f"{line} Fix: {fix.format(name=path.name)}." if fix else line


def _describe_location(raw: Any, loc: tuple[Any, ...], label_key: str) -> str:
    """Turn ('sources', 2, 'url') into "sources[2] (yonhap-en): url"."""
    text = ""
    node = raw
    for item in loc:
        if isinstance(item, int):
            text += f"[{item}]"
            if isinstance(node, list) and item < len(node):
                node = node[item]
                label = node.get(label_key) if isinstance(node, dict) else None
                if isinstance(label, str):
                    text += f" ({label})"
        else:
            text += (": " if text.endswith(")") else "." if text else "") + str(item)
            node = node.get(item) if isinstance(node, dict) else None
    return text


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
