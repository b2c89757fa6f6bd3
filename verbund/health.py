"""Health endpoints for compose and Kubernetes probes: database, broker, worker.

Built on django-health-check 4.8 (pinned): it runs the checks concurrently with a time
budget each, answers 200 or 500, and renders JSON for ``Accept: application/json`` (or
``?format=json``), plain text, or HTML — no need for an own endpoint. Its Celery check
(``health_check.contrib.celery.Ping``) pings the workers over the broker. Three small
subclasses here only give each check a stable name (``database``, ``broker``, ``worker``:
the keys of the JSON answer) and a fixed message, so the public page never shows a host,
a version, a driver's error text or anything personal.

* ``/health/`` — database, broker and worker, each visible on its own: a missing worker
  fails the page (500) while database and broker still show ``OK``.
* ``/health/ready/`` — database and broker: the web container's readiness (compose starts
  the worker only once web is healthy, so web's own probe must not wait for a worker).
* ``/health/live/`` — no checks: the process answers (Kubernetes liveness).

Probes that reach the server directly (compose, Kubernetes ``httpGet``) must send a
``Host`` header from ``DJANGO_ALLOWED_HOSTS`` (else 400 ``bad_host``) and, with the
production settings' HTTPS redirect, ``X-Forwarded-Proto: https`` as the TLS proxy does;
see the ``web`` healthcheck in docker-compose.yml.

The broker check asks kombu for a connection to whatever broker Celery is configured with —
Redis in production and tests, the filesystem transport of ``make run``
(``verbund.settings.dev``), where it also checks that the queue folders are writable.
"""

from __future__ import annotations

import dataclasses
import datetime
import inspect
import os
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from health_check import checks
from health_check.base import HealthCheck
from health_check.contrib.celery import Ping
from health_check.exceptions import HealthCheckException, ServiceUnavailable
from health_check.views import HealthCheckView

from verbund.celery import app as celery_app


class Database(checks.Database):
    """``SELECT 1`` on the default database."""

    def __repr__(self) -> str:
        return "database"

    def run(self) -> None:
        """Raise ServiceUnavailable when the database does not answer."""
        try:
            super().run()
        except HealthCheckException as exc:
            raise ServiceUnavailable("database unreachable") from exc


@dataclasses.dataclass
class Broker(HealthCheck):
    """A connection to Celery's broker, whichever transport it is."""

    app: Any = dataclasses.field(default=celery_app, repr=False)
    timeout = datetime.timedelta(seconds=3)

    def __repr__(self) -> str:
        return "broker"

    def run(self) -> None:
        """Raise ServiceUnavailable when no broker connection can be made."""
        try:
            with self.app.connection_for_write(
                connect_timeout=self.timeout.total_seconds()
            ) as conn:
                conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
                if conn.transport.driver_type == "filesystem":
                    self._check_folders(conn.transport_options)
        except HealthCheckException:
            raise
        except Exception as exc:  # any transport's own error: the broker is unusable
            raise ServiceUnavailable("broker unreachable") from exc

    @staticmethod
    def _check_folders(options: dict[str, Any]) -> None:
        for key in ("data_folder_in", "data_folder_out"):
            folder = options.get(key)
            if not folder or not os.access(folder, os.W_OK):
                raise ServiceUnavailable("broker queue folder missing or not writable")


@dataclasses.dataclass
class Worker(Ping):
    """At least one Celery worker answers a ping and consumes the default queue."""

    app: Any = dataclasses.field(default=celery_app, repr=False)
    # Returns as soon as one worker answered; the filesystem transport of `make run` polls
    # once a second, so its round trips need more than the library's 1 s default.
    timeout: datetime.timedelta = dataclasses.field(
        default=datetime.timedelta(seconds=3), repr=False
    )
    limit: int | None = dataclasses.field(default=1, repr=False)

    def __repr__(self) -> str:
        return "worker"

    def check_active_queues(self, *active_workers: str) -> None:
        """The library's queue check, with this check's timeout instead of Celery's 1 s."""
        try:
            defined = {queue.name for queue in self.app.conf.task_queues}
        except TypeError:  # task_queues is None: only the default queue
            defined = {self.app.conf.task_default_queue}
        inspect = self.app.control.inspect(
            list(active_workers), timeout=self.timeout.total_seconds()
        )
        consumed = {
            queue.get("name")
            for queues in (inspect.active_queues() or {}).values()
            for queue in queues
        }
        if defined - consumed:
            raise ServiceUnavailable("no worker consumes the task queue")

    def run(self) -> None:
        """Raise ServiceUnavailable when no worker answers."""
        try:
            super().run()
        except HealthCheckException as exc:
            raise ServiceUnavailable("no worker answers") from exc


class HealthView(HealthCheckView):
    """django-health-check's view with this project's checks (one view per probe)."""

    checks = (Database, Broker, Worker)


class SharedResult:
    """Run a probe view at most once at a time and share its answer for a few seconds.

    The probes are public and the worker ping takes up to its timeout (3 s): unshared,
    a dozen concurrent anonymous calls held every web thread and an officer's request
    waited seconds. Here one call runs the checks while concurrent calls get the last
    answer at once (or wait for the first); an answer is reused for ``seconds``
    (``VERBUND_HEALTH_CACHE_SECONDS``, 5 by default), per requested format.
    """

    def __init__(self, view: Any, seconds: float) -> None:
        self.view = view
        self.seconds = seconds
        self.lock = threading.Lock()
        self.answers: dict[tuple[str, str], tuple[float, int, bytes, str]] = {}

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Per negotiated format (the library answers JSON, text or HTML); a bounded table.
        key = (request.GET.get("format", "")[:20], request.headers.get("Accept", "")[:200])
        if key not in self.answers and len(self.answers) >= 32:
            self.answers.clear()
        cached = self.answers.get(key)
        if not self._fresh(cached) and self.lock.acquire(blocking=cached is None):
            try:
                cached = self.answers.get(key)
                if not self._fresh(cached):  # nobody refreshed it while this call waited
                    response = self.view(request, *args, **kwargs)
                    if inspect.iscoroutine(response):  # the library's view is async
                        response = async_to_sync(_awaited)(response)
                    if hasattr(response, "render"):
                        response.render()
                    cached = (
                        time.monotonic(),
                        response.status_code,
                        response.content,
                        response.get("Content-Type", "text/plain"),
                    )
                    self.answers[key] = cached
            finally:
                self.lock.release()
        assert cached is not None  # a stale answer, while another call refreshes it
        _, status, content, content_type = cached
        answer = HttpResponse(content, status=status, content_type=content_type)
        add_never_cache_headers(answer)
        return answer

    def _fresh(self, cached: tuple[float, int, bytes, str] | None) -> bool:
        return cached is not None and time.monotonic() - cached[0] < self.seconds

    def clear(self) -> None:
        """Forget the shared answers (tests)."""
        self.answers.clear()


async def _awaited(coroutine: Any) -> Any:
    return await coroutine


health = SharedResult(HealthView.as_view(), settings.VERBUND_HEALTH_CACHE_SECONDS)
ready = SharedResult(
    HealthView.as_view(checks=(Database, Broker)), settings.VERBUND_HEALTH_CACHE_SECONDS
)
live = HealthView.as_view(checks=())
