# The two commands from the README, and the checks CI adds to them.
# `make demo`  — set up and run the portal with demo data (SQLite, no services).
# `make test`  — install what the tests need and run the whole suite (PostgreSQL + Redis).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-runtime
STAMP_DEV := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test check bench-movement lint format messages screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(STAMP_DEV): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(STAMP_RUN)

# DEBUG=true: the one place that asks for it (a server started without it refuses
# to run with no SECRET_KEY, and never shows a debug page).
demo: $(STAMP_RUN)
	env -u DATABASE_URL -u REDIS_URL DEBUG=true $(BIN)/python manage.py migrate --no-input
	env -u DATABASE_URL -u REDIS_URL DEBUG=true $(BIN)/python manage.py demo
	env -u DATABASE_URL -u REDIS_URL DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

# One pytest-xdist worker per core, at most 4 (each has its own PostgreSQL and Redis
# database); options in PYTEST_ARGS come later and win: PYTEST_ARGS="-n 0" runs in one process.
test: $(STAMP_DEV)
	bash scripts/install-system-packages
	bash scripts/wait-for-services
	$(BIN)/python -m pytest -n auto --maxprocesses 4 $(PYTEST_ARGS)

check: $(STAMP_DEV)
	bash scripts/check

# The movement-scale figures of the README's Performance section: generates the
# movement's decade into capacity_bench_movement once (7 to 13 minutes here) and the
# latest year's learning reports (about a minute, for the report page), then times
# every page, 200 enrollments for the last 20 seats, a 100,000-row export and the full
# rebuild of the learning reports: about 20 minutes on 2 cores with the data there.
bench-movement: $(STAMP_DEV)
	bash scripts/install-system-packages
	bash scripts/wait-for-services
	$(BIN)/python bench/run.py --scale movement --json bench/results/movement-pages.json
	$(BIN)/python bench/enrollments.py --json bench/results/enrollments.json
	$(BIN)/python bench/exports.py --json bench/results/exports.json
	$(BIN)/python bench/reports.py --generated --bare-runs 1 --workers 2 --json bench/results/reports-movement.json \
	  --database-url postgres://postgres@127.0.0.1:5432/capacity_bench_movement

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP_DEV)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Extract UI strings into locale/*/LC_MESSAGES/django.po and compile them.
messages: $(STAMP_DEV)
	DEBUG=true $(BIN)/python manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=tests
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv

screenshots: $(STAMP_DEV)
	bash scripts/install-system-packages
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) var staticfiles
