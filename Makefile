# GeniusERP: `make demo` and `make test` each install what they need on a fresh Debian machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENDOR := src/genius/web/static/vendor
PYTEST_WORKERS ?= 2

.PHONY: help setup assets demo demo-services test test-services lint bench clean i18n

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

# Front-end assets from the npm registry (package-lock.json pins them), copied into the static folder:
# never committed, never loaded from a CDN.
$(VENDOR)/.installed: package.json package-lock.json
	@command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/sortablejs/Sortable.min.js $(VENDOR)/Sortable.min.js
	cp node_modules/lucide-static/sprite.svg $(VENDOR)/icons.svg
	touch $@

assets: $(VENDOR)/.installed

setup: .venv/.synced assets

# System packages from Debian, installed only when missing. The OCR worker needs Tesseract 5 with the
# Romanian and English data (demo and tests); the tests also need RabbitMQ (they start it when it is
# not running), Debian's PostgreSQL (pg_trgm; scripts/with-system-postgres starts a throwaway cluster),
# a font with Romanian letters (the OCR tests render their own images), Prometheus (promtool checks
# deploy/prometheus/; the tests run their own prometheus on a free port, never the package's service)
# and Chromium (the end-to-end tests drive it with Playwright through executable_path).
OCR_APT := $(shell command -v tesseract >/dev/null || echo tesseract-ocr) \
	$(shell tesseract --list-langs 2>/dev/null | grep -qx ron || echo tesseract-ocr-ron) \
	$(shell tesseract --list-langs 2>/dev/null | grep -qx eng || echo tesseract-ocr-eng)
TEST_APT := $(OCR_APT) \
	$(shell command -v rabbitmq-server >/dev/null || [ -x /usr/sbin/rabbitmq-server ] || echo rabbitmq-server) \
	$(shell ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || echo postgresql) \
	$(shell [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || echo fonts-dejavu-core) \
	$(shell [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ] || echo prometheus) \
	$(shell [ -x /usr/bin/chromium ] || echo chromium)
APT_INSTALL = apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq

test-services:
	@if [ -n "$(strip $(TEST_APT))" ]; then echo "installing $(strip $(TEST_APT))"; $(APT_INSTALL) $(TEST_APT); fi

# The demo runs without Tesseract too (the registry then shows the ocr worker's health check failing).
demo-services:
	@if [ -n "$(strip $(OCR_APT))" ]; then echo "installing $(strip $(OCR_APT))"; \
		$(APT_INSTALL) $(OCR_APT) || echo "warning: could not install $(strip $(OCR_APT)); ocr.extract will fail"; fi

demo: setup demo-services
	$(UV) run --frozen genius demo

test: setup test-services
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports
	$(UV) run --frozen pytest -n $(PYTEST_WORKERS) --ignore=tests/e2e --durations=25 $(PYTEST_ARGS)
	@# The web app end to end in Debian's Chromium, against one `genius demo` (its own process).
	$(UV) run --frozen pytest -q tests/e2e
	@# The CRM again on Debian's PostgreSQL, where pg_trgm exists (its migrations and the dedup path).
	scripts/with-system-postgres $(UV) run --frozen pytest -n $(PYTEST_WORKERS) -q tests/vettify

lint: setup
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen ruff format --check src tests bench
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports

# Re-extract the web app's messages into both catalogues (then translate the new Romanian entries).
i18n: setup
	$(UV) run --frozen genius i18n update

# bench --suite outreach measures the quota script beside redis-benchmark (Debian's redis-tools).
BENCH_APT := $(shell command -v redis-benchmark >/dev/null || echo redis-tools)

bench: setup
	@if [ -n "$(strip $(BENCH_APT))" ]; then echo "installing $(strip $(BENCH_APT))"; $(APT_INSTALL) $(BENCH_APT); fi
	$(UV) run --frozen python -m bench

clean:
	rm -rf .venv .tools node_modules $(VENDOR) .test-data
