# The two set-up commands of the README: `make demo` and `make test`.
# Each creates .venv and installs what it needs, so both work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test install-demo install-test lint unit integration local-server

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install-demo: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[all]"

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[all,test]"

demo: install-demo
	$(BIN)/python -m ragflow_integrations demo

lint:
	$(BIN)/ruff check .
	$(BIN)/mypy

# Unit tests and cassette replays run with sockets disabled; the local-server tests
# start LocalRAGFlow on 127.0.0.1 (fault injection, the official SDK, the demo).
unit:
	$(BIN)/pytest tests/unit_tests --disable-socket --allow-unix-socket --benchmark-disable -q

integration:
	$(BIN)/pytest tests/integration_tests --disable-socket --allow-unix-socket --benchmark-disable -q

local-server:
	$(BIN)/pytest tests/local_server -q

test: install-test lint unit integration local-server
