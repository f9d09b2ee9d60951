# Shared by scripts/start.sh and scripts/test.sh (sourced, not run): the repository's virtualenv and the
# system packages the scripts may need. Works on a fresh Debian/Ubuntu machine with Python 3.11+ and apt.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ROSEE_VENV:-$REPO_ROOT/.venv}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $* (run as root or install sudo)"
  fi
}

_apt_updated=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install these yourself: $*"
  if [ "$_apt_updated" -eq 0 ]; then
    say "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    _apt_updated=1
  fi
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

find_python() {
  local candidate
  for candidate in ${PYTHON:-} python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  die "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)"
}

# ensure_venv [dev]: create or reuse the virtualenv and install into it exactly what the lock pins, then
# the project itself (editable, no dependencies of its own choosing): requirements.lock for the bot,
# requirements-dev.lock (the same pins plus the test tools) with `dev`. pip checks every file against
# the lock's sha256 hashes (--require-hashes) and refuses anything unpinned, so what was tested is what
# runs. The install is skipped when pyproject.toml and the locks are unchanged since the last one and
# the dev tools are there if asked for. Refresh the locks with scripts/lock.sh.
ensure_venv() {
  local extras="${1:-}" lock hash python version_tag installed_hash="" installed_extras=""
  case "$extras" in
    "") lock="$REPO_ROOT/requirements.lock" ;;
    dev) lock="$REPO_ROOT/requirements-dev.lock" ;;
    *) die "ensure_venv: no lock for the extras '$extras' (only 'dev')" ;;
  esac
  if [ ! -x "$VENV/bin/python" ]; then
    python="$(find_python)"
    say "creating $VENV with $python"
    if ! "$python" -m venv "$VENV" 2>/dev/null; then
      # Debian ships venv/ensurepip separately.
      rm -rf "$VENV"
      version_tag="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
      apt_install "python${version_tag}-venv" || apt_install python3-venv || die "cannot create a virtualenv"
      "$python" -m venv "$VENV"
    fi
  fi
  # Reinstall only when pyproject.toml or a lock changed, or the dev tools are wanted and not there.
  hash="$(cat "$REPO_ROOT/pyproject.toml" "$REPO_ROOT/requirements.lock" "$REPO_ROOT/requirements-dev.lock" |
    sha256sum | cut -c1-16)"
  read -r installed_hash installed_extras 2>/dev/null <"$VENV/.rosee-installed" || true
  if [ "${installed_hash:-}" = "$hash" ] && { [ -z "$extras" ] || [ "${installed_extras:-}" = "$extras" ]; }; then
    return 0
  fi
  say "pip install --require-hashes -r ${lock#"$REPO_ROOT/"}, then the project (--no-deps -e .)"
  "$VENV/bin/python" -m pip install -q --require-hashes -r "$lock"
  (cd "$REPO_ROOT" && "$VENV/bin/python" -m pip install -q --no-deps -e .)
  printf "%s %s\n" "$hash" "$extras" >"$VENV/.rosee-installed"
}
