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

.PHONY: run test bench install clean

$(VENV)/.installed: setup.cfg setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(VENV)/bin/signal-api serve

test: install
	$(PY) -m pytest

bench: install
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) data *.egg-info .pytest_cache
