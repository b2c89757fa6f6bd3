# Verbund — developer entry points. `make help` lists them.
#
#   make run    the whole system on SQLite + Celery's filesystem transport (no server needed)
#   make test   lint, checks and the test suite against a real PostgreSQL 15 and Redis 7
#               (started here by scripts/test-services.sh unless DATABASE_URL and REDIS_URL
#               are set)

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
SERVICES_ENV := var/test-services.env

N ?= 1000000
PYTEST_ARGS ?=
BENCH_ARGS ?=

TEST_SETTINGS := verbund.settings.test
# What mypy checks (pyproject's `files`, less any folder that has no Python file yet: mypy
# refuses an empty one).
MYPY_PATHS := $(shell for p in manage.py verbund agencies audit subjects international tests benchmarks; do \
	[ -n "$$(find $$p -name '*.py' -print -quit 2>/dev/null)" ] && echo $$p; done)
# Load the DATABASE_URL and REDIS_URL written by scripts/test-services.sh into a recipe line.
WITH_SERVICES := set -a && . ./$(SERVICES_ENV) && set +a &&
# `check --deploy` needs production-like values; this key exists only for the check.
DEPLOY_CHECK_ENV := DJANGO_SECRET_KEY=deploy-check-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH \
	DJANGO_ALLOWED_HOSTS=verbund.example.org

.PHONY: help venv run services services-stop test checks lint format bench-search bench-http bench-timing bench-lifecycle bench-audit compliance \
	messages makemessages clean distclean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)

# ------------------------------------------------------------------ environment
venv: $(STAMP) ## create .venv and install requirements-dev.txt (only when they changed)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -r requirements-dev.txt
	touch $@

services: ## start (or reuse) PostgreSQL 15 + Redis 7 for tests; writes var/test-services.env
	@bash scripts/test-services.sh

services-stop: ## stop the PostgreSQL and Redis started by `make services`
	@bash scripts/test-services.sh stop

# ------------------------------------------------------------------ run
run: venv messages ## migrate, seed demo data, start worker + beat, serve (gunicorn) on 127.0.0.1:8000
	@bash scripts/run.sh

# ------------------------------------------------------------------ quality
lint: venv ## ruff check, ruff format --check, mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(MYPY_PATHS)

format: venv ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix-only .
	$(BIN)/ruff format .

checks: venv services ## makemigrations --check and check --deploy (production settings)
	$(WITH_SERVICES) DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) \
		$(PY) manage.py makemigrations --check --dry-run
	$(WITH_SERVICES) $(DEPLOY_CHECK_ENV) \
		$(PY) manage.py check --deploy --settings=verbund.settings.prod --fail-level WARNING

# pytest is the last command, so its summary is the last line printed.
test: venv services lint checks messages ## lint, checks, then pytest on PostgreSQL + Redis
	$(WITH_SERVICES) DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(BIN)/pytest $(PYTEST_ARGS)

bench-search: venv services ## search benchmark on PostgreSQL (N=1000000 records by default)
	$(WITH_SERVICES) DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) manage.py migrate --noinput
	$(WITH_SERVICES) DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) PYTHONPATH=$(CURDIR) N=$(N) \
		VERBUND_RATE_LIMIT_FACTOR=$${VERBUND_RATE_LIMIT_FACTOR:-1000000} \
		$(PY) benchmarks/search_bench.py --n $(N) $(BENCH_ARGS)

# Issue 19: logged searches over HTTP as deployed — gunicorn through scripts/serve.sh with
# verbund.settings.prod, a Celery worker and beat (Redis of the test services, db 11) — on N
# records (1 M by default) in verbund_http_<N> of the dedicated durable PostgreSQL cluster of
# scripts/bench-pg.sh (fsync on, port 54340, var/bench-pg), beside the raw transaction
# (pgbench). Loads only when the database does not hold N records of the same seed yet.
# Results: var/bench/http_<N>.json and a markdown table. BENCH_ARGS: --keep-cluster, --c1,
# --c8, --pgbench, --reload, ... (benchmarks/http_bench.py --help).
bench-http: venv services messages ## search over HTTP vs the raw transaction (pgbench), N=1000000
	$(WITH_SERVICES) PYTHONPATH=$(CURDIR) $(PY) benchmarks/http_bench.py --n $(N) $(BENCH_ARGS)

