# Quick start:  make run   (set up and serve a demo forum on http://localhost:6543)
#               make test  (set up and run every test)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= forum.ini
PLUGIN_DIRS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: install run serve test lint bench pot catalogs dist clean help

help:
	@echo "make run       set up a virtual environment, a demo forum, and serve it"
	@echo "make test      set up and run every test (after make lint)"
	@echo "make lint      check the core's layers (import-linter), style (ruff) and types (mypy)"
	@echo "make bench     run the benchmark suite (BENCH_ARGS=\"--quick\" for a short run; see bench/README.md)"
	@echo "make catalogs  extract translatable strings and update the nl and ru catalogs"
	@echo "make dist      build wheels of the core and every bundled plugin into dist/ (production)"
	@echo "make clean     remove the virtual environment (keeps forum.ini and var/)"

# The virtual environment holds the core and every bundled plugin, editable.
$(VENV)/.installed: pyproject.toml setup.cfg $(wildcard plugins/*/pyproject.toml)
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ is needed ($(PYTHON) not found)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e '.[test]' $(foreach d,$(PLUGIN_DIRS),-e $(d))
	@touch $@

# Compiled catalogs (.mo) are built here, at install time, and never by a starting forum
# (two starting at once wrote the same files in the code tree); they are not committed.
# A catalog is compiled again whenever its .po is newer (after 'make catalogs').
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/forum.po \
	plugins/*/forum_*/locale/*/LC_MESSAGES/forum.po \
	tests/plugin_packages/*/locale/*/LC_MESSAGES/forum.po))

%.mo: %.po | $(VENV)/.installed
	$(BIN)/python forum_core/compiling.py $<

install: $(VENV)/.installed $(MO_FILES)

run: install
	$(BIN)/forum init --demo --no-input --config $(CONFIG)
	$(BIN)/forum serve --config $(CONFIG)

serve: install
	$(BIN)/forum serve --config $(CONFIG)

# The layers of the core and the plugins' use of forum_core.api (import-linter), style
# (ruff), types of the core and the bundled plugins (mypy; what it checks is in pyproject.toml).
lint: install
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check forum_core plugins tests bench
	$(BIN)/mypy

# one test process per core (pytest-xdist); PYTEST_ARGS="-n 0 -x" runs them in one, in order
PYTEST_ARGS ?= -n auto --dist worksteal
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Needs wrk (apt-get install -y wrk) and, for the PostgreSQL rows, a server on 127.0.0.1:5432.
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The message template; tests/unit/test_catalogs.py runs this target to check it is current.
POT ?= locale/forum.pot
# SRC is the package to extract from: forum_core, or a bundled plugin's package.
SRC ?= forum_core
pot:
	$(BIN)/pybabel -q extract -w 100 -F babel.cfg -k say -k _ -c TRANSLATORS: --no-location \
		--sort-output --project forum --msgid-bugs-address "" -o $(POT) $(SRC)

# The core's catalogs, then each bundled plugin's (in <package>/locale, the same domain).
catalogs: install pot
	$(BIN)/pybabel update -w 100 -D forum -i locale/forum.pot -d locale --no-fuzzy-matching --ignore-obsolete
	@for pkg in $(patsubst %/__init__.py,%,$(wildcard plugins/*/forum_*/__init__.py)); do \
		mkdir -p $$pkg/locale; \
		$(MAKE) -s pot SRC=$$pkg POT=$$pkg/locale/forum.pot; \
		for lang in nl ru; do \
			[ -f $$pkg/locale/$$lang/LC_MESSAGES/forum.po ] || \
				$(BIN)/pybabel init -D forum -i $$pkg/locale/forum.pot -d $$pkg/locale -l $$lang; \
		done; \
		$(BIN)/pybabel update -w 100 -D forum -i $$pkg/locale/forum.pot -d $$pkg/locale \
			--no-fuzzy-matching --ignore-obsolete; \
	done

# Wheels of the core and every bundled plugin, for a production install into a new virtual
# environment (README, "Production" and "Upgrades"). Built in a virtual environment of their own,
# so only Python is needed; the core's wheel carries locale/ and themes/ (setup.py).
DIST ?= dist
dist:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed"; exit 1; }
	rm -rf $(DIST) build/dist-venv
	$(PYTHON) -m venv build/dist-venv
	build/dist-venv/bin/python -m pip --disable-pip-version-check -q install Babel
	# the releases carry compiled catalogs: a forum never compiles them when it starts
	build/dist-venv/bin/python forum_core/compiling.py locale $(wildcard plugins/*/forum_*/locale)
	build/dist-venv/bin/python -m pip --disable-pip-version-check -q wheel --no-deps -w $(DIST) . $(PLUGIN_DIRS)
	@ls $(DIST)

clean:
	rm -rf $(VENV) build dist *.egg-info plugins/*/build plugins/*/*.egg-info
