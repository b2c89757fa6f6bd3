"""Health endpoint for compose and Kubernetes probes (issue 12, part 5): database, broker and
worker reported separately, JSON on request, no versions or personal data, never cached —
on the production-like stack (PostgreSQL, Redis) and on `make run`'s embedded stack (SQLite,
kombu's filesystem transport)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import celery
import django
import pytest
from celery import Celery
from django.test import Client

from verbund.health import Broker

ROOT = Path(__file__).resolve().parents[2]
JSON: dict[str, Any] = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def fresh_health_answers() -> Any:
    """Each test sees its own checks run, not an answer shared from the test before."""
    from verbund import health

    health.health.clear()
    health.ready.clear()
    yield
    health.health.clear()
    health.ready.clear()


@pytest.mark.django_db
def test_api_conventions_health_reports_a_missing_worker_and_keeps_db_and_broker_visible() -> None:
    # The test stack runs no Celery worker: the page fails, and says exactly what fails.
    response = Client().get("/health/", **JSON)
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "database": "OK",
        "broker": "OK",
        "worker": "Unavailable: no worker answers",
    }


@pytest.mark.django_db
def test_api_conventions_health_ready_checks_database_and_broker_only() -> None:
    response = Client().get("/health/ready/", **JSON)
    assert response.status_code == 200
    assert response.json() == {"database": "OK", "broker": "OK"}
    assert Client().get("/health/ready/?format=json").json() == response.json()


def test_api_conventions_health_live_answers_without_checks() -> None:
    response = Client().get("/health/live/", **JSON)
    assert response.status_code == 200 and response.json() == {}


@pytest.mark.django_db
def test_api_conventions_health_reveals_no_versions_hosts_or_personal_data() -> None:
    for path, accept in (
        ("/health/", "application/json"),
        ("/health/ready/", "text/html"),
        ("/health/ready/", "text/plain"),
    ):
        response = Client().get(path, HTTP_ACCEPT=accept)
        body = response.content.decode()
        assert "no-store" in response["Cache-Control"]
        for secret in (
            django.get_version(),
            celery.__version__,
            "63799",
            "54329",
            "127.0.0.1",
            "redis://",
            "postgres",
            "health-check",
            "Health Check",
        ):
            assert secret not in body, (path, accept, secret)


@pytest.mark.django_db
def test_api_conventions_health_page_is_german() -> None:
    html = Client().get("/health/ready/", HTTP_ACCEPT="text/html").content.decode()
    assert "Systemstatus" in html and "Dienst" in html and "alle Dienste verfügbar" in html


def test_api_conventions_health_broker_down_is_reported_without_details() -> None:
    # set_as_current=False: the project's app stays the current one for the tests after this.
    dead = Celery("probe", broker="redis://127.0.0.1:1/0", set_as_current=False)
    result = asyncio.run(Broker(app=dead).get_result())
    assert result.error is not None
    assert str(result.error) == "Unavailable: broker unreachable"


def _dev_env(var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    env.update(DJANGO_SETTINGS_MODULE="verbund.settings.dev", VERBUND_VAR_DIR=str(var_dir))
    return env


PROBE = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/health/", HTTP_ACCEPT="application/json")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def test_api_conventions_health_on_the_make_run_stack_with_filesystem_broker(
    tmp_path: Path,
) -> None:
    env = _dev_env(tmp_path)
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "verbund",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--hostname=health-probe@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen: list[Any] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            probe = subprocess.run(
                [sys.executable, "-c", PROBE],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            answer = json.loads(probe.stdout.strip().splitlines()[-1])
            seen.append(answer)
            # The embedded stack: SQLite and the filesystem broker are up from the start.
            assert answer["body"]["database"] == "OK" and answer["body"]["broker"] == "OK"
            if answer["status"] == 200:
                break
            assert worker.poll() is None, "the worker exited"
            time.sleep(1)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    assert seen[-1] == {
        "status": 200,
        "body": {"database": "OK", "broker": "OK", "worker": "OK"},
    }, seen
    assert (tmp_path / "broker" / "control").is_dir()


@pytest.mark.django_db(transaction=True)
def test_api_conventions_concurrent_health_calls_run_the_checks_once_and_share_the_answer(
    live_server: Any, audit_truncate_allowed: None
) -> None:
    """A dozen anonymous probes at once do not each hold a thread for the worker ping."""
    import urllib.error
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    from verbund import health

    calls: list[float] = []
    view = health.health.view

    def counting(request: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(time.monotonic())
        return view(request, *args, **kwargs)

    health.health.view = counting
    try:

        def probe(_: int) -> int:
            request = urllib.request.Request(
                f"{live_server.url}/health/", headers={"Accept": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return int(response.status)
            except urllib.error.HTTPError as error:
                return int(error.code)

        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(probe, range(12)))
    finally:
        health.health.view = view
    assert set(statuses) == {500}  # no worker in the test stack: every answer says so
    assert len(calls) == 1
