# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
PORT ?= 5000

.PHONY: run dev test install lock secret-key translations db lint bench clean

# Exact versions with hashes from requirements.lock, then the project itself without resolving anything again.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# After a change of pyproject.toml's dependencies: resolve again, with hashes, for every platform.
lock:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'uv>=0.9,<1'
	$(BIN)/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 --generate-hashes \
	  --custom-compile-command "make lock" --quiet -o requirements.lock

# A random SECRET_KEY in the instance folder on first use, kept afterwards (sessions survive a restart).
secret-key: install
	$(BIN)/python -m lms.instance

translations: secret-key
	$(FLASK) lms i18n compile

db: translations
	$(FLASK) db upgrade
	$(FLASK) lms localities
	$(FLASK) lms demo
	$(FLASK) lms content import content/
	$(FLASK) lms search reindex
	$(FLASK) lms assets

# gunicorn (and every other process of the Procfile) until Ctrl-C.
run: db
	LMS_BIND=127.0.0.1:$(PORT) $(BIN)/python -m lms.serve

# The development server: reloads on code changes, shows tracebacks in the browser.
dev: db
	$(FLASK) --debug run --host 127.0.0.1 --port $(PORT)

test: translations
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "NOTE: /usr/bin/chromium is missing: the browser tests will be SKIPPED."; \
	  echo "      Install it with: sudo apt-get install chromium"; fi
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# National-scale dashboard benchmark (see bench/README.md); BENCH_DB may be a PostgreSQL URL.
BENCH_DB ?= sqlite:///$(CURDIR)/instance/bench.sqlite3
SCALE ?= 1
bench: translations
	$(BIN)/python -m bench.generate --database-url $(BENCH_DB) --scale $(SCALE) --reset
	$(BIN)/python -m bench.dashboards --database-url $(BENCH_DB)
	$(BIN)/python -m bench.throughput --database-url $(BENCH_DB) --floor

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance/*.sqlite3*
