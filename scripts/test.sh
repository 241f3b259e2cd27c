#!/usr/bin/env bash
# Install lcdkb and its test tools into .venv and run the whole test suite. CI runs exactly this.
# The browser tests need Debian's chromium; it is installed here when missing (as root, or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
apt_install() {  # $1: the Debian package, $2: what needs it
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing $1 for $2" >&2
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$1" >/dev/null
}
command -v chromium >/dev/null 2>&1 || apt_install chromium "the browser tests"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
if [ ! -f tests/a11y/node_modules/axe-core/axe.min.js ]; then  # axe-core for tests/test_site_a11y.py, pinned
  command -v npm >/dev/null 2>&1 || apt_install npm "the accessibility tests"
  npm ci --prefix tests/a11y --no-audit --no-fund --ignore-scripts >/dev/null
fi
export LCDKB_REQUIRE_BROWSER=1
exec "$VENV/bin/python" -m pytest "$@"
