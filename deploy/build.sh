#!/usr/bin/env bash
# Build the dashboard server into PREFIX: the only build step of the Dockerfile, and run as is by
# the test suite (tests/test_deploy.py) on machines without a container engine.
#
#   deploy/build.sh [--dry-run] PREFIX
#
#   PREFIX/venv   virtual environment with the pinned requirements.txt
#   PREFIX/app    the dashboard: app.py, pages/, ui/, rasl_data/, .streamlit/config.toml, deploy/
#
# Never copies a secrets file, a cache or test output: secrets are mounted at run time, the cache
# lives in a volume. PYTHON picks the interpreter (default python3, 3.11+). pip honours its usual
# environment (PIP_INDEX_URL, PIP_NO_INDEX, PIP_FIND_LINKS). An existing PREFIX/venv is reused.
# --dry-run prints the steps without running them.
set -euo pipefail

DRY=0
if [[ "${1:-}" == "--dry-run" ]]; then DRY=1; shift; fi
if [[ $# -ne 1 ]]; then echo "usage: deploy/build.sh [--dry-run] PREFIX" >&2; exit 2; fi
PREFIX=$1
SRC=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
VENV="$PREFIX/venv"
APP="$PREFIX/app"

run() {
  echo "+ $*"
  if [[ $DRY -eq 0 ]]; then "$@"; fi
}

"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || { echo "error: $PYTHON is older than Python 3.11" >&2; exit 2; }

# 1. the virtual environment and the pinned requirements
if [[ ! -x "$VENV/bin/python" ]]; then
  run "$PYTHON" -m venv "$VENV"
fi
run "$VENV/bin/python" -m pip install --no-cache-dir --disable-pip-version-check --quiet -r "$SRC/requirements.txt"

# 2. the code, without secrets, caches or bytecode from the build machine
run mkdir -p "$APP/.streamlit"
run cp -R "$SRC/app.py" "$SRC/pages" "$SRC/ui" "$SRC/rasl_data" "$SRC/deploy" "$SRC/requirements.txt" "$APP/"
run cp "$SRC/.streamlit/config.toml" "$APP/.streamlit/config.toml"
run find "$APP" \( -name '__pycache__' -o -name '*.duckdb*' -o -name 'secrets.toml' \) -prune -exec rm -rf {} +
run "$VENV/bin/python" -m compileall -q "$APP"

# 3. smoke test: the pins resolve, the modules import, the CLI starts
run "$VENV/bin/python" -m pip check --disable-pip-version-check
run env -C "$APP" "$VENV/bin/python" -c "import streamlit, authlib, duckdb, pandas, plotly, httpx, openpyxl; import rasl_data.cli, rasl_data.signin, ui.frame"
run env -C "$APP" RASL_SECRETS_PATH=/nonexistent "$VENV/bin/python" -m rasl_data serve --print
if [[ $DRY -eq 0 ]] && [[ -n "$(find "$APP" -name 'secrets.toml' -print -quit)" ]]; then
  echo "error: a secrets.toml ended up in $APP" >&2; exit 1
fi
echo "built $APP with $VENV"
