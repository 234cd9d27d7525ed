# ocitrace — see README.md.  Everything installs itself: `make demo`, `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint typecheck unit bench bench-readme fuzz deps system-deps gotemplate-fixtures clean man

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# Debian's docker-registry (distribution 2.8) for the real-registry tests, skopeo for benchmarks,
# chromium for the audit HTML report test (headless), zsh and fish for the completion tests.
system-deps:
	@missing=""; \
	command -v docker-registry >/dev/null 2>&1 || missing="$$missing docker-registry"; \
	command -v skopeo >/dev/null 2>&1 || missing="$$missing skopeo"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v zsh >/dev/null 2>&1 || missing="$$missing zsh"; \
	command -v fish >/dev/null 2>&1 || missing="$$missing fish"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: missing$$missing (install them; real-registry tests will be skipped)"; fi; \
	fi

deps: system-deps $(VENV)/.installed

demo: $(VENV)/.installed
	-@$(MAKE) --no-print-directory system-deps
	$(BIN)/python tools/demo.py

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
