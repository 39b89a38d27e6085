"""`kaiwatch serve` for real: a local Prefect server, the scheduled deployment, a run."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from flows.config import load_sources
from storage.archive import Archive
from test_pipeline import AI_PARAGRAPHS, article_page, rss

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_serve_starts_prefect_schedules_and_runs(feed_server, tmp_path: Path) -> None:
    feed_server.route("/a", article_page("Samsung and Naver sign AI chip MOU", AI_PARAGRAPHS))
    feed_server.route(
        "/feed.xml", rss([("AI MOU", feed_server.url("/a"))]), content_type="application/rss+xml"
    )
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f'settings:\n  schedule: "0 6 * * *"\nsources:\n  - name: local\n    url: {feed_server.url("/feed.xml")}\n'
        "    allow_private_network: true\n",
        encoding="utf-8",
    )
    db = tmp_path / "kw.db"
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
    )
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", "--sources", str(sources), "--db", str(db), "--port", str(port)],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=api, timeout=10) as client:

            def deployment(name: str = "kaiwatch") -> dict | None:
                if process.poll() is not None:
                    raise AssertionError((tmp_path / "serve.log").read_text())
                try:
                    found = client.post(
                        "/deployments/filter",
                        json={"deployments": {"name": {"any_": [name]}}},
                    )
                except httpx.HTTPError:
                    return None
                return found.json()[0] if found.status_code == 200 and found.json() else None

            served = wait_for(deployment, 150, "the kaiwatch deployment")
            digest = wait_for(lambda: deployment("kaiwatch-digest"), 60, "the digest deployment")
            assert [s["schedule"]["cron"] for s in digest["schedules"]] == ["0 8 * * *"]
            schedules = served["schedules"]
            assert [s["schedule"]["cron"] for s in schedules] == ["0 6 * * *"]
            assert schedules[0]["schedule"]["timezone"] == "Asia/Seoul"
            assert served["parameters"]["db_path"] == str(db.resolve())

            # Ask for a run now instead of waiting for 06:00; the served process runs it.
            # Prefect's server answers 503 while its SQLite database is busy (its own
            # client retries those too), so both calls below are retried.
            def create_run() -> str | None:
                created = client.post(f"/deployments/{served['id']}/create_flow_run", json={})
                if created.status_code == 503:
                    return None
                assert created.status_code == 201, created.text
                return str(created.json()["id"])

            run_id = wait_for(create_run, 60, "Prefect to accept a flow run")

            def finished() -> str | None:
                answer = client.get(f"/flow_runs/{run_id}")
                if answer.status_code == 503:
                    return None
                state = answer.json()["state"]["type"]
                return state if state in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None

            assert wait_for(finished, 150, "the flow run") == "COMPLETED"
        with Archive(db, readonly=True) as archive:
            assert [row["title"] for row in archive.iter_articles()] == ["AI MOU"]

        # A plain SIGTERM to kaiwatch (as `kill` or systemd sends) stops its Prefect server too.
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{api}/health", timeout=5)
    finally:
        # Whatever happened, leave no server of this test behind (its whole session).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log.close()


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
