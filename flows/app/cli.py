"""``kaiwatch``: the command line, a thin shell over the pipeline and the archive.

Data goes to stdout; messages and errors to stderr. Every command catches
:class:`~flows.core.errors.KaiwatchError` in one place and prints it as one line.
Prefect is imported only by the commands that run flows, so that search and
export start fast.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flows.app.secret_blocks import read_secret_block
from flows.core.errors import KaiwatchError
from flows.pipeline.config import DEFAULT_SOURCES_PATH, load_sources, resolve_db_path

__all__ = ["app", "main"]


F = TypeVar("F", bound=Callable[..., Any])


def _name_values(params: list[Any]) -> list[Any]:
    """Help that names values, not Python types: flags show none, not ``<bool>``."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
        elif param.nargs != 1 and param.param_type_name == "argument":
            # Its name (metavar) says what to give, and "..." that it repeats. Rich help
            # asks typer's own (undeclared) hook for the type shown: answer none.
            setattr(param, "display_type_rich", lambda ctx: None)  # noqa: B010
    return params


class _Command(typer.core.TyperCommand):
    """A command whose help names values (see :func:`_name_values`)."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _name_values(super().get_params(ctx))


class _Group(typer.core.TyperGroup):
    """A command group whose own ``--help`` line names no type either."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _name_values(super().get_params(ctx))


class _Typer(typer.Typer):
    """typer.Typer whose groups are :class:`_Group` and commands :class:`_Command`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", _Group)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        kwargs.setdefault("cls", _Command)
        return super().command(*args, **kwargs)


app = _Typer(
    name="kaiwatch",
    help="Monitor Korean AI industry news: feeds → clean text → a searchable SQLite archive.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sources_app = _Typer(help="Check the feeds in sources.yaml.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")

# Data goes out as written: a headline such as "[update] …" is not rich markup.
stdout = Console(soft_wrap=True, markup=False)
stderr = Console(stderr=True, soft_wrap=True)

SourcesOption = Annotated[
    Path,
    typer.Option(
        "--sources", envvar="KAIWATCH_SOURCES", help="The sources file.", show_default=True
    ),
]
DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="The archive. [default: $KAIWATCH_DB or storage/kaiwatch.db]"),
]


EntitiesOption = Annotated[
    Path | None,
    typer.Option("--entities", help="The knowledge base. [default: entities.yaml]"),
]


def _handle_errors(command: F) -> F:
    """Print a KaiwatchError as one red line and exit 1 (httpx's _main.py does the same)."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except KaiwatchError as exc:
            stderr.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False, markup=True)
            raise typer.Exit(1) from exc

    return wrapper  # type: ignore[return-value]


VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose", "-v", help="Also print the log (Prefect's lines, each feed) as it runs."
    ),
]
LogFileOption = Annotated[
    Path | None,
    typer.Option(
        "--log-file",
        envvar="KAIWATCH_LOG_FILE",
        help="Append the whole log (INFO and above) to this file.",
    ),
]


@contextmanager
def _run_log(verbose: bool, log_file: Path | None) -> Iterator[None]:
    """The log of a long command: on the console only with --verbose; in full in --log-file.

    Without --verbose the console keeps warnings and errors, and the command prints
    its own summary (Prefect's INFO lines, a dozen a run, are noise there), for the
    rest of the process: Prefect says "Stopping temporary server" as the process exits.
    Call it after Prefect is imported: Prefect configures its console handlers on import.
    """
    import logging

    root = logging.getLogger()
    consoles = [
        handler
        for logger in [root, *logging.Logger.manager.loggerDict.values()]
        if isinstance(logger, logging.Logger)
        for handler in logger.handlers
        if type(handler).__name__ == "PrefectConsoleHandler"
    ]
    added: list[logging.Handler] = []
    if not verbose:
        for handler in consoles:
            handler.setLevel(max(handler.level, logging.WARNING))
    elif not consoles:  # no Prefect here (reindex): print the log ourselves
        added.append(logging.StreamHandler(sys.stderr))
    if log_file is not None:
        try:
            added.append(logging.FileHandler(log_file, encoding="utf-8"))
        except OSError as exc:
            raise KaiwatchError(f"{log_file}: cannot write the log file: {exc.strerror}") from exc
        added[-1].setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    old_level = root.level
    for handler in added:
        handler.setLevel(logging.INFO)
        root.addHandler(handler)
    if added:
        root.setLevel(min(root.level or logging.WARNING, logging.INFO))
        for name in ("flows", "storage"):  # as PREFECT_LOGGING_EXTRA_LOGGERS does under Prefect
            if logging.getLogger(name).level == logging.NOTSET:
                logging.getLogger(name).setLevel(logging.INFO)
    try:
        yield
    finally:
        for handler in added:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(old_level)


def prepare_prefect_environment() -> None:
    """Defaults for Prefect on a machine with no route to Prefect's cloud.

    Must run before ``import prefect``: Prefect reads these when it loads.
    """
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "flows,storage")


# -- run / serve --------------------------------------------------------------------


@app.command()
@_handle_errors
def run(
    sources: SourcesOption = DEFAULT_SOURCES_PATH,
    db: DbOption = None,
    feed: Annotated[
        list[str] | None,
        typer.Option(
            "--feed",
            metavar="URL",
            help="Poll just this feed URL (repeatable) with default settings, not the sources file.",
        ),
    ] = None,
    allow_private_network: Annotated[
        bool,
        typer.Option(
            "--allow-private-network",
            help="With --feed: let the feed's article links reach private addresses.",
        ),
    ] = False,
    entities: EntitiesOption = None,
    now: Annotated[
        bool,
        typer.Option(
            "--now",
            help="Also poll the feeds that are not due yet "
            "(settings.min_poll_interval_minutes, a server's Retry-After, a failing feed's backoff).",
        ),
    ] = False,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="Retry every entry that failed, now, however often it was tried.",
        ),
    ] = False,
    verbose: VerboseOption = False,
    log_file: LogFileOption = None,
) -> None:
    """Poll the feeds once, archive new articles, print the run summary.

    Every count that is not "new" says why; a failure with a fix says the fix.

    Example: kaiwatch run --feed https://www.aitimes.com/rss/allArticle.xml
    """
    from storage.archive import Archive

    if not feed:
        load_sources(sources)  # fail fast with a one-line error before Prefect starts
    with Archive(resolve_db_path(db)):  # so does an archive that cannot be written
        pass
    prepare_prefect_environment()
    from rich.progress import Progress

    from flows.app.ingest import feed_progress, ingest

    with (
        _run_log(verbose, log_file),
        Progress(
            console=stderr, transient=True, disable=verbose or not stderr.is_terminal
        ) as progress,
    ):
        bar = progress.add_task("polling feeds", total=None)
        watch = feed_progress(lambda done, total: progress.update(bar, completed=done, total=total))
        with watch:
            summary = ingest(
                sources_path=str(sources),
                db_path=str(resolve_db_path(db)),
                feed_urls=feed,
                allow_private_network=allow_private_network,
                entities_path=str(entities) if entities else None,
                poll_now=now,
                retry_failed=retry_failed,
            )
    stdout.print(summary.format(), highlight=False)
    if summary.reports and len(summary.failures()) == len(summary.reports):
        raise typer.Exit(1)
    if summary.alerts is not None and summary.alerts.problem:  # a channel to fix
        raise typer.Exit(1)


