#!/usr/bin/env bash
# Sets up a clone of neurite: the BLAS the native backend links against (Debian/Ubuntu), the npm packages,
# the native addon and the TypeScript build (both run by `npm ci`). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v apt-get >/dev/null 2>&1 && ! dpkg -s libopenblas-dev >/dev/null 2>&1; then
  echo "setup: installing libopenblas-dev (the BLAS of neurite's native backend)"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas-dev >/dev/null
fi

npm ci --no-audit --no-fund
