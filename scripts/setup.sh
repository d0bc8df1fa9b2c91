#!/usr/bin/env bash
# Sets up a clone of neurite: the system packages (Debian/Ubuntu) — the BLAS the native backend links against and
# the chromium the browser tests drive — then the npm packages, the native addon and the TypeScript build (both
# run by `npm ci`). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
if command -v apt-get >/dev/null 2>&1; then
  dpkg -s libopenblas-dev >/dev/null 2>&1 || missing+=(libopenblas-dev)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} (the native backend's BLAS; the browser for the browser tests)"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
