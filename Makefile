# Two commands on a fresh machine: `make demo` and `make test` (each installs what it needs).
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO := playground/serverless-demo

.PHONY: install demo test lint bench clean

install: $(VENV)/.installed $(DEMO)/node_modules/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(DEMO)/node_modules/.installed: $(DEMO)/package-lock.json
	cd $(DEMO) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: install
	$(VENV)/bin/autofix run --config $(DEMO)/autofix.toml

test: install
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check autofix tests benchmarks
	$(PY) -m mypy

bench: install
	$(PY) benchmarks/attempts.py

clean:
	rm -rf $(VENV) $(DEMO)/node_modules $(DEMO)/.autofix $(DEMO)/.serverless
