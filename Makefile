# BitDust TS — every target installs what it needs and skips what is already there.
# The two commands a new user needs: `make run-node` and `make test`.

SHELL := /bin/bash
.DEFAULT_GOAL := help

APT_PACKAGES := rustc cargo libstd-rust-dev-wasm32 lld nats-server chromium binaryen wabt
# Only the benchmarks compare against restic.
BENCH_APT_PACKAGES := restic
NODE_TEST := node --import tsx --test --test-concurrency=2 --test-reporter=spec
TEST_DIRS := machines actors server wasm test inspector-ui/src docs/examples
STAMPS := .stamps
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Options for run-node: make run-node DATA_DIR=... PORT=... DEVNET=8 (DEVNET=0: no devnet)
DATA_DIR ?= $(HOME)/.bitdust-ts
PORT ?= 8787
DEVNET ?= 8
SCENARIO ?= peer-crash

.PHONY: help setup apt npm wasm ui check format lint typecheck test test-unit test-wasm \
        run-node demo bench clean

help:
	@echo "make run-node   set up everything, then start a node with an in-process devnet"
	@echo "make test       set up everything, then format check, lint, typecheck and all tests"
	@echo "make check      format check, lint and typecheck only"
	@echo "make demo       run a scripted scenario (SCENARIO=$(SCENARIO)) to watch in the inspector"
	@echo "make bench      run the benchmarks and write docs/benchmarks.md"

## ---- set-up: each step is skipped when already done -------------------------------------

setup: apt npm wasm ui

apt:
	@missing=""; for p in $(APT_PACKAGES) $(EXTRA_APT); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(STAMPS)/npm: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund
	@touch $@

npm: $(STAMPS)/npm

wasm: npm
	@if [ -f wasm/build.sh ]; then bash wasm/build.sh; fi

ui: npm
	@if [ -f inspector-ui/build.ts ]; then node --import tsx inspector-ui/build.ts; fi

## ---- checks and tests ------------------------------------------------------------------

format: npm
	npx prettier --write . --log-level warn

check: npm
	npx prettier --check . --log-level warn
	npx eslint . --max-warnings 0
	npx tsc --noEmit -p tsconfig.json

test-wasm: wasm
	@if [ -f wasm/Cargo.toml ]; then bash wasm/build.sh --test; fi

test-unit: setup
	@files=$$(find $(TEST_DIRS) -name '*.test.ts' -not -path '*/node_modules/*' -not -path '*/target/*' 2>/dev/null | sort); \
	$(NODE_TEST) $$files

test: setup check test-wasm test-unit

## ---- running -------------------------------------------------------------------------

run-node: setup
	node --import tsx server/cli/main.ts node start --data-dir "$(DATA_DIR)" --port $(PORT) --devnet $(DEVNET)

demo: setup
	node --import tsx server/cli/main.ts demo $(SCENARIO)

bench: EXTRA_APT = $(BENCH_APT_PACKAGES)
bench: setup
	@for f in bench/*.ts; do case $$f in */report.ts) continue;; esac; \
	  echo "== $$f"; node --import tsx --expose-gc $$f || exit 1; done

clean:
	rm -rf $(STAMPS) node_modules wasm/target inspector-ui/dist test-artifacts
