# Two commands on a fresh machine: `make demo` and `make test` (each installs what it needs).
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO := playground/serverless-demo
UPGRADE := playground/serverless-upgrade

.PHONY: install demo test test-slow lint bench clean

install: $(VENV)/.installed $(DEMO)/node_modules/.installed \
	$(UPGRADE)/v3/node_modules/.installed $(UPGRADE)/osls/node_modules

# The distribution was called `autofix` before it became `autofix-iam`: the old one goes.
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip uninstall --quiet --yes autofix 2>/dev/null || true
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[sandbox,dev]'
	touch $@

$(DEMO)/node_modules/.installed: $(DEMO)/package-lock.json
	cd $(DEMO) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The upgrade demo: Serverless Framework 3 (+ serverless-localstack) before, and osls 4 after,
# which is the same package as the playground's.
$(UPGRADE)/v3/node_modules/.installed: $(UPGRADE)/v3/package-lock.json
	cd $(UPGRADE)/v3 && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(UPGRADE)/osls/node_modules: | $(DEMO)/node_modules/.installed
	ln -sfn ../../serverless-demo/node_modules $@

demo: install
	$(VENV)/bin/autofix run --config $(DEMO)/autofix.toml

test: install
	$(PY) -m pytest

# Deselected by default: installs the distribution into a fresh venv (about three minutes).
test-slow: install
	$(PY) -m pytest -m slow

lint: install
	$(PY) -m ruff check autofix tests benchmarks
	$(PY) -m mypy

bench: install
	$(PY) benchmarks/attempts.py

clean:
	rm -rf $(VENV) $(DEMO)/node_modules $(DEMO)/.autofix $(DEMO)/.serverless
	rm -rf $(UPGRADE)/v3/node_modules $(UPGRADE)/osls/node_modules $(UPGRADE)/*/.autofix $(UPGRADE)/*/.serverless
