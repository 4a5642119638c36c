# make run: set up and serve the app.  make test: set up and run every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint bench demo browser axe clean messages constraints

run: $(INSTALLED)
	$(BIN)/talkoot serve

demo: $(INSTALLED)
	$(BIN)/talkoot demo

# Two runs: Playwright's sync API (the browser tests) keeps an event loop running
# in the main thread, which the asyncio tests cannot share.
test: $(INSTALLED) browser axe lint
	$(BIN)/pytest -m "not browser"
	$(BIN)/pytest -m browser

lint: $(INSTALLED)
	$(BIN)/python -m ruff check workshop analysis tests bench
	$(BIN)/python -m ruff format --check workshop analysis tests bench
	$(BIN)/python -m mypy

bench: $(INSTALLED)
	$(BIN)/python bench/realtime.py
	$(BIN)/python bench/themes.py
	$(BIN)/python bench/review.py
	$(BIN)/python bench/downloads.py
	$(BIN)/python bench/page_load.py

$(INSTALLED): pyproject.toml constraints.txt
	scripts/check-python.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(INSTALLED)

# Pin the versions now in the virtualenv (after upgrading one and a passing make test).
constraints: $(INSTALLED)
	{ grep '^#' constraints.txt; $(BIN)/pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	touch $(INSTALLED)

# Refresh the message template and the fi/sv catalogs after changing UI text.
messages: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 --no-location \
		--omit-header --sort-output -o workshop/locale/messages.pot .
	$(BIN)/pybabel update -i workshop/locale/messages.pot -d workshop/locale \
		--no-fuzzy-matching --ignore-obsolete

# The browser tests drive Debian's Chromium; Playwright never downloads one.
browser:
	scripts/install-chromium.sh

# axe-core for the accessibility audit, from npm into .cache/ (never served to users).
axe:
	scripts/install-axe.sh

clean:
	rm -rf $(VENV) test-artifacts .cache *.egg-info
