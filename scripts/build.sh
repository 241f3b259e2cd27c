#!/usr/bin/env bash
# The main job: install lcdkb into .venv, then validate the bundled data and build the site with its exports
# (site/, with the JSON API and CSV under site/api/v1/). Review statuses are judged on today's date (UTC)
# unless SOURCE_DATE_EPOCH is set; the same data and date give byte-identical output.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[site]"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(date -u -d "$(date -u +%F)" +%s)}"
"$VENV/bin/lcdkb" build "$@"
