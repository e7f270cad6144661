#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (apps/playground's end-to-end test drives it
# with playwright-core at /usr/bin/chromium; WebGPU there runs on SwiftShader, no GPU needed).
# Idempotent and quiet: does nothing when Chromium is already installed. Needs root or sudo.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "install-browser-deps: chromium already installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else echo "install-browser-deps: needs root (or sudo) to apt-get install chromium" >&2; exit 1; fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser-deps: no apt-get here; install Chromium yourself (the test looks at /usr/bin/chromium, or RNNKIT_CHROMIUM)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
echo "install-browser-deps: installed $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
