#!/usr/bin/env bash
# Install lcdkb into .venv and run the main job on the bundled data: validate every data file.
# (The site and the JSON exports will be built here too once they exist.)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e .
"$VENV/bin/lcdkb" validate "$@"
