# Create or update the project's virtual environment; source it from the other scripts (sets $PY).
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
PY="$VENV/bin/python"
export PATH="$(cd "$VENV/bin" && pwd):$PATH"
export MEDFILIP_DATA_DIR="${MEDFILIP_DATA_DIR:-$(cd .. && pwd)/shared/data}"
