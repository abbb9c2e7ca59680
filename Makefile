# LuckyMart backend. Two commands on a fresh machine: `make dev` and `make test` (README.md).
SHELL := /bin/bash
PY := .venv/bin/python
export PYTHONPATH := $(CURDIR)/layers/shared/python:$(CURDIR)

.PHONY: deps dev stop soak test lint format openapi openapi-check unit integration e2e bench clean layer package deploy \
	deploy-edge deploy-verify-page preflight

deps:  ## apt/npm/pip: everything the stack and the tests need (idempotent)
	@bash infra/local/install-deps.sh

dev: deps  ## the whole system locally with demo data on http://127.0.0.1:54321 (PACKAGED=1: from the zips)
	$(if $(PACKAGED),scripts/package.sh $(STAGE))
	$(PY) -m infra.local.dev $(if $(PACKAGED),--packaged $(STAGE))

stop:  ## stop a local stack left behind by a killed `make dev`
	$(PY) -m infra.local.dev stop

test: deps lint openapi-check package  ## everything: lint, API description, AWS package, unit + integration + e2e tests
	$(PY) -m pytest

unit: deps
	$(PY) -m pytest -m unit

integration: deps
	$(PY) -m pytest -m integration

e2e: deps
	$(PY) -m pytest -m e2e

lint: deps  ## ruff + mypy
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy layers/shared/python functions infra scripts bench tests luckymart_cli

format: deps
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

TS_TYPES := clients/typescript/src/api-types.ts

openapi: deps  ## regenerate openapi.json from the handlers' models, and the TypeScript client's types from it
	$(PY) -m scripts.openapi > openapi.json
	npm run --prefix clients/typescript --silent generate

openapi-check: deps  ## the committed openapi.json and TypeScript types match the code
	@$(PY) -m scripts.openapi | diff -q - openapi.json >/dev/null || \
	  (echo "openapi.json is stale: run 'make openapi' and commit it"; exit 1)
	@TYPES_OUT=.api-types.check.ts npm run --prefix clients/typescript --silent generate >/dev/null 2>&1 && \
	  diff -q clients/typescript/.api-types.check.ts $(TS_TYPES) >/dev/null; \
	  status=$$?; rm -f clients/typescript/.api-types.check.ts; \
	  [ $$status -eq 0 ] || (echo "$(TS_TYPES) is stale: run 'make openapi' and commit it"; exit 1)

soak: deps  ## 10-minute soak with fault injection (a 60 s soak is part of make test)
	$(PY) -m tests.soak.soak --seconds 600

bench: deps  ## benchmarks (print numbers; not part of make test)
	$(PY) -m bench.run_all

STAGE ?= dev

layer: deps  ## the shared Lambda layer in build/layer (LAMBDA_ARCH=x86_64|arm64)
	scripts/build_layer.sh

package: deps  ## offline: layer + osls package of every stage into build/package/<stage>, then cfn-lint
	scripts/package.sh

deploy: deps  ## deploy one stage with your AWS credentials: make deploy STAGE=prod (docs/first-deploy.md)
	$(PY) -m luckymart_cli.main preflight --stage $(STAGE)  # stops here on any ✘: nothing has changed yet
	scripts/build_layer.sh
	npx --no-install osls deploy --stage $(STAGE)

preflight: deps  ## what make deploy checks first, alone: make preflight STAGE=prod
	$(PY) -m luckymart_cli.main preflight --stage $(STAGE)

deploy-verify-page: deps  ## the draw verification page of a stage to the front door's /verify/ (after make deploy)
	$(PY) -m scripts.deploy_verify_page $(STAGE)

deploy-edge: deps  ## the stage's CloudFront web ACL in us-east-1 (docs/deploy-frontdoor.md); once, before make deploy
	$(PY) -m scripts.deploy_edge $(STAGE)

clean:
	rm -rf .run build .serverless
