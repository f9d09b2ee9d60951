#!/usr/bin/env bash
# Start Rosee Support: install into .venv if needed, then `rosee-support start`, which runs the Telegram
# bot when TELEGRAM_BOT_TOKEN is set (in the environment or .env) and otherwise seeds demo data into an
# empty database and opens the console chat. Extra arguments go to `rosee-support start`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"  # .env and the default ./data/rosee.db are read relative to the repository

ensure_venv
exec "$VENV/bin/rosee-support" start "$@"
