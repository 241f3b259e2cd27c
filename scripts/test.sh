#!/usr/bin/env bash
# Install lcdkb and its test tools into .venv and run the whole test suite. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[test]"
exec "$VENV/bin/python" -m pytest "$@"
