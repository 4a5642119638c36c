# make run: set up and serve the app.  make test: set up and run every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint bench demo browser clean

run: $(INSTALLED)
	$(BIN)/talkoot serve

demo: $(INSTALLED)
	$(BIN)/talkoot demo

test: $(INSTALLED) browser
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/python -m ruff check workshop analysis tests bench
	$(BIN)/python -m ruff format --check workshop analysis tests bench

bench: $(INSTALLED)
	$(BIN)/python bench/realtime.py
	$(BIN)/python bench/themes.py

$(INSTALLED): pyproject.toml
	scripts/check-python.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

# The browser tests drive Debian's Chromium; Playwright never downloads one.
browser:
	scripts/install-chromium.sh

clean:
	rm -rf $(VENV) test-artifacts *.egg-info
