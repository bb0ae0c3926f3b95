# budgetlib — `make help` lists the targets. Every target sets itself up first.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
# uv from PATH when there is one, else a private copy installed from PyPI into .tools/
UV_ON_PATH := $(shell command -v uv 2>/dev/null)
UV := $(if $(UV_ON_PATH),$(UV_ON_PATH),$(CURDIR)/.tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
RAW ?= data/raw
PROCESSED ?= data/processed

.PHONY: help setup test ingest audit lint clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	@echo "uv not found: installing it from PyPI into .tools/"
	$(PYTHON) -m venv .tools || { apt-get update && apt-get install -y python3-venv && $(PYTHON) -m venv .tools; }
	.tools/bin/pip install --quiet --disable-pip-version-check uv

setup: $(UV) ## create .venv with uv and install everything the project needs (idempotent)
	$(UV) sync --locked --python $(PYTHON)

test: setup ## run the whole test suite (sets itself up first)
	$(PY) -m pytest

ingest: setup ## read data/raw into data/processed (Parquet + indicators.csv)
	$(VENV)/bin/budgetlib ingest $(RAW) --out $(PROCESSED)

lint: setup ## ruff and mypy
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy src

clean: ## remove outputs, caches and the virtual environment
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find $(PROCESSED) -mindepth 1 ! -name .gitkeep -delete 2>/dev/null || true
