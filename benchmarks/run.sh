#!/usr/bin/env bash
# One command for the benchmark: install lcdkb with its site engine and the peer tool (check-jsonschema), pinned by
# constraints.txt, into .venv,
# then time every step on synthetic data (Playwright, from the test extra, measures the search download). Arguments go
# to benchmarks/run.py (--sizes, --claim-lines, --repeat, --write).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[site,test]" check-jsonschema
export NO_MKDOCS_2_WARNING=1
exec "$VENV/bin/python" benchmarks/run.py "$@"
