# PMKS Kaltim — the two commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
REGIONS_CSV ?= regions/data/regions_kaltim.csv
# `make run` is the embedded default: SQLite, inline tasks, DEBUG on.
RUN_ENV := DEBUG=True

.PHONY: mutants install run test lint schema-lint migrate seed messages bench serve worker beat weight clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(RUN_ENV) $(PY) manage.py migrate --noinput

seed: migrate
	@if [ -f "$(REGIONS_CSV)" ]; then $(RUN_ENV) $(PY) manage.py load_regions "$(REGIONS_CSV)"; \
	else echo "No $(REGIONS_CSV): using the shipped province and ten kabupaten/kota."; fi
	$(RUN_ENV) $(PY) manage.py seed_demo

run: seed
	@echo "Serving on http://127.0.0.1:8000 — log in with a demo login above."
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# The whole suite against whatever the environment configures
# (DATABASE_URL/REDIS_URL for Postgres+Redis; nothing for SQLite).
# Tests run with DEBUG off like production; they need a key, not a secret one.
# Two pytest-xdist workers (TEST_WORKERS=0 for one process), each with its own test
# database and Redis database (pmks/settings.py); a module's tests stay together.
TEST_WORKERS ?= 2
test: export SECRET_KEY ?= test-only-not-secret
test: install
	$(PY) -m pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DEBUG=True $(PY) manage.py makemigrations --check --dry-run
	DEBUG=True $(PY) manage.py check
	DEBUG=True $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	DEBUG=True $(PY) -m mypy .

# The OpenAPI schema linted by Spectral's own `spectral:oas` ruleset (.spectral.yaml:
# everything on but the trailing-slash rule, see docs/api.md); any warning fails.
# Spectral is pinned in tools/spectral (package-lock.json), installed with `npm ci`.
SPECTRAL_DIR := tools/spectral
SPECTRAL := $(SPECTRAL_DIR)/node_modules/.bin/spectral

$(SPECTRAL_DIR)/node_modules/.installed: $(SPECTRAL_DIR)/package.json $(SPECTRAL_DIR)/package-lock.json
	cd $(SPECTRAL_DIR) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

schema-lint: install $(SPECTRAL_DIR)/node_modules/.installed
	mkdir -p var
	DEBUG=True $(PY) manage.py spectacular --validate --fail-on-warn --file var/openapi.yaml
	$(SPECTRAL) lint --ruleset .spectral.yaml --fail-severity warn var/openapi.yaml

messages: install
	DEBUG=True $(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=mutants --ignore=tools
	DEBUG=True $(PY) manage.py compilemessages --ignore=.venv --ignore=mutants

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# Production server against the configured environment (HOST/PORT, default
# 127.0.0.1:8000): gunicorn gthread, see pmks/gunicorn.conf.py.
serve: install
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/gunicorn -c pmks/gunicorn.conf.py

# Every queue: `default` (outbox, heartbeat, short tasks) and `long` (statistics).
worker: install
	$(VENV)/bin/celery -A pmks worker -l info --concurrency 2 -Q default,long

beat: install
	mkdir -p var && $(VENV)/bin/celery -A pmks beat -l info --schedule $(or $(BEAT_SCHEDULE),var/celerybeat-schedule)

# Faults against a live stack it starts itself: a private Postgres cluster under /tmp,
# its own redis-server, `make serve`, `make worker`, `make beat`, the demo data and a
# webhook receiver (bench/faults/). One row per scenario; exit 1 if an effect was lost,
# a request answered 500 or an effect was processed twice. About 23 minutes on a busy
# 2-core machine (7 of set-up; the worker is stopped for 10); faults-quick shortens
# every outage (5–10 minutes, most of it set-up).
faults: install
	$(PY) -m bench.faults $(FAULTS_ARGS)

faults-quick: install
	$(PY) -m bench.faults --quick $(FAULTS_ARGS)

# 200 people for 5 minutes (Locust, bench/load/) against `make serve` on the Postgres
# of DATABASE_URL, which holds the demo data: LOAD_ARGS="--users 50 --duration 1m".
load: install
	$(PY) -m bench.load $(LOAD_ARGS)

# Five key pages at 400 kbps / 400 ms round trip in Chromium: bytes, requests and time
# until usable, first and repeat visit (bench/weight/; issue 15's targets).
weight: install
	$(PY) -m bench.weight $(WEIGHT_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles var

# Mutation testing of the access door, the NIK rules and the referral state machine
# ([tool.mutmut] in pyproject.toml; docs/TESTING.md has the last score and the
# survivors judged equivalent). About an hour from scratch on the shared 2-core machine.
mutants: export SECRET_KEY ?= test-only-not-secret
mutants: install
	rm -rf mutants
	$(VENV)/bin/mutmut run
	$(VENV)/bin/mutmut results
