"""The schedules really fire: `kaiwatch serve` and the work-pool deployment, as a user runs them.

Real processes on 127.0.0.1: `kaiwatch serve` with the Prefect server it starts, or
`prefect server start` + `prefect deploy` + `prefect worker start`; feeds, pages and the
alert webhook on the fixture server. Nothing is triggered by hand where the point is
the schedule: the runs are the ones Prefect's scheduler placed. When no run comes, the
failure shows the tail of the Prefect server's log, so that a dependency that breaks
the scheduler (SQLAlchemy 2.1 did) names itself.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from flows.app.prefect_server import ServerError, ServerLogWatcher
from flows.app.serve import ScheduleAlarm
from flows.pipeline.config import load_sources
from helpers import (
    REPO,
    free_port,
    group_alive,
    kaiwatch_command,
    prefect_env,
    process_group,
    tail,
    wait_for,
)
from storage.archive import Archive

pytestmark = pytest.mark.slow

SEOUL = ZoneInfo("Asia/Seoul")
EARLY_TITLE = "Samsung and Naver sign AI chip MOU"
EARLY_TEXT = [
    "Samsung Electronics and Naver signed a memorandum of understanding in Seoul to develop "
    "artificial intelligence chips for data centres, the two Korean companies said.",
    "The agreement covers joint development of hardware and software for large language "
    "models, with engineers from both firms working together at a new lab.",
    "Neither company disclosed the value of the deal, which follows months of talks about "
    "reducing the cost of running AI services in Korea.",
]
LATE_TITLE = "Upstage raises 100 billion won in Series B to expand its AI models"
LATE_TEXT = [
    "Seoul-based AI start-up Upstage said it has raised 100 billion won in a Series B round "
    "led by SK Networks, to expand its large language model business in Korea.",
    "The company will use the money to hire engineers and build data centres, its chief "
    "executive told reporters in Seoul.",
    "Upstage makes the Solar family of language models used by Korean banks and insurers.",
]


def _page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f"<article><h1>{title}</h1>{body}</article></body></html>"
    )


def _feed(title: str, link: str, published: datetime) -> str:
    date = published.strftime("%a, %d %b %Y %H:%M:%S %z")
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{date}</pubDate></item></channel></rss>"
    )


def _serve_site(feed_server: Any) -> tuple[str, str]:
    """Two feeds, each with one article; yesterday's (for the digest) and today's."""
    yesterday = (datetime.now(SEOUL) - timedelta(days=1)).replace(hour=12, minute=0, second=0)
    today = datetime.now(SEOUL) - timedelta(minutes=5)
    for name, title, text, published in (
        ("early", EARLY_TITLE, EARLY_TEXT, yesterday),
        ("late", LATE_TITLE, LATE_TEXT, today),
    ):
        feed_server.route(f"/{name}/story", _page(title, text))
        feed_server.route(
            f"/{name}.xml",
            _feed(title, feed_server.url(f"/{name}/story"), published),
            content_type="application/rss+xml",
        )
    feed_server.route("/hook", "ok")
    feed_server.route("/operator", "ok")
    return feed_server.url("/early.xml"), feed_server.url("/late.xml")


def _sources(tmp_path: Path, feed_url: str, *, digest_cron: str) -> Path:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        yaml.safe_dump(
            {
                "settings": {"schedule": "* * * * *", "timezone": "Asia/Seoul"},
                "alerts": {"digest": {"schedule": digest_cron}},
                "sources": [{"name": "local", "url": feed_url, "allow_private_network": True}],
            }
        ),
        encoding="utf-8",
    )
    return sources


def _webhook(feed_server: Any, path: str) -> str:
    return feed_server.url(path).replace("http://", "json://")


def _posts(feed_server: Any, path: str) -> list[dict[str, Any]]:
    return [json.loads(hit.body) for hit in feed_server.hits(path) if hit.method == "POST"]


def _titles(db: Path) -> list[str]:
    if not db.exists():
        return []
    with Archive(db, readonly=True) as archive:
        return [row["title"] for row in archive.iter_articles()]


def _seed_yesterday(feed_url: str, db: Path, tmp_path: Path) -> None:
    """Archive yesterday's article with a one-off `kaiwatch run` (no channel yet)."""
    done = subprocess.run(
        kaiwatch_command("run", "--feed", feed_url, "--allow-private-network", "--db", str(db)),
        cwd=REPO, env=prefect_env(tmp_path / "seed-prefect"), capture_output=True, text=True,
        timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert _titles(db) == [EARLY_TITLE]


def _flow_runs(api: str, deployment_name: str) -> list[dict[str, Any]]:
    """The flow runs of one deployment (by its name), newest first; [] while the API is busy."""
    try:
        with httpx.Client(base_url=api, timeout=10) as client:
            found = client.post(
                "/deployments/filter",
                json={"deployments": {"name": {"any_": [deployment_name]}}},
            )
            if found.status_code != 200 or not found.json():
                return []
            runs = client.post(
                "/flow_runs/filter",
                json={
                    "deployments": {"id": {"any_": [found.json()[0]["id"]]}},
                    "sort": "EXPECTED_START_TIME_DESC",
                },
            )
    except httpx.HTTPError:
        return []
    return list(runs.json()) if runs.status_code == 200 else []


def _completed_by_schedule(api: str, deployment_name: str) -> list[dict[str, Any]]:
    return [
        run
        for run in _flow_runs(api, deployment_name)
        if run["state_type"] == "COMPLETED" and run["auto_scheduled"]
    ]


def test_serve_runs_ingest_and_digest_on_their_schedules(feed_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    early_feed, late_feed = _serve_site(feed_server)
    db = tmp_path / "kw.db"
    _seed_yesterday(early_feed, db, tmp_path)
    # Ingest every minute; the digest every minute too (yesterday's events are already in).
    sources = _sources(tmp_path, late_feed, digest_cron="* * * * *")
    prefect_home = tmp_path / "prefect"
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    out = tmp_path / "serve.out"
    server_log = prefect_home / "kaiwatch-prefect-server.log"
    env = prefect_env(
        prefect_home,
        KAIWATCH_NOTIFY=_webhook(feed_server, "/hook"),
        KAIWATCH_OPERATOR_NOTIFY=_webhook(feed_server, "/operator"),
    )
    command = kaiwatch_command(
        "serve", "--sources", str(sources), "--db", str(db), "--port", str(port)
    )

    def explain() -> str:
        posted = [p["title"] for p in _posts(feed_server, "/hook")]
        return f"posted to the webhook: {posted}\n{tail(out)}\n{tail(server_log)}"

    with process_group(command, log=out, env=env, cwd=REPO) as serve:
        # The first screen: where the UI is, what was deployed, when it runs next.
        first = wait_for(
            lambda: "next run" in out.read_text() and out.read_text(), 180, "the first screen",
            explain=explain,
        )  # fmt: skip
        assert f"Prefect UI at http://127.0.0.1:{port}" in first
        assert f"server log:  {server_log}" in first
        assert "kaiwatch-ingest/kaiwatch " in first and "cron '* * * * *' (Asia/Seoul)" in first
        assert "kaiwatch-digest/kaiwatch-digest" in first

        # A run placed by Prefect's scheduler (not one we asked for) archives the article.
        wait_for(lambda: LATE_TITLE in _titles(db), 240, "a scheduled ingest run", explain=explain)
        ingest_runs = wait_for(
            lambda: _completed_by_schedule(api, "kaiwatch"), 60, "the completed ingest run",
            explain=explain,
        )  # fmt: skip
        assert ingest_runs[0]["parameters"]["db_path"] == str(db.resolve())
        alert = wait_for(
            lambda: [p for p in _posts(feed_server, "/hook") if "Upstage" in p["title"]],
            60, "the alert for the new article", explain=explain,
        )  # fmt: skip
        assert alert[0]["title"].startswith("[Funding] Upstage raises 100 billion won")

        digest = wait_for(
            lambda: [p for p in _posts(feed_server, "/hook") if "digest" in p["title"]],
            180, "the scheduled digest", explain=explain,
        )  # fmt: skip
        yesterday = (datetime.now(SEOUL) - timedelta(days=1)).date().isoformat()
        assert digest[0]["title"].startswith(f"kaiwatch daily digest, {yesterday}: 1 event")
        assert "Samsung" in digest[0]["message"] and "Naver" in digest[0]["message"]
        assert _completed_by_schedule(api, "kaiwatch-digest"), explain()
        # A healthy scheduler: nothing for the operator, no error on the first screen.
        assert _posts(feed_server, "/operator") == []
        assert "Prefect's scheduler failed" not in out.read_text()

        # SIGTERM (kill, systemd) stops kaiwatch and the Prefect server it started.
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
        wait_for(lambda: not group_alive(serve.pid), 30, "every process of serve to exit")
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{api}/health", timeout=5)


def test_serve_tells_the_operator_when_the_server_schedules_nothing(
    feed_server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A server whose scheduler does not run (here: switched off) is noticed through the API."""
    _, late_feed = _serve_site(feed_server)
    sources = _sources(tmp_path, late_feed, digest_cron="0 8 * * *")
    prefect_home = tmp_path / "prefect"
    out = tmp_path / "serve.out"
    env = prefect_env(
        prefect_home,
        KAIWATCH_OPERATOR_NOTIFY=_webhook(feed_server, "/operator"),
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
    )
    command = kaiwatch_command(
        "serve", "--sources", str(sources), "--db", str(tmp_path / "kw.db"),
        "--port", str(free_port()),
    )  # fmt: skip
    with process_group(command, log=out, env=env, cwd=REPO) as serve:
        told = wait_for(
            lambda: _posts(feed_server, "/operator"), 240, "the operator message",
            explain=lambda: tail(out),
        )  # fmt: skip
        assert told[0]["title"] == "kaiwatch: no scheduled run of kaiwatch-ingest/kaiwatch"
        assert "its scheduler is not working" in told[0]["message"]
        assert "no scheduled run of kaiwatch-ingest/kaiwatch" in out.read_text()
        assert _titles(tmp_path / "kw.db") == []
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)


# The Prefect server's log when SQLAlchemy 2.1 broke its scheduler (trimmed, as it came).
SCHEDULER_FAILURE = """\
15:48:50.301 | INFO    | prefect.server - Starting server
15:48:50.386 | ERROR   | docket.dependencies - ↩ [   205ms] schedule_recent_deployments(){schedule_recent_deployments}
Traceback (most recent call last):
  File "/srv/kaiwatch/.venv/lib/python3.11/site-packages/docket/worker.py", line 1134, in _execute
    await self._run_function_with_timeout(
  File "/srv/kaiwatch/.venv/lib/python3.11/site-packages/sqlalchemy/orm/bulk_persistence.py", line 400, in _expand_other_attrs
    bulk_dml_setters[key](mapping)
  File "/srv/kaiwatch/.venv/lib/python3.11/site-packages/sqlalchemy/ext/hybrid.py", line 1851, in prop
    raise exc.InvalidRequestError(
sqlalchemy.exc.InvalidRequestError: Can't evaluate bulk DML statement; please supply a bulk_dml decorated function
15:49:40.298 | ERROR   | docket.dependencies - ↩ [   182ms] schedule_deployments(){schedule_deployments}
Traceback (most recent call last):
  File "/srv/kaiwatch/.venv/lib/python3.11/site-packages/sqlalchemy/ext/hybrid.py", line 1851, in prop
    raise exc.InvalidRequestError(
sqlalchemy.exc.InvalidRequestError: Can't evaluate bulk DML statement; please supply a bulk_dml decorated function
15:49:41.002 | INFO    | uvicorn.access - 127.0.0.1 "GET /api/health HTTP/1.1" 200
"""


def test_server_log_watcher_reports_scheduler_errors_once_complete(tmp_path: Path) -> None:
    errors: list[ServerError] = []
    with (tmp_path / "server.log").open("w", encoding="utf-8") as log:
        watcher = ServerLogWatcher(log, errors.append)
        for line in SCHEDULER_FAILURE.splitlines(keepends=True):
            watcher.feed(line)
        watcher.flush()
    assert (tmp_path / "server.log").read_text(encoding="utf-8") == SCHEDULER_FAILURE
    assert [(e.job, e.is_scheduler) for e in errors] == [
        ("schedule_recent_deployments", True),
        ("schedule_deployments", True),
    ]
    assert errors[0].summary == (
        "sqlalchemy.exc.InvalidRequestError: Can't evaluate bulk DML statement; "
        "please supply a bulk_dml decorated function"
    )


def test_scheduler_error_reaches_stderr_and_the_operator_channel_once(
    feed_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    feed_server.route("/operator", "ok")
    monkeypatch.setenv("KAIWATCH_OPERATOR_NOTIFY", _webhook(feed_server, "/operator"))
    stderr_file = tmp_path / "stderr.txt"
    with stderr_file.open("w", encoding="utf-8") as stream:
        alarm = ScheduleAlarm(
            Console(file=stream, width=400), tmp_path / "kw.db", tmp_path / "server.log"
        )
        with (tmp_path / "server.log").open("w", encoding="utf-8") as log:
            watcher = ServerLogWatcher(log, alarm.server_error)
            for _ in range(3):  # the scheduler fails every minute: told once
                for line in SCHEDULER_FAILURE.splitlines(keepends=True):
                    watcher.feed(line)
    printed = stderr_file.read_text(encoding="utf-8")
    assert printed.count("Prefect's scheduler failed") == 2  # two jobs failed, each told once
    assert (
        "schedule_deployments (docket.dependencies): sqlalchemy.exc.InvalidRequestError" in printed
    )
    assert f"Full log: {tmp_path / 'server.log'}" in printed
    posts = _posts(feed_server, "/operator")
    assert [p["title"] for p in posts] == [
        "kaiwatch: Prefect's scheduler failed: scheduled runs will not start"
    ] * 2
    assert "bulk DML statement" in posts[0]["message"]
    # Queued in the archive and marked sent: nothing waits for the next run.
    with Archive(tmp_path / "kw.db", readonly=True) as archive:
        assert archive.pending_operator_messages() == []


def _prefect(*args: str, env: dict[str, str], cwd: Path = REPO) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "prefect", *args], cwd=cwd, env=env, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_work_pool_deployment_runs_through_a_worker(feed_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """deploy/prefect.yaml on a real server, a process work pool and a worker, as deploy/README.md says."""
    early_feed, late_feed = _serve_site(feed_server)
    db = tmp_path / "kw.db"
    _seed_yesterday(early_feed, db, tmp_path)
    sources = _sources(tmp_path, late_feed, digest_cron="0 8 * * *")
    prefect_home = tmp_path / "prefect"
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = prefect_env(prefect_home, PREFECT_API_URL=api)
    server_out = tmp_path / "server.out"
    worker_out = tmp_path / "worker.out"

    def explain() -> str:
        return f"{tail(worker_out)}\n{tail(server_out)}"

    server_command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                      "--port", str(port), "--analytics-off"]  # fmt: skip
    with process_group(server_command, log=server_out, env=env, cwd=tmp_path) as server:
        wait_for(lambda: _healthy(api), 180, "the Prefect server", explain=explain)
        _prefect("work-pool", "create", "kaiwatch", "--type", "process", env=env)
        # Deployed from the checkout, exactly the shipped file.
        deployed = _prefect(
            "deploy", "--all", "--prefect-file", str(REPO / "deploy" / "prefect.yaml"),
            env={**env, "KAIWATCH_HOME": str(REPO)},
        )  # fmt: skip
        assert "kaiwatch-ingest/kaiwatch" in deployed, deployed
        # Every minute instead of every 15 minutes, so that the test need not wait.
        _prefect("deployment", "schedule", "create", "kaiwatch-ingest/kaiwatch",
                 "--cron", "* * * * *", "--timezone", "Asia/Seoul", env=env)  # fmt: skip
        # The worker's machine: the archive, the sources and the channel in its environment.
        worker_env = {
            **env,
            "KAIWATCH_SOURCES": str(sources),
            "KAIWATCH_DB": str(db),
            "KAIWATCH_NOTIFY": _webhook(feed_server, "/hook"),
        }
        worker_command = [sys.executable, "-m", "prefect", "worker", "start", "--pool", "kaiwatch"]
        with process_group(worker_command, log=worker_out, env=worker_env, cwd=tmp_path) as worker:
            wait_for(lambda: LATE_TITLE in _titles(db), 300, "the worker's scheduled ingest run",
                     explain=explain)  # fmt: skip
            assert wait_for(lambda: _completed_by_schedule(api, "kaiwatch"), 60,
                            "the completed ingest run", explain=explain)  # fmt: skip
            # The digest's schedule is 08:00: run it now; the worker executes it.
            _prefect("deployment", "run", "kaiwatch-digest/kaiwatch-digest", env=env)
            digest = wait_for(
                lambda: [p for p in _posts(feed_server, "/hook") if "digest" in p["title"]],
                240, "the digest sent by the worker's run", explain=explain,
            )  # fmt: skip
            assert "Samsung" in digest[0]["message"]
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_prefect_yaml_leaves_paths_and_secrets_to_the_worker() -> None:
    text = (REPO / "deploy" / "prefect.yaml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    assert config["pull"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $KAIWATCH_HOME }}"}}
    ]
    for deployment in config["deployments"]:
        assert "parameters" not in deployment  # KAIWATCH_SOURCES / KAIWATCH_DB decide


def test_deploy_prefect_yaml_matches_sources_schedule() -> None:
    deployment = yaml.safe_load((REPO / "deploy" / "prefect.yaml").read_text(encoding="utf-8"))[
        "deployments"
    ][0]
    settings = load_sources(REPO / "sources.yaml").settings
    assert deployment["schedules"] == [{"cron": settings.schedule, "timezone": settings.timezone}]
    module, function = deployment["entrypoint"].split(":")
    assert (REPO / module).is_file()
    assert f"def {function}(" in (REPO / module).read_text(encoding="utf-8")
    assert deployment["concurrency_limit"]["limit"] == 1


def test_deploy_prefect_yaml_digest_matches_sources() -> None:
    deployments = yaml.safe_load((REPO / "deploy" / "prefect.yaml").read_text(encoding="utf-8"))[
        "deployments"
    ]
    [digest] = [d for d in deployments if d["name"] == "kaiwatch-digest"]
    config = load_sources(REPO / "sources.yaml")
    assert digest["schedules"] == [
        {"cron": config.alerts.digest.cron, "timezone": config.settings.timezone}
    ]
    module, function = digest["entrypoint"].split(":")
    assert f"def {function}(" in (REPO / module).read_text(encoding="utf-8")
