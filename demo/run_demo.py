"""The offline demo: serve the sample site on 127.0.0.1 and run the real ingest flow twice.

``make demo`` runs this. The first run archives the sample articles (and shows
what was dropped as off-topic or duplicate) and sends its partnership and
funding alerts to a webhook on 127.0.0.1 that prints them; the second run sends
conditional requests, gets 304s, archives nothing and sends no alert again.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

HERE = Path(__file__).resolve().parent
SITE = HERE / "site"
DB_PATH = HERE / "demo.db"


class _QuietHandler(SimpleHTTPRequestHandler):
    """Static files with Last-Modified / If-Modified-Since (stdlib), without access logs."""

    def log_message(self, format: str, *args: object) -> None:
        pass


class _AlertInbox(BaseHTTPRequestHandler):
    """A stand-in for a Slack or Teams webhook: keeps what apprise's json:// posts."""

    received: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve_inbox() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AlertInbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _serve(directory: Path) -> ThreadingHTTPServer:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _sources_file(base_url: str) -> Path:
    text = f"""\
settings:
  min_poll_interval_minutes: 0   # the demo polls twice in a row to show conditional GET
alerts:
  max_age_hours: 100000          # the sample articles are from 2024; real runs skip old news
sources:
  - name: demo-en
    url: {base_url}/feed-en.xml
    lang: en
    filter: korean-ai
    allow_private_network: true   # the demo's pages are on 127.0.0.1
  - name: demo-ko
    url: {base_url}/feed-ko.xml
    lang: ko
    filter: korean-ai
    allow_private_network: true
"""
    descriptor, name = tempfile.mkstemp(suffix=".yaml", prefix="kaiwatch-demo-")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Path(name)


def main() -> int:
    from flows.app.cli import prepare_prefect_environment

    # The summaries below say what each run did; Prefect's own lines only with this set.
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    prepare_prefect_environment()
    from flows.app.ingest import ingest
    from storage.archive import Archive

    for leftover in DB_PATH.parent.glob(DB_PATH.name + "*"):
        leftover.unlink()
    server = _serve(SITE)
    inbox = _serve_inbox()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    sources = _sources_file(base_url)
    # The demo's alerts go to its own webhook, whatever the user's channels are.
    os.environ["KAIWATCH_NOTIFY"] = f"json://127.0.0.1:{inbox.server_address[1]}/alerts"
    try:
        print(f"Serving the demo site at {base_url}; archive: {DB_PATH}")
        for label in ("First run", "Second run (conditional GET: expect 304s, nothing new)"):
            summary = ingest(sources_path=str(sources), db_path=str(DB_PATH))
            print(f"\n== {label} ==\n{summary.format()}\n")
        print(f"== Alerts received by the demo webhook ({len(_AlertInbox.received)}) ==")
        for alert in _AlertInbox.received:
            print(f"{alert['title']}\n    " + alert["message"].replace("\n", "\n    ") + "\n")
        with Archive(DB_PATH, readonly=True) as archive:
            rows = list(archive.iter_articles())
            entities = archive.conn.execute(
                "SELECT ae.article_id, e.name FROM article_entities ae "
                "JOIN entities e ON e.id = ae.entity_id ORDER BY ae.article_id, ae.count DESC"
            ).fetchall()
            amounts = archive.conn.execute("SELECT article_id, text, krw FROM amounts").fetchall()
        print(f"== Archived articles ({len(rows)}) ==")
        for row in rows:
            first_line = row["text"].splitlines()[0][:90]
            names = ", ".join(name for article_id, name in entities if article_id == row["id"])
            money = ", ".join(
                f"{text} (₩{krw:,})"
                for article_id, text, krw in amounts
                if article_id == row["id"] and krw
            )
            print(f"[{row['id']}] {row['source']} {row['lang']} {row['title']}\n    {first_line}…")
            print(f"    entities: {names or '-'}" + (f"; money: {money}" if money else ""))
        print('\nTry: .venv/bin/kaiwatch search "Upstage" --db demo/demo.db')
        print('     .venv/bin/kaiwatch search "네이버클라우드" --db demo/demo.db')
    finally:
        server.shutdown()
        inbox.shutdown()
        os.unlink(sources)
    return 0


if __name__ == "__main__":
    sys.exit(main())
