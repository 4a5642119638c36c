#!/usr/bin/env sh
# Install axe-core (npm) for the accessibility tests, once. The tests inject it into
# pages; it is never served to users. Needs Node.js's npm (installed with apt-get if missing).
set -e
AXE_DIR=".cache/axe"
AXE_VERSION="4.10.3"
[ -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "Installing npm for the accessibility tests (apt-get install npm)..." >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >/dev/null
fi
mkdir -p "$AXE_DIR"
npm install --silent --no-audit --no-fund --prefix "$AXE_DIR" "axe-core@$AXE_VERSION"
[ -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ] || { echo "axe-core did not install" >&2; exit 1; }
