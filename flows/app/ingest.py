"""The ingest flow: poll every feed, archive new articles, record the run.

This module is the only place that adds Prefect to the pipeline. The feeds of
one host form one coarse task (``poll-host``); the tasks run on a thread pool,
so different hosts are polled concurrently while :class:`flows.fetch.client.HttpClient`
keeps one request in flight per host (article pages live on other hosts too).
Every task writes its own batches; SQLite serialises the writers through
``BEGIN IMMEDIATE`` and the busy timeout.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from flows.analysis.entities import EntityTagger
from flows.analysis.knowledge import DEFAULT_ENTITIES_PATH, KnowledgeBase, load_entities
from flows.app.secret_blocks import read_secret_block
from flows.core.errors import ConfigError, RunInProgress
from flows.core.secrets import install_secret_filter
from flows.fetch.client import HttpClient
from flows.fetch.robots import RobotsPolicy
from flows.notify.channels import read_channels
from flows.notify.operator import deliver_operator_messages, operator_urls
from flows.pipeline.alert_config import AlertSettings
from flows.pipeline.alerts import AlertCounts, deliver_alerts
from flows.pipeline.config import (
    Settings,
    Source,
    SourcesFile,
    adhoc_sources,
    load_sources,
    resolve_db_path,
    resolve_sources_path,
)
from flows.pipeline.poll import FeedReport, RunSummary, poll_feed
from storage.archive import Archive
from storage.entities import sync_entities
from storage.lease import RunLease

__all__ = ["FLOW_NAME", "feed_progress", "ingest", "run_ingest"]

FLOW_NAME = "kaiwatch-ingest"


_progress: list[Callable[[int, int], None]] = []


@contextmanager
def feed_progress(listener: Callable[[int, int], None]) -> Iterator[None]:
    """Call ``listener(done, total)`` as the hosts' feeds of a run are polled (a progress bar).

    Not a flow parameter: Prefect records those, and a function is not data.
    """
    _progress.append(listener)
    try:
        yield
    finally:
        _progress.remove(listener)


@task(
    name="poll-host",
    task_run_name="poll-{host}",
    retries=1,
    retry_delay_seconds=[10],
    retry_jitter_factor=0.5,
    # No timeout_seconds: Prefect cannot interrupt a task in a worker thread. Every
    # request has its own connect and total deadline in flows.fetch.client instead.
    # Inputs hold a live HTTP client; nothing here is worth caching across runs.
    cache_policy=NO_CACHE,
)
def poll_host_task(
    host: str,
    sources: list[Source],
    db_path: str,
    settings: Settings,
    client: HttpClient,
    robots: RobotsPolicy,
    tagger: EntityTagger | None,
    run_id: int,
    poll_now: bool = False,
    retry_failed: bool = False,
) -> list[FeedReport]:
    """Poll the feeds of one host, one after another (one SQLite connection per task).

    Feeds of one host would wait on each other anyway (one request in flight
    per host), and one task per host instead of per feed keeps Prefect's
    per-task overhead small when a host serves hundreds of feeds.
    """
    logger = get_run_logger()
    reports = []
    with Archive(db_path, migrate=False) as archive:
        for source in sources:
            report = poll_feed(
                source,
                archive=archive,
                client=client,
                settings=settings,
                robots=robots,
                tagger=tagger,
                run_id=run_id,
                poll_now=poll_now,
                retry_failed=retry_failed,
            )
            reports.append(report)
            if report.status == "failed":  # the run summary lists it, with its error
                logger.info("%s: failed: %s", source.name, report.error)
            else:
                logger.info(
                    "%s: %s, %d entries, %d new, %d duplicate, %d irrelevant, %d failed",
                    source.name, report.status, report.entries_seen, report.new,
                    report.duplicate, report.irrelevant, report.failed,
                )  # fmt: skip
    return reports


@flow(name=FLOW_NAME, log_prints=False, validate_parameters=True)
def ingest(
    sources_path: str | None = None,
    db_path: str | None = None,
    feed_urls: list[str] | None = None,
    allow_private_network: bool = False,
    entities_path: str | None = None,
    poll_now: bool = False,
    retry_failed: bool = False,
) -> RunSummary:
    """Poll the feeds once and archive what is new.

    :param sources_path: the sources file (feeds and settings); default
        ``$KAIWATCH_SOURCES`` or ``sources.yaml``.
    :param db_path: the archive; default ``$KAIWATCH_DB`` or ``storage/kaiwatch.db``.
    :param feed_urls: poll just these feeds with default settings instead of the file's.
    :param allow_private_network: with ``feed_urls``: their article links may reach
        private addresses.
    :param entities_path: the knowledge base; default ``entities.yaml`` (tagging is
        off, with a warning, when that default file is absent).
    :param poll_now: poll the feeds that are not due yet too.
    :param retry_failed: retry every failed entry now, whatever its attempts.
    """
    config = _load_config(resolve_sources_path(sources_path), feed_urls, allow_private_network)
    kb = _load_knowledge_base(entities_path)
    return run_ingest(
        config, str(resolve_db_path(db_path)), kb, poll_now=poll_now, retry_failed=retry_failed
    )


def _load_knowledge_base(entities_path: str | None) -> KnowledgeBase | None:
    if entities_path is None and not DEFAULT_ENTITIES_PATH.exists():
        get_run_logger().warning(
            "no %s here: entity tagging is off (pass --entities PATH)", DEFAULT_ENTITIES_PATH
        )
        return None
    return load_entities(entities_path or DEFAULT_ENTITIES_PATH)


def _load_config(
    sources_path: Path, feed_urls: list[str] | None, allow_private_network: bool
) -> SourcesFile:
    if feed_urls:
        base = load_sources(sources_path) if sources_path.exists() else None
        return adhoc_sources(feed_urls, base, allow_private_network=allow_private_network)
    return load_sources(sources_path)


def run_ingest(
    config: SourcesFile,
    db_path: str,
    kb: KnowledgeBase | None = None,
    *,
    poll_now: bool = False,
    retry_failed: bool = False,
) -> RunSummary:
    """The body of :func:`ingest`, for callers already inside a flow run.

    Another run writing to the same archive makes this one return at once
    with ``summary.blocked`` set: nothing is polled, nothing is lost (the
    other run, or the next one, polls the feeds).
    """
    logger = get_run_logger()
    install_secret_filter()
    with Archive(db_path):  # applies migrations before the lease and the feed tasks
        pass
    try:
        with RunLease(db_path):
            tagger = None
            if kb is not None:
                with Archive(db_path, migrate=False) as archive, archive.write() as conn:
                    sync_entities(conn, kb)
                tagger = EntityTagger(kb)
            summary = _poll_all(config, db_path, logger, tagger, poll_now, retry_failed)
    except RunInProgress as exc:  # only the lease raises it
        logger.warning("%s", exc)
        return RunSummary(blocked=str(exc))
    summary.alerts = deliver_alerts_task(db_path, config.alerts, config.settings.timezone)
    notify_operator_task(db_path)
    return summary


@task(name="deliver-alerts", retries=0, cache_policy=NO_CACHE)
def deliver_alerts_task(db_path: str, settings: AlertSettings, timezone: str) -> AlertCounts:
    """Route new alerts and send what is due to the channels in KAIWATCH_NOTIFY.

    A channel apprise cannot load does not stop the others; its alerts wait, and the
    summary and the operator channel name it (by its place in the list, not its URL).
    """
    logger = get_run_logger()
    try:
        found = read_channels(read_block=read_secret_block)
    except ConfigError as exc:  # the alerts are queued; they wait for a fix
        logger.error("alerts not sent: %s", exc)
        return AlertCounts(error=str(exc))
    with Archive(db_path, migrate=False) as archive:
        counts = deliver_alerts(
            archive, settings, found.channels, timezone=timezone, broken=found.broken
        )
        for broken in found.broken:
            archive.add_operator_message(
                "channel-broken",
                f"kaiwatch cannot load alert {broken.label}",
                f"{broken.problem} Until it is fixed, the alerts for it wait in the outbox "
                "(the other channels still get theirs). Check it with `kaiwatch alerts test`.",
                once_a_day=True,
            )
        if counts.dead:  # nobody reads run logs every day: tell the operator channel
            archive.add_operator_message(
                "alerts-dead",
                f"kaiwatch gave up on {counts.dead} alert delivery(ies)",
                f"{counts.dead} alert delivery(ies) failed {settings.max_attempts} times and "
                "were marked dead. See them with `kaiwatch alerts list --dead`; after fixing "
                "the channel, send them with `kaiwatch alerts retry`.",
            )
    logger.info("%s", counts.format())
    return counts


@task(name="notify-operator", retries=0, cache_policy=NO_CACHE)
def notify_operator_task(db_path: str) -> None:
    """Deliver queued operator messages (paused feeds, …) to KAIWATCH_OPERATOR_NOTIFY."""
    try:
        urls = operator_urls(read_block=read_secret_block)
    except ConfigError as exc:  # the articles are archived; the messages wait for a fix
        get_run_logger().error("operator messages not sent: %s", exc)
        return
    with Archive(db_path, migrate=False) as archive:
        counts = deliver_operator_messages(archive, urls)
    if counts.sent or counts.failed:
        get_run_logger().info(
            "operator messages: %d sent, %d not delivered", counts.sent, counts.failed
        )


def _poll_all(
    config: SourcesFile,
    db_path: str,
    logger: Any,
    tagger: EntityTagger | None,
    poll_now: bool = False,
    retry_failed: bool = False,
) -> RunSummary:
    sources = config.enabled_sources()
    with Archive(db_path, migrate=False) as archive:
        run_id = archive.start_run()
    summary = RunSummary(run_id=run_id)
    status, error = "ok", None
    by_host: dict[str, list[Source]] = defaultdict(list)
    for source in sources:
        by_host[source.host].append(source)
    runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(
        max_workers=config.settings.max_workers
    )
    try:
        with HttpClient() as client, runner:
            robots = RobotsPolicy(client)  # one robots.txt cache for the run, shared by hosts
            futures = {
                host: runner.submit(
                    poll_host_task,
                    parameters={
                        "host": host,
                        "sources": host_sources,
                        "db_path": db_path,
                        "settings": config.settings,
                        "client": client,
                        "robots": robots,
                        "tagger": tagger,
                        "run_id": run_id,
                        "poll_now": poll_now,
                        "retry_failed": retry_failed,
                    },
                )
                for host, host_sources in by_host.items()
            }
            for host, future in futures.items():
                try:
                    summary.reports.extend(future.result())
                except Exception as exc:  # a bug in one host's task must not lose the others
                    logger.error("%s: task crashed: %s", host, exc)
                    summary.reports.extend(
                        FeedReport(source.name, source.url, status="failed", error=str(exc))
                        for source in by_host[host]
                    )
                for listener in list(_progress):
                    listener(len(summary.reports), len(sources))
    except BaseException as exc:
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        with Archive(db_path, migrate=False) as archive:
            archive.finish_run(
                run_id, summary.counts(), status=status, error=error, reasons=summary.reasons()
            )
    for line in summary.format().splitlines():
        logger.info(line)
    return summary
