# Two commands for a fresh machine (see README):
#   make run    install into .venv and open the app on the bundled sample dataset
#   make test   install into .venv and run the whole test suite
#   make test-install   install with installer/install.sh into a temporary HOME, run, uninstall
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO ?= .demo-project
# Two test processes (pytest-xdist), each test file whole in one of them and the Ray
# cluster tests all in one (tests/xdist_groups.py): CI's 2 cores both busy. PYTEST_WORKERS=
# runs the suite in one process.
PYTEST_WORKERS ?= -n 2 --dist loadgroup

.PHONY: install run test test-install lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	test -f $(DEMO)/labeldesk.db || $(BIN)/labeldesk new $(DEMO) --images sample_data/fashion
	$(BIN)/labeldesk embed $(DEMO)
	$(BIN)/labeldesk gui $(DEMO)

test: install
	$(BIN)/ruff check labeldesk tests benchmarks
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_WORKERS)

test-install:
	bash installer/test_install.sh

lint: install
	$(BIN)/ruff check labeldesk tests benchmarks
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python benchmarks/bench_index.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache
