#!/usr/bin/env bash
# Run the linters and the test suite in the project's virtual environment, creating it when needed.
# Usage: bash scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${MEDFILIP_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[test]"
# timm imports torchvision, so torch and torchvision must be a matching pair; a CPU-only torch next to a
# CUDA torchvision fails at import. Reinstall the pair from the package index when that happens.
if ! "$VENV/bin/python" -c "import torchvision" 2>/dev/null; then
    echo "torchvision does not import next to the installed torch: installing a matching pair"
    "$VENV/bin/python" -m pip install -q --isolated --force-reinstall torch torchvision
fi

export MEDFILIP_DATA_DIR="${MEDFILIP_DATA_DIR:-$(cd .. && pwd)/shared/data}"
export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}"

"$VENV/bin/python" -m ruff check .
"$VENV/bin/python" -m ruff format --check .
exec "$VENV/bin/python" -m pytest "$@"
