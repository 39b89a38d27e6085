"""``kaiwatch serve``: the ingest and digest deployments on a Prefect server, watched.

What a user sees first: where the UI is, which deployments and schedules were
created, and when each is next due. Afterwards two things are watched so that a
dead schedule does not go unnoticed (the suite was once green while no scheduled
run ever started):

* the Prefect server's own log, when kaiwatch started the server: an ERROR there
  is printed on stderr, and a scheduler error is also sent to the operator channel;
* the schedule itself, through the API: each deployment must have a scheduled run
  soon after it is created, whoever runs the server.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape

from flows.app.prefect_server import (
    PrefectServer,
    ServerError,
    api_client,
    local_prefect_server,
    next_scheduled_run,
)
from flows.app.secret_blocks import read_secret_block
from flows.notify.operator import deliver_operator_messages, operator_urls
from flows.pipeline.config import SourcesFile
from storage.archive import Archive

__all__ = ["FIRST_SCHEDULE_GRACE", "ScheduleAlarm", "next_fire", "serve"]

# The server's scheduler places runs for a new deployment within seconds (its
# "recent deployments" loop runs every 5 s, the full loop every 60 s).
FIRST_SCHEDULE_GRACE = 90.0
RECHECK_EVERY = 300.0
# The same problem is told again at most this often while it lasts.
REPEAT_AFTER = 3600.0
# Prefect places scheduled runs at most this far ahead (its scheduler's default).
SCHEDULE_HORIZON_DAYS = 100


@dataclass(frozen=True)
class ServedDeployment:
    """A deployment ``kaiwatch serve`` registered, with its schedule."""

    id: str
    name: str  # flow-name/deployment-name, as Prefect's CLI and UI show it
    cron: str
    timezone: str


def next_fire(cron: str, timezone: str, after: datetime | None = None) -> datetime | None:
    """When ``cron`` (in ``timezone``) next fires, as Prefect's scheduler computes it."""
    from prefect.server.schemas.schedules import CronSchedule

    dates = asyncio.run(
        CronSchedule(cron=cron, timezone=timezone).get_dates(n=1, start=after or datetime.now(UTC))
    )
    return dates[0] if dates else None


class ScheduleAlarm:
    """Tell the operator about a serve problem: on stderr, and for scheduling on the channel.

    Each distinct problem is told once, then again at most every hour while it lasts.
    Channel messages are queued in the archive first, so one that cannot be sent now
    goes out after a later run.
    """

    def __init__(self, console: Console, db_path: Path, log_path: Path | None = None) -> None:
        self._console = console
        self._db_path = db_path
        self.log_path = log_path
        self._told: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self.last_server_error: ServerError | None = None

    def server_error(self, error: ServerError) -> None:
        """An ERROR block from the server's log (called from its reader thread)."""
        self.last_server_error = error
        if error.is_scheduler:
            self.problem(
                f"scheduler:{error.job}:{error.summary}",
                "Prefect's scheduler failed: scheduled runs will not start",
                error.describe(),
            )
        else:
            self.problem(f"server:{error.summary}", "the Prefect server logged an error",
                         error.describe(), to_channel=False)  # fmt: skip

    def problem(self, key: str, headline: str, detail: str, *, to_channel: bool = True) -> None:
        """Tell ``headline: detail`` unless it was told less than an hour ago."""
        now = time.monotonic()
        with self._lock:
            told_at, count = self._told.get(key, (-REPEAT_AFTER, 0))
            self._told[key] = (told_at, count + 1)
            if now - told_at < REPEAT_AFTER:
                return
            self._told[key] = (now, 1)
        where = f" Full log: {self.log_path}" if self.log_path else ""
        again = f" (seen {count} more times in the last hour)" if count else ""
        self._console.print(
            f"[red]kaiwatch serve: {escape(headline)}[/red]: {escape(detail)}{again}.{where}",
            highlight=False,
        )
        if to_channel:
            self._send(f"kaiwatch: {headline}", f"{detail}{again}.{where}")

    def _send(self, subject: str, body: str) -> None:
        try:
            urls = operator_urls(read_block=read_secret_block)
            with Archive(self._db_path) as archive:
                archive.add_operator_message("serve", subject, body)
                deliver_operator_messages(archive, urls)
        except Exception as exc:  # a broken channel must not stop the watch
            self._console.print(f"kaiwatch serve: could not tell the operator channel: {exc}")


