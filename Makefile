# aigov: `make run` brings the platform up, `make test` proves it works.
SHELL := /bin/bash
PYTHON ?= python3
UV ?= $(PYTHON) -m uv
RUN := $(UV) run --locked
PYTEST := $(RUN) pytest -p no:cacheprovider

.PHONY: help install fmt lint test test-unit test-integration test-e2e test-deploy run migrate bench kafka-fetch clean

help:
	@echo "make run    start Kafka, the four services and the gateway on :8080 (Ctrl-C stops all)"
	@echo "make test   lint, unit, integration (real PostgreSQL + Kafka), end-to-end and deploy tests"
	@echo "make lint | fmt | migrate | bench | clean"

# Installs what a fresh machine lacks: uv, the locked workspace, the Kafka jars.
install:
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet 'uv>=0.9,<0.14'
	$(UV) sync --locked --all-packages --quiet
	@scripts/kafka.sh fetch

fmt: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy shared/src services/*/src gateway/src console/src scripts tests

test: lint test-unit test-integration test-e2e test-deploy

test-unit: install
	$(PYTEST) tests/unit -q

test-integration: install
	$(PYTEST) tests/integration -q

test-e2e: install
	$(PYTEST) tests/e2e -q

# The images and the Helm chart: Dockerfile lint, helm lint + template over the default and the
# realistic values files, then tests/deploy (offline Kubernetes schema validation of every rendered
# manifest, what the manifests must say, the image build stage replayed with uv). helm is built
# from the Go module proxy once (scripts/helm.sh) and cached under ~/.cache/aigov/bin.
CHART := deploy/helm/aigov
KUBE_VERSION := 1.34.0
test-deploy: install
	scripts/dockerfile-lint.sh services/*/Dockerfile gateway/Dockerfile
	@helm="$$(scripts/helm.sh)" || exit 1; \
	for values in "" ci/production-values.yaml ci/strimzi-values.yaml; do \
	  args=(--kube-version $(KUBE_VERSION)); [ -z "$$values" ] || args+=(-f $(CHART)/$$values); \
	  echo "helm lint + template: $${values:-default values}"; \
	  $$helm lint --strict --quiet $(CHART) "$${args[@]}" || exit 1; \
	  $$helm template aigov $(CHART) "$${args[@]}" >/dev/null || exit 1; \
	done; \
	AIGOV_HELM="$$helm" $(PYTEST) tests/deploy -q

run: install
	$(RUN) python scripts/run_platform.py

# Migrations also run when each service starts; this applies them without starting anything.
migrate: install
	@for s in inventory classifier monitoring evidence; do \
	  $(RUN) python -c "from aigov.shared.migrations import upgrade; import os; \
	  upgrade('aigov.$$s:migrations', os.environ.get('$${s^^}_DATABASE_URL', 'sqlite+aiosqlite:///var/$$s.db'))"; \
	done

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(RUN) python $$b || exit 1; done

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
