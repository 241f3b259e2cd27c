#!/usr/bin/env bash
# One command for the benchmark: install lcdkb and the peer tool (check-jsonschema, pinned) into .venv,
# then time every step on synthetic data. Arguments go to benchmarks/run.py (--sizes, --write).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e . "check-jsonschema==0.39.0"
export NO_MKDOCS_2_WARNING=1
exec "$VENV/bin/python" benchmarks/run.py "$@"
