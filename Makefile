# Quick start: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test
DEMO_STAMP := $(VENV)/.installed-demo
DOCS_STAMP := $(VENV)/.installed-docs
DIST_STAMP := $(VENV)/.installed-dist

.PHONY: test test-oldest test-newest dist lint typecheck unit soak demo docs bench bench-seeds bench-virtual bench-connections bench-walk bench-transfer clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "cavatica-async needs Python 3.10 or newer (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[cli,simulator]'
	@touch $@

$(DOCS_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	@touch $@

$(DIST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dist]'
	@touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict cavatica_async benchmarks

# -W error: an unclosed client or a never-awaited coroutine is a failure, not a warning.
unit: $(STAMP)
	$(BIN)/python -m pytest -W error --cov=cavatica_async --cov-branch --cov-fail-under=95

# The long fault soak (2,000 jobs, every fault at once); `make test` runs its short version.
soak: $(STAMP)
	$(BIN)/python -m pytest -W error -m soak tests/test_soak.py

test: lint typecheck unit

# The whole suite again on the oldest supported Python (3.10), in a venv of its own.
OLDEST ?= python3.10
test-oldest:
	$(MAKE) unit PYTHON=$(OLDEST) VENV=.venv-oldest

# And on the newest (3.13).
NEWEST ?= python3.13
test-newest:
	$(MAKE) unit PYTHON=$(NEWEST) VENV=.venv-newest

# The wheel and sdist in dist/, their metadata checked, then the wheel alone (no extras) in a
# fresh venv: the package imports and the command line starts.
dist: $(DIST_STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		echo "the wheel alone, no extras, in a fresh venv ($$tmp/venv)" && \
		$(PYTHON) -m venv "$$tmp/venv" && \
		"$$tmp/venv/bin/python" -m pip install --quiet dist/*.whl && \
		"$$tmp/venv/bin/python" -c "import cavatica_async; print('import cavatica_async', cavatica_async.__version__)" && \
		"$$tmp/venv/bin/cavatica-async" --help

# The documentation site in site/ (open site/index.html). --strict: a broken link or reference,
# or any other warning, fails; tests/test_public_api.py fails on a public name without a
# docstring, which mkdocstrings would render as an empty entry without a word. The variable
# silences Material's banner about its end of life (May 2027), printed on every build.
docs: $(STAMP) $(DOCS_STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -W error tests/test_public_api.py tests/test_docs_site.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# The watcher on a few hundred jobs of the built-in simulator: no token, no network.
demo: $(DEMO_STAMP)
	$(BIN)/cavatica-async demo

# Every workload against every client, side by side (minutes); writes BENCHMARKS.md.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# The close calls over five seeds, medians with bootstrap 95% intervals (about 25 minutes): on A
# the watcher against the fixed sweeps that may be the best inside 80% of the limit; on B and C
# the watcher given the whole window (f=1.0) against the naive loop; and B's job-list watcher.
bench-seeds: $(STAMP)
	$(BIN)/python -m benchmarks.run --workloads A,B,C --seeds 1,2,3,4,5 \
		--only 'every 5.0,every 10.0,every 20.0,f=1.0,B: naive,C: naive,job list' \
		--out benchmarks/results/seeds.json --markdown benchmarks/SEEDS.md

# Workload A's schedules in virtual time (trio's MockClock): the watcher against fixed sweeps
# with no CPU in the way (about 1.5 minutes); writes benchmarks/results/virtual.json.
bench-virtual: $(STAMP)
	$(BIN)/python -m benchmarks.virtual

# CPU per request and throughput by max_connections, against 50-200 ms answers (about 3 minutes);
# writes benchmarks/CONNECTIONS.md.
bench-connections: $(STAMP)
	$(BIN)/python -m benchmarks.connections

# What walking a project of 20,000 files in 200 folders costs (about a minute); writes
# benchmarks/WALK.md.
bench-walk: $(STAMP)
	$(BIN)/python -m benchmarks.walk

bench-transfer: $(STAMP)
	$(BIN)/python -m benchmarks.transfer

clean:
	rm -rf $(VENV) .venv-oldest .venv-newest dist site .mypy_cache .ruff_cache .pytest_cache
