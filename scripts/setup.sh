#!/usr/bin/env bash
# Prepares a fresh machine that has only Node.js 20 and npm: pnpm, the workspace's packages and,
# when run as root on Debian, the system packages the WebGPU and browser tests need
# (Mesa's lavapipe Vulkan driver from bookworm-backports, Chromium).
# Set RNNKIT_SYSTEM_DEPS=skip to leave system packages alone.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=10.34.9
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  # Corepack fails on registry signatures here, so pnpm comes from npm.
  npm install -g "pnpm@$PNPM_VERSION"
fi
# onnxruntime-node's install script only fetches optional CUDA files.
export ONNXRUNTIME_NODE_INSTALL=skip
pnpm install --frozen-lockfile
if [ "${RNNKIT_SYSTEM_DEPS:-auto}" != "skip" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  if [ -f scripts/install-webgpu-deps.sh ]; then bash scripts/install-webgpu-deps.sh; fi
else
  echo "setup: not installing system packages (needs root and apt-get); WebGPU tests will report a missing adapter"
fi
