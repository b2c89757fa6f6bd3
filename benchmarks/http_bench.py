"""Logged searches over HTTP as deployed, beside the raw transaction (issue 19).

``make bench-http N=1000000`` runs this script. In one run it

1. starts (or reuses) the dedicated PostgreSQL 15 cluster of ``scripts/bench-pg.sh``
   (fsync, synchronous_commit and full_page_writes on, shared_buffers 2GB, work_mem 16MB,
   port 54340, data in ``var/bench-pg``) and the database ``verbund_http_<N>`` on it;
2. migrates it, creates the reference data and demo accounts, and loads N person records
   with ``search_bench``'s loader (``search_bench.ensure_loaded``) — unless exactly N
   records of the same seed are already there (re-runs take seconds; ``--reload`` forces);
3. starts the production stack as deployed: gunicorn through ``scripts/serve.sh`` (the
   config file ``scripts/gunicorn.conf.py``; workers and threads as serve.sh defaults them
   or ``VERBUND_WEB_WORKERS``/``VERBUND_WEB_THREADS`` say) with ``verbund.settings.prod``,
   a Celery worker (``--concurrency=2``, as docker-compose) and beat on Redis (the
   ``REDIS_URL`` server, database 11); logs in as ``lka-bw.analyst`` over HTTP;
4. runs the load over HTTP with keep-alive connections (``http.client``, one connection per
   client thread): concurrency 1 — stored-name searches (surname + given names + date of
   birth of records lka-bw may see), no-hit name searches and phone searches, interleaved,
   after a warm-up; concurrency 8 — name searches sustained, half stored, half no-hit;
5. runs pgbench on the same database, 1 client: the raw transaction a search minimally
   needs — the engine's name-key lookup joined to the record with the access condition,
   an INSERT of one log-like row into ``bench_raw_log`` (a copy of ``audit_auditevent``'s
   columns and indexes), COMMIT — with per-transaction latency logging;
6. prints p50/p95/p99, searches/s, the ratios to the raw transaction and a markdown table,
   and writes everything (machine, load averages, CPU per search by process group,
   PostgreSQL settings, latencies) to ``var/bench/http_<N>.json``.

Every answer other than 201, or 422 ``too_many_hits``, is an error and fails the run (exit 1);
so do fault lines (tracebacks, deadlocks, ERROR) in the server or worker logs. The server,
worker and beat are stopped at the end, also on failure or Ctrl-C. The cluster is stopped
only if this run started it, unless ``--keep-cluster``; the data stay in ``var/bench-pg``
(``scripts/bench-pg.sh destroy`` deletes them). The server is started anew in every run, so
a re-run after a code change measures the new code against the same data.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import os
import platform
import queue
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import search_bench  # noqa: E402

PASSWORD = os.environ.get("VERBUND_DEMO_PASSWORD", "demo-only-password")
SEARCHER = "lka-bw.analyst"
PG_BIN = Path(os.environ.get("VERBUND_PG_BIN", "/usr/lib/postgresql/15/bin"))
SEARCH_PATH = "/api/v1/searches/"
# Bytes of disk a loaded record needs on the benchmark cluster (tables, indexes, WAL
# headroom); 1 M records took about 1.1 GB of tables and indexes.
DISK_PER_RECORD = 1_800


# ---------------------------------------------------------------------------- cluster


def bench_pg(command: str) -> subprocess.CompletedProcess[str]:
    """Run ``scripts/bench-pg.sh command``; its messages go to our stderr."""
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "bench-pg.sh"), command],
        stdout=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def cluster_start() -> tuple[str, bool]:
    """Start or reuse the benchmark cluster; return its admin URL and whether we started it."""
    was_up = bench_pg("status").returncode == 0
    started = bench_pg("start")
    if started.returncode != 0:
        raise SystemExit("the benchmark cluster did not start (scripts/bench-pg.sh)")
    url = started.stdout.strip().splitlines()[-1].split("=", 1)[1]
    return url, not was_up


def with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def redis_db(url: str, db: int) -> str:
    base = url.split("?", 1)[0].rstrip("/")
    parts = base.split("/")
    if len(parts) > 3 and parts[-1].isdigit():
        parts = parts[:-1]
    return "/".join(parts) + f"/{db}"


# ---------------------------------------------------------------------------- processes


def proc_stat(pid: int) -> tuple[int, int] | None:
    """Return (parent pid, CPU ticks of the process and its reaped children)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    # After the name: state ppid ... utime(14) stime(15) cutime(16) cstime(17) (1-based).
    return int(fields[1]), sum(int(f) for f in fields[11:15])


