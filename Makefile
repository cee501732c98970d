# README's two commands: `make report` and `make test`. Both create .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SCENARIO ?= data/scenario.yaml

.PHONY: venv report plan test bench clean app

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

## report: render the budget report of SCENARIO into reports/ (HTML, Excel, executed notebook)
report: $(STAMP)
	$(PY) -m capacity report $(SCENARIO) --out reports

## plan: print the steady-state plan of SCENARIO
plan: $(STAMP)
	$(PY) -m capacity plan $(SCENARIO)

## app: serve the what-if workbook of SCENARIO as a web app (Voila) on 127.0.0.1:PORT and print its URL
app: $(STAMP)
	$(PY) -m capacity.apps.app $(SCENARIO) $(if $(PORT),--port $(PORT))

## test: the layers contract (import-linter), then every test
test: $(STAMP)
	$(VENV)/bin/lint-imports
	$(PY) -m pytest tests capacity notebooks/walkthroughs

## bench: every performance budget, one PASS/FAIL line each (not part of `make test`)
bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) reports .pytest_cache .hypothesis
