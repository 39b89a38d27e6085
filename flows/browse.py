"""Serve the archive read-only in Datasette: tables, canned queries, search, charts.

``kaiwatch browse`` calls :func:`serve_archive`. The metadata shipped in
``flows/datasette/metadata.yaml`` gives titles, sorts, facets and hidden tables;
:func:`build_metadata` adds the canned queries of :mod:`flows.queries`, so the
browser and the command line share one definition of each. The plugin in
``flows/datasette/plugins/`` makes search understand Korean particles and adds
the charts page (``/-/charts``).

Datasette never writes: the archive is opened with ``mode=ro`` and
``query_only``, and a write connection raises. Unlike Datasette's immutable
mode, this still sees what a running ingest commits (the archive is in WAL mode).
"""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path
from typing import Any

import yaml

from flows.errors import StorageError
from flows.queries import QUERIES

__all__ = ["DATABASE_NAME", "build_datasette", "build_metadata", "serve_archive"]

DATABASE_NAME = "kaiwatch"
DATASETTE_DIR = Path(__file__).resolve().parent / "datasette"
METADATA_PATH = DATASETTE_DIR / "metadata.yaml"

# Datasette's own defaults, tightened for a local, read-only archive.
SETTINGS: dict[str, Any] = {
    "default_page_size": 50,
    "sql_time_limit_ms": 5000,  # the timeline queries scan mentions on large archives
    "facet_time_limit_ms": 500,
    "allow_download": False,  # the whole file: use the archive itself
    "allow_csv_stream": True,
}


def build_metadata(path: Path = METADATA_PATH) -> dict[str, Any]:
    """Return the Datasette metadata: the shipped file plus every canned query.

    :raises StorageError: the metadata file is missing or not a mapping.
    """
    try:
        metadata = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise StorageError(f"{path}: cannot read the Datasette metadata: {exc}") from exc
    if not isinstance(metadata, dict):
        raise StorageError(f"{path}: expected a mapping at the top level")
    metadata = copy.deepcopy(metadata)
    database = metadata.setdefault("databases", {}).setdefault(DATABASE_NAME, {})
    queries = database.setdefault("queries", {})
    for query in QUERIES:
        queries[query.name] = {
            "title": query.title,
            "description": query.description,
            "sql": query.sql.strip(),
            "params": list(query.params),
            "hide_sql": True,  # the results first; "show" reveals the SQL
        }
    return metadata


def _read_only_database(datasette: Any, path: Path) -> Any:
    """A Datasette database over ``path`` that refuses write connections."""
    from datasette.database import Database

    class ReadOnlyDatabase(Database):  # type: ignore[misc]
        def connect(self, write: bool = False) -> sqlite3.Connection:
            if write:
                raise StorageError(f"{path}: kaiwatch browse opens the archive read-only")
            conn: sqlite3.Connection = super().connect(write=False)
            conn.execute("PRAGMA query_only = 1")
            return conn

    return ReadOnlyDatabase(datasette, path=str(path), is_mutable=True)


def build_datasette(db_path: Path) -> Any:
    """Build the Datasette instance for an archive (not started).

    :raises StorageError: there is no archive at ``db_path``.
    """
    from datasette.app import Datasette

    if not db_path.is_file():
        raise StorageError(
            f"{db_path}: no archive here yet. Fix: run `kaiwatch run` first, or pass --db PATH."
        )
    datasette = Datasette(
        [],
        metadata=build_metadata(),
        plugins_dir=str(DATASETTE_DIR / "plugins"),
        template_dir=str(DATASETTE_DIR / "templates"),
        settings=SETTINGS,
    )
    datasette.remove_database("_memory")
    datasette.add_database(_read_only_database(datasette, db_path.resolve()), name=DATABASE_NAME)
    return datasette


def serve_archive(db_path: Path, *, port: int = 8001, open_browser: bool = True) -> None:
    """Serve the archive on http://127.0.0.1:PORT until interrupted.

    :param port: the port; 0 picks a free one (printed by uvicorn).
    :param open_browser: open the default browser on the start page.
    :raises StorageError: there is no archive at ``db_path``.
    """
    import asyncio
    import threading
    import webbrowser

    import uvicorn

    datasette = build_datasette(db_path)
    asyncio.run(datasette.invoke_startup())
    config = uvicorn.Config(datasette.app(), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    if open_browser:

        def _open_when_up() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.1)
            if server.started:
                webbrowser.open(f"http://127.0.0.1:{_bound_port(server, port)}/")

        threading.Thread(target=_open_when_up, daemon=True).start()
    server.run()


def _bound_port(server: Any, port: int) -> int:
    """The port uvicorn listens on (the one asked for, unless 0)."""
    for listener in getattr(server, "servers", []):
        for sock in listener.sockets:
            return int(sock.getsockname()[1])
    return port
