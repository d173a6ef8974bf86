#!/usr/bin/env bash
# The Python tools the tests use, pinned, in .build-venv (PyPI): schemathesis (the OpenAPI
# contract run) and aiosmtpd (the real SMTP server the delivery tests send to).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build-venv
packages=("schemathesis==${ST_VERSION:-4.32.5}" "aiosmtpd==1.4.6")
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
missing=()
for package in "${packages[@]}"; do
  "$venv/bin/pip" show -q "${package%%==*}" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  "$venv/bin/pip" install -q --disable-pip-version-check "${missing[@]}"
fi
