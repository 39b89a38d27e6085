"""The design's ownership rules, checked on the source so that they stay true."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MODULES = sorted([*(REPO / "flows").glob("*.py"), *(REPO / "storage").glob("*.py")])


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def called_attributes(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        f"{node.func.value.id}.{node.func.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
    }


def test_only_net_opens_sockets() -> None:
    # prefect_server.py checks the health of a Prefect server kaiwatch started on 127.0.0.1;
    # browse.py binds the port it serves on, so that a busy port is an error before "Serving".
    allowed = {"net.py", "prefect_server.py", "browse.py"}
    offenders = [
        path.name
        for path in MODULES
        if path.name not in allowed
        and imported_modules(path) & {"httpx", "urllib3", "requests", "socket", "http"}
    ]
    assert offenders == []


def test_feedparser_and_trafilatura_never_fetch() -> None:
    for path in MODULES:
        calls = called_attributes(path)
        assert "trafilatura.fetch_url" not in calls, path.name
        if "feedparser.parse" in calls:
            assert path.name == "feeds.py"


def test_only_storage_writes_sql() -> None:
    statement = re.compile(
        r"\b(INSERT|UPDATE|DELETE|CREATE\s+TABLE)\b.{0,40}\b(INTO|SET|FROM|\w+\s*\()"
    )
    offenders = [
        path.name
        for path in (REPO / "flows").glob("*.py")
        if statement.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "module",
    [
        "flows.pipeline",
        "flows.extract",
        "flows.feeds",
        "flows.gnews",
        "flows.relevance",
        "flows.net",
        "flows.config",
        "flows.entities",
        "flows.knowledge",
        "flows.money",
        "flows.neardup",
        "flows.enrich",
        "flows.robots",
        "flows.reindex",
        "storage",
    ],
)
def test_pipeline_steps_import_no_prefect(module: str) -> None:
    code = f"import sys, {module}; print('prefect' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
