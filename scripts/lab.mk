# JupyterLab front end: install, build, ui-tests. Included by the main Makefile:
#     include scripts/lab.mk
# Every target works from a fresh clone; nothing here needs a pre-set machine.

VENV ?= .venv
LAB_VENV_BIN := $(abspath $(VENV))/bin
LAB_PATH := $(LAB_VENV_BIN):$(PATH)
CHROMIUM ?= /usr/bin/chromium

.PHONY: lab-install lab-chromium lab-venv lab-npm lab-build lab-pip lab-ui-deps lab-ui-test lab-open lab-lint

## Everything the extension and its ui-tests need.
lab-install: lab-chromium lab-venv lab-npm lab-pip lab-ui-deps

## Debian's Chromium for Galata (Playwright cannot download a browser here).
lab-chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

lab-venv:
	@test -x $(LAB_VENV_BIN)/python || python3 -m venv $(VENV)

lab-npm:
	npm ci

## Dev build into jupyterlab_switcheroo/labextension (needs lab-venv for jupyter-builder).
lab-build: lab-npm
	PATH=$(LAB_PATH) npm run build

## pip install . runs the production npm build through hatch-jupyter-builder and
## installs the prebuilt extension into the venv, with jupyterlab==4.6.4.
lab-pip: lab-venv
	rm -rf jupyterlab_switcheroo/labextension
	$(LAB_VENV_BIN)/pip install ".[lab]"
	$(LAB_VENV_BIN)/jupyter labextension list 2>&1 | grep -q 'jupyterlab-switcheroo.*enabled.*OK'

lab-ui-deps:
	cd ui-tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci

## Galata + Playwright against a real `jupyter lab` (started by Playwright).
lab-ui-test:
	cd ui-tests && PATH=$(LAB_PATH) PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 CI=true \
	  CHROMIUM_PATH=$(CHROMIUM) npx playwright test

## Open JupyterLab on examples/.
lab-open:
	$(LAB_VENV_BIN)/jupyter lab --notebook-dir=examples --allow-root

lab-lint:
	npx eslint src/lab ui-tests/tests
	npx prettier --check src/lab style schema ui-tests/tests ui-tests/playwright.config.js
