# leadline: `make demo` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet

.PHONY: demo test lint bench system-deps clean lock

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.lock
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The FinOps Foundation's focus-validator pins pandas 2 and sqlglot 18, which cannot live beside
# leadline's pins: it gets its own environment (tests/finops/test_focus_validator.py runs it).
FOCUS_STAMP := .venv-focus/.installed-stamp
$(FOCUS_STAMP): requirements-focus.lock
	test -x .venv-focus/bin/python || $(PYTHON) -m venv .venv-focus
	.venv-focus/bin/python -m pip --disable-pip-version-check --quiet install --no-deps -r requirements-focus.lock
	touch $(FOCUS_STAMP)

demo: $(STAMP)
	$(BIN)/leadline demo --seed 1 --size small

system-deps:
	./scripts/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# Two workers (the CI machine's cores); a module stays on one worker and the Spark tests share
# one (tests/scheduling.py, longest scopes first), so servers, demo copies and the JVM start
# once each; the two longest modules are split in parts.
TEST_WORKERS ?= 2
test: $(STAMP) $(FOCUS_STAMP) system-deps lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Re-resolve the lock after changing pyproject.toml (then review the diff).
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet -e '.[dev]'
	.venv-lock/bin/python -m pip freeze --exclude-editable > requirements.lock
	echo "setuptools==80.9.0" >> requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) leadline-data test-output .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
