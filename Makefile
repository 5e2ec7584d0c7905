# Store Edge POS — `make run` to try the store, `make test` to check everything, `make bench` for numbers.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA_DIR ?= data
HOST ?= 0.0.0.0
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages: to build and run the daemon, and the real servers the tests start.
DEB_RUN := python3 python3-venv python3-dev gcc libc6-dev linux-libc-dev
DEB_TEST := mariadb-server mosquitto postgresql chromium e2fsprogs libnss3-tools systemd python3-apt git

.PHONY: run test bench lint kiosk install system-deps test-deps clean help

help:
	@echo "make run    - install, build the kiosk, create the demo store in $(DATA_DIR)/ and start the daemon"
	@echo "make test   - install what the tests need (Debian packages too) and run every test"
	@echo "make bench  - run tests/bench and rewrite docs/benchmarks.md"

# Install Debian packages that are missing (idempotent; apt-get update only when something is missing).
define apt_install
	@if command -v dpkg >/dev/null 2>&1; then \
	  missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi; \
	else echo "not a Debian system: make sure these are installed: $(1)"; fi
endef

system-deps:
	$(call apt_install,$(DEB_RUN))
	@command -v npm >/dev/null 2>&1 || { echo "installing Node.js and npm (to build the kiosk)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }

test-deps: system-deps
	$(call apt_install,$(DEB_TEST))

$(VENV)/.installed: pyproject.toml
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

install: system-deps $(VENV)/.installed

# The kiosk bundle: React + Vite, built into kiosk_ui/dist, which the daemon serves at /.
KIOSK_SOURCES := kiosk_ui/package.json kiosk_ui/package-lock.json kiosk_ui/index.html kiosk_ui/vite.config.ts \
	kiosk_ui/tsconfig.json kiosk_ui/tailwind.config.js kiosk_ui/postcss.config.js $(shell find kiosk_ui/src -type f 2>/dev/null)

kiosk_ui/node_modules/.installed: kiosk_ui/package.json kiosk_ui/package-lock.json
	cd kiosk_ui && npm ci --no-audit --no-fund
	@touch $@

kiosk_ui/dist/index.html: kiosk_ui/node_modules/.installed $(KIOSK_SOURCES)
	cd kiosk_ui && npm run build

kiosk: system-deps kiosk_ui/dist/index.html

run: install kiosk
	$(PY) -m edge --data-dir $(DATA_DIR) migrate
	$(PY) -m edge --data-dir $(DATA_DIR) seed-demo
	POS_DEVICES_SIMULATE=true POS_PAYMENTS_SIMULATE=true $(PY) -m edge --data-dir $(DATA_DIR) serve --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check edge cloud_bridge tests
	$(VENV)/bin/mypy

test: test-deps install lint kiosk
	cd kiosk_ui && npm test
	$(PY) -m pytest

bench: test-deps install
	$(PY) -m tests.bench.run

clean:
	rm -rf $(VENV) kiosk_ui/dist kiosk_ui/node_modules .pytest_cache .mypy_cache .ruff_cache
