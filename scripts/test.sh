#!/usr/bin/env bash
# Install lcdkb and its test tools into .venv and run the whole test suite. CI runs exactly this.
# The browser tests need Debian's chromium; it is installed here when missing (as root, or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing chromium for the browser tests" >&2
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
if [ ! -f tests/a11y/node_modules/axe-core/axe.min.js ]; then  # axe-core for tests/test_site_a11y.py, pinned
  if ! command -v npm >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "installing npm for the accessibility tests" >&2
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >/dev/null
  fi
  npm ci --prefix tests/a11y --no-audit --no-fund --ignore-scripts >/dev/null
fi
export LCDKB_REQUIRE_BROWSER=1
exec "$VENV/bin/python" -m pytest "$@"