@app.command()
@_handle_errors
def serve(
    sources: SourcesOption = DEFAULT_SOURCES_PATH,
    db: DbOption = None,
    port: Annotated[
        int, typer.Option(help="Port of the local Prefect server (and its UI).")
    ] = 4200,
) -> None:
    """Run the ingest and digest flows on their schedules in sources.yaml, through Prefect.

    Starts a local Prefect server (UI on http://127.0.0.1:PORT, its log in
    $PREFECT_HOME/kaiwatch-prefect-server.log) unless PREFECT_API_URL points at
    one, prints the deployments and when each is next due, then runs them until
    interrupted. A scheduler error, or a deployment the server never schedules,
    is printed here and sent to the operator channel.

    Example: kaiwatch serve --port 4200
    """
    config = load_sources(sources)
    prepare_prefect_environment()
    # Not through prefect.settings: Prefect must not be imported before the server's
    # PREFECT_API_URL is in the environment (it would fall back to a temporary server).
    prefect_home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    from flows.app.serve import serve as serve_deployments

    serve_deployments(
        config,
        sources_path=sources,
        db_path=resolve_db_path(db),
        port=port,
        prefect_home=prefect_home,
        console=stderr,
    )


# -- sources ------------------------------------------------------------------------


@sources_app.command("check")
@_handle_errors
def sources_check(
    sources: SourcesOption = DEFAULT_SOURCES_PATH,
    probe: Annotated[
        bool, typer.Option("--probe", help="Fetch each feed once and report what it holds.")
    ] = False,
    entities: EntitiesOption = None,
) -> None:
    """Validate sources.yaml (and the watch lists against entities.yaml); with --probe, fetch each feed once.

    Example: kaiwatch sources check --probe
    """
    from flows.analysis.knowledge import DEFAULT_ENTITIES_PATH, load_entities
    from flows.pipeline.config import check_watch_lists

    config = load_sources(sources)
    if entities or DEFAULT_ENTITIES_PATH.exists():
        check_watch_lists(config, load_entities(entities or DEFAULT_ENTITIES_PATH), sources)
    elif any(route.entities for route in config.alerts.routes):
        stderr.print(
            f"[yellow]warning:[/yellow] no {DEFAULT_ENTITIES_PATH} here: watch lists not "
            "checked (pass --entities PATH)"
        )
    enabled = config.enabled_sources()
    stderr.print(f"{sources}: OK, {len(config.sources)} sources ({len(enabled)} enabled)")
    _check_alert_channels(config)
    if not probe:
        table = Table("name", "lang", "filter", "url")
        for source in config.sources:
            table.add_row(source.name, source.lang or "auto", source.filter, source.url)
        stdout.print(table)
        return
    from flows.fetch.client import HttpClient
    from flows.pipeline.probe import probe_feed

    table = Table("name", "status", "items", "last item", "problem")
    failures = 0
    with HttpClient() as client:
        for source in enabled:
            result = probe_feed(source.url, client)
            failures += result.error is not None
            table.add_row(
                source.name,
                str(result.status or "-"),
                str(result.items),
                result.last_item or "-",
                result.error or result.problem or "",
            )
    stdout.print(table)
    if failures:
        raise typer.Exit(1)


def _check_alert_channels(config: Any) -> None:
    """Say where alerts go, and warn about routes whose tags no channel carries."""
    from flows.notify.channels import NOTIFY_ENV, load_channels

    channels = load_channels(
        read_block=read_secret_block
    )  # a bad URL is a one-line ConfigError, without the URL
    routes = config.alerts.routes
    stderr.print(
        f"alerts: {len(channels)} channel(s) in {NOTIFY_ENV} and its file/block, "
        f"{len(routes)} route(s)" + ("" if channels else " (alerts wait until one is set)")
    )
    targets = [*((route.name, route.to) for route in routes), ("digest", config.alerts.digest.to)]
    for name, tags in targets:
        if channels and not any(channel.accepts(tags) for channel in channels):
            stderr.print(
                f"[yellow]warning:[/yellow] {escape(name)}: no channel is tagged {', '.join(tags)}"
            )


@sources_app.command("status")
@_handle_errors
def sources_status(db: DbOption = None) -> None:
    """Show each polled feed's health: last success, failures, last error, next poll.

    Example: kaiwatch sources status
    """
    from flows.pipeline.reasons import describe_counts
    from storage.archive import Archive

    with Archive(resolve_db_path(db), readonly=True) as archive:
        feeds = archive.feeds()
        failing = archive.failed_entries()
        queued = len(archive.pending_operator_messages())
    table = Table(
        "name", "state", "last success", "failures", "next poll", "last error", "failing entries"
    )
    for feed in feeds:
        state = "paused" if feed["paused_at"] else ("failing" if feed["failures"] else "ok")
        entries = failing.get(feed["id"], {})
        total = sum(entries.values())
        why = f"{total} failing entries: {describe_counts(entries)}" if total else ""
        table.add_row(
            feed["name"], state, feed["last_success_at"] or "never", str(feed["failures"]),
            feed["next_poll_at"] or "next run", feed["paused_reason"] or feed["last_error"] or "",
            why,
        )  # fmt: skip
    stdout.print(table)
    if queued:
        stderr.print(
            f"{queued} operator message(s) queued: set KAIWATCH_OPERATOR_NOTIFY to receive them."
        )


