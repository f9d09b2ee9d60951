#!/usr/bin/env bash
# The test command: lint, type check, then the whole test suite (SQLite and a real PostgreSQL).
#   ./scripts/test.sh                 # everything
#   ./scripts/test.sh tests/unit -x   # extra arguments go to pytest
# Installs what is missing on a Debian/Ubuntu machine: the virtualenv with the dev extras, and the
# PostgreSQL and Redis servers (the suite starts its own throw-away servers; set ROSEE_TEST_POSTGRES_URL
# to use your PostgreSQL instead). The exit status is pytest's (no tests collected counts as a failure);
# a lint failure fails the run too.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

ensure_venv dev
export PATH="$VENV/bin:$PATH"

# The servers the suite starts for itself (each on a free loopback port, stopped at the end): PostgreSQL
# for the PostgreSQL half of the storage tests (unless ROSEE_TEST_POSTGRES_URL points at yours), Redis for
# the shared rate limiter.
missing=()
if [ -z "${ROSEE_TEST_POSTGRES_URL:-}" ] && ! command -v initdb >/dev/null 2>&1 &&
  ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  missing+=(postgresql)
fi
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"

status=0

say "ruff check ."
ruff check . || status=1

say "mypy bot intents knowledge"
if ! mypy bot intents knowledge; then
  status=1
fi

say "pytest"
set +e
python -m pytest -q "$@"
tests=$?
set -e
if [ "$tests" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
fi
if [ "$tests" -ne 0 ]; then
  exit "$tests"
fi
[ "$status" -eq 0 ] || echo "error: lint or type check failed (see above)" >&2
exit "$status"
