# ocitrace — see README.md.  Everything installs itself: `make demo`, `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo demo-stop test lint typecheck unit bench bench-readme fuzz deps system-deps gotemplate-fixtures clean man

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# `make demo` needs only the runtime dependencies (no [dev] extras): a stamp of its own, satisfied
# by a fresh dev install too.
$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	@if [ -f $(VENV)/.installed ] && [ $(VENV)/.installed -nt pyproject.toml ]; then :; \
	else echo "$(BIN)/python -m pip install -q -e ."; $(BIN)/python -m pip install -q -e . ; fi
	touch $@

# Debian packages, named as their commands: docker-registry (distribution 2.8) for the
# real-registry tests and the demo, skopeo for benchmarks, chromium for the audit HTML report
# test (headless), zsh and fish for the completion tests, jq for the README's examples.
SYSTEM_DEPS ?= docker-registry skopeo openssl chromium zsh fish jq
DEMO_SYSTEM_DEPS := docker-registry jq
system-deps:
	@missing=""; \
	for cmd in $(SYSTEM_DEPS); do command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$cmd"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: missing$$missing (install them; tests needing them will be skipped)"; fi; \
	fi

deps: system-deps $(VENV)/.installed

# KEEP=1: leave the registry running for the README's examples (`make demo-stop` ends it).
KEEP ?=
demo: $(VENV)/.installed-runtime
	-@$(MAKE) --no-print-directory system-deps SYSTEM_DEPS="$(DEMO_SYSTEM_DEPS)"
	$(BIN)/python tools/demo.py $(if $(filter-out 0,$(KEEP)),--keep)

demo-stop:
	@if [ -x $(BIN)/python ]; then $(BIN)/python tools/demo.py --stop; else echo "no demo registry was running"; fi

lint: $(VENV)/.installed
	$(BIN)/ruff check ocitrace tests bench tools

typecheck: $(VENV)/.installed
	$(BIN)/mypy

unit: deps
	$(BIN)/python -m pytest -q -p no:cacheprovider

test: deps lint typecheck unit

# Every benchmark beside its peers (skopeo; buildx with BUILDX=/path/to/docker-buildx), ~10 min;
# BENCH_QUICK=1 for a quick sanity run.  Fails when a start-up target is missed (bench/startup.py).
bench: deps
	$(BIN)/python bench/run.py

# README's benchmark table (between the bench:begin/end markers) from bench/results.json.
bench-readme:
	$(PYTHON) bench/readme.py

# Property-based fuzz targets (tests/fuzz) with a long budget; `make test` runs 200 examples each.
FUZZ_EXAMPLES ?= 20000
fuzz: $(VENV)/.installed
	OCITRACE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz

# Manual pages from the CLI's parser (argparse-manpage): docs/man/ocitrace.1 and ocitrace-COMMAND.1.
man: $(VENV)/.installed
	$(BIN)/python tools/manpages.py docs/man

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info

# Expected outputs for tests/gotemplate from Go itself (needs `go`, stdlib only; tests do not).
gotemplate-fixtures:
	$(PYTHON) tests/gotemplate/make_cases.py
	cd tools/gotemplate-oracle && GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -o gotemplate-oracle . && \
	  ./gotemplate-oracle < ../../tests/gotemplate/cases.in.jsonl > ../../fixtures/gotemplate/cases.jsonl.tmp
	mv fixtures/gotemplate/cases.jsonl.tmp fixtures/gotemplate/cases.jsonl
	go version > fixtures/gotemplate/GO_VERSION
