# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: run test install translations db lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

translations: install
	$(FLASK) lms i18n compile

db: install translations
	$(FLASK) db upgrade
	$(FLASK) lms localities
	$(FLASK) lms demo
	$(FLASK) lms content import content/
	$(FLASK) lms search reindex
	$(FLASK) lms assets

run: db
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install translations
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "NOTE: /usr/bin/chromium is missing: the browser tests will be SKIPPED."; \
	  echo "      Install it with: sudo apt-get install chromium"; fi
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# National-scale dashboard benchmark (see bench/README.md); BENCH_DB may be a PostgreSQL URL.
BENCH_DB ?= sqlite:///$(CURDIR)/instance/bench.sqlite3
SCALE ?= 1
bench: install translations
	$(BIN)/python -m bench.generate --database-url $(BENCH_DB) --scale $(SCALE) --reset
	$(BIN)/python -m bench.dashboards --database-url $(BENCH_DB)
	$(BIN)/python -m bench.throughput --database-url $(BENCH_DB) --floor

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance/*.sqlite3*
