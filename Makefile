# The two set-up commands of the README: `make demo` and `make test`.
# Both install exactly what uv.lock pins (uv itself is pinned, with hashes, in
# .ci/uv-requirements.txt), so they work the same on a fresh clone today and next month.
#   make lock        refresh uv.lock after changing pyproject.toml (make lock-upgrade: take
#                    the newest releases the ranges allow)
#   make test-lowest / test-newest   the test suite on the lowest versions pyproject.toml
#                    allows (Python 3.10) and on the newest releases (Python 3.13)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
# uv must never fetch interpreters (CI cannot reach their host): it uses the machine's.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

PYTEST_OFFLINE := --disable-socket --allow-unix-socket --benchmark-disable -q
COVERAGE       := --cov --cov-branch --cov-append --cov-report= --cov-fail-under=0

.PHONY: demo test install-demo install-test lint unit integration local-server \
	coverage lock lock-upgrade test-lowest test-newest

$(UV): .ci/uv-requirements.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --require-hashes --no-deps \
		-r .ci/uv-requirements.txt
	touch $(UV)

install-demo: $(UV)
	$(UV) sync --frozen --extra all --quiet

install-test: $(UV)
	$(UV) sync --frozen --all-extras --group test --group lint --quiet

lock: $(UV)
	$(UV) lock

lock-upgrade: $(UV)
	$(UV) lock --upgrade

demo: install-demo
	$(BIN)/python -m ragflow_integrations demo

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Unit tests and cassette replays run with sockets disabled; the local-server tests
# start LocalRAGFlow on 127.0.0.1 (fault injection, the official SDK, the demo).
unit:
	$(BIN)/pytest tests/unit_tests $(PYTEST_OFFLINE) $(PYTEST_ARGS)

integration:
	$(BIN)/pytest tests/integration_tests $(PYTEST_OFFLINE) $(PYTEST_ARGS)

local-server:
	$(BIN)/pytest tests/local_server -q $(PYTEST_ARGS)

# Branch coverage of the three packages over the three runs (the stand-in excluded).
coverage:
	rm -f .coverage
	$(MAKE) unit integration local-server PYTEST_ARGS="$(COVERAGE)"
	$(BIN)/coverage report

test: install-test lint coverage

# The declared ranges, tested: no lock, lint skipped.
test-lowest: $(UV)
	bash .ci/matrix-env lowest 3.10 .venv-lowest
	$(MAKE) unit integration local-server VENV=.venv-lowest

test-newest: $(UV)
	bash .ci/matrix-env newest 3.13 .venv-newest
	$(MAKE) unit integration local-server VENV=.venv-newest
