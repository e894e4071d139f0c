# Every command people and CI run. `make serve` and `make test` install what is missing first.
SHELL := /bin/bash
PYTHON ?= python3
POETRY_VERSION := 2.5.1
TOOLS := .tools
POETRY := $(TOOLS)/poetry/bin/poetry
VENV := .venv
BIN := $(VENV)/bin
RIE := $(TOOLS)/rie/aws-lambda-rie
# Human-rated sentences ship only in vaderSentiment's source distribution (model_build/sentiment/review_data.py).
VADER_SDIST := $(TOOLS)/vader/vaderSentiment-3.3.2.tar.gz
export POETRY_VIRTUALENVS_IN_PROJECT := true
# Poetry verifies TLS with certifi's bundle; where the system keeps its own (it may hold a
# proxy's CA), use that one, as pip and curl do.
SYSTEM_CA_BUNDLE := /etc/ssl/certs/ca-certificates.crt
ifneq ($(wildcard $(SYSTEM_CA_BUNDLE)),)
export REQUESTS_CA_BUNDLE ?= $(SYSTEM_CA_BUNDLE)
# npm (asl-validator) trusts only Node's own roots unless told of the system's.
export NODE_EXTRA_CA_CERTS ?= $(SYSTEM_CA_BUNDLE)
endif
export POETRY_NO_INTERACTION := 1

.PHONY: install serve train compare test unit integration iac rehearsal fuzz lint format structure check-infra rie asl-validator chromium bench bench-smoke clean

install: $(VENV)/.installed $(VADER_SDIST)

$(POETRY):
	$(PYTHON) -m venv $(TOOLS)/poetry
	$(TOOLS)/poetry/bin/pip install --quiet poetry==$(POETRY_VERSION)

$(VENV)/.installed: $(POETRY) pyproject.toml poetry.lock
	$(POETRY) sync --with dev,train
	touch $@

serve: install
	$(BIN)/inferno serve

# TRAIN_ARGS passes options on, e.g. TRAIN_ARGS="--max-rows 6000" for a quick model.
TRAIN_ARGS ?=
train: install
	$(BIN)/inferno train --leave-one-out $(TRAIN_ARGS)

# Trains every candidate pipeline on the same split and writes the table in build/compare (slow).
compare: install
	nice -n 10 $(BIN)/inferno train --compare --output build/compare $(TRAIN_ARGS)

$(VADER_SDIST): | $(VENV)/.installed
	bash .ci/fetch-vader-data $(VADER_SDIST)


# lint and check-infra leave a stamp when they pass; they run again only when what they check
# changed, so `make lint check-infra test` (CI) runs each check once.
STAMPS := $(TOOLS)/stamps
PY_SOURCES := $(shell find handlers shared model_build tests -name '*.py' -not -path '*/results/*')
INFRA_SOURCES := $(shell find iac .github/workflows .ci -type f -not -path '*/.terraform/*') Dockerfile

lint: $(STAMPS)/lint

$(STAMPS)/lint: $(VENV)/.installed $(PY_SOURCES) pyproject.toml
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	@mkdir -p $(STAMPS) && touch $@

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Which runtimes use each module under shared/, import cycles, and import-linter's contracts.
structure: install
	$(BIN)/python .ci/structure.py

# IaC, Dockerfile and workflow checkers live in their own environment (see .ci/checkers).
check-infra: $(STAMPS)/check-infra

$(STAMPS)/check-infra: $(INFRA_SOURCES)
	bash .ci/check-infra
	@mkdir -p $(STAMPS) && touch $@

rie: $(RIE)

$(RIE): | install
	bash .ci/fetch-rie $(RIE)

# The rehearsal tier's state machine validator (npm), pinned by .ci/asl-validator's lock file.
# Without npm the script says so and the tier skips that check (the stamp is left unmade).
ASL_DIR := $(TOOLS)/asl-validator
asl-validator: $(ASL_DIR)/.installed

$(ASL_DIR)/.installed: .ci/asl-validator/package-lock.json .ci/fetch-asl-validator
	bash .ci/fetch-asl-validator $(ASL_DIR)
	@if [ -x $(ASL_DIR)/node_modules/.bin/asl-validator ]; then touch $@; fi

# Debian's headless Chromium, for the drift report's browser test (apt-get as root; does nothing
# when `chromium` is already there).
chromium:
	bash .ci/install-chromium

# Every tier, with branch coverage of the three packages, the servers the tests start included
# (coverage's subprocess patch); the gate is `fail_under` in pyproject.toml.
COVERAGE := --cov=handlers --cov=shared --cov=model_build --cov-branch \
	--cov-report=term-missing:skip-covered

test: install rie asl-validator chromium lint check-infra
	$(BIN)/pytest $(COVERAGE) --durations=25

# The fast tier: in-process (TestClient on the app factory, the Lambda handler called directly).
unit: install
	$(BIN)/pytest tests/unit

# The slow tier: real uvicorn, moto server and Lambda emulator processes on loopback.
integration: install rie chromium
	$(BIN)/pytest tests/integration

# Terraform, workflows and the Dockerfile's command (run in this environment, no Docker).
iac: install
	$(BIN)/pytest tests/iac

# What AWS and CD would run, offline (part of `iac` and `test`): iac/README.md, "Rehearsed".
rehearsal: install rie asl-validator
	$(BIN)/pytest tests/iac/rehearsal

# What CI runs beyond `make test` (ci.yml), the same way here. `terraform validate` and
# `terraform test` with the pinned providers from the registry (needs terraform on PATH).
terraform-validate:
	bash .ci/terraform-validate

# The image run as ECS runs it, smoke-tested, and events/ replayed through the emulator inside it
# (needs Docker). IMAGE=<tag> runs an image already built; unset, it builds inferno:local.
container-smoke: install rie
	bash .ci/container-smoke

.PHONY: terraform-validate container-smoke

# The deep API contract run (a short one is part of `make test`): schemathesis, every check, at
# least 2,000 cases against a real uvicorn, with a fresh seed each time (printed to reproduce).
fuzz: install
	FUZZ_MAX_EXAMPLES=400 FUZZ_MIN_CASES=2000 FUZZ_SEED= $(BIN)/pytest --timeout 1800 -rP \
		tests/integration/test_api_contract.py::test_schemathesis_finds_no_failure

# `make bench SCENARIOS="overload"` runs one scenario (compare, overload, workers, logs, formats,
# capture, shadow, peers, capacity);
# BENCH_ARGS passes anything else, e.g. BENCH_ARGS="--seconds 3 --overload-seconds 10".
# `make bench SCENARIOS="peers capacity" BENCH_ARGS=--record-capacity` also writes the measured
# capacity to tests/performance/capacity.json, requests_per_target and the guide's sizing.
SCENARIOS ?= compare overload workers logs formats capture shadow peers capacity
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m tests.performance.bench --scenarios $(SCENARIOS) $(BENCH_ARGS)

# A few seconds per run: checks the benchmark itself works, not what it measures.
bench-smoke: install
	$(BIN)/python -m tests.performance.bench --scenarios $(SCENARIOS) --seconds 2 --warmup 1 \
		--starts 1 --overload-seconds 5 --connections 64 --batch-sizes 64

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .pytest_cache .ruff_cache
