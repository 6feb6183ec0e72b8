# babelwire: `make demo` and `make test` do all set-up on a fresh Debian/Ubuntu machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
AXE := tests/browser/node_modules/axe-core/axe.min.js

.PHONY: setup setup-run system system-run engines-all demo test test-fast fuzz check lint typecheck bench bench-site bench-routes bench-scale bench-lighthouse messages clean

# Everything the tests need (dev tools, PyTorch CPU for the neural-engine tests, Chromium, axe-core).
setup: system $(STAMP) $(AXE)

# What running babelwire needs (the demo): Apertium and the package, no test tooling.
setup-run: system-run $(RUN_STAMP)

system:
	@bash scripts/setup-system.sh

system-run:
	@BABELWIRE_SETUP=run bash scripts/setup-system.sh

# Every Debian Apertium pair between en, es, ca, gl, eu, fr, pt, it, oc and ro
# (docs/translation.md lists the routes they give).
engines-all:
	@BABELWIRE_ENGINES=all bash scripts/setup-system.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $(RUN_STAMP)

$(AXE): tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --silent
	@touch $(AXE)

demo: setup-run
	$(BIN)/babelwire demo

# The PostgreSQL variants run whenever the test database that .ci/run starts answers on
# 127.0.0.1; BABELWIRE_TEST_DATABASE_URL names another, or, set empty, skips them.
TEST_DATABASE = BABELWIRE_TEST_DATABASE_URL="$${BABELWIRE_TEST_DATABASE_URL-$$($(BIN)/python tests/find_postgres.py)}"

test: setup
	$(TEST_DATABASE) $(BIN)/pytest -q

# The edit-run loop: everything but the tests marked slow (browser, Celery workers, killed
# runs, whole pipelines), on SQLite only. `make test` stays the full suite.
test-fast: setup
	$(BIN)/pytest -q -m "not slow and not postgresql"

# The fuzzing suite for as long as asked: FUZZ_SECONDS per target (default 60), e.g.
# `make fuzz FUZZ_SECONDS=1800`. `make test` runs the same targets on a short, fixed budget.
FUZZ_SECONDS ?= 60
fuzz: setup
	BABELWIRE_FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/pytest -q -s -p no:timeout tests/fuzz

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: setup
	$(BIN)/mypy

check: lint typecheck test

bench: setup-run
	$(BIN)/python bench/pipeline.py

bench-site: setup
	@BABELWIRE_BENCH=1 bash scripts/setup-system.sh
	$(BIN)/python bench/site.py

# chrF and words/s of every Apertium route into and out of en, es and ca on FLORES-200
# devtest (FLORES=folder, default ../shared/data/mt/flores200-devtest), written into
# src/babelwire/pipeline/translate/route_quality.toml.
FLORES ?= ../shared/data/mt/flores200-devtest
bench-routes: setup engines-all
	$(BIN)/python bench/routes.py --write --data $(FLORES)

# Needs PostgreSQL and Redis on 127.0.0.1 (see bench/scale.py for the variables).
bench-scale: setup-run
	$(BIN)/pip install --quiet -e '.[workers,postgres]'
	$(BIN)/python bench/scale.py

# Lighthouse (npm, pinned) against Debian's Chromium, offline, on the demo site.
bench-lighthouse: setup
	cd bench/lighthouse && npm ci --no-audit --no-fund --silent
	$(BIN)/python bench/lighthouse.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache

# The interface catalogues: extract the public site's strings (babel.cfg) into
# src/babelwire/locale/babelwire.pot and merge them into every language's .po
# (docs/translating.md); a new language: `$(BIN)/pybabel init -D babelwire
# -i src/babelwire/locale/babelwire.pot -d src/babelwire/locale -l LANG`.
messages: setup-run
	$(BIN)/pybabel extract -F babel.cfg -k N_ -c TRANSLATORS: --no-location --no-wrap \
		--sort-output --project=babelwire --copyright-holder="babelwire contributors" \
		-o src/babelwire/locale/babelwire.pot .
	$(BIN)/pybabel update -D babelwire -i src/babelwire/locale/babelwire.pot \
		-d src/babelwire/locale --no-wrap --ignore-obsolete
