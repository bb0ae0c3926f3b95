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

# Debian packages: CJK fonts for charts and PDFs, tesseract for scanned PDFs, poppler for pdftotext
DEBIAN_PACKAGES := fonts-noto-cjk tesseract-ocr tesseract-ocr-chi-sim poppler-utils

REPORTS ?= reports

.PHONY: help setup system-packages test ingest audit report bench docs lint clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	@echo "uv not found: installing it from PyPI into .tools/"
	$(PYTHON) -m venv .tools || { apt-get update && apt-get install -y python3-venv && $(PYTHON) -m venv .tools; }
	.tools/bin/pip install --quiet --disable-pip-version-check uv

system-packages: ## install the Debian packages (CJK fonts, OCR) when missing and apt-get is usable
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
		echo "warning: missing system packages ($$missing) and no root apt-get here: install them (or any CJK font and tesseract with Chinese) to render Chinese PDFs and read scanned PDFs"; \
	fi

setup: $(UV) system-packages ## create .venv with uv and install everything the project needs (idempotent)
	$(UV) sync --locked --python $(PYTHON)

test: setup ## run the whole test suite (sets itself up first)
	$(PY) -m pytest

# what ingest depends on: the documents, the code and reference data, the lockfile
STATE = find $(RAW) src uv.lock -type f -printf '%p %s %T@\n' | sort | sha256sum | cut -c1-64

ingest: setup ## read data/raw into data/processed (tables, indicators, audit findings, panel); skipped when nothing changed
	@state=$$($(STATE)); \
	if [ -f $(PROCESSED)/.state ] && [ "$$(cat $(PROCESSED)/.state)" = "$$state" ]; then \
		echo "data/raw, code and lockfile unchanged since the last ingest: $(PROCESSED) is current"; exit 0; fi; \
	rm -f $(PROCESSED)/.state; \
	$(VENV)/bin/budgetlib ingest $(RAW) --out $(PROCESSED); rc=$$?; \
	if [ $$rc -gt 1 ]; then exit $$rc; fi; \
	echo "$$state" > $(PROCESSED)/.state

audit: setup ## re-run the audit on data/processed (findings.csv)
	$(VENV)/bin/budgetlib audit $(PROCESSED) || true

report: ingest ## set up, ingest data/raw, export the data and build the HTML/PDF reports and reports/index.html (only what changed)
	$(VENV)/bin/budgetlib export $(PROCESSED) --to $(REPORTS)/data
	$(VENV)/bin/budgetlib report --data $(PROCESSED) --out $(REPORTS)

bench: setup ## benchmark ingest, PDF reading and reports on a scaled corpus → bench/results.json (a few minutes)
	$(PY) bench/run.py

docs: setup ## regenerate docs/dictionary.md from the column declarations
	$(PY) -c "from pathlib import Path; from budgetlib.export import write_dictionary_doc; write_dictionary_doc(Path('docs/dictionary.md'))"

lint: setup ## ruff and mypy
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy src

clean: ## remove outputs, caches and the virtual environment
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find $(PROCESSED) $(REPORTS) -mindepth 1 ! -name .gitkeep -delete 2>/dev/null || true
