#!/usr/bin/env bash
# Installs what @rnnkit/backend-webgpu's tests need on Debian bookworm (run as root):
# - Mesa's lavapipe Vulkan driver from bookworm-backports (25.x). Dawn, which the `webgpu` npm
#   package wraps, needs Vulkan features that the 22.3 in bookworm lacks.
# - the Vulkan loader, and Debian's chromium for the in-browser test (skip it with --no-browser).
# Idempotent: safe to run on every CI job.
set -euo pipefail

with_browser=1
for arg in "$@"; do
  case "$arg" in
    --no-browser) with_browser=0 ;;
    *) echo "usage: $0 [--no-browser]" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else echo "install-webgpu-deps: needs root (or sudo)" >&2; exit 1; fi
fi

export DEBIAN_FRONTEND=noninteractive
list=/etc/apt/sources.list.d/bookworm-backports.list
if ! grep -rqs '^deb .*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee "$list" >/dev/null
fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q -t bookworm-backports mesa-vulkan-drivers
$SUDO apt-get install -y -q libvulkan1 vulkan-tools
if [ "$with_browser" -eq 1 ]; then
  $SUDO apt-get install -y -q chromium
fi

# Report what the Vulkan loader sees (lavapipe shows up as "llvmpipe").
if command -v vulkaninfo >/dev/null 2>&1; then
  vulkaninfo --summary 2>/dev/null | grep -E 'deviceName|driverInfo|apiVersion' || true
fi