@sources_app.command("resume")
@_handle_errors
def sources_resume(
    name: Annotated[str, typer.Argument(help="The feed's name, as in sources.yaml.")],
    db: DbOption = None,
) -> None:
    """Poll a paused or backed-off feed again from the next run.

    Example: kaiwatch sources resume yonhap-en
    """
    from storage.archive import Archive

    with Archive(resolve_db_path(db)) as archive:
        if not archive.resume_feed(name):
            known = ", ".join(feed["name"] for feed in archive.feeds()) or "none yet"
            raise KaiwatchError(f"no feed named {name!r} in the archive (known: {known})")
    stderr.print(f"{name}: resumed; the next run polls it.")


# -- search / export / extract --------------------------------------------------------


@app.command()
@_handle_errors
def search(
    query: Annotated[str, typer.Argument(help="Words to find; Korean words match with particles.")],
    db: DbOption = None,
    source: Annotated[str | None, typer.Option(help="Only this source (its name).")] = None,
    lang: Annotated[str | None, typer.Option(help="Only this language (en, ko).")] = None,
    since: Annotated[str | None, typer.Option(help="Published on or after (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Published before (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many results.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    copies: Annotated[
        bool, typer.Option("--copies", help="Also list near-duplicates (other outlets' copies).")
    ] = False,
) -> None:
    """Full-text search over the archive's titles and texts, each story once.

    Example: kaiwatch search "삼성전자 AI" --since 2026-01-01
    """
    from storage.archive import Archive

    with Archive(resolve_db_path(db), readonly=True) as archive:
        hits = archive.search(
            query, source=source, lang=lang, since=since, until=until, limit=limit, copies=copies
        )
    if as_json:
        for hit in hits:
            stdout.print(json.dumps(hit.__dict__, ensure_ascii=False), highlight=False)
        return
    if not hits:
        stderr.print("No matches.")
        return
    table = Table("id", "published", "source", "story", "outlets", "title", "snippet")
    for hit in hits:
        outlets = str(hit.outlets) if hit.outlets else f"copy of {hit.duplicate_of}"
        table.add_row(
            str(hit.id), (hit.published or "")[:10], hit.source, str(hit.story_id or ""),
            outlets, hit.title, hit.snippet,
        )  # fmt: skip
    stdout.print(table)


EXPORT_FIELDS = [
    "id", "url", "canonical_url", "title", "text", "lang", "published", "source",
    "publisher", "author", "fetched_at", "story_id", "duplicate_of", "outlets", "content_hash",
    "entities",
]  # fmt: skip


@app.command()
@_handle_errors
def export(
    db: DbOption = None,
    format: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    events: Annotated[
        bool,
        typer.Option(
            "--events", help="Export the deals (each once; latest_events) instead of articles."
        ),
    ] = False,
    bom: Annotated[
        bool,
        typer.Option("--bom", help="Start a CSV with a byte order mark, so Excel reads Korean."),
    ] = False,
) -> None:
    """Export every archived article, one record each (or, with --events, every deal).

    Example: kaiwatch export --format csv -o articles.csv
    Example: kaiwatch export --events --format csv --bom -o events.csv
    """
    from rich.progress import Progress

    from storage.archive import Archive

    if format not in {"jsonl", "csv"}:
        raise KaiwatchError(f"--format must be jsonl or csv, got {format!r}")
    if bom and format != "csv":
        raise KaiwatchError("--bom is for CSV (--format csv): JSON Lines are UTF-8 without one")
    if events:
        _export_events(resolve_db_path(db), format, output, bom=bom)
        return
    with Archive(resolve_db_path(db), readonly=True) as archive:
        total = archive.count_articles()
        with (
            _record_writer(output, format, EXPORT_FIELDS, bom=bom) as write,
            Progress(console=stderr, transient=True, disable=output is None) as progress,
        ):
            bar = progress.add_task("exporting", total=total)
            for row in archive.iter_articles():
                write(row)
                progress.advance(bar)
    if output:
        stderr.print(f"{total} articles written to {output}")


@contextmanager
def _record_writer(
    output: Path | None, format: str, fields: Sequence[str], *, bom: bool = False
) -> Iterator[Callable[[dict[str, Any]], object]]:
    """A function writing one record as CSV (with a header first) or JSON Lines.

    :param bom: start with a byte order mark (``utf-8-sig``): Excel reads a CSV as
        UTF-8 only then, and garbles Korean otherwise.
    """
    encoding = "utf-8-sig" if bom else "utf-8"
    handle = output.open("w", encoding=encoding, newline="") if output else sys.stdout
    if bom and output is None:
        handle.write("\ufeff")
    try:
        if format == "csv":
            writer = csv.DictWriter(handle, fieldnames=list(fields))
            writer.writeheader()
            yield writer.writerow
        else:
            yield lambda row: handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if output:
            handle.close()


@app.command()
@_handle_errors
def extract(
    targets: Annotated[
        list[str], typer.Argument(metavar="PATH_OR_URL", help="HTML files or http(s) URLs.")
    ],
) -> None:
    """Run pages through kaiwatch's extraction and cleaning; one JSON object per line.

    Example: kaiwatch extract saved-page.html https://example.com/news/1
    """
    from flows.fetch.client import HttpClient
    from flows.parse.extract import extract_article
    from flows.parse.titles import headline_and_outlet

    failures = 0
    with HttpClient() as client:
        for target in targets:
            record: dict[str, Any] = {"source": target}
            try:
                if target.startswith(("http://", "https://")):
                    # The user typed this URL: trusted, like a feed in sources.yaml.
                    page = client.get(target, allow_private=True)
                    content, url, content_type = page.content, page.url, page.content_type
                else:
                    try:
                        content = Path(target).read_bytes()
                    except OSError as exc:
                        raise KaiwatchError(f"{target}: cannot read: {exc.strerror}") from exc
                    url, content_type = None, None
                article = extract_article(content, url=url, content_type=content_type)
            except KaiwatchError as exc:
                failures += 1
                record["error"] = str(exc)
            else:
                title, sitename = headline_and_outlet(article.title, article.sitename)
                record.update(
                    url=url,
                    title=title,
                    published=article.published.isoformat() if article.published else None,
                    author=article.author,
                    sitename=sitename,
                    lang=article.lang,
                    text=article.text,
                    removed_lines=list(article.removed_lines),
                )
            stdout.print(json.dumps(record, ensure_ascii=False), highlight=False, soft_wrap=True)
    if failures:
        raise typer.Exit(1)


def _export_events(db_path: Path, format: str, output: Path | None, *, bom: bool = False) -> None:
    """Write the latest_events query's rows, all of them, as CSV or JSON Lines."""
    from flows.notify.queries import LATEST_EVENTS, query_columns, run_query
    from storage.archive import Archive

    with Archive(db_path, readonly=True) as archive:
        rows = run_query(archive.conn, LATEST_EVENTS)
        fields = query_columns(archive.conn, LATEST_EVENTS)
    with _record_writer(output, format, fields, bom=bom) as write:
        for row in rows:
            write(row)
    if output:
        stderr.print(f"{len(rows)} events written to {output}")


# -- browse / events / entity / chart (the archive for people: issue 7) ---------------


@app.command()
@_handle_errors
def browse(
    db: DbOption = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 8001,
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the start page in the default browser.")
    ] = True,
) -> None:
    """Explore the archive read-only in Datasette: tables, canned queries, search, charts.

    Example: kaiwatch browse --db demo/demo.db --port 8001
    """
    from flows.app.browse import check_archive, serve_archive

    path = resolve_db_path(db)
    check_archive(path)  # a missing or foreign file is one error line, before "Serving"
    serve_archive(
        path,
        port=port,
        open_browser=open_browser,
        on_ready=lambda bound: stderr.print(
            f"Serving {path} read-only on http://127.0.0.1:{bound}/ (Ctrl-C to stop)"
        ),
    )