# Issue 16 (sweep branch): the deadline sweep over N records (1 M by default) with 0.5, 1 and
# 2 % due, and the same due count in a file five times smaller; in the database
# verbund_bench_lifecycle next to the test services' one (created and migrated by the script).
bench-lifecycle: venv services ## deadline-sweep benchmark on PostgreSQL (N=1000000 records by default)
	$(WITH_SERVICES) DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) PYTHONPATH=$(CURDIR) N=$(N) \
		$(PY) benchmarks/lifecycle_bench.py --n $(N) $(BENCH_ARGS)

# Issue 17 (auditlog branch): a supervisor's filtered log query over N log rows (10 M by default,
# `make bench-audit N=2000000`) in 18 monthly partitions; in the database verbund_bench_audit
# next to the test services' one (created, migrated and filled by the script).
bench-audit: venv services ## audit-log query benchmark on PostgreSQL (N=10000000 log rows by default)
	$(WITH_SERVICES) DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) PYTHONPATH=$(CURDIR) \
		$(PY) benchmarks/audit_bench.py --n $(if $(filter command line environment,$(origin N)),$(N),10000000) $(BENCH_ARGS)

compliance: venv ## regenerate docs/compliance.md from the test names
	$(PY) scripts/compliance_matrix.py

# Both stacks a user runs, over HTTP, each started here and stopped after: the embedded
# default (scripts/run.sh: SQLite, filesystem broker, worker, beat) and verbund.settings.prod
# under gunicorn with a Celery worker and beat on PostgreSQL + Redis. Fails (exit 1) on a
# difference at p < 0.001 — per answer or lagged by the previous answer's label — on any
# answer other than 201, or when an owner was not notified of every covert match.
bench-timing: venv services messages ## covert-only vs absent name over HTTP, both stacks (PAIRS=1000)
	$(PY) benchmarks/timing_http.py --stack embedded --pairs $${PAIRS:-1000}
	$(WITH_SERVICES) $(PY) benchmarks/timing_http.py --stack postgres --pairs $${PAIRS:-1000}

# ------------------------------------------------------------------ translations
LOCALE_IGNORE := --ignore=.venv --ignore=var --ignore=node_modules

messages: venv ## compile the German translations (.po -> .mo), if there are any
	@if [ -z "$$(find . \( -path ./.venv -o -path ./var -o -path ./.git \) -prune -o \
		-path '*/locale/de/LC_MESSAGES/*.po' -print -quit)" ]; then \
		echo "messages: no German .po files yet"; exit 0; fi; \
	command -v msgfmt >/dev/null || bash scripts/apt-install.sh gettext; \
	$(PY) manage.py compilemessages -l de $(LOCALE_IGNORE)

makemessages: venv ## extract German message catalogues from code and templates
	command -v msgfmt >/dev/null || bash scripts/apt-install.sh gettext
	$(PY) manage.py makemessages -l de $(LOCALE_IGNORE) --ignore=tests --ignore=benchmarks

# ------------------------------------------------------------------ cleaning
clean: ## remove caches, collected static files, logs and the dev broker queue
	rm -rf var/staticfiles var/log var/broker var/*.pid var/celerybeat-schedule*
	find . -path ./.venv -prune -o -type d \( -name __pycache__ -o -name .mypy_cache \
		-o -name .ruff_cache -o -name .pytest_cache \) -prune -print0 | xargs -0 rm -rf

distclean: clean services-stop ## also remove the dev database, the test-services env and .venv
	rm -rf var/verbund.sqlite3* $(SERVICES_ENV) $(VENV)
