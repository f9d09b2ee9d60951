#!/usr/bin/env bash
# Refresh the dependency locks from pyproject.toml: requirements.lock (what the bot runs with: the
# Docker image, start.sh) and requirements-dev.lock (the same pins plus the test tools: test.sh, CI).
# Every package is pinned to one version with the sha256 of each of its files on PyPI, for every
# platform and every Python from 3.11 (uv's universal resolution), so pip installs them with
# --require-hashes and refuses anything else.
#   ./scripts/lock.sh             # after changing dependencies in pyproject.toml: keep the other pins
#   ./scripts/lock.sh --upgrade   # move every pin to the newest version pyproject.toml allows
# Then run ./scripts/test.sh (it reinstalls .venv from the new lock) and commit both files.
# uv comes from PyPI at the version below, into a throw-away virtualenv; nothing else is installed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

UV_VERSION=0.13.8
tools="$(mktemp -d "${TMPDIR:-/tmp}/rosee-lock.XXXXXX")"
trap 'rm -rf "$tools"' EXIT
python="$(find_python)"
say "uv $UV_VERSION into a throw-away virtualenv"
"$python" -m venv "$tools/venv"
"$tools/venv/bin/python" -m pip install -q "uv==$UV_VERSION"

compile() {
  "$tools/venv/bin/uv" pip compile --quiet --universal --python-version 3.11 --generate-hashes \
    --custom-compile-command "./scripts/lock.sh" pyproject.toml "$@"
}
say "requirements.lock"
compile -o requirements.lock "$@"
say "requirements-dev.lock (the runtime pins unchanged, plus the dev extra)"
compile --extra dev --constraint requirements.lock -o requirements-dev.lock "$@"
