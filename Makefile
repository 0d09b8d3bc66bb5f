# Every target bootstraps .venv when it is missing or older than pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo dev test lint bench clean

$(INSTALLED): pyproject.toml
	@echo "Installing the platform into $(VENV) (first run: a few minutes)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(INSTALLED)

## demo: the whole platform end to end on the embedded Kobo server (BAD_BATCH=1 to see a gate stop it)
demo: $(INSTALLED)
	$(BIN)/dtm demo $(if $(BAD_BATCH),--bad-batch,)

## dev: the embedded Kobo server plus the Dagster UI on http://127.0.0.1:3000
dev: $(INSTALLED)
	$(BIN)/dtm dev

## test: the test suite (unit and integration, against the embedded server)
test: $(INSTALLED)
	$(BIN)/pytest

## lint: ruff (lint and format check) over the Python, sqlfluff with dbt's templater over the models (.sqlfluff)
lint: $(INSTALLED)
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/python -m dtm_platform.transform.lint_sql lint dbt_project

## bench: the benchmarks (benchmarks/), side by side with dlt; writes benchmarks/RESULTS.md (about an hour)
bench: $(INSTALLED)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.run

## clean: forget everything the platform wrote (DTM_HOME=./var) and dbt's build files
clean:
	rm -rf var dbt_project/target dbt_project/logs
