# GeniusERP: `make demo` and `make test` each install what they need on a fresh Debian machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENDOR := src/genius/web/static/vendor
PYTEST_WORKERS ?= 2

.PHONY: help setup assets demo test test-services lint bench clean

help:
	@echo "make demo   - install, then run the platform on embedded PostgreSQL/Redis with demo data"
	@echo "make test   - install, then run the whole test suite"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - benchmarks (bench/)"

# uv itself: the one on PATH, or a private copy in .tools (pip from the Python package index).
.tools/bin/uv:
	python3 -m venv .tools || { apt-get update -qq && apt-get install -y -qq python3-venv && python3 -m venv .tools; }
	.tools/bin/pip install --quiet uv

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --all-groups
	touch $@

$(VENDOR)/htmx.min.js: package.json package-lock.json
	@command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js

assets: $(VENDOR)/htmx.min.js

setup: .venv/.synced assets

# Test-only system packages: Debian's RabbitMQ (the tests start it when it is not running), and
# Tesseract 5 with the Romanian and English data plus a font with Romanian letters (the OCR tests
# render their own images).
TEST_APT := $(shell command -v rabbitmq-server >/dev/null || [ -x /usr/sbin/rabbitmq-server ] || echo rabbitmq-server) \
	$(shell command -v tesseract >/dev/null || echo tesseract-ocr) \
	$(shell tesseract --list-langs 2>/dev/null | grep -qx ron || echo tesseract-ocr-ron) \
	$(shell tesseract --list-langs 2>/dev/null | grep -qx eng || echo tesseract-ocr-eng) \
	$(shell [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || echo fonts-dejavu-core)
test-services:
	@if [ -n "$(strip $(TEST_APT))" ]; then \
		echo "installing $(strip $(TEST_APT))"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_APT); fi

demo: setup
	$(UV) run --frozen genius demo

test: setup test-services
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen mypy
	$(UV) run --frozen pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: setup
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen ruff format --check src tests bench
	$(UV) run --frozen mypy

bench: setup
	$(UV) run --frozen python -m bench

clean:
	rm -rf .venv .tools node_modules $(VENDOR) .test-data
