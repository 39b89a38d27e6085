"""Serve the archive read-only in Datasette: tables, canned queries, search, charts.

``kaiwatch browse`` calls :func:`serve_archive`. The metadata shipped in
``flows/app/datasette/metadata.yaml`` gives titles, sorts, facets and hidden tables;
:func:`build_metadata` adds the canned queries of :mod:`flows.notify.queries`, so the
browser and the command line share one definition of each. The plugin in
``flows/app/datasette/plugins/`` makes search understand Korean particles and adds
the charts page (``/-/charts``).

Datasette never writes: the archive is opened with ``mode=ro`` and
``query_only``, and a write connection raises. Unlike Datasette's immutable
mode, this still sees what a running ingest commits (the archive is in WAL mode).
"""

from __future__ import annotations

import copy
import errno
import socket
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from flows.core.errors import KaiwatchError, StorageError
from flows.notify.queries import LATEST_EVENTS, QUERIES
from storage.archive import read_only_uri

__all__ = [
    "DATABASE_NAME",
    "bind_port",
    "build_datasette",
    "build_metadata",
    "check_archive",
    "serve_archive",
]

DATABASE_NAME = "kaiwatch"
DATASETTE_DIR = Path(__file__).resolve().parent / "datasette"
METADATA_PATH = DATASETTE_DIR / "metadata.yaml"

# Datasette's own defaults, tightened for a local, read-only archive.
SETTINGS: dict[str, Any] = {
    "default_page_size": 50,
    # A canned query's page, CSV and JSON stop here (tables stream CSV in full); the
    # queries' descriptions say so, and `kaiwatch export --events` writes every event.
    "max_returned_rows": 1000,
    "sql_time_limit_ms": 5000,  # a safety net: no canned query takes 1 s on 200,000 articles
    "facet_time_limit_ms": 500,
    # Suggesting facets tries every column of a table: 1.5 s on 200,000 articles, more on
    # a search (bench/browse_scale.py). The useful facets are set in metadata.yaml.
    "suggest_facets": False,
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
    limit = SETTINGS["max_returned_rows"]
    for query in QUERIES:
        cap = f" Shows at most {limit:,} rows, here and in CSV or JSON: narrow the period for more"
        if query is LATEST_EVENTS:
            cap += ", or run `kaiwatch export --events` for every event"
        queries[query.name] = {
            "title": query.title,
            "description": f"{query.description}{cap}.",
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

    # In a read-only folder nothing can write the archive: read it as immutable (the
    # -shm file a WAL archive needs to be read cannot be created there).
    mutable = read_only_uri(path).endswith("mode=ro")
    return ReadOnlyDatabase(datasette, path=str(path), is_mutable=mutable)


def check_archive(db_path: Path) -> list[str]:
    """Check that ``db_path`` is a kaiwatch archive; return its pending migrations.

    Browsing never writes, so an archive made by an older kaiwatch is served as it
    is: a query may then fail (a table is missing) or be slow (an index is).

    :raises StorageError: there is no file, or it is not a kaiwatch archive.
    """
    from sqlite_utils import Database

    from storage.migrations import MIGRATIONS

    if not db_path.is_file():
        raise StorageError(
            f"{db_path}: no archive here yet. Fix: run `kaiwatch run` first, or pass --db PATH."
        )
    conn = sqlite3.connect(read_only_uri(db_path.resolve()), uri=True)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        pending = [m.name for m in MIGRATIONS.pending(Database(conn))]
    except sqlite3.DatabaseError as exc:
        raise StorageError(
            f"{db_path}: not a kaiwatch archive ({exc}). Fix: pass --db PATH to the archive."
        ) from exc
    finally:
        conn.close()
    if "articles" not in tables:
        raise StorageError(
            f"{db_path}: not a kaiwatch archive (no articles table). "
            "Fix: pass --db PATH to the archive."
        )
    return pending


def build_datasette(db_path: Path) -> Any:
    """Build the Datasette instance for an archive (not started).

    :raises StorageError: there is no archive at ``db_path``, or the file is not one.
    """
    from datasette.app import Datasette

    check_archive(db_path)
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


def bind_port(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:``port`` (0: any free port), bound before "Serving".

    :raises KaiwatchError: the port is in use or may not be bound.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise KaiwatchError(
                f"port {port} on 127.0.0.1 is in use (another kaiwatch browse?). "
                "Fix: pass --port N, or --port 0 for any free port."
            ) from exc
        raise KaiwatchError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror}. Fix: pass another --port."
        ) from exc
    return sock


def serve_archive(
    db_path: Path,
    *,
    port: int = 8001,
    open_browser: bool = True,
    on_ready: Callable[[int], None] | None = None,
) -> None:
    """Serve the archive on http://127.0.0.1:PORT until interrupted.

    :param port: the port; 0 picks a free one.
    :param open_browser: open the default browser on the start page.
    :param on_ready: called with the port once it is bound, before serving.
    :raises StorageError: there is no archive at ``db_path``.
    :raises KaiwatchError: the port is in use.
    """
    import asyncio
    import threading
    import webbrowser

    import uvicorn

    pending = check_archive(db_path)
    if pending:
        print(
            f"Note: {db_path} was made by an older kaiwatch ({len(pending)} migration(s) "
            f"pending: {', '.join(pending)}); some queries may fail or be slow. Browsing "
            "never writes: run `kaiwatch run` once to upgrade the archive.",
            file=sys.stderr,
        )
    datasette = build_datasette(db_path)
    asyncio.run(datasette.invoke_startup())
    sock = bind_port(port)  # a busy port is an error before "Serving", not after
    bound = int(sock.getsockname()[1])
    config = uvicorn.Config(datasette.app(), host="127.0.0.1", port=bound, log_level="warning")
    server = uvicorn.Server(config)
    if on_ready is not None:
        on_ready(bound)
    if open_browser:

        def _open_when_up() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.1)
            if server.started:
                webbrowser.open(f"http://127.0.0.1:{bound}/")

        threading.Thread(target=_open_when_up, daemon=True).start()
    server.run(sockets=[sock])
