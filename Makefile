# Shopfloor: `make run` serves the app with demo data (and runs its job workers); `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CHROMIUM ?= /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install broker run test test-postgres lint format bench soak faults clean screenshots messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The local RabbitMQ speaks AMQP 1.0 (IPC-CFX) once its plugin is on; enabling it again is harmless.
broker:
	@if command -v rabbitmq-plugins >/dev/null; then \
		rabbitmq-plugins --quiet enable rabbitmq_amqp1_0 >/dev/null; \
	else echo "RabbitMQ not installed here: cfx_listen will retry until a broker answers (CFX_BROKER_URL)."; fi

run: install broker
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py load_demo --address http://$(HOST):$(PORT)
	@# The job workers (exports; recounts and other work) and the CFX listener (machines'
	@# messages) run beside the server and stop with it.
	DEBUG=true $(BIN)/python manage.py jobs_worker --no-reload --queue-name exports & exports=$$!; \
	DEBUG=true $(BIN)/python manage.py jobs_worker --no-reload --queue-name default & other=$$!; \
	DEBUG=true $(BIN)/python manage.py cfx_listen & cfx=$$!; \
	trap 'kill $$exports $$other $$cfx 2>/dev/null; wait $$exports $$other $$cfx' EXIT INT TERM; \
	DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install broker
	@test -x $(CHROMIUM) || echo "Chromium not found at $(CHROMIUM): browser tests will be skipped (apt-get install chromium)."
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install
	DATABASE_URL=postgres://root@127.0.0.1:5432/test $(MAKE) test

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	@command -v wrk >/dev/null || echo "wrk not found: the scan benchmark will be skipped (apt-get install wrk)."
	$(BIN)/python -m pytest tests/bench -s -p no:cacheprovider $(PYTEST_ARGS)

# The README's pictures, taken in Chromium from a fresh demo line: docs/screenshots/*.png.
screenshots: install
	CHROMIUM=$(CHROMIUM) $(BIN)/python scripts/screenshots.py

# The strings to translate, gathered again from templates, Python and scripts into
# locale/<code>/LC_MESSAGES/*.po, then compiled into the .mo files the app reads (committed).
MESSAGES_IGNORE := --ignore=.venv --ignore=staticfiles --ignore=media --ignore=tests --ignore=static/vendor --ignore=docs
messages: install
	DEBUG=true $(BIN)/python manage.py makemessages --all --no-obsolete $(MESSAGES_IGNORE) -l hi -l es
	DEBUG=true $(BIN)/python manage.py makemessages -d djangojs --no-obsolete $(MESSAGES_IGNORE) -l hi -l es
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# On demand, on PostgreSQL: the 10-minute soak (SOAK_SECONDS=60 for a short one) and the faults.
soak: install
	DATABASE_URL=$${DATABASE_URL:-postgres://root@127.0.0.1:5432/test} $(BIN)/python -m pytest tests/bench/test_soak.py -s -p no:cacheprovider $(PYTEST_ARGS)

faults: install
	DATABASE_URL=$${DATABASE_URL:-postgres://root@127.0.0.1:5432/test} $(BIN)/python -m pytest tests/bench/test_faults.py -s -p no:cacheprovider $(PYTEST_ARGS)
