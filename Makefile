# Each target prepares what it needs: a virtualenv in .venv with the project and its tools.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# promise/ compiled by mypyc (setup.py says which modules and why), beside its sources, for
# `run`, `test` and `bench`. promise/compiled.py refuses a build older than any source or with
# a compiled module whose source is gone: the package then runs from source. Without a C
# compiler promise/ runs interpreted, with a warning. `test-fast` never waits for mypyc.
COMPILED_FROM := setup.py $(sort $(wildcard promise/*.py))
COMPILE_STAMP := $(VENV)/.compiled-stamp
# The names of the sources compiled: a module deleted or renamed changes it, and so rebuilds.
COMPILED_NAMES := $(VENV)/.compiled-names

.PHONY: run test test-fast bench soak lint schema clean compile interpreted FORCE

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group dev
	@touch $(STAMP)

$(COMPILED_NAMES): FORCE | $(STAMP)
	@echo '$(COMPILED_FROM)' | cmp -s - $@ || echo '$(COMPILED_FROM)' > $@

$(COMPILE_STAMP): $(STAMP) $(COMPILED_FROM) $(COMPILED_NAMES)
	@rm -f promise/*.so
	@echo "compiling promise/ with mypyc (about 40 s)"
	@# The modules are copied with the build's times: one not rebuilt would look older than
	@# the edit it now holds, so all take the time this compile started; a source edited
	@# meanwhile is newer than the build, which is then refused and rebuilt next time.
	@touch $(VENV)/.compile-started
	@if $(BIN)/python setup.py build_ext --inplace > $(VENV)/mypyc.log 2>&1; \
	then touch -r $(VENV)/.compile-started promise/*.so $@; \
	else rm -f promise/*.so; touch $@; \
		echo "WARNING: mypyc could not compile promise/ (see $(VENV)/mypyc.log): it runs interpreted"; fi

compile: $(COMPILE_STAMP)

# Back to the interpreted package (until the next target that compiles it).
interpreted:
	rm -f promise/*.so $(COMPILE_STAMP)

run: $(COMPILE_STAMP)
	$(BIN)/promise-gateway serve --dev

test: $(COMPILE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/promise-gateway export-schema --check schema.graphql
	$(BIN)/pytest

# The inner loop: the domain and in-process API tests, on promise/ from source, with no Redis
# and no subprocess (tests/conftest.py marks the tests that need either and fails any that
# starts a process unmarked), property tests on a smaller fixed budget (tests/budget.py).
# Bytecode is cached even where the environment says not to: compiling every module again
# is a third of the run. Two processes (pytest-xdist), one a core, each collecting the tests
# and running its share. `make test` runs everything, at full budget, in one.
test-fast: $(STAMP)
	PYTHONDONTWRITEBYTECODE= PROMISE_INTERPRETED=1 $(BIN)/pytest --fast -q -n 2

bench: $(COMPILE_STAMP)
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } \
		|| echo "wrk could not be installed: the HTTP figures will read NOT MEASURED"
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.totals
	$(BIN)/python -m bench.calibration

# Memory under 100,000 distinct requests, then a Redis pause, a worker killed and a restart
# under concurrent commits (bench/soak.py); a Redis and a gateway of its own, on loopback.
soak: $(COMPILE_STAMP)
	$(BIN)/python -m bench.soak

schema: $(STAMP)
	$(BIN)/promise-gateway export-schema > schema.graphql

clean: interpreted
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build
