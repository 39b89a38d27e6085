"""Read a user-edited YAML file and turn its problems into one-line ConfigErrors.

Shared by ``sources.yaml`` (:mod:`flows.pipeline.config`) and ``entities.yaml``
(:mod:`flows.analysis.knowledge`): each message names the file, the entry (by its
``name`` or ``id``) and the field, and ends with the fix.
"""

from __future__ import annotations

import difflib
import typing
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
    # The reference is the commented file shipped with kaiwatch, not the user's own copy.
    "extra_forbidden": "remove it or check its spelling (the keys are in the commented "
    "{shipped} shipped with kaiwatch)",
    "missing": "add it",
    "literal_error": "use one of the allowed values",
}


def validation_error_line(
    path: Path,
    raw: Any,
    exc: ValidationError,
    *,
    label_key: str = "name",
    model: type[BaseModel] | None = None,
    shipped: str | None = None,
) -> str:
    """The first validation problem as one line: file, entry, field, message, fix.

    An unknown key comes first, with the key it was probably meant to be: a
    misspelt ``source:`` also makes ``sources`` missing, and the typo is the fix.

    :param label_key: the field that names a list entry (``name``, ``id``).
    :param model: the file's model, to suggest the key an unknown one was meant to be.
    :param shipped: the commented file shipped with kaiwatch that lists the keys.
    """
    errors = sorted(exc.errors(), key=lambda error: error["type"] != "extra_forbidden")
    first = errors[0]
    loc = tuple(first["loc"])
    if len(loc) > 3 and isinstance(loc[-1], int):  # ('entities', 3, 'aliases_en', 0): the list
        loc = loc[:-1]
    where = _describe_location(raw, loc, label_key)
    kind = first["type"]
    message = (
        "unknown key" if kind == "extra_forbidden" else first["msg"].removeprefix("Value error, ")
    )
    if kind == "extra_forbidden" and model is not None and loc:
        close = difflib.get_close_matches(str(loc[-1]), _known_keys(model, loc[:-1]), n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
    extra = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    line = f"{path}: {where}: {message}{extra}." if where else f"{path}: {message}{extra}."
    fix = _FIXES.get(kind)
    return f"{line} Fix: {fix.format(shipped=shipped or path.name)}." if fix else line


def _known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the model allows at ``loc`` (a path of field names and list indexes)."""
    current: Any = model
    for item in loc:
        if isinstance(item, int):
            continue
        field = current.model_fields.get(item) if _is_model(current) else None
        if field is None:
            return []
        current = _inner_model(field.annotation)
    return list(current.model_fields) if _is_model(current) else []


def _inner_model(annotation: Any) -> Any:
    """The model inside ``list[Model]``, ``Model | None`` and the like, or the annotation."""
    if _is_model(annotation):
        return annotation
    for arg in typing.get_args(annotation):
        inner = _inner_model(arg)
        if _is_model(inner):
            return inner
    return annotation


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


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
                if isinstance(label, str) and label:
                    text += f" ({label})"
        else:
            text += (": " if text.endswith(")") else "." if text else "") + str(item)
            node = node.get(item) if isinstance(node, dict) else None
    return text


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