def tree_ticks(root: int) -> int:
    """CPU ticks of a process tree: the living processes and what they have reaped."""
    parents: dict[int, list[int]] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = proc_stat(int(entry))
            if stat:
                parents.setdefault(stat[0], []).append(int(entry))
                ticks[int(entry)] = stat[1]
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += ticks.get(pid, 0)
        todo.extend(parents.get(pid, []))
    return total


def machine_busy() -> tuple[int, int]:
    """Return (busy, total) jiffies of all CPUs from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class Stack:
    """gunicorn (scripts/serve.sh), a Celery worker and beat, each in its own session."""

    def __init__(self, var: Path, env: dict[str, str], port: int) -> None:
        self.var = var
        self.env = env
        self.port = port
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        # Other process trees whose CPU is counted per search (the postmaster's).
        self.watch: dict[str, int] = {}

    def start(self, worker_concurrency: int) -> None:
        bindir = Path(sys.executable).parent
        celery = str(bindir / "celery")
        subprocess.run(
            [celery, "-A", "verbund", "purge", "-f"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        commands = {
            "web": ["bash", str(ROOT / "scripts" / "serve.sh")],
            "worker": [
                celery, "-A", "verbund", "worker", "--loglevel=INFO",
                f"--concurrency={worker_concurrency}", "--without-heartbeat",
            ],
            "beat": [
                celery, "-A", "verbund", "beat", "--loglevel=INFO",
                f"--schedule={self.var / 'celerybeat-schedule'}",
            ],
        }  # fmt: skip
        for name, command in commands.items():
            self.procs[name] = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=(self.var / "log" / f"{name}.out").open("ab"),
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        (self.var / "pids.json").write_text(
            json.dumps({name: proc.pid for name, proc in self.procs.items()})
        )

    def wait_until_up(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise SystemExit(f"{name} exited with {proc.returncode} (see {self.var}/log)")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/v1/catalogue/", headers={"Accept": "application/json"})
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"the server on port {self.port} did not answer within {seconds} s")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        with contextlib.suppress(FileNotFoundError):
            (self.var / "pids.json").unlink()

    def ticks(self) -> dict[str, int]:
        pids = {name: proc.pid for name, proc in self.procs.items()} | self.watch
        return {name: tree_ticks(pid) for name, pid in pids.items()}

    def describe(self) -> dict[str, Any]:
        web = self.procs["web"].pid
        cmdline = Path(f"/proc/{web}/cmdline").read_bytes().split(b"\0")
        children = [
            int(e)
            for e in os.listdir("/proc")
            if e.isdigit() and (proc_stat(int(e)) or (0,))[0] == web
        ]
        return {
            "gunicorn_command": " ".join(c.decode() for c in cmdline if c),
            "gunicorn_workers_running": len(children),
        }

    def log_faults(self) -> list[str]:
        marks = ("Traceback", "deadlock", "[ERROR]", "ERROR/", "CRITICAL")
        faults = []
        for path in sorted((self.var / "log").glob("*")):
            for line in path.read_text(errors="replace").splitlines():
                if any(mark in line for mark in marks):
                    faults.append(f"{path.name}: {line[:300]}")
        return faults


def stop_leftovers(var: Path) -> None:
    """Stop a server, worker or beat this script left behind when it was killed (-9)."""
    pids = var / "pids.json"
    if not pids.is_file():
        return
    for name, pid in json.loads(pids.read_text()).items():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"serve.sh" in cmdline or b"gunicorn" in cmdline or b"celery" in cmdline:
            print(f"stopping leftover {name} (process group {pid})", file=sys.stderr)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
    time.sleep(3)
    pids.unlink()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------------------- HTTP


class Client:
    """One keep-alive HTTP/1.1 connection (http.client), as one client of the service."""

    def __init__(self, port: int, token: str = "") -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = token
        self.reconnects = 0

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, bytes, float]:
        """Return (status, body, milliseconds). A connection the server closed while idle
        is reopened once (and counted); the time is that of the answered attempt."""
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        for attempt in (0, 1):
            start = time.perf_counter()
            try:
                self.conn.request("POST", path, data, headers)
                response = self.conn.getresponse()
                raw = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise
                self.reconnects += 1
                continue
            return response.status, raw, (time.perf_counter() - start) * 1000
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def login(port: int) -> str:
    client = Client(port)
    status, raw, _ = client.post(
        "/api/v1/auth/token/", {"username": SEARCHER, "password": PASSWORD}
    )
    client.close()
    if status != 200:
        raise SystemExit(f"login {SEARCHER}: {status} {raw[:300]!r}")
    return str(json.loads(raw)["token"])


def search_body(mode: str, criteria: dict[str, str]) -> dict[str, Any]:
    return {
        "file": "ATD",
        "mode": mode,
        "purpose": "ct_task",
        "urgency": "routine",
        "criteria": criteria,
    }


Job = tuple[str, dict[str, Any]]  # (kind, request body)


def run_phase(
    port: int, token: str, jobs: list[Job], concurrency: int, warmup: list[Job], stack: Stack
) -> dict[str, Any]:
    """Send ``jobs`` from ``concurrency`` client threads; return per-request results."""
    todo: queue.SimpleQueue[Job] = queue.SimpleQueue()
    for job in jobs:
        todo.put(job)
    results: list[tuple[str, int, float, int | None, str]] = []
    lock = threading.Lock()
    clients = [Client(port, token) for _ in range(concurrency)]
    # Warm-up on the same connections, not recorded.
    for n, (_kind, body) in enumerate(warmup):
        clients[n % concurrency].post(SEARCH_PATH, body)
    barrier = threading.Barrier(concurrency + 1)

    def work(client: Client) -> None:
        mine: list[tuple[str, int, float, int | None, str]] = []
        barrier.wait()
        while True:
            try:
                kind, body = todo.get_nowait()
            except queue.Empty:
                break
            try:
                status, raw, ms = client.post(SEARCH_PATH, body)
            except OSError as error:
                # The server is gone (stopped, crashed): an error, and this client stops.
                mine.append((kind, 0, 0.0, None, f"connection: {error}"))
                break
            hits: int | None = None
            code = ""
            try:
                parsed = json.loads(raw)
                hits = parsed.get("hit_count") if status == 201 else None
                code = parsed.get("code", "") if status != 201 else ""
            except ValueError:
                code = raw[:200].decode(errors="replace")
            mine.append((kind, status, ms, hits, code))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    load_before = os.getloadavg()
    ticks_before = stack.ticks()
    busy_before = machine_busy()
    client_before = resource.getrusage(resource.RUSAGE_SELF)
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    client_after = resource.getrusage(resource.RUSAGE_SELF)
    busy_after = machine_busy()
    ticks_after = stack.ticks()
    load_after = os.getloadavg()
    for client in clients:
        client.close()
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    n = len(results)
    cpu = {name: (ticks_after[name] - ticks_before[name]) * tick_ms / n for name in ticks_after}
    cpu["client"] = (
        (
            (client_after.ru_utime + client_after.ru_stime)
            - (client_before.ru_utime + client_before.ru_stime)
        )
        * 1000
        / n
    )
    busy = busy_after[0] - busy_before[0]
    total = busy_after[1] - busy_before[1]
    return {
        "concurrency": concurrency,
        "requests": n,
        "warmup": len(warmup),
        "seconds": wall,
        "searches_per_second": n / wall,
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "machine_cpu_busy_share": busy / total if total else None,
        "cpu_ms_per_search": cpu,
        "reconnects": sum(c.reconnects for c in clients),
        "results": results,
    }


def summarise(results: list[tuple[str, int, float, int | None, str]]) -> dict[str, Any]:
    """Percentiles, answers and errors of a set of results."""
    times = [r[2] for r in results]
    answered = [r[3] for r in results if r[1] == 201 and r[3] is not None]
    refused = sum(1 for r in results if r[1] == 422 and r[4] == "too_many_hits")
    errors = [f"{r[0]}: {r[1]} {r[4]}" for r in results if r[1] != 201 and r[4] != "too_many_hits"]
    q = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times * 99
    return {
        "n": len(results),
        "ok_201": len(answered),
        "refused_422": refused,
        "errors": len(errors),
        "error_examples": errors[:20],
        "mean_hits": statistics.fmean(answered) if answered else 0.0,
        "zero_hit_answers": sum(1 for h in answered if h == 0),
        "mean_ms": statistics.fmean(times),
        "p50_ms": q[49],
        "p95_ms": q[94],
        "p99_ms": q[98],
        "max_ms": max(times),
        "per_second_1_over_mean": 1000 / statistics.fmean(times),
    }


# ---------------------------------------------------------------------------- queries


def sample_queries(records: int, seed: int, c1: int) -> dict[str, Any]:
    """Sample stored names and phones lka-bw may see, from the database."""
    from django.db import connection
    from django.utils import timezone

    from agencies.models import Officer
    from verbund.models import File
    from verbund.search.keys import NAME, stored_key

    officer = Officer.objects.get(username=SEARCHER)
    file = File.objects.get(code="ATD")
    share = min(100.0, 100.0 * 40_000 / max(records, 1))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT basic, extended FROM verbund_record TABLESAMPLE SYSTEM ({share:.4f}) "
            "REPEATABLE (%s) WHERE file_id = %s AND kind = 'person' AND status = 'active' "
            "AND deletion_date > %s AND (storage <> 'covert' OR owner_id = %s)",
            [seed, file.pk, timezone.localdate(), officer.agency_id],
        )
        rows = cursor.fetchall()
    names, phones = [], []
    for basic, extended in rows:
        basic = json.loads(basic) if isinstance(basic, str) else basic
        extended = json.loads(extended) if isinstance(extended, str) else extended
        if basic.get("date_of_birth") and basic.get("given_names"):
            names.append(basic)
        phones.extend(extended.get("phones", [])[:1])
    rng = random.Random(seed)
    rng.shuffle(names)
    rng.shuffle(phones)
    if len(names) < c1 or len(phones) < c1:
        print(
            f"note: the sample holds {len(names)} names and {len(phones)} phones "
            f"(fewer than {c1}: some are searched more than once)",
            file=sys.stderr,
        )
    names = [names[i % len(names)] for i in range(c1 + 200)]
    phones = [phones[i % len(phones)] for i in range(c1 + 200)]
    return {
        "file_id": str(file.pk),
        "agency_id": str(officer.agency_id),
        "officer_id": str(officer.pk),
        "names": names,
        "phones": phones,
        "raw_keys": [
            (stored_key(NAME, b["surname"]), stored_key(NAME, b["given_names"]), b["date_of_birth"])
            for b in names
        ],
    }


def name_job(basic: dict[str, Any]) -> Job:
    criteria = {
        "surname": basic["surname"],
        "given_names": basic["given_names"],
        "date_of_birth": basic["date_of_birth"],
    }
    return "name_stored", search_body("name", criteria)


def nohit_job(rng: random.Random) -> Job:
    surname = "Zzq" + "".join(rng.choice(search_bench.SYLLABLES) for _ in range(3))
    return "name_nohit", search_body("name", {"surname": surname})


def phone_job(phone: str) -> Job:
    return "feature_phone", search_body("feature", {"phones": phone})


# ---------------------------------------------------------------------------- pgbench

RAW_SCRIPT = """\\set i random(1, {nq})
BEGIN;
SELECT r.id, r.basic, r.file_number, r.classification, a.code
FROM bench_raw_query q
JOIN verbund_namekey nk ON nk.file_id = {file} AND nk.surname_key = q.surname_key
JOIN verbund_record r ON r.id = nk.record_id
JOIN agencies_agency a ON a.id = r.owner_id
WHERE q.i = :i
  AND (nk.given_key = q.given_key OR nk.given_key = '')
  AND ((nk.date_of_birth = q.born AND nk.born_precision = 'd')
       OR (nk.date_of_birth = date_trunc('month', q.born)::date AND nk.born_precision = 'm')
       OR (nk.date_of_birth = date_trunc('year', q.born)::date AND nk.born_precision = 'y')
       OR nk.date_of_birth IS NULL)
  AND r.file_id = {file} AND r.status = 'active'
  AND (r.owner_id = {agency} OR (r.storage <> 'covert' AND r.deletion_date > CURRENT_DATE))
