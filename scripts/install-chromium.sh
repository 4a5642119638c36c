#!/usr/bin/env sh
# Install Debian's Chromium for the browser tests, once. Needs root (or sudo).
set -e
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
echo "Installing Chromium for the browser tests (apt-get install chromium)..." >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "Chromium did not install at /usr/bin/chromium" >&2; exit 1; }