SinceOption = Annotated[
    str | None, typer.Option(help="On or after this date (YYYY-MM-DD or YYYY-MM).")
]
UntilOption = Annotated[str | None, typer.Option(help="Before this date (YYYY-MM-DD or YYYY-MM).")]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]


def _print_rows(rows: list[dict[str, Any]], columns: list[str], as_json: bool) -> None:
    """Print query rows as JSON Lines or as a table of some columns."""
    if as_json:
        for row in rows:
            stdout.print(json.dumps(row, ensure_ascii=False), highlight=False, soft_wrap=True)
        return
    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
    stdout.print(table)


def _who(row: dict[str, Any]) -> str:
    """A deal's main parties: who raised (investors have a column), else every non-investor."""
    if row["recipient"]:
        return str(row["recipient"])
    investors = set((row["investors"] or "").split(", "))
    names = [name for name in (row["parties"] or "").split(" + ") if name not in investors]
    return " + ".join(names)


@app.command("events")
@_handle_errors
def events_command(
    db: DbOption = None,
    type: Annotated[
        str | None, typer.Option("--type", help="partnership or funding (default: both).")
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: Annotated[int, typer.Option(help="At most this many events.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """List the latest partnership and funding deals, each once, newest first.

    A funding deal shows who raised and its investors apart, and its amount as the
    article wrote the currency (₩50 bn, 500억원, $35 m); reports counts the articles that
    carry it.

    Example: kaiwatch events --type funding --since 2026-01-01
    """
    from flows.notify.queries import LATEST_EVENTS, run_query
    from storage.archive import Archive

    if type not in (None, "partnership", "funding"):
        raise KaiwatchError(f"--type must be partnership or funding, got {type!r}")
    with Archive(resolve_db_path(db), readonly=True) as archive:
        rows = run_query(
            archive.conn, LATEST_EVENTS, {"type": type, "since": since, "until": until}, limit=limit
        )
    if not rows and not as_json:
        stderr.print("No events.")
        return
    if not as_json:
        rows = [{**row, "who": _who(row)} for row in rows]
    _print_rows(
        rows,
        ["date", "type", "who", "investors", "round", "amount", "reports", "outlet", "title"],
        as_json,
    )


@app.command("entity")
@_handle_errors
def entity_command(
    name: Annotated[str, typer.Argument(help="An id, a name or an alias, English or Korean.")],
    db: DbOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: Annotated[
        int, typer.Option(help="Show the newest N items (0: all of them).", min=0)
    ] = 100,
    as_json: JsonOption = False,
) -> None:
    """Show an entity's timeline: every story that mentions it and every event it is party to.

    Example: kaiwatch entity 네이버 --since 2026-01
    """
    from flows.notify.queries import ENTITY_TIMELINE, resolve_entity, run_query
    from storage.archive import Archive

    with Archive(resolve_db_path(db), readonly=True) as archive:
        found = resolve_entity(archive.conn, name)
        if not found:
            raise KaiwatchError(
                f"no entity named {name!r} in the archive or entities.yaml. "
                f'Hint: try `kaiwatch search "{name}"`.'
            )
        exact = [item for item in found if item[0] == name.lower()]
        if len(found) > 1 and not exact:
            ids = ", ".join(f"{entity_id} ({entity_name})" for entity_id, entity_name in found)
            raise KaiwatchError(f"{name!r} names several entities: {ids}. Pass one of the ids.")
        entity_id, entity_name = (exact or found)[0]
        rows = run_query(
            archive.conn, ENTITY_TIMELINE, {"entity": entity_id, "since": since, "until": until}
        )
    shown = rows[:limit] if limit else rows  # a busy company has tens of thousands
    if as_json:
        for row in shown:
            row = {"entity_id": entity_id, **row}
            stdout.print(json.dumps(row, ensure_ascii=False), highlight=False, soft_wrap=True)
        return
    more = f", the newest {len(shown)} shown (--limit 0 for all)" if len(shown) < len(rows) else ""
    stderr.print(f"{entity_name} ({entity_id}): {len(rows)} item(s){more}")
    _print_rows(shown, ["date", "kind", "what", "outlet", "story_id"], as_json=False)


@app.command()
@_handle_errors
def chart(
    kind: Annotated[str, typer.Argument(help="funding (per month, by round) or partners.")],
    db: DbOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the SVG here instead of stdout.")
    ] = None,
) -> None:
    """Draw a chart of the archive as SVG: funding per month, or the partner graph.

    Example: kaiwatch chart funding --since 2026-01-01 --out funding.svg
    """
    from flows.notify.charts import funding_chart_svg, partner_graph_svg
    from storage.archive import Archive

    draw = {"funding": funding_chart_svg, "partners": partner_graph_svg}.get(kind)
    if draw is None:
        raise KaiwatchError(f"chart must be funding or partners, got {kind!r}")
    with Archive(resolve_db_path(db), readonly=True) as archive:
        svg = draw(archive.conn, since or "", until or "")
    if out is None:
        sys.stdout.write(svg + "\n")
        return
    try:
        out.write_text(svg, encoding="utf-8")
    except OSError as exc:
        raise KaiwatchError(f"{out}: cannot write: {exc.strerror}") from exc
    stderr.print(f"{kind} chart written to {out}")


@app.command()
@_handle_errors
def story(
    story_id: Annotated[int, typer.Argument(help="A story id, as search and export show it.")],
    db: DbOption = None,
) -> None:
    """List a story's articles: outlet, time, URL, title (the lead first).

    Example: kaiwatch story 42
    """
    from storage.archive import Archive

    with Archive(resolve_db_path(db), readonly=True) as archive:
        articles = archive.story(story_id)
    if not articles:
        raise KaiwatchError(f"no story {story_id} in the archive")
    table = Table("article", "outlet", "time", "title", "url", "copy of")
    for row in articles:
        table.add_row(
            str(row["id"]), str(row["outlet"]), str(row["time"])[:16], str(row["title"]),
            str(row["url"]), str(row["duplicate_of"] or "lead"),
        )  # fmt: skip
    stdout.print(table)


# -- event records (issue 16) ------------------------------------------------------

event_app = _Typer(
    help="One real-world event and every write-up of it (event records).", no_args_is_help=True
)
app.add_typer(event_app, name="event")


@event_app.command("show")
@_handle_errors
def event_show(
    record: Annotated[str, typer.Argument(help="An event record's key or id.")],
    db: DbOption = None,
) -> None:
    """List an event record's reports: outlet, language, time, title, the rule that linked it.

    The first report first; the event's recipient, amount and round as the reports give them
    together.

    Example: kaiwatch event show 12:funding:0
    """
    from storage.archive import Archive
    from storage.event_records import find_record, record_reports

    with Archive(resolve_db_path(db), readonly=True) as archive:
        found = find_record(archive.conn, record)
        if found is None:
            raise KaiwatchError(
                f"no event record {record!r} in the archive. "
                "Fix: give a key or id from the event_records table"
            )
        summary = archive.conn.execute(
            "SELECT type, recipient_name, json_extract(amount, '$.text'), round, size, outlets "
            "FROM event_records WHERE id = ?",
            [found[0]],
        ).fetchone()
        reports = record_reports(archive.conn, found[1])
    kind, recipient, amount, round_name, size, outlets = summary
    stderr.print(
        f"{found[1]}: {kind}, {recipient or '-'}, {amount or 'no amount'}, "
        f"{round_name or 'no round'}; {size} article(s), {outlets} outlet(s)",
        highlight=False,
    )
    table = Table("article", "outlet", "lang", "time", "rule", "title", "url")
    for row in reports:
        table.add_row(
            str(row["article_id"]), str(row["outlet"]), str(row["lang"] or ""),
            str(row["time"])[:16], str(row["link_rule"] or ""), str(row["title"]), str(row["url"]),
        )  # fmt: skip
    stdout.print(table)


@event_app.command("split")
@_handle_errors
def event_split(
    record: Annotated[str, typer.Argument(help="An event record's key or id.")],
    article: Annotated[int, typer.Argument(help="The article to take out of it.")],
    db: DbOption = None,
) -> None:
    """Undo a merge: the article's event gets a record (and story) of its own.

    A pin keeps the two apart when the archive is reindexed.

    Example: kaiwatch event split 12:funding:0 57
    """
    from flows.pipeline.split import split_event
    from storage.archive import Archive

    with Archive(resolve_db_path(db)) as archive:
        outcome = split_event(archive, record, article)
    moved = f", story {outcome.story_id}" if outcome.story_id is not None else ""
    stdout.print(
        f"article {article} split off {outcome.record_key}: record {outcome.new_key}{moved}",
        highlight=False,
    )


@app.command()
@_handle_errors
def reindex(
    db: DbOption = None,
    entities: EntitiesOption = None,
    verbose: VerboseOption = False,
    log_file: LogFileOption = None,
) -> None:
    """Rebuild fingerprints, stories, mentions, amounts, events and event records.

    Run it after changing entities.yaml or the near-duplicate thresholds, and once after
    upgrading to event records. The archive is replayed in publication order, so two
    reindexes build the same records; articles split with `kaiwatch event split` stay apart.

    Example: kaiwatch reindex --db storage/kaiwatch.db
    """
    from rich.progress import Progress

    from flows.analysis.knowledge import DEFAULT_ENTITIES_PATH, load_entities
    from flows.pipeline.reindex import reindex_archive
    from storage.archive import Archive
    from storage.lease import RunLease

    kb = load_entities(entities or DEFAULT_ENTITIES_PATH)
    path = resolve_db_path(db)
    with Archive(path, readonly=True):  # a clear error when there is no archive yet
        pass
    with (
        _run_log(verbose, log_file),
        RunLease(path),
        Archive(path) as archive,
        Progress(console=stderr, transient=True, disable=not stderr.is_terminal) as progress,
    ):
        bar = progress.add_task("reindexing", total=archive.count_articles())
        counts = reindex_archive(
            archive, kb, progress=lambda done, total: progress.update(bar, completed=done)
        )
    stderr.print(
        f"{counts.articles} articles in {counts.stories} stories "
        f"({counts.near_duplicates} near-duplicates)"
    )


@app.command()
@_handle_errors
def analyze(
    path: Annotated[
        Path | None, typer.Argument(help="JSON Lines file; standard input when left out.")
    ] = None,
    entities: EntitiesOption = None,
) -> None:
    """Analyse articles given as JSON Lines: language, relevance, entities, money.

    Each input line is an object with id, title, text (and optionally url, lang,
    published); each output line has id, lang, about_korean_ai, entities, money and
    events (partnerships and funding rounds, with their evidence).
    A line that is not such an object gives {"id": null, "line": N, "error": ...}.

    Example: kaiwatch analyze articles.jsonl > analysed.jsonl
    """
    from flows.analysis.analyze import analyze_article
    from flows.analysis.entities import EntityTagger
    from flows.analysis.knowledge import DEFAULT_ENTITIES_PATH, load_entities

    kb = load_entities(entities or DEFAULT_ENTITIES_PATH)
    tagger = EntityTagger(kb)
    failures = 0
    try:
        handle = path.open(encoding="utf-8") if path else sys.stdin
    except OSError as exc:
        raise KaiwatchError(f"{path}: cannot read: {exc.strerror}") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                    raise ValueError("expected an object with a 'text' string")
                result = analyze_article(record, tagger=tagger, kb=kb)
            except ValueError as exc:  # json.JSONDecodeError is a ValueError
                failures += 1
                result = {"id": None, "line": number, "error": str(exc)}
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    if failures:
        raise typer.Exit(1)


entities_app = _Typer(help="Work on the knowledge base (entities.yaml).", no_args_is_help=True)
app.add_typer(entities_app, name="entities")


@entities_app.command("candidates")
@_handle_errors
def entities_candidates(
    db: DbOption = None,
    entities: EntitiesOption = None,
    min_count: Annotated[int, typer.Option(help="Found in at least this many articles.")] = 2,
    limit: Annotated[int, typer.Option(help="At most this many names.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Rank the names entities.yaml lacks that the archive found: by articles, then events.

    Each has a stable id (unk:…); `kaiwatch entities promote ID` turns one into an entry.

    Example: kaiwatch entities candidates --min-count 3
    """
    from flows.analysis.entities import EntityTagger
    from flows.analysis.knowledge import DEFAULT_ENTITIES_PATH, load_entities
    from storage.archive import Archive
    from storage.entities import unknown_entity_candidates

    tagger = EntityTagger(load_entities(entities or DEFAULT_ENTITIES_PATH))
    with Archive(resolve_db_path(db), readonly=True) as archive:
        found = unknown_entity_candidates(archive.conn, min_articles=min_count, limit=limit * 2)
    # A name promoted since it was stored is known now (until a reindex re-tags it).
    found = [c for c in found if not tagger.lookup(c.name)][:limit]
    rows = [
        {"id": c.id, "name": c.name, "type": c.type, "lang": c.lang, "articles": c.articles,
         "events": c.events, "first_seen": (c.first_seen or "")[:10],
         "also_written": ", ".join(x for x in c.surfaces if x and x != c.name)}
        for c in found
    ]  # fmt: skip
    if not rows and not as_json:
        stderr.print(f"No unknown names in {min_count} or more articles.")
        return
    _print_rows(rows, ["id", "name", "type", "lang", "articles", "events", "first_seen"], as_json)


_PROMOTE_TYPES = {"org": "company", "person": "person"}


@entities_app.command("promote")
@_handle_errors
def entities_promote(
    entity_id: Annotated[str, typer.Argument(help="An unknown name's id (unk:…), as listed.")],
    db: DbOption = None,
    entities: EntitiesOption = None,
    new_id: Annotated[
        str | None, typer.Option("--id", help="The entry's id (needed for a Korean name).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Its canonical English name.")] = None,
    type: Annotated[
        str | None, typer.Option("--type", help="company, person, investor, university, …")
    ] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166 alpha-2 code (KR, US…).")] = None,
    write: Annotated[
        bool, typer.Option("--write", help="Append the entry to entities.yaml (validated first).")
    ] = False,
) -> None:
    """Print the entities.yaml entry for an unknown name; with --write, append it.

    After --write, run `kaiwatch reindex` so that archived articles name it by its new id.

    Example: kaiwatch entities promote unk:moara-robotics --country KR --write
    """
    import re

    from flows.analysis.knowledge import (
        DEFAULT_ENTITIES_PATH,
        Entity,
        append_entity,
        entity_stanza,
    )
    from flows.core.text import HANGUL
    from storage.archive import Archive
    from storage.entities import unknown_entity

    with Archive(resolve_db_path(db), readonly=True) as archive:
        found = unknown_entity(archive.conn, entity_id)
    if found is None:
        raise KaiwatchError(
            f"no unknown name {entity_id!r} in the archive. "
            "Hint: `kaiwatch entities candidates` lists them."
        )
    surfaces = [x for x in dict.fromkeys((found.name, *found.surfaces)) if x]
    latin = [x for x in surfaces if not HANGUL.search(x)]
    korean = [x for x in surfaces if HANGUL.search(x)]
    canonical = name or (latin[0] if latin else found.name)
    slug = new_id or re.sub(r"[^a-z0-9]+", "-", canonical.lower()).strip("-")
    if not slug or HANGUL.search(slug):
        raise KaiwatchError(
            f"{found.name!r} has no Latin spelling for an id. Fix: pass --id and --name."
        )
    entity = Entity(
        id=slug,
        name=canonical,
        type=type or _PROMOTE_TYPES.get(found.type, "company"),  # type: ignore[arg-type]
        aliases_en=tuple(x for x in latin if x != canonical),
        aliases_ko=tuple(korean),
        country=country,
    )
    path = entities or DEFAULT_ENTITIES_PATH
    if write:
        append_entity(path, entity)
        stderr.print(
            f"{entity.id} appended to {path}; run `kaiwatch reindex` to re-tag the archive."
        )
    stdout.print(entity_stanza(entity).rstrip("\n"), highlight=False)


# -- explain ----------------------------------------------------------------------------


@app.command()
@_handle_errors
def explain(
    target: Annotated[
        str,
        typer.Argument(
            help="An archived article's id or URL, or a JSON line with id, title, text "
            "(and lang, published); '-' reads the JSON line from standard input."
        ),
    ],
    sources: SourcesOption = DEFAULT_SOURCES_PATH,
    db: DbOption = None,
    entities: EntitiesOption = None,
    as_json: JsonOption = False,
    candidates: Annotated[int, typer.Option(help="Candidates shown per type.")] = 3,
) -> None:
    """Say why an article did or did not alert: probabilities, rules, features, routing.

    Example: kaiwatch explain 42
    Example: echo '{"id": 1, "title": "…", "text": "…"}' | kaiwatch explain -
    """
    from flows.analysis.entities import EntityTagger
    from flows.analysis.events import EventDetector
    from flows.analysis.knowledge import DEFAULT_ENTITIES_PATH, load_entities
    from flows.notify.channels import load_channels
    from flows.pipeline.alert_config import AlertSettings
    from flows.pipeline.explain import explain_record

    record = _explain_target(target, db)
    settings = load_sources(sources).alerts if sources.exists() else AlertSettings()
    channels = load_channels(read_block=read_secret_block)
    detector = EventDetector(EntityTagger(load_entities(entities or DEFAULT_ENTITIES_PATH)))
    report = explain_record(record, detector=detector, settings=settings, channels=channels)
    if as_json:
        stdout.print(json.dumps(_report_json(report), ensure_ascii=False), highlight=False)
        return
    for line in _report_lines(report, candidates):
        stdout.print(line, highlight=False)


def _explain_target(target: str, db: Path | None) -> dict[str, Any]:
    """The article ``kaiwatch explain`` names: from the archive, or a JSON line."""
    text = sys.stdin.readline() if target == "-" else target
    if text.lstrip().startswith("{"):
        try:
            record = json.loads(text)
        except ValueError as exc:
            raise KaiwatchError(f"not a JSON line: {exc}") from exc
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise KaiwatchError("expected an object with a 'text' string (and title, id)")
        return record
    from flows.parse.feeds import canonicalize_url
    from storage.archive import Archive

    with Archive(resolve_db_path(db), readonly=True) as archive:
        if text.strip().isdigit():
            row = archive.get_article(int(text))
        else:
            row = archive.find_article(text.strip()) or archive.find_article(
                canonicalize_url(text.strip())
            )
    if row is None:
        raise KaiwatchError(
            f"no article {text.strip()!r} in the archive. Hint: `kaiwatch search` shows ids."
        )
    return dict(row)


def _report_json(report: Any) -> dict[str, Any]:
    from dataclasses import asdict

    from flows.analysis.events import events_to_json

    ex = report.explanation
    return {
        "id": report.id,
        "title": report.title,
        "lang": report.lang,
        "published": report.published.isoformat() if report.published else None,
        "reference_date": ex.reference_date.isoformat() if ex.reference_date else None,
        "reference_source": ex.reference_source,
        "about_korean_ai": report.about_korean_ai,
        "threshold": report.threshold,
        "types": [
            {
                "type": t.type,
                "probability": t.probability,
                "candidates": [asdict(c) for c in t.candidates],
            }
            for t in ex.types
        ],
        "events": events_to_json(list(ex.events)),
        "alerts": [asdict(v) for v in report.verdicts],
    }


def _report_lines(report: Any, candidates: int) -> list[str]:
    ex = report.explanation
    date = ex.reference_date.isoformat() if ex.reference_date else "unknown"
    lines = [
        f"{report.title or '(no title)'}  [{report.lang}, id {report.id}]",
        f"date: {date} ({ex.reference_source}); about Korean AI: "
        f"{'yes' if report.about_korean_ai else 'no'}; threshold {report.threshold:.2f}",
    ]
    verdicts = {v.type: v for v in report.verdicts}
    for t in ex.types:
        v = verdicts[t.type]
        mark = "ALERT" if v.alert else "no alert"
        lines.append("")
        lines.append(f"{t.type}: probability {t.probability:.2f} -> {mark}: {v.why}")
        if v.channels:
            lines.append(f"  to: {', '.join(v.channels)}")
        if t.event is not None:
            e = t.event
            parties = ", ".join(
                f"{n} ({r})" if r else n for n, r in zip(e.party_names, e.roles, strict=False)
            )
            lines.append(f"  event: {e.subtype}; parties: {parties or 'none'}")
            if e.amounts:
                lines.append(
                    f"  amount: {e.amounts[0].text}" + (f"; round: {e.round}" if e.round else "")
                )
        if not t.candidates:
            lines.append("  no trigger in the article")
        for c in t.candidates[:candidates]:
            lines.append(
                f"  - {c.probability:.2f} {c.trigger} ({c.trigger_reason}): {c.sentence[:140]}"
            )
            for rule_id, reason, words in c.rejections:
                lines.append(f"      doubted by {rule_id}: {reason} ({words!r})")
            for r in c.reasons[:5]:
                lines.append(f"      {r.weight:+.2f} {r.id}: {r.reason}")
    return lines


# -- alerts and digests ---------------------------------------------------------------

alerts_app = _Typer(
    help="Partnership and funding alerts: channels in $KAIWATCH_NOTIFY.", no_args_is_help=True
)
app.add_typer(alerts_app, name="alerts")


@alerts_app.command("test")
@_handle_errors
def alerts_test() -> None:
    """Send a test message to every configured channel; say which accepted it.

    Exits 1 when a channel did not accept it, or when no channel is configured.

    Example: KAIWATCH_NOTIFY="mailto://user:pass@gmail.com" kaiwatch alerts test
    """
    from flows.core.secrets import install_secret_filter
    from flows.notify.channels import NOTIFY_ENV, read_channels
    from flows.pipeline.alerts import send_test

    install_secret_filter()
    found = read_channels(read_block=read_secret_block)
    for broken in found.broken:
        stderr.print(f"[red]Error:[/red] {escape(broken.problem)}", highlight=False, markup=True)
    if not found.channels and not found.broken:
        stderr.print(f"No channel: set {NOTIFY_ENV} (apprise URLs, e.g. mailto://…, slack://…).")
        raise typer.Exit(1)
    results = send_test(found.channels)
    for channel, reason in results:
        mark = "[green]accepted[/green]" if reason is None else (
            f"[red]did not accept[/red] ({escape(reason)})")  # fmt: skip
        stdout.print(f"{escape(channel.label)}: {mark}", highlight=False, markup=True)
    if found.broken or any(reason is not None for _, reason in results):
        raise typer.Exit(1)


@alerts_app.command("list")
@_handle_errors
def alerts_list(
    db: DbOption = None,
    pending: Annotated[bool, typer.Option("--pending", help="Only deliveries to retry.")] = False,
    dead: Annotated[bool, typer.Option("--dead", help="Only deliveries given up.")] = False,
    limit: Annotated[int, typer.Option()] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per delivery.")] = False,
) -> None:
    """The latest alert and digest deliveries, newest first.

    Example: kaiwatch alerts list --dead
    """
    from storage.alerts import delivery_tries, list_deliveries
    from storage.archive import Archive

    status = "pending" if pending else "dead" if dead else None
    with Archive(resolve_db_path(db), readonly=True) as archive:
        rows = list_deliveries(archive.conn, status, limit)
        titles = {row.id: _delivery_subject(archive, row.alert_id, row.digest_id) for row in rows}
        tries = {row.id: delivery_tries(archive.conn, row.id) for row in rows}
    if as_json:
        for row in rows:
            record = {**row.__dict__, "what": titles[row.id], "tries": tries[row.id]}
            stdout.print(json.dumps(record, ensure_ascii=False), highlight=False, markup=False)
        return
    if not rows:
        stderr.print("No deliveries." if status is None else f"No {status} deliveries.")
        return
    table = Table("id", "status", "tries", "channel", "what", "last error / sent")
    for row in rows:
        manual = f" ({row.retries} by retry)" if row.retries else ""
        last = row.sent_at or row.last_error or f"next {row.next_attempt_at}"
        if row.status == "pending" and row.last_error:
            last += f"; next {row.next_attempt_at}"
        cells = [
            str(row.id), row.status, f"{row.attempts}{manual}", row.channel_label, titles[row.id],
            last,
        ]  # fmt: skip
        table.add_row(*cells)
    stdout.print(table)


def _delivery_subject(archive: Any, alert_id: int | None, digest_id: int | None) -> str:
    from flows.notify.messages import headline
    from storage.alerts import alert_view, digest_period

    if digest_id is not None:
        period, _, _, label = digest_period(archive.conn, digest_id)
        return f"{period} digest {label}"
    view = alert_view(archive.conn, alert_id or 0)
    return f"[{view.type}] {headline(view)}" if view else f"alert {alert_id} (event gone)"


@alerts_app.command("retry")
@_handle_errors
def alerts_retry(sources: SourcesOption = DEFAULT_SOURCES_PATH, db: DbOption = None) -> None:
    """Make pending and dead deliveries due now, and send them.

    Example: kaiwatch alerts retry
    """
    from flows.core.secrets import install_secret_filter
    from flows.notify.channels import read_channels
    from flows.pipeline.alerts import deliver_due
    from storage.alerts import retry_deliveries
    from storage.archive import Archive, iso_utc, utc_now

    install_secret_filter()
    config = load_sources(sources)
    found = read_channels(read_block=read_secret_block)
    for broken in found.broken:
        stderr.print(f"[red]Error:[/red] {escape(broken.problem)}", highlight=False, markup=True)
    with Archive(resolve_db_path(db)) as archive:
        now = utc_now()
        with archive.write() as conn:
            revived = retry_deliveries(conn, iso_utc(now) or "")
        counts = deliver_due(
            archive, config.alerts, found.channels, now, timezone=config.settings.timezone
        )
    stdout.print(f"{revived} deliveries retried: {counts.deliveries()}", highlight=False)
    if counts.failed or counts.dead or found.broken:
        raise typer.Exit(1)


@app.command()
@_handle_errors
def digest(
    sources: SourcesOption = DEFAULT_SOURCES_PATH,
    db: DbOption = None,
    weekly: Annotated[bool, typer.Option("--weekly", help="The last full week.")] = False,
    daily: Annotated[bool, typer.Option("--daily", help="The last full day.")] = False,
    preview: Annotated[
        bool, typer.Option("--preview", help="Print the digest instead of sending it.")
    ] = False,
    day: Annotated[
        str | None,
        typer.Option(
            "--day",
            metavar="DATE",
            help="The day (YYYY-MM-DD or 'today'), or with --weekly the week holding it. "
            "[default: the last full day or week]",
        ),
    ] = None,
    verbose: VerboseOption = False,
    log_file: LogFileOption = None,
) -> None:
    """Send the digest of the last day (or week) to the digest channels.

    Example: kaiwatch digest --weekly --preview
    Example: kaiwatch digest --preview --day today
    """
    from datetime import UTC, datetime

    from flows.app.digest import digest_label, digest_moment

    config = load_sources(sources)
    period = "weekly" if weekly else "daily" if daily else config.alerts.digest.period
    timezone = config.settings.timezone
    now = digest_moment(day, period, timezone) if day else datetime.now(UTC)
    label = digest_label(period, now, timezone)
    if preview:
        from flows.app.digest import digest_window
        from flows.notify.messages import digest_message
        from flows.pipeline.alerts import digest_events
        from storage.archive import Archive

        start, end = digest_window(period, now, timezone)
        with Archive(resolve_db_path(db), readonly=True) as archive:
            views = digest_events(archive.conn, start, end, config.alerts.threshold)
        message = digest_message(
            views, period=period, label=label, channel_format="text", timezone=timezone
        )
        stdout.print(f"{message.title}\n\n{message.text}", highlight=False, markup=False)
        return
    prepare_prefect_environment()
    from flows.app.digest import digest as digest_flow

    with _run_log(verbose, log_file):
        counts = digest_flow(
            sources_path=str(sources), db_path=str(resolve_db_path(db)), period=period, day=day
        )
    for broken in counts.broken:
        stderr.print(
            f"[red]Error:[/red] {escape(broken)} cannot be loaded by apprise: the digest waits "
            "for it. Fix its URL (forms: https://github.com/caronc/apprise/wiki).",
            highlight=False, markup=True,
        )  # fmt: skip
    if counts.waiting:
        stderr.print("No digest channel: set $KAIWATCH_NOTIFY (see README, Alerts).")
        raise typer.Exit(1)
    if counts.already_sent and not (counts.sent or counts.failed or counts.dead):
        result = f"already sent to {counts.already_sent} channel(s); nothing sent again"
    else:
        result = counts.deliveries()
    stdout.print(f"digest {label} ({period}): {result}", highlight=False)
    if counts.failed or counts.dead or counts.broken:
        raise typer.Exit(1)


@app.command()
@_handle_errors
def runs(db: DbOption = None, limit: Annotated[int, typer.Option()] = 10) -> None:
    """Show the latest runs and their counts.

    Example: kaiwatch runs --limit 5
    """
    from storage.archive import Archive

    with Archive(resolve_db_path(db), readonly=True) as archive:
        rows = archive.runs(limit)
    table = Table(
        "run", "started", "status", "feeds", "304", "feeds failed", "new", "dup", "irrel.",
        "entries failed", "why",
    )  # fmt: skip
    for row in rows:
        table.add_row(
            str(row["id"]), row["started_at"], row["status"], str(row["feeds_polled"]),
            str(row["feeds_not_modified"]), str(row["feeds_failed"]), str(row["articles_new"]),
            str(row["articles_duplicate"]), str(row["articles_irrelevant"]),
            str(row["articles_failed"]), row.get("reasons") or row["error"] or "",
        )  # fmt: skip
    stdout.print(table)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
