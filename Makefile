# kaiwatch: `make demo` and `make test` each set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip

# No route to Prefect's cloud here: no telemetry, and Prefect's files stay in the project.
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_HOME ?= $(CURDIR)/.prefect

.PHONY: install install-test demo test test-fast lint format bench eval train lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs are pinned by constraints.txt (see README: prefect 3.8, apprise<2, fastapi<0.151).
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install --quiet --constraint constraints.txt --editable .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet --constraint constraints.txt --editable ".[test]"
	@# tests/test_browse.py drives Debian's chromium through chromedriver (it skips without them);
	@# fonts-nanum gives its screenshots Korean glyphs.
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
		if command -v apt-get >/dev/null 2>&1; then \
			apt-get install -y -q chromium chromium-driver fonts-nanum \
				|| (apt-get update -q && apt-get install -y -q chromium chromium-driver fonts-nanum) \
				|| echo "apt-get could not install chromium: the browser test will skip"; \
		else \
			echo "chromium not found and no apt-get: the browser test will skip"; \
		fi; \
	fi
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/python demo/run_demo.py

# Everything, as CI runs it: lint, types, and the whole suite with the slow process-level
# tests (Prefect harness, scheduled runs, killed processes).
test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

# The development loop: lint, types, and the suite without the tests marked slow.
test-fast: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -m "not slow"

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-test
	$(BIN)/python bench/run_all.py

# Quality against the team's labelled corpus in ../shared (docs/quality.md, docs/dedup.md).
eval: install-test
	$(BIN)/python bench/entities_eval.py
	$(BIN)/python bench/dedup_eval.py
	$(BIN)/python bench/events_eval.py
	$(BIN)/python bench/event_records_eval.py
	$(BIN)/python bench/deal_counts.py

# Rebuild the event model (flows/analysis/events/model.json) from ../shared/corpus and the
# cases in tests/fixtures/events: fixed seeds, byte-identical output (docs/events.md).
train: install-test
	$(BIN)/python -m flows.analysis.events.train

# Re-pin after changing dependencies: resolves pyproject.toml afresh into constraints.txt.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet ".[test]"
	.venv-lock/bin/python -m pip freeze --exclude kaiwatch > constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) .prefect .pytest_cache .ruff_cache .mypy_cache demo/demo.db*
