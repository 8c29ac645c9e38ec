# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BIND ?= 127.0.0.1:8000

.PHONY: run test install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# BIND=host:port changes the address; the demo staff logins are printed last, once the
# server is ready.
run: $(STAMP)
	VOTING_MODE=development $(BIN)/voting-service demo --online-url http://$(BIND)/
	VOTING_MODE=development $(BIN)/voting-service serve --bind $(BIND) --show-demo-logins

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance
