#!/usr/bin/env bash
# Run the linters and the test suite in the project's virtual environment, creating it when needed.
# Usage: bash scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}"

"$PY" -m ruff check .
"$PY" -m ruff format --check .
exec "$PY" -m pytest "$@"
