# Strategibot — two commands do all set-up: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test install chromium postgresql lint typecheck unit bench package clean

install: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Headless Chromium for the HTML report test (Debian package chromium); nothing if present.
chromium:
	@if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "Chromium is missing: install it to run tests/dialogs/status/test_html_chromium.py" >&2; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update && apt-get install -y --no-install-recommends chromium; \
	elif command -v sudo >/dev/null 2>&1; then \
	  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium; \
	else \
	  echo "Chromium is missing: run apt-get install chromium as root" >&2; \
	fi

## PostgreSQL's server programs for the tests' throw-away database (Debian package postgresql:
## initdb and pg_ctl in /usr/lib/postgresql/*/bin); nothing if present. The tests start their
## own server in a temporary directory; no system service is used.
postgresql:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "PostgreSQL is missing: install its server programs (initdb, pg_ctl) to run the tests" >&2; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update && apt-get install -y --no-install-recommends postgresql; \
	elif command -v sudo >/dev/null 2>&1; then \
	  sudo apt-get update && sudo apt-get install -y --no-install-recommends postgresql; \
	else \
	  echo "PostgreSQL is missing: run apt-get install postgresql as root" >&2; \
	fi

## Start the bot and the Microsoft 365 Agents Playground; prints where to chat.
## `make run ADMIN=1`: the playground's user (Alex Wilber) is an admin. `make run VERBOSE=1`:
## the bot logs every request and run of the reminder job (quiet by default: problems only).
run: install
	$(PY) -m tools.run_local $(if $(ADMIN),--admin) $(if $(VERBOSE),--verbose)

## Lint, type-check, every test (end-to-end and PostgreSQL included: never skipped here) and
## the quality figures of the three newest example sets (`make bench` prints all of them).
## Two test processes, a file each at a time: the end-to-end tests mostly wait for processes,
## so the other core runs tests meanwhile (474 s in one process, 348 s in two).
test: install chromium postgresql lint typecheck
	STRATEGIBOT_ALLOW_NO_POSTGRES=0 $(PY) -m pytest -n 2 --dist loadfile
	$(PY) bench/quality.py --set z --set aa --set ab

lint: $(PY_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(PY_STAMP)
	$(VENV)/bin/mypy

## The fast tests: no Playground, processes, browsers or fuzzing (make test runs those too).
unit: $(PY_STAMP)
	STRATEGIBOT_ALLOW_NO_POSTGRES=1 $(PY) -m pytest -m "not e2e and not slow"

## Benchmarks: answer quality (also typed into the Agents Playground), speed against the
## SDK's echo sample, storage, status rounds, the report, throttling storms, load during a
## fan-out, the HTTP edge under abuse (slow bodies, /healthz pollers), a crash mid-way, and
## PostgreSQL (submits, start-up, two instances with the sender killed mid fan-out, the crash).
bench: install postgresql
	$(PY) bench/quality.py
	$(PY) bench/playground_quality.py content/data/examples/ab.yaml
	$(PY) bench/speed.py
	$(PY) bench/fanout.py
	$(PY) bench/storage.py
	$(PY) bench/submit.py
	$(PY) bench/report.py
	$(PY) bench/tick.py
	$(PY) bench/storm.py
	$(PY) bench/load.py
	$(PY) bench/edge.py
	$(PY) bench/crash.py
	$(PY) bench/postgres.py

## The Teams app package build/strategibot.zip, checked with Microsoft's validator (offline).
package: $(PY_STAMP) $(NODE_STAMP)
	$(PY) -m tools.package_app --validate

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache
