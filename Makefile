# The project's commands. `make demo` and `make test` are the two the README gives.
SHELL := /bin/bash
.DEFAULT_GOAL := help

EXAMPLE := examples/pytorch_cnn.ipynb

include scripts/lab.mk

help:
	@echo "make demo   install everything, open JupyterLab on examples/"
	@echo "make convert-example  convert the bundled example with the CLI"
	@echo "make test   install everything, run every test suite"
	@echo "make verify numerical equivalence: converted code against torch, run side by side"
	@echo "make bench  conversion benchmark against a bare parse"
	@echo "make corpus convert every ../shared/corpus notebook with the CLI"
	@echo "make e2e    convert and run every corpus notebook without torch; the README table"
	@echo "make e2e-check  the same, failing below E2E_MIN_RAN notebooks run or on a failure outside an annotated cell"
	@echo "make docs   regenerate the supported-API tables from the knowledge base"

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed
	npm run build:cli

demo: install lab-install
	$(MAKE) lab-open

convert-example: install
	node bin/switcheroo.js convert $(EXAMPLE) -o examples/pytorch_cnn-jax.ipynb

python-env:
	bash scripts/setup_python.sh

lint-python: python-env
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

verify: install python-env
	.venv/bin/python verify/run.py

lint: install
	npx tsc --noEmit -p tsconfig.test.json
	npx eslint .
	npx prettier --check .
	node dist/scripts/api_table.js --check

test-engine: install
	npx jest --ci

corpus: install
	@mkdir -p build/corpus
	@for nb in ../shared/corpus/*.ipynb; do \
	  node bin/switcheroo.js convert "$$nb" -o build/corpus/$$(basename "$$nb") --json > build/corpus/$$(basename "$$nb" .ipynb).json || exit 1; \
	done
	@node -e 'const fs=require("fs");for(const f of fs.readdirSync("build/corpus").filter(f=>f.endsWith(".json")).sort()){const r=JSON.parse(fs.readFileSync("build/corpus/"+f));console.log(f.replace(".json","").padEnd(30), "changed", String(r.totals.changed).padStart(2), " partial", String(r.totals.partial).padStart(2), " residual torch:", r.residualTorch.join(", ")||"none")}'

# Writes the results table into the README.
e2e: install python-env
	.venv/bin/python scripts/e2e_notebooks.py --readme

# The corpus notebooks converted and run without torch; fails below E2E_MIN_RAN or on a silent failure.
E2E_MIN_RAN ?= 14
e2e-check: install python-env
	.venv/bin/python scripts/e2e_notebooks.py --min-ran $(E2E_MIN_RAN)

bench: install
	node dist/bench/convert_bench.js

docs: install
	node dist/scripts/api_table.js

test: lint test-engine python-env lint-python verify e2e-check lab-install lab-ui-test


.PHONY: help install demo convert-example python-env lint-python verify lint test-engine corpus e2e e2e-check bench docs test