ORDER BY r.id LIMIT 201;
INSERT INTO bench_raw_log (id, seq, time, agency_id, officer_id, officer_username, action,
  object_type, object_id, file, purpose, urgency, "references", covert, details, request_id,
  outcome, prev_hash, hash)
VALUES (gen_random_uuid(), nextval('bench_raw_log_seq'), now(), {agency}, {officer},
  'lka-bw.analyst', 'search', 'search', gen_random_uuid()::text, 'ATD', 'ct_task', 'routine',
  '{references}'::jsonb, '[]'::jsonb, '{details}'::jsonb, '', 'ok',
  md5(random()::text) || md5(random()::text), md5(random()::text) || md5(random()::text));
END;
"""


def raw_prepare(sample: dict[str, Any]) -> str:
    """Create the query and log tables of the raw transaction; return the pgbench script."""
    from django.db import connection

    keys = sample["raw_keys"]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_query")
        cursor.execute(
            "CREATE TABLE bench_raw_query (i int PRIMARY KEY, surname_key text, given_key text, "
            "born date)"
        )
        cursor.executemany(
            "INSERT INTO bench_raw_query VALUES (%s, %s, %s, %s)",
            [(i + 1, s, g, b) for i, (s, g, b) in enumerate(keys)],
        )
        cursor.execute("ANALYZE bench_raw_query")
        # The shape of the access log (columns, defaults, indexes), not its partitions,
        # triggers or foreign keys; emptied each run.
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw_log "
            "(LIKE audit_auditevent INCLUDING DEFAULTS INCLUDING INDEXES)"
        )
        cursor.execute("CREATE SEQUENCE IF NOT EXISTS bench_raw_log_seq")
        cursor.execute("TRUNCATE bench_raw_log")
    hit = {
        "hit": str(uuid.uuid4()),
        "record": str(uuid.uuid4()),
        "agency": "BND",
        "file_number": "BND-000000001",
        "kind": "name",
        "matched_in": "basic",
    }
    details = {
        "mode": "name",
        "criteria": {"surname": "Mustermann", "given_names": "Ali", "date_of_birth": "1980-01-01"},
        "hit_count": 1,
        "order": "EAO-2026",
    }

    def lit(value: str) -> str:
        return "'" + value.replace("'", "''") + "'::uuid"

    return RAW_SCRIPT.format(
        nq=len(keys),
        file=lit(sample["file_id"]),
        agency=lit(sample["agency_id"]),
        officer=lit(sample["officer_id"]),
        references=json.dumps([hit]),
        details=json.dumps(details),
    )


def raw_plan(script: str) -> list[str]:
    """EXPLAIN ANALYZE of the raw lookup for the first sampled name."""
    from django.db import connection

    select = script.split("BEGIN;\n", 1)[1].split(";\nINSERT", 1)[0]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + select.replace(":i", "1"))
        return [row[0] for row in cursor.fetchall()]


def raw_parts(script: str) -> dict[str, str]:
    """The raw transaction's parts as scripts of their own: the lookup alone (autocommit, no
    write) and the log INSERT + COMMIT alone (what the durable commit costs on this disk)."""
    head, rest = script.split("BEGIN;\n", 1)
    select, insert = rest.split(";\nINSERT", 1)
    return {
        "lookup_only": head + select + ";\n",
        "insert_commit_only": "BEGIN;\nINSERT" + insert,
    }


def run_pgbench(
    db_url: str, script: str, transactions: int, var: Path, name: str = "raw"
) -> dict[str, Any]:
    """Run a script with pgbench (1 client), warm-up first; return latencies."""
    path = var / f"{name}.sql"
    path.write_text(script)
    for old in var.glob(f"pgbench_{name}.*"):
        old.unlink()
    base = [
        str(PG_BIN / "pgbench"), "-n", "-c", "1", "-j", "1", "-M", "simple", "-f", str(path),
        db_url,
    ]  # fmt: skip
    subprocess.run([*base[:-1], "-t", "200", base[-1]], check=True, capture_output=True, text=True)
    load_before = os.getloadavg()
    done = subprocess.run(
        [
            *base[:-1],
            "-t",
            str(transactions),
            "-l",
            f"--log-prefix={var / ('pgbench_' + name)}",
            base[-1],
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    load_after = os.getloadavg()
    latencies = []
    for log in var.glob(f"pgbench_{name}.*"):
        for line in log.read_text().splitlines():
            latencies.append(int(line.split()[2]) / 1000)
    tps = re.search(r"tps = ([0-9.]+)", done.stdout)
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "transactions": len(latencies),
        "mode": "simple",
        "p50_ms": q[49],
        "p95_ms": q[94],
        "p99_ms": q[98],
        "mean_ms": statistics.fmean(latencies),
        "tps": float(tps.group(1)) if tps else None,
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "output": done.stdout.splitlines()[-12:],
    }


# ---------------------------------------------------------------------------- facts


def machine_facts() -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem = int(line.split()[1]) // 1024
    pg: dict[str, Any] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg["version"] = cursor.fetchone()[0].split(",")[0]
        for name in (
            "data_directory", "fsync", "synchronous_commit", "full_page_writes", "wal_level",
            "shared_buffers", "work_mem", "max_connections", "max_wal_size",
            "effective_cache_size", "random_page_cost", "jit",
        ):  # fmt: skip
            cursor.execute("SELECT current_setting(%s)", [name])
            pg[name] = cursor.fetchone()[0]
        sizes = {}
        for table in ("verbund_record", "verbund_namekey", "verbund_featurevalue"):
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [table])
            sizes[table] = cursor.fetchone()[0]
        pg["table_sizes"] = sizes
        cursor.execute("SELECT count(*) FROM verbund_namekey")
        pg["name_keys"] = cursor.fetchone()[0]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    database = settings.DATABASES["default"]
    return {
        "date_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git_commit": commit,
        "git_dirty": bool(dirty),
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "ram_mib": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": pg,
        "django": {
            "settings": os.environ["DJANGO_SETTINGS_MODULE"],
            "CONN_MAX_AGE": database.get("CONN_MAX_AGE"),
            "CONN_HEALTH_CHECKS": database.get("CONN_HEALTH_CHECKS"),
        },
        "loadavg_at_start": os.getloadavg(),
    }


# ---------------------------------------------------------------------------- report


def fmt_load(before: Any, after: Any) -> str:
    return f"{before[0]:.2f} → {after[0]:.2f}"


def table(report: dict[str, Any]) -> str:
    """The markdown table for docs/benchmarks.md."""
    c1, c8, raw = report["c1"], report["c8"], report["raw"]
    lines = [
        "| phase | query | n | 422 | errors | mean hits | p50 ms | p95 ms | p99 ms "
        "| searches/s | load 1 min |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    labels = {
        "name_stored": "name, stored (surname+given+dob)",
        "name_nohit": "name, no hit",
        "feature_phone": "feature: phone",
    }
    load = fmt_load(c1["loadavg_before"], c1["loadavg_after"])
    for kind, label in labels.items():
        s = c1["kinds"][kind]
        lines.append(
            f"| c1 | {label} | {s['n']:,} | {s['refused_422']} | {s['errors']} "
            f"| {s['mean_hits']:.2f} | {s['p50_ms']:.2f} | {s['p95_ms']:.2f} | {s['p99_ms']:.2f} "
            f"| {s['per_second_1_over_mean']:.0f} (1/mean) | {load} |"
        )
    s = c1["all"]
    lines.append(
        f"| c1 | all three, interleaved | {s['n']:,} | {s['refused_422']} | {s['errors']} "
        f"| {s['mean_hits']:.2f} | {s['p50_ms']:.2f} | {s['p95_ms']:.2f} | {s['p99_ms']:.2f} "
        f"| {c1['searches_per_second']:.0f} | {load} |"
    )
    s = c8["all"]
    lines.append(
        f"| c8 | name, half stored / half no hit | {s['n']:,} | {s['refused_422']} "
        f"| {s['errors']} | {s['mean_hits']:.2f} | {s['p50_ms']:.2f} | {s['p95_ms']:.2f} "
        f"| {s['p99_ms']:.2f} | **{c8['searches_per_second']:.0f}** "
        f"| {fmt_load(c8['loadavg_before'], c8['loadavg_after'])} |"
    )
    lines.append(
        f"| raw | pgbench, 1 client: name-key lookup + log INSERT + COMMIT "
        f"| {raw['transactions']:,} | – | 0 | – | {raw['p50_ms']:.2f} | {raw['p95_ms']:.2f} "
        f"| {raw['p99_ms']:.2f} | {raw['tps']:.0f} tx/s "
        f"| {fmt_load(raw['loadavg_before'], raw['loadavg_after'])} |"
    )
    r = report["ratios"]
    lines.append("")
    lines.append(
        f"Ratio to the raw transaction's p50 ({raw['p50_ms']:.2f} ms), c1: stored names "
        f"p50 {r['name_stored_p50']:.1f}×, p95 {r['name_stored_p95']:.1f}× (target ≤ 12×); "
        f"no hit p50 {r['name_nohit_p50']:.1f}×, p95 {r['name_nohit_p95']:.1f}×; "
        f"phone p50 {r['feature_phone_p50']:.1f}×, p95 {r['feature_phone_p95']:.1f}×."
    )
    parts = raw.get("parts", {})
    if parts:
        lines.append(
            "Parts of the raw transaction, p50 / p95: lookup alone (no transaction) "
            f"{parts['lookup_only']['p50_ms']:.2f} / {parts['lookup_only']['p95_ms']:.2f} ms, "
            "log INSERT + COMMIT alone "
            f"{parts['insert_commit_only']['p50_ms']:.2f} / "
            f"{parts['insert_commit_only']['p95_ms']:.2f} ms."
        )
    for phase in ("c1", "c8"):
        cpu = report[phase]["cpu_ms_per_search"]
        parts = ", ".join(f"{k} {v:.2f}" for k, v in cpu.items())
        busy = report[phase]["machine_cpu_busy_share"]
        lines.append(
            f"CPU ms per search, {phase}: {parts}; the machine's CPUs were "
            f"{busy * 100:.0f} % busy (all processes, other sessions' too)."
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------- main


def _interrupt(signum: int, frame: Any) -> None:
    """TERM stops the run like Ctrl-C: the started processes are stopped on the way out."""
    raise KeyboardInterrupt


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=int(os.environ.get("N", "1000000")))
    parser.add_argument("--seed", type=int, default=20260302, help="loader seed (search_bench's)")
    parser.add_argument("--reload", action="store_true", help="load the records even if present")
    parser.add_argument("--c1", type=int, default=2000, help="c1 searches per kind")
    parser.add_argument("--c8", type=int, default=10000, help="searches of the c8 phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--pgbench", type=int, default=5000, help="raw transactions")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument(
        "--keep-cluster", action="store_true", help="leave a cluster this run started running"
    )
    parser.add_argument(
        "--load-only", action="store_true", help="load (or check) the records, measure nothing"
    )
    parser.add_argument("--database", default="", help="default: verbund_http_<N>")
    parser.add_argument("--json", default="", help="default: var/bench/http_<N>.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    redis = os.environ.get("REDIS_URL", "")
    if not redis.startswith("redis"):
        print("REDIS_URL must name a Redis server (make services provides one)", file=sys.stderr)
        return 2
    var = ROOT / "var" / "bench" / f"http-{args.n}"
    var.mkdir(parents=True, exist_ok=True)
    stop_leftovers(var)
    # Fresh logs: the fault check reads this run's lines only.
    shutil.rmtree(var / "log", ignore_errors=True)
    (var / "log").mkdir()
    free = shutil.disk_usage(ROOT / "var").free
    signal.signal(signal.SIGTERM, _interrupt)

    admin, started_cluster = cluster_start()
    stack: Stack | None = None
    try:
        db_url = with_db(admin, args.database or f"verbund_http_{args.n}")
        search_bench.ensure_database(db_url)
        redis_url = redis_db(redis, args.redis_db)
        port = free_port()
        env = dict(os.environ) | {
            "DJANGO_SETTINGS_MODULE": "verbund.settings.prod",
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "DJANGO_SECRET_KEY": "http-bench-only-" + uuid.uuid4().hex * 2,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on loopback: no redirect to HTTPS (a TLS proxy would sit in front).
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "VERBUND_RATE_LIMIT_FACTOR": os.environ.get("VERBUND_RATE_LIMIT_FACTOR", "1000000"),
            "VERBUND_DEMO_PASSWORD": PASSWORD,
            "VERBUND_VAR_DIR": str(var),
            "VERBUND_HOST": "127.0.0.1",
            "VERBUND_PORT": str(port),
            "PYTHONUNBUFFERED": "1",
        }
        os.environ.update(env)
        search_bench.setup_django(db_url)  # migrates
        from django.db import connection, connections

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM verbund_record")
            have = cursor.fetchone()[0]
        if have != args.n and free < (args.n - have) * DISK_PER_RECORD:
            raise SystemExit(
                f"{free / 1e9:.1f} GB free under var/: too little for {args.n:,} records "
                f"(about {args.n * DISK_PER_RECORD / 1e9:.1f} GB)"
            )
        loaded = search_bench.ensure_loaded(args.n, args.seed, PASSWORD, reload=args.reload)
        if loaded["loaded_now"]:
            print("VACUUM ANALYZE and CHECKPOINT after the load", flush=True)
            with connection.cursor() as cursor:
                cursor.execute(
                    "VACUUM ANALYZE verbund_record, verbund_namekey, verbund_featurevalue"
                )
                cursor.execute("CHECKPOINT")
        if args.load_only:
            print(f"{args.n:,} records in {db_url}: {loaded}")
            return 0
        sample = sample_queries(args.n, args.seed, args.c1)
        script = raw_prepare(sample)
        plan = raw_plan(script)
        report: dict[str, Any] = {
            "command": sys.argv,
            "records": args.n,
            "database": db_url,
            "load": loaded,
            "machine": machine_facts(),
        }
        connections.close_all()

        print(f"starting gunicorn (verbund.settings.prod), worker and beat on port {port}")
        stack = Stack(var, env, port)
        postmaster = Path(report["machine"]["postgresql"]["data_directory"]) / "postmaster.pid"
        stack.watch["postgres"] = int(postmaster.read_text().split()[0])
        stack.start(args.worker_concurrency)
        stack.wait_until_up(180)
        report["server"] = stack.describe() | {
            "celery_worker_concurrency": args.worker_concurrency,
            "redis": redis_url,
        }
        print(json.dumps(report["server"]), flush=True)
        token = login(port)

        rng = random.Random(args.seed + 19)
        names, phones = sample["names"], sample["phones"]
        warm = [name_job(b) for b in names[args.c1 :]][: args.warmup // 2]
        warm += [phone_job(p) for p in phones[args.c1 :]][: args.warmup // 2]
        c1_jobs = [name_job(b) for b in names[: args.c1]]
        c1_jobs += [nohit_job(rng) for _ in range(args.c1)]
        c1_jobs += [phone_job(p) for p in phones[: args.c1]]
        rng.shuffle(c1_jobs)
        print(f"c1: {len(c1_jobs):,} searches (warm-up {len(warm)})", flush=True)
        c1 = run_phase(port, token, c1_jobs, 1, warm, stack)

        print(f"raw: pgbench, {args.pgbench:,} transactions, 1 client", flush=True)
        raw = run_pgbench(db_url, script, args.pgbench, var)
        raw["plan"] = plan
        raw["script"] = script
        raw["parts"] = {}
        for part, part_script in raw_parts(script).items():
            figures = run_pgbench(db_url, part_script, max(500, args.pgbench // 5), var, part)
            raw["parts"][part] = {k: figures[k] for k in ("transactions", "p50_ms", "p95_ms")}

        c8_jobs = [
            name_job(rng.choice(names)) if rng.random() < 0.5 else nohit_job(rng)
            for _ in range(args.c8)
        ]
        c8_warm = [name_job(rng.choice(names)) for _ in range(args.concurrency * 5)]
        print(f"c8: {len(c8_jobs):,} searches at concurrency {args.concurrency}", flush=True)
        c8 = run_phase(port, token, c8_jobs, args.concurrency, c8_warm, stack)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if stack is not None:
            stack.stop()
        if started_cluster and not args.keep_cluster:
            bench_pg("stop")

    for phase in (c1, c8):
        results = phase.pop("results")
        phase["all"] = summarise(results)
        phase["kinds"] = {
            kind: summarise([r for r in results if r[0] == kind])
            for kind in sorted({r[0] for r in results})
        }
        phase["latencies_ms"] = {
            kind: [round(r[2], 3) for r in results if r[0] == kind] for kind in phase["kinds"]
        }
    report["c1"], report["c8"], report["raw"] = c1, c8, raw
    report["ratios"] = {
        f"{kind}_{p}": c1["kinds"][kind][f"{p}_ms"] / raw["p50_ms"]
        for kind in c1["kinds"]
        for p in ("p50", "p95")
    }
    report["log_faults"] = stack.log_faults()[:50] if stack else []
    report["loadavg_at_end"] = os.getloadavg()
    failures = []
    for name, phase in (("c1", c1), ("c8", c8)):
        if phase["all"]["errors"]:
            failures.append(f"{name}: {phase['all']['errors']} answers not 201/422 too_many_hits")
    if report["log_faults"]:
        failures.append(f"{len(report['log_faults'])} fault lines in the server/worker logs")
    report["verdict"] = "ok" if not failures else "FAILED: " + "; ".join(failures)
    out = Path(args.json) if args.json else ROOT / "var" / "bench" / f"http_{args.n}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, default=str))

    m = report["machine"]
    print()
    print(
        f"{args.n:,} records, commit {m['git_commit']}{' (dirty)' if m['git_dirty'] else ''}, "
        f"{report['server']['gunicorn_command']}, worker concurrency {args.worker_concurrency}; "
        f"{m['nproc']} × {m['cpu_model']}, {m['ram_mib']:,} MiB, {m['postgresql']['version']} "
        f"(fsync {m['postgresql']['fsync']}, synchronous_commit "
        f"{m['postgresql']['synchronous_commit']}, shared_buffers "
        f"{m['postgresql']['shared_buffers']}, work_mem {m['postgresql']['work_mem']}), "
        f"CONN_MAX_AGE {m['django']['CONN_MAX_AGE']}; load average at start "
        f"{' / '.join(f'{x:.2f}' for x in m['loadavg_at_start'])}"
    )
    print()
    print(table(report))
    print()
    for line in report["log_faults"][:10]:
        print("fault:", line)
    print(f"{report['verdict']}  ({out})")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