def watch_schedule(
    api_url: str,
    deployments: list[ServedDeployment],
    alarm: ScheduleAlarm,
    console: Console,
    stop: threading.Event,
) -> None:
    """Check through the API that every deployment keeps a scheduled run (run in a thread)."""
    started = time.monotonic()
    confirmed: set[str] = set()
    with api_client(api_url) as client:
        while not stop.is_set():
            for deployment in deployments:
                expected = next_fire(deployment.cron, deployment.timezone)
                if expected is None or (expected - datetime.now(UTC)).days >= SCHEDULE_HORIZON_DAYS:
                    continue  # Prefect does not place runs that far ahead
                scheduled = next_scheduled_run(client, deployment.id)
                if scheduled is None and time.monotonic() - started > FIRST_SCHEDULE_GRACE:
                    cause = alarm.last_server_error
                    alarm.problem(
                        f"unscheduled:{deployment.name}",
                        f"no scheduled run of {deployment.name}",
                        f"the Prefect server has placed no run of {deployment.name} "
                        f"({deployment.cron}, {deployment.timezone}) although one is due at "
                        f"{_local(expected, deployment.timezone)}; its scheduler is not working"
                        + (f" (last server error: {cause.describe()})" if cause else ""),
                    )
                elif scheduled is not None and deployment.id not in confirmed:
                    confirmed.add(deployment.id)
                    console.print(
                        f"Prefect scheduled {deployment.name}: next run at "
                        f"{_local(scheduled, deployment.timezone)}",
                        highlight=False,
                    )
            wait = 5.0 if len(confirmed) < len(deployments) else RECHECK_EVERY
            stop.wait(wait)


def _local(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    minutes = max(0, round((moment - datetime.now(UTC)).total_seconds() / 60))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} (in {_duration(minutes)})"


def _duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} days"


def serve(
    config: SourcesFile,
    *,
    sources_path: Path,
    db_path: Path,
    port: int,
    prefect_home: Path,
    console: Console,
) -> None:
    """Register both deployments, print the first screen, run them until interrupted."""
    alarm = ScheduleAlarm(console, db_path)
    log_path = prefect_home / "kaiwatch-prefect-server.log"
    with local_prefect_server(port=port, log_path=log_path, on_error=alarm.server_error) as server:
        alarm.log_path = server.log_path
        from prefect.settings import PREFECT_API_URL, temporary_settings

        # Whatever imported Prefect before the server was up, talk to this server.
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            _run_deployments(config, sources_path, db_path, server, alarm, console)


def _run_deployments(
    config: SourcesFile,
    sources_path: Path,
    db_path: Path,
    server: PrefectServer,
    alarm: ScheduleAlarm,
    console: Console,
) -> None:
    from prefect.exceptions import TerminationSignal
    from prefect.runner import Runner
    from prefect.schedules import Cron

    from flows.app.digest import digest
    from flows.app.ingest import ingest

    timezone = config.settings.timezone
    parameters = {"sources_path": str(sources_path.resolve()), "db_path": str(db_path.resolve())}
    wanted: list[tuple[Any, str, str, str]] = [
        (ingest, "kaiwatch", config.settings.schedule,
         "Poll the feeds in sources.yaml, archive new articles, send alerts."),
        (digest, "kaiwatch-digest", config.alerts.digest.cron,
         f"Send the {config.alerts.digest.period} digest of events."),
    ]  # fmt: skip
    runner = Runner(pause_on_shutdown=False)
    served = []
    for flow, name, cron, description in wanted:
        deployment_id = runner.add_deployment(
            flow.to_deployment(
                name=name,
                schedule=Cron(cron, timezone=timezone),
                parameters=parameters,
                description=description,
                # One run at a time: overlapping runs would only wait on each other.
                concurrency_limit=1,
            )
        )
        served.append(ServedDeployment(str(deployment_id), f"{flow.name}/{name}", cron, timezone))
    _print_first_screen(console, server, db_path, alarm.log_path, served)
    stop = threading.Event()
    watcher = threading.Thread(
        target=watch_schedule,
        args=(server.api_url, served, alarm, console, stop),
        name="kaiwatch-schedule-watch",
        daemon=True,
    )
    watcher.start()
    try:
        asyncio.run(runner.start())
    except (KeyboardInterrupt, TerminationSignal):
        console.print("kaiwatch serve: stopping.")
    finally:
        stop.set()


def _print_first_screen(
    console: Console,
    server: PrefectServer,
    db_path: Path,
    log_path: Path | None,
    served: list[ServedDeployment],
) -> None:
    lines = [
        f"kaiwatch serve: Prefect UI at {server.ui_url}  (API {server.api_url})",
        f"  archive:     {db_path.resolve()}",
        f"  server log:  {log_path}" if log_path else "  server:      not started by kaiwatch",
        "  deployments:",
    ]
    for deployment in served:
        due = next_fire(deployment.cron, deployment.timezone)
        when = _local(due, deployment.timezone) if due else "never"
        lines.append(
            f"    {deployment.name:<34} cron {deployment.cron!r} ({deployment.timezone}), next run {when}"
        )
    lines.append("Runs show in the UI and in `kaiwatch runs`. Stop with Ctrl-C or SIGTERM.")
    console.print("\n".join(escape(line) for line in lines), highlight=False)
