# README's two commands: `make report` and `make test`. Every target creates .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The scenario of `make report`, `make plan` and `make app`; empty: the sample shipped with capacity.
SCENARIO ?=

.PHONY: venv report plan test bench clean app docs

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

## report: render the budget report of SCENARIO (default: the sample) into reports/ (HTML, Excel, executed notebook)
report: $(STAMP)
	$(VENV)/bin/capacity report $(SCENARIO) --out reports

## plan: print the steady-state plan of SCENARIO (default: the sample)
plan: $(STAMP)
	$(VENV)/bin/capacity plan $(or $(SCENARIO),--example)

## app: serve the what-if workbook of SCENARIO as a web app (Voila) on 127.0.0.1:PORT (default: the start page: the sample, or upload an export)
app: $(STAMP)
	$(VENV)/bin/capacity app $(SCENARIO) $(if $(PORT),--port $(PORT))

## test: the layers contract (import-linter), then every test
test: $(STAMP)
	$(VENV)/bin/lint-imports
	$(PY) -m pytest tests capacity notebooks/walkthroughs

## docs: the documentation site, offline, into docs/_build/html; any warning fails the build
docs: $(STAMP)
	$(PY) -m sphinx -b html -W --keep-going -n -q docs docs/_build/html
	@echo "docs/_build/html/index.html"

## bench: every performance budget, one PASS/FAIL line each (not part of `make test`)
bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) reports .pytest_cache .hypothesis docs/_build docs/api/generated
