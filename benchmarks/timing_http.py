"""Timing oracle over HTTP: does a covert match show in the answer, or in the next one?

Architecture "Timing is an oracle too" and "Lagged timing channels" (R-D3, R-D5). The
script starts a whole stack as a user runs it — web server, Celery worker and beat — logs
in as ``lka-bw.analyst`` and alternates, in random order within each pair, searches for a
surname held only in a BfV covert record and for a surname held nowhere. Each answer's
time is compared

* by its own label: Mann-Whitney U over all answers, and a sign test over the pairs;
* by the label of the search before it (lagged): Mann-Whitney U.

A p-value below ``--alpha`` (0.001) in any comparison, any answer other than 201 with no
hits, or a covert owner not notified of every query fails the run (exit 1).

Stacks (``--stack``):

* ``embedded`` — ``scripts/run.sh`` exactly as ``make run`` starts it (SQLite, kombu's
  filesystem broker, worker and beat, the embedded web server) in a throwaway
  ``VERBUND_VAR_DIR``;
* ``postgres`` — ``verbund.settings.prod`` under gunicorn (2 sync workers), one Celery
  worker and one beat, on a fresh database ``<DATABASE_URL name>_timing_http`` and the
  Redis of ``REDIS_URL`` (database 9);
* ``--base-url URL`` measures a server that already runs (no start, no stop).

Paths (``--path``):

* ``search`` (default) — ``lka-bw.analyst``'s name searches, as above;
* ``subject`` — the BKA's subject desk (``bka.auskunft``) records access requests
  (``POST /api/v1/subject-requests/``) for the covert record's person and for a person held
  nowhere (R-D5, R-K1: the BKA desk covers only data not stored covertly, so both must do
  the same work); every answer must be 201 without consultations.

Statistics: SciPy (``mannwhitneyu``, ``binomtest``) — the reference implementations, so the
p-values are not home-made. Run: ``make bench-timing`` (both stacks, ``PAIRS=1000``).
Results: ``var/bench/timing_http_<stack>.json`` and ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = os.environ.get("VERBUND_DEMO_PASSWORD", "demo-only-password")
SEARCHER = "lka-bw.analyst"
OWNER = "bfv.analyst"
DESK = "bka.auskunft"
COVERT_BORN = "1980-01-01"


# ---------------------------------------------------------------------------- HTTP


class Client:
    """A minimal JSON client over urllib: one new connection per request, like a browser
    behind gunicorn's sync workers (no keep-alive) — the same for both labels."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.token = ""

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        """Return ``(status, parsed body or raw bytes, milliseconds)``."""
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(
            self.base + path, data=data, headers=headers, method=method
        )
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            raw = error.read()
            status = error.code
        elapsed = (time.perf_counter() - start) * 1000
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw[:300]
        return status, parsed, elapsed

    def login(self, username: str, password: str = PASSWORD) -> Client:
        status, body, _ = self.call(
            "POST", "/api/v1/auth/token/", {"username": username, "password": password}
        )
        if status != 200:
            raise SystemExit(f"login {username}: {status} {body!r}")
        self.token = body["token"]
        return self


def search_body(surname: str) -> dict[str, Any]:
    return {
        "file": "ATD",
        "mode": "name",
        "purpose": "ct_task",
        "urgency": "routine",
        "criteria": {"surname": surname},
    }


def wait_until_up(base: str, seconds: float, procs: list[subprocess.Popen[bytes]]) -> None:
    """Wait until the server answers the public catalogue, or fail."""
    deadline = time.monotonic() + seconds
    client = Client(base)
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise SystemExit(f"{proc.args!r} exited with {proc.returncode}")
        try:
            status, _, _ = client.call("GET", "/api/v1/catalogue/")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server at {base} did not answer within {seconds} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------------------- stacks


class Stack:
    """Processes of one started stack and where their logs are."""

    def __init__(self, name: str, base: str, logs: list[Path]) -> None:
        self.name = name
        self.base = base
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def log_faults(self) -> list[str]:
        """Return the lines of the server and worker logs that show a fault."""
        marks = ("Traceback", "deadlock", "database is locked", "ERROR/", " 500 ", "[ERROR]")
        faults = []
        for path in self.logs:
            if path.is_file():
                for line in path.read_text(errors="replace").splitlines():
                    if any(mark in line for mark in marks):
                        faults.append(f"{path.name}: {line[:300]}")
        return faults


def _clean_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(key, None)
    env["VERBUND_RATE_LIMIT_FACTOR"] = "1000000"  # benchmarks raise the limit (api.md)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_embedded() -> Stack:
    """Start ``scripts/run.sh`` (what ``make run`` runs) in a throwaway var directory."""
    var = ROOT / "var" / "bench" / "timing-embedded"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    port = free_port()
    env = _clean_env() | {"VERBUND_VAR_DIR": str(var), "VERBUND_PORT": str(port)}
    stack = Stack(
        "embedded",
        f"http://127.0.0.1:{port}",
        [var / "run.log", *(var / "log" / n for n in ("worker.log", "beat.log", "web.log"))],
    )
    out = (var / "run.log").open("ab")
    stack.procs.append(
        subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "run.sh")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    )
    wait_until_up(stack.base, 600, stack.procs)
    return stack


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def start_postgres() -> Stack:
    """Start gunicorn (prod settings), a Celery worker and beat on a fresh database."""
    import psycopg
    from psycopg import sql

    base_url = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not base_url or not redis_url:
        raise SystemExit("--stack postgres needs DATABASE_URL and REDIS_URL (make services)")
    name = urlsplit(base_url).path.lstrip("/") + "_timing_http"
    with psycopg.connect(_with_db(base_url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    var = ROOT / "var" / "bench" / "timing-postgres"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    port = free_port()
    redis = urlunsplit(urlsplit(redis_url)._replace(path="/9"))
    env = _clean_env() | {
        "DJANGO_SETTINGS_MODULE": "verbund.settings.prod",
        "DATABASE_URL": _with_db(base_url, name),
        "REDIS_URL": redis,
        "CELERY_BROKER_URL": redis,
        "DJANGO_SECRET_KEY": "timing-bench-only-" + uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "VERBUND_VAR_DIR": str(var),
    }
    py = sys.executable
    bindir = Path(py).parent
    subprocess.run(
        [py, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, stdout=sys.stderr
    )
    subprocess.run([py, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, stdout=sys.stderr)
    subprocess.run([str(bindir / "celery"), "-A", "verbund", "purge", "-f"], cwd=ROOT, env=env)
    stack = Stack(
        "postgres",
        f"http://127.0.0.1:{port}",
        [var / n for n in ("gunicorn.log", "worker.log", "beat.log")],
    )
    gunicorn = [str(bindir / "gunicorn"), "verbund.wsgi", "--bind", f"127.0.0.1:{port}"]
    conf = ROOT / "scripts" / "gunicorn.conf.py"
    if conf.is_file():
        gunicorn += ["--config", str(conf)]
    commands = {
        "gunicorn.log": [*gunicorn, "--workers", "2", "--access-logfile", "-"],
        "worker.log": [
            str(bindir / "celery"), "-A", "verbund", "worker", "--concurrency=1",
            "--loglevel=INFO", "--without-heartbeat",
        ],
        "beat.log": [
            str(bindir / "celery"), "-A", "verbund", "beat", "--loglevel=INFO",
            f"--schedule={var / 'celerybeat-schedule'}",
        ],
    }  # fmt: skip
    for log, command in commands.items():
        stack.procs.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=(var / log).open("ab"),
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    wait_until_up(stack.base, 120, stack.procs)
    return stack


# ---------------------------------------------------------------------------- statistics


def describe(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    n = len(ordered)
    return {
        "n": n,
        "mean": statistics.fmean(ordered),
        "p50": statistics.median(ordered),
        "p95": ordered[max(0, int(n * 0.95) - 1)],
        "stdev": statistics.stdev(ordered) if n > 1 else 0.0,
    }


def compare(a: list[float], b: list[float]) -> dict[str, Any]:
    """Mann-Whitney U (two-sided) of two samples, with their summaries."""
    from scipy.stats import mannwhitneyu  # type: ignore[import-untyped]

    test = mannwhitneyu(a, b, alternative="two-sided")
    return {
        "covert": describe(a),
        "absent": describe(b),
        "median_difference_ms": statistics.median(a) - statistics.median(b),
        "mann_whitney_p": float(test.pvalue),
    }


def analyse(sequence: list[tuple[str, float]], pairs: list[tuple[float, float]]) -> dict[str, Any]:
    """Compare answers by their own label, by pair (sign test) and by the previous label."""
    from scipy.stats import binomtest

    own = compare(
        [ms for label, ms in sequence if label == "covert"],
        [ms for label, ms in sequence if label == "absent"],
    )
    slower = sum(1 for c, a in pairs if c > a)
    ties = sum(1 for c, a in pairs if c == a)
    sign = binomtest(slower, len(pairs) - ties, 0.5)
    lagged = compare(
        [
            ms
            for (prev, _), (_, ms) in zip(sequence, sequence[1:], strict=False)
            if prev == "covert"
        ],
        [
            ms
            for (prev, _), (_, ms) in zip(sequence, sequence[1:], strict=False)
            if prev == "absent"
        ],
    )
    return {
        "own_label": own,
        "sign_test": {
            "pairs": len(pairs),
            "covert_slower": slower,
            "ties": ties,
            "p": float(sign.pvalue),
            "median_pair_difference_ms": statistics.median(c - a for c, a in pairs),
        },
        "lagged_by_previous_label": lagged,
    }


# ---------------------------------------------------------------------------- run


def prepare(base: str) -> tuple[Client, Client, str]:
    """Create the covert record through the API; return searcher, owner and the surname."""
    owner = Client(base).login(OWNER)
    tag = uuid.uuid4().hex[:8]
    covert_name = f"Verdeckt{tag}"
    status, body, _ = owner.call(
        "POST",
        "/api/v1/records/",
        {
            "file": "ATD",
            "kind": "person",
            "case_group": "1a",
            "storage": "covert",
            "storage_decision": {"decided_by": "bfv.head", "reasons": "Quellenschutz"},
            "findings_basis": "Benchmark",
            "basic": {"surname": covert_name, "given_names": "Ali", "date_of_birth": COVERT_BORN},
            "reference": {"file_number": f"BENCH-{tag}"},
        },
    )
    if status != 201:
        raise SystemExit(f"covert record: {status} {body!r}")
    return Client(base).login(SEARCHER), owner, covert_name


def covert_notices(owner: Client) -> int:
    status, body, _ = owner.call("GET", "/api/v1/inbox/?kind=covert_hit&page_size=1")
    if status != 200:
        raise SystemExit(f"inbox: {status} {body!r}")
    return int(body["count"])


def subject_body(surname: str) -> dict[str, Any]:
    return {
        "applicant": {"surname": surname, "given_names": "Ali", "date_of_birth": COVERT_BORN},
        "asks": ["access"],
    }


def measure(base: str, pairs: int, warmup: int, seed: int, path: str = "search") -> dict[str, Any]:
    searcher, owner, covert_name = prepare(base)
    desk = Client(base).login(DESK) if path == "subject" else searcher
    rng = random.Random(seed)
    errors: list[str] = []
    covert_sent = 0

    def one(label: str) -> float:
        nonlocal covert_sent
        surname = covert_name if label == "covert" else f"Nirgends{uuid.uuid4().hex[:10]}"
        if path == "subject":
            status, body, ms = desk.call("POST", "/api/v1/subject-requests/", subject_body(surname))
            if status != 201 or body.get("consultations") != []:
                errors.append(f"{label}: {status} {str(body)[:200]}")
            return ms
        status, body, ms = searcher.call("POST", "/api/v1/searches/", search_body(surname))
        if label == "covert":
            covert_sent += 1
        if status != 201 or body.get("hit_count") != 0:
            errors.append(f"{label}: {status} {str(body)[:200]}")
        return ms

    for _ in range(warmup):
        one(rng.choice(["covert", "absent"]))
    sequence: list[tuple[str, float]] = []
    pair_times: list[tuple[float, float]] = []
    started = time.monotonic()
    for i in range(pairs):
        order = ["covert", "absent"]
        rng.shuffle(order)
        got = {}
        for label in order:
            got[label] = one(label)
            sequence.append((label, got[label]))
        pair_times.append((got["covert"], got["absent"]))
        if (i + 1) % 250 == 0:
            print(f"  {i + 1}/{pairs} pairs", file=sys.stderr, flush=True)
    duration = time.monotonic() - started
    # R-D3: every query that matched the covert record reaches its owner (beat delivers).
    deadline = time.monotonic() + 120
    notified = covert_notices(owner)
    while notified < covert_sent and time.monotonic() < deadline:
        time.sleep(1)
        notified = covert_notices(owner)
    return {
        "pairs": pairs,
        "warmup": warmup,
        "seconds": round(duration, 1),
        "searches_per_second": round(2 * pairs / duration, 1),
        "errors": errors[:20],
        "error_count": len(errors),
        "covert_searches": covert_sent,
        "owner_notices": notified,
        **analyse(sequence, pair_times),
    }


def verdict(report: dict[str, Any], alpha: float) -> list[str]:
    """Return the reasons the run fails (empty: no difference shown, nothing failed)."""
    reasons = []
    if report["error_count"]:
        reasons.append(f"{report['error_count']} answers were not 201 without hits")
    if report["owner_notices"] != report["covert_searches"]:
        reasons.append(
            f"owner notified of {report['owner_notices']} of {report['covert_searches']} queries"
        )
    for name, p in (
        ("own label (Mann-Whitney)", report["own_label"]["mann_whitney_p"]),
        ("pairs (sign test)", report["sign_test"]["p"]),
        ("previous label (Mann-Whitney)", report["lagged_by_previous_label"]["mann_whitney_p"]),
    ):
        if p < alpha:
            reasons.append(f"{name}: p = {p:.2g} < {alpha}")
    if report.get("log_faults"):
        reasons.append(f"{len(report['log_faults'])} fault lines in the server/worker logs")
    return reasons


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", choices=("embedded", "postgres"), default="embedded")
    parser.add_argument("--path", choices=("search", "subject"), default="search")
    parser.add_argument("--base-url", help="measure a running server instead of starting one")
    parser.add_argument("--pairs", type=int, default=int(os.environ.get("PAIRS", "1000")))
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--alpha", type=float, default=0.001)
    args = parser.parse_args(argv)
    stack: Stack | None = None
    label = args.stack if not args.base_url else "external"
    if args.path != "search":
        label = f"{label}_{args.path}"
    try:
        if args.base_url:
            base = args.base_url
        else:
            print(f"starting the {args.stack} stack ...", file=sys.stderr, flush=True)
            stack = start_embedded() if args.stack == "embedded" else start_postgres()
            base = stack.base
        print(f"measuring {args.pairs} pairs against {base}", file=sys.stderr, flush=True)
        report: dict[str, Any] = {
            "stack": label,
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "load_average": os.getloadavg(),
            },
            "path": args.path,
            **measure(base, args.pairs, args.warmup, args.seed, args.path),
        }
    finally:
        if stack is not None:
            stack.stop()
    if stack is not None:
        report["log_faults"] = stack.log_faults()[:20]
    reasons = verdict(report, args.alpha)
    report["verdict"] = "no difference shown" if not reasons else "FAILED: " + "; ".join(reasons)
    out = ROOT / "var" / "bench" / f"timing_http_{label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    print(json.dumps(report, indent=2, default=str))
    print(f"{label}: {report['verdict']}  ({out})", file=sys.stderr)
    return 1 if reasons else 0


if __name__ == "__main__":
    raise SystemExit(main())
