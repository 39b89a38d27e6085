"""The design's rules, checked on the source so that they stay true.

The rooms of ``flows/`` and ``storage/`` import one way, downward
(docs/architecture.md has the table):

    flows.core ← flows.fetch, flows.parse, flows.analysis ← flows.notify ← flows.pipeline ← flows.app
    flows.core ← storage ← flows.notify, flows.pipeline, flows.app

Every import counts: at the top, inside a function, under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MODULES = sorted([*(REPO / "flows").rglob("*.py"), *(REPO / "storage").rglob("*.py")])

#: What each room may import from flows and storage (its own room is always allowed).
ALLOWED: dict[str, set[str]] = {
    "flows": set(),  # flows/__init__.py: the version, nothing else
    "flows.core": set(),
    "flows.fetch": {"flows", "flows.core"},  # flows: the package's __version__ (User-Agent)
    "flows.parse": {"flows.core"},
    "flows.analysis": {"flows.core"},
    "flows.notify": {"flows.core", "flows.analysis", "storage"},
    "flows.pipeline": {
        "flows.core",
        "flows.fetch",
        "flows.parse",
        "flows.analysis",
        "flows.notify",
        "storage",
    },
    "flows.app": {
        "flows",
        "flows.core",
        "flows.fetch",
        "flows.parse",
        "flows.analysis",
        "flows.notify",
        "flows.pipeline",
        "storage",
    },
    "storage": {"flows.core"},
}
#: Frameworks of the shell: only flows.app imports them.
SHELL_ONLY = {"prefect", "typer", "click", "datasette", "uvicorn"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def room_of(module: str) -> str:
    """The room a module belongs to: ``flows.<room>``, ``storage``, or ``flows`` itself."""
    parts = module.split(".")
    if parts[0] == "storage":
        return "storage"
    return ".".join(parts[:2]) if len(parts) > 1 else "flows"


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it, as a full dotted name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from flows.analysis import neardup`` imports flows.analysis.neardup
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
            names.add(node.module)
    return names


def upward_imports(module: str, imported: set[str]) -> list[str]:
    """The imports of ``module`` that its room may not make."""
    room = room_of(module)
    allowed = ALLOWED[room] | {room}
    bad = []
    for name in sorted(imported):
        if name.split(".")[0] not in {"flows", "storage"}:
            continue
        target = room_of(name)
        if target not in ALLOWED:  # flows.__version__: a name in the root package
            target = "flows"
        if target not in allowed:
            bad.append(name)
    return bad


def test_every_module_is_in_a_room() -> None:
    rooms = {room_of(module_name(path)) for path in MODULES}
    assert rooms <= set(ALLOWED) | {"flows"}, rooms - set(ALLOWED)
    loose = [p.name for p in (REPO / "flows").glob("*.py") if p.name != "__init__.py"]
    assert loose == [], "put every flows module in a room (docs/architecture.md)"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_point_downward(path: Path) -> None:
    module = module_name(path)
    assert upward_imports(module, imports_of(path)) == []


def test_the_layer_check_catches_an_upward_import() -> None:
    assert upward_imports("storage.stories", {"flows.analysis.neardup"}) == [
        "flows.analysis.neardup"
    ]
    assert upward_imports("flows.parse.gnews", {"flows.fetch.client"}) == ["flows.fetch.client"]
    assert upward_imports("flows.pipeline.alerts", {"flows.app.cli"}) == ["flows.app.cli"]
    assert upward_imports("flows.analysis.stories", {"storage.stories"}) == ["storage.stories"]
    assert upward_imports("storage.archive", {"flows.core.models", "storage.stories"}) == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_only_the_app_imports_prefect_typer_or_datasette(path: Path) -> None:
    if room_of(module_name(path)) == "flows.app":
        return
    frameworks = {name.split(".")[0] for name in imports_of(path)} & SHELL_ONLY
    assert frameworks == set()


def test_only_the_fetch_room_opens_sockets() -> None:
    # prefect_server.py checks the health of a Prefect server kaiwatch started on 127.0.0.1;
    # browse.py binds the port it serves on, so that a busy port is an error before "Serving".
    allowed = {"flows.app.prefect_server", "flows.app.browse"}
    offenders = [
        module_name(path)
        for path in MODULES
        if room_of(module_name(path)) != "flows.fetch"
        and module_name(path) not in allowed
        and {name.split(".")[0] for name in imports_of(path)}
        & {"httpx", "urllib3", "requests", "socket", "http"}
    ]
    assert offenders == []


def called_attributes(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        f"{node.func.value.id}.{node.func.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
    }


def test_feedparser_and_trafilatura_never_fetch() -> None:
    for path in MODULES:
        calls = called_attributes(path)
        assert "trafilatura.fetch_url" not in calls, path.name
        if "feedparser.parse" in calls:
            assert module_name(path) == "flows.parse.feeds"


def test_only_storage_writes_sql() -> None:
    statement = re.compile(
        r"\b(INSERT|UPDATE|DELETE|CREATE\s+TABLE)\b.{0,40}\b(INTO|SET|FROM|\w+\s*\()"
    )
    offenders = [
        module_name(path)
        for path in (REPO / "flows").rglob("*.py")
        if statement.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_no_test_module_imports_another() -> None:
    """Shared helpers live in tests/helpers.py and conftest.py fixtures."""
    tests = sorted((REPO / "tests").glob("test_*.py"))
    names = {path.stem for path in tests} | {"conftest"}
    offenders = {
        path.name: sorted({name.split(".")[0] for name in imports_of(path)} & names)
        for path in tests
    }
    assert {name: found for name, found in offenders.items() if found} == {}


@pytest.mark.parametrize(
    "module",
    [
        "flows.pipeline.poll",
        "flows.pipeline.persist",
        "flows.pipeline.reindex",
        "flows.pipeline.config",
        "flows.pipeline.alerts",
        "flows.parse.extract",
        "flows.parse.feeds",
        "flows.parse.gnews",
        "flows.fetch.client",
        "flows.fetch.robots",
        "flows.analysis.relevance",
        "flows.analysis.entities",
        "flows.analysis.knowledge",
        "flows.analysis.money",
        "flows.analysis.neardup",
        "flows.analysis.enrich",
        "flows.analysis.events",
        "flows.notify.channels",
        "flows.notify.operator",
        "storage",
    ],
)
def test_pipeline_steps_import_no_prefect(module: str) -> None:
    code = f"import sys, {module}; print('prefect' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_importing_the_archive_loads_no_analysis() -> None:
    """storage imports only flows.core: opening an archive loads no tagger, detector or MinHash."""
    code = (
        "import sys, storage.lease, storage.archive; "
        "print(sorted(m for m in sys.modules if m.startswith('flows.') "
        "and not m.startswith('flows.core') or m == 'datasketch'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
