# Every command people and CI run. `make serve` and `make test` install what is missing first.
SHELL := /bin/bash
PYTHON ?= python3
POETRY_VERSION := 2.5.1
TOOLS := .tools
POETRY := $(TOOLS)/poetry/bin/poetry
VENV := .venv
BIN := $(VENV)/bin
RIE := $(TOOLS)/rie/aws-lambda-rie
# Human-rated sentences ship only in vaderSentiment's source distribution (model_build/review_data.py).
VADER_SDIST := $(TOOLS)/vader/vaderSentiment-3.3.2.tar.gz
export POETRY_VIRTUALENVS_IN_PROJECT := true
# Poetry verifies TLS with certifi's bundle; where the system keeps its own (it may hold a
# proxy's CA), use that one, as pip and curl do.
SYSTEM_CA_BUNDLE := /etc/ssl/certs/ca-certificates.crt
ifneq ($(wildcard $(SYSTEM_CA_BUNDLE)),)
export REQUESTS_CA_BUNDLE ?= $(SYSTEM_CA_BUNDLE)
endif
export POETRY_NO_INTERACTION := 1

.PHONY: install serve train compare test unit integration lint format check-infra rie bench clean

install: $(VENV)/.installed $(VADER_SDIST)

$(POETRY):
	$(PYTHON) -m venv $(TOOLS)/poetry
	$(TOOLS)/poetry/bin/pip install --quiet poetry==$(POETRY_VERSION)

$(VENV)/.installed: $(POETRY) pyproject.toml poetry.lock
	$(POETRY) sync --with dev,train
	touch $@

serve: install
	$(BIN)/inferno serve

train: install
	$(BIN)/inferno train

# Trains every candidate pipeline on the same split and writes the table in build/compare (slow).
compare: install
	nice -n 10 $(BIN)/inferno train --compare --output build/compare

$(VADER_SDIST): | $(VENV)/.installed
	bash .ci/fetch-vader-data $(VADER_SDIST)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# IaC, Dockerfile and workflow checkers live in their own environment (see .ci/checkers).
check-infra:
	bash .ci/check-infra

rie: $(RIE)

$(RIE): | install
	bash .ci/fetch-rie $(RIE)

test: install rie lint check-infra
	$(BIN)/pytest

unit: install
	$(BIN)/pytest tests/unit

integration: install rie
	$(BIN)/pytest tests/integration

bench: install
	$(BIN)/python -m tests.performance.bench

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .pytest_cache .ruff_cache
