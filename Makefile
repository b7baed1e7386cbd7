# Valuestream: `make demo` and `make test` are the two commands of the quick start.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DBT_DIR := dbt_project

# Telemetry off for every tool, in every target.
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export RUNTIME__DLTHUB_TELEMETRY := false
export DAGSTER_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := 1
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false
# uv uses this machine's Python 3.11 and never downloads an interpreter.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
export UV_LINK_MODE := copy
# Install the packages with their bytecode compiled: every dbt, Dagster and vsm process
# otherwise compiles the modules it imports from source when Python may not write .pyc
# files (PYTHONDONTWRITEBYTECODE, a read-only venv): about 1.5 s of CPU per dbt command.
export UV_COMPILE_BYTECODE := 1

UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)

.PHONY: help setup browser postgres demo test lint format ui dashboards clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

setup: $(BIN)/vsm $(DBT_DIR)/target/manifest.json  ## Install everything into .venv and parse the dbt project

$(UV):
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --user uv || $(PYTHON) -m pip install --quiet uv

$(BIN)/vsm: pyproject.toml uv.lock | $(UV)
	@uv_bin=$$(command -v uv || echo $(HOME)/.local/bin/uv); \
	  $$uv_bin sync --frozen --python $(PYTHON)
	@touch $@

$(DBT_DIR)/target/manifest.json: $(BIN)/vsm $(shell find $(DBT_DIR) -name '*.sql' -o -name '*.yml' -o -name '*.csv' 2>/dev/null | grep -v '/target/')
	cd $(DBT_DIR) && ../$(BIN)/dbt parse --quiet --project-dir . --profiles-dir .

# Install Debian package $(1) (as root, else through sudo).
define apt_install
if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(1) >/dev/null
endef

browser:  ## Install Debian's Chromium for the browser tests (when missing)
	@if [ ! -x /usr/bin/chromium ]; then $(call apt_install,chromium); fi
	@dpkg-query -W -f='chromium $${Version}\n' chromium 2>/dev/null || test -x /usr/bin/chromium

postgres:  ## Install Debian's PostgreSQL server for the cross-database test (when missing)
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then $(call apt_install,postgresql); fi
	@ls /usr/lib/postgresql/*/bin/initdb

demo: setup  ## Build the sandbox organisation, run the pipeline, serve the dashboards
	$(BIN)/vsm demo

test: setup browser postgres  ## Run the whole test suite
	$(BIN)/pytest -n auto --dist loadgroup --durations=25

lint: setup  ## ruff and sqlfluff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint --processes 0 $(DBT_DIR)/models $(DBT_DIR)/macros

format: setup  ## Apply ruff's formatting and fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

ui: setup  ## The Dagster UI (assets, lineage, runs, schedule) on http://127.0.0.1:3000
	$(BIN)/vsm ui

dashboards: setup  ## The dashboards on http://127.0.0.1:8501
	$(BIN)/vsm dashboards

clean:  ## Remove the data folder and build outputs (not the venv)
	rm -rf .vsm $(DBT_DIR)/target $(DBT_DIR)/logs
