# pmassist: one command runner for set-up, demo, tests, lint and benchmarks.
# `make demo` and `make test` do all set-up on a fresh machine (a Python >= 3.11 is all they need).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# A CPU-only torch keeps the install small; point TORCH_INDEX at
# https://download.pytorch.org/whl/cpu on machines whose default torch build is a CUDA one.
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?=
SAMPLE_RECORD := evals/fixtures/harbor/record
SAMPLE_PROJECT := harbor
# The sample record's latest complete week.
SAMPLE_WEEK := 2026-W46

# Air-gapped machines: tiktoken reads its vocabulary from TIKTOKEN_CACHE_DIR. A `tiktoken` folder
# in the `shared` directory next to this checkout is used when present.
ifneq ($(wildcard ../shared/tiktoken),)
export TIKTOKEN_CACHE_DIR ?= $(abspath ../shared/tiktoken)
endif
# The embedding model ships inside a Python package; never ask a model hub for it.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install install-dev install-local demo demo-local test eval lint fix bench cassettes clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "pmassist needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch goes in first and on its own, so nothing later pulls a multi-GB CUDA build.
$(VENV)/.torch: | $(BIN)/python
	$(BIN)/pip install --quiet $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH_SPEC)"
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.torch
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

$(VENV)/.installed-local: pyproject.toml $(VENV)/.torch
	$(BIN)/pip install --quiet -e ".[local]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-local: $(VENV)/.installed-local

demo: install
	$(BIN)/pmassist ingest $(SAMPLE_RECORD) --project $(SAMPLE_PROJECT)
	$(BIN)/pmassist projects
	$(BIN)/pmassist search "personal data found in the test environment" --project $(SAMPLE_PROJECT) --kind ticket -k 3
	$(BIN)/pmassist ask "Why did the load test slip?" --project $(SAMPLE_PROJECT)
	$(BIN)/pmassist ask "What did we decide about the database?" --project $(SAMPLE_PROJECT)
	$(BIN)/pmassist risks suggest --project $(SAMPLE_PROJECT) --week $(SAMPLE_WEEK)
	$(BIN)/pmassist report --project $(SAMPLE_PROJECT) --week $(SAMPLE_WEEK) --format html --out $(SAMPLE_PROJECT)-$(SAMPLE_WEEK).html
	$(BIN)/pmassist report --project $(SAMPLE_PROJECT) --week $(SAMPLE_WEEK)

# The same through a real language model on this machine: llama.cpp with the small bundled
# model (or PMASSIST_LOCAL_MODEL), no key, no network. A reply that fails its checks is shown as
# such, with the offline writer's in its place. Replies are kept short so it runs in minutes.
LOCAL_DEMO := PMASSIST_LLM=local PMASSIST_ANSWER_TOKENS=$${PMASSIST_ANSWER_TOKENS:-300} PMASSIST_DRAFT_TOKENS=$${PMASSIST_DRAFT_TOKENS:-600} PMASSIST_REQUEST_TIMEOUT=$${PMASSIST_REQUEST_TIMEOUT:-300}
demo-local: install-local
	$(BIN)/pmassist ingest $(SAMPLE_RECORD) --project $(SAMPLE_PROJECT)
	$(LOCAL_DEMO) $(BIN)/pmassist ask "Why did the load test slip?" --project $(SAMPLE_PROJECT)
	$(LOCAL_DEMO) $(BIN)/pmassist report --project $(SAMPLE_PROJECT) --week $(SAMPLE_WEEK)

# The test suite, then the eval suite on the offline writer over every fixture project (exit 1
# when a metric misses evals/thresholds.yaml). The model path of the evals runs inside pytest,
# replayed from a cassette. Results: $(EVAL_HOME)/evals/eval-report.html.
EVAL_HOME ?= .pmassist-eval
test: install-dev
	$(BIN)/pytest
	PMASSIST_HOME=$(EVAL_HOME) $(BIN)/pmassist eval --suite all --engine offline

eval: install-dev
	PMASSIST_HOME=$(EVAL_HOME) $(BIN)/pmassist eval --suite all --engine offline

# Re-record the cassettes that a real endpoint can produce (the error cases stay hand-written).
cassettes: install-dev
	@test -n "$$OPENAI_API_KEY" || { echo "make cassettes needs OPENAI_API_KEY"; exit 1; }
	$(BIN)/pytest -m recordable --record-mode=rewrite

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

fix: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/report.py

clean:
	rm -rf $(VENV) .pmassist $(EVAL_HOME) .pytest_cache .mypy_cache .ruff_cache *.egg-info
