#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/browser).  The tests drive it over the
# DevTools protocol with the Python package `websockets` (installed with the project's
# dependencies), so no other driver is needed.  Idempotent and quiet; run as root.
set -euo pipefail

have_chromium() { [ -x /usr/bin/chromium ] && /usr/bin/chromium --version >/dev/null 2>&1; }

if ! have_chromium || ! dpkg -s fonts-dejavu-core fonts-liberation >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Fonts so that screenshots show text; no recommends (printing, desktop services).
  apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core fonts-liberation >/dev/null
fi
have_chromium || { echo "install-browser.sh: chromium does not run" >&2; exit 1; }
echo "$(/usr/bin/chromium --version 2>/dev/null)"
