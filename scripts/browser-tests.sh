#!/usr/bin/env bash
# The customer web site in Chromium (Debian's chromium + chromium-driver, installed by
# `make deps`), with Selenium and axe-core from PyPI in .build-venv. Screenshots go to
# .build-screens/ (docs/screenshots holds a chosen few).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# axe-playwright-python only for the axe-core 4.12 it ships (no Playwright: --no-deps).
"$venv/bin/pip" show -q selenium >/dev/null 2>&1 || "$venv/bin/pip" install -q --disable-pip-version-check selenium==4.51.0
"$venv/bin/pip" show -q axe-playwright-python >/dev/null 2>&1 \
  || "$venv/bin/pip" install -q --disable-pip-version-check --no-deps axe-playwright-python==0.1.8
export GS_BINARY="${GS_BINARY:-$(swift build --show-bin-path)/groundswell}"
export GS_SCREENSHOTS="${GS_SCREENSHOTS:-$PWD/.build-screens}"
cd Tests/Browser
exec "../../$venv/bin/python" -m unittest -v site_test console_test
