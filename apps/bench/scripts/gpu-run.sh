#!/usr/bin/env bash
# The prepared real-GPU run (issue #18): on a Linux machine with an NVIDIA GPU and no network,
# from files carried with the checkout,
#   1. brings up the Vulkan loader (and, when the driver's ICD file is missing, writes one for the
#      NVIDIA driver library) and, if the machine has no Node >= 20, a Node binary;
#   2. checks that Dawn sees the NVIDIA adapter (prints it; FAILS on a software adapter unless
#      --allow-software);
#   3. runs the bench on webgpu (and backend-cpu, with the onnxruntime anchor): the quick
#      conformance set and the speed shapes, writing bench.json;
#   4. runs PyTorch's nn.RNN / nn.LSTM / nn.GRU (cuDNN on CUDA) on the same shapes as the anchor
#      (no CUDA: "no CUDA: anchor skipped", or the CPU with --torch-cpu-fallback);
#   5. merges the anchor into bench.json, re-renders the reports, writes gpu-summary.md.
#
# Usage: apps/bench/scripts/gpu-run.sh [--allow-software] [--out DIR] [--shapes "D,H,T,B ..."]
#          [--backends webgpu,cpu] [--conformance quick|tiny|none] [--repeats N] [--rounds N]
#          [--torch-cpu-fallback] [--no-anchors]
#
# Preparing the carried files (on any Linux machine with network, into <repo>/.gl/, which git
# ignores — see apps/bench/README.md "The prepared GPU run"):
#   cd <repo> && mkdir -p .gl && cd .gl
#   apt-get download libvulkan1            # Debian/Ubuntu of the GPU machine's release
#   curl -LO https://nodejs.org/dist/v20.19.5/node-v20.19.5-linux-x64.tar.xz   # only if it lacks Node 20
#   cd .. && pnpm install && pnpm build    # node_modules and every package's dist/ travel too
# The script unpacks .gl/*.deb with `dpkg -x` (or `ar` + `tar` where dpkg is missing) into
# .gl/root and puts its lib directories on LD_LIBRARY_PATH; .gl/node-v*-linux-x64.tar.xz into
# .gl/node. The NVIDIA Vulkan ICD comes with the driver (nvidia_icd.json naming
# libGLX_nvidia.so.0); in containers started without the "graphics" driver capability that
# library is absent and no Vulkan device can exist: the adapter check then fails and says so.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
GL="$REPO/.gl"
OUT="$REPO/apps/bench/results/gpu-run"
SHAPES="32,128,128,1 32,128,128,32 128,256,128,32 256,512,64,64 16,32,512,1 32,64,256,1"
BACKENDS="webgpu,cpu"
CONFORMANCE="quick"
REPEATS=""
ROUNDS=""
ALLOW_SOFTWARE=0
TORCH_CPU=0
ANCHORS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --allow-software) ALLOW_SOFTWARE=1 ;;
    --out) OUT="$2"; shift ;;
    --shapes) SHAPES="$2"; shift ;;
    --backends) BACKENDS="$2"; shift ;;
    --conformance) CONFORMANCE="$2"; shift ;;
    --repeats) REPEATS="$2"; shift ;;
    --rounds) ROUNDS="$2"; shift ;;
    --torch-cpu-fallback) TORCH_CPU=1 ;;
    --no-anchors) ANCHORS=0 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "gpu-run: unknown argument $1" >&2; exit 64 ;;
  esac
  shift
done
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
say() { printf '\n== gpu-run: %s\n' "$*"; }
die() { printf '\ngpu-run: FAILED: %s\n' "$*" >&2; exit 1; }

# ---- 1. Vulkan loader, NVIDIA ICD, Node --------------------------------------------------
say "bringing up Vulkan and Node from $GL"
shopt -s nullglob
debs=("$GL"/*.deb)
if [ ${#debs[@]} -gt 0 ]; then
  mkdir -p "$GL/root"
  for d in "${debs[@]}"; do
    if command -v dpkg >/dev/null; then dpkg -x "$d" "$GL/root"
    else (tmp="$(mktemp -d)" && cd "$tmp" && ar x "$d" && tar -xf data.tar.* -C "$GL/root" && rm -rf "$tmp"); fi
    echo "unpacked $(basename "$d")"
  done
  for lib in "$GL"/root/usr/lib/*-linux-gnu "$GL"/root/usr/lib "$GL"/root/lib/*-linux-gnu; do
    [ -d "$lib" ] && export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  done
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' && ! ls "$GL"/root/usr/lib/*/libvulkan.so.1 >/dev/null 2>&1; then
  echo "warning: no libvulkan.so.1 on this machine nor in $GL (apt-get download libvulkan1 into .gl/)" >&2
fi
nvidia_icd=""
for f in /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json "$GL"/nvidia_icd.json; do
  [ -f "$f" ] && nvidia_icd="$f" && break
done
if [ -z "$nvidia_icd" ]; then
  glx="$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia.so.0/{print $NF; exit}')"
  if [ -n "$glx" ]; then
    nvidia_icd="$GL/nvidia_icd.json"
    printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$glx" > "$nvidia_icd"
    echo "wrote $nvidia_icd for $glx (the driver installed no ICD file)"
  fi
fi
if [ -n "$nvidia_icd" ] && [ "$ALLOW_SOFTWARE" = 0 ]; then
  # Only the NVIDIA driver: Dawn cannot fall back to a software Vulkan device unnoticed.
  export VK_ICD_FILENAMES="$nvidia_icd" VK_DRIVER_FILES="$nvidia_icd"
  echo "Vulkan ICD: $nvidia_icd"
elif [ -z "$nvidia_icd" ]; then
  echo "no NVIDIA Vulkan ICD (nvidia_icd.json, or libGLX_nvidia.so.0 to write one) on this machine"
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi: not found"

node_ok() { command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; }
if ! node_ok; then
  tarballs=("$GL"/node-v*-linux-x64.tar.*)
  [ ${#tarballs[@]} -gt 0 ] || die "no Node >= 20 here and no $GL/node-v*-linux-x64.tar.xz carried"
  mkdir -p "$GL/node"
  tar -xf "${tarballs[0]}" -C "$GL/node" --strip-components=1
  export PATH="$GL/node/bin:$PATH"
  node_ok || die "the carried Node (${tarballs[0]}) does not run here"
fi
echo "node $(node --version) at $(command -v node)"
[ -d "$REPO/node_modules" ] || die "no node_modules in $REPO: run pnpm install before carrying the checkout"
for p in packages/core packages/backend-cpu packages/backend-webgpu packages/onnx-export apps/bench; do
  [ -d "$REPO/$p/dist" ] || { say "building $p (dist/ missing)"; (cd "$REPO/$p" && node "$REPO/node_modules/typescript/bin/tsc" -p tsconfig.build.json) || die "building $p failed"; }
done

# ---- 2. the adapter ----------------------------------------------------------------------
say "the WebGPU adapter Dawn gives us"
flag=""; [ "$ALLOW_SOFTWARE" = 1 ] && flag="--allow-software"
set +e
adapter_json="$(cd "$REPO/apps/bench" && node scripts/gpu-adapter.mjs $flag)"
rc=$?
set -e
echo "$adapter_json"
echo "$adapter_json" > "$OUT/adapter.json"
case $rc in
  0) ;;
  2) die "Dawn found no WebGPU adapter (no Vulkan device: loader, ICD or driver missing; see above)" ;;
  3) die "Dawn gave a SOFTWARE adapter, not the NVIDIA GPU (see above); --allow-software only for dry runs" ;;
  *) die "the adapter check crashed (exit $rc)" ;;
esac
if [ "$ALLOW_SOFTWARE" = 0 ] && ! grep -q '"nvidia":true' <<<"$adapter_json"; then
  die "the adapter is not NVIDIA's: $adapter_json"
fi

# ---- 3. the bench: quick conformance set and the speed shapes -----------------------------
say "bench on $BACKENDS: conformance ($CONFORMANCE) and speed at $SHAPES"
args=(--backends "$BACKENDS" --cells rnn_tanh,lstm,gru --out "$OUT" --quiet --no-series)
for s in $SHAPES; do args+=(--shapes "$s"); done
case "$CONFORMANCE" in
  quick) ;;
  tiny) args+=(--tiny) ;;
  none) args+=(--no-conformance) ;;
  *) die "--conformance: quick, tiny or none" ;;
esac
[ -n "$REPEATS" ] && args+=(--repeats "$REPEATS")
[ -n "$ROUNDS" ] && args+=(--rounds "$ROUNDS")
[ "$ANCHORS" = 1 ] || args+=(--no-anchors)
(cd "$REPO/apps/bench" && node dist/cli.js "${args[@]}") || die "the bench failed"
[ -f "$OUT/bench.json" ] || die "the bench wrote no bench.json"

# ---- 4. PyTorch anchor (cuDNN) -----------------------------------------------------------
say "PyTorch anchor on the same shapes"
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for c in python3 /usr/bin/python3 python; do
    if command -v "$c" >/dev/null && "$c" -c 'import torch' 2>/dev/null; then PY="$c"; break; fi
  done
fi
torch_args=(--shapes "$SHAPES" --out "$OUT/torch_anchor.json" --repeats "${REPEATS:-10}")
[ "$TORCH_CPU" = 1 ] && torch_args+=(--cpu-fallback --threads 2)
if [ -n "$PY" ]; then
  "$PY" "$REPO/apps/bench/scripts/torch_anchor.py" "${torch_args[@]}" || die "the PyTorch anchor failed"
else
  echo "no Python with PyTorch here: anchor skipped"
  printf '{ "rows": [], "skipped": "no Python with PyTorch: anchor skipped" }\n' > "$OUT/torch_anchor.json"
fi

# ---- 5. merge, render, summarize ---------------------------------------------------------
say "summary"
node "$REPO/apps/bench/scripts/gpu-summary.mjs" "$OUT"
(cd "$REPO/apps/bench" && node dist/cli.js --render "$OUT/bench.json" --out "$OUT" --quiet >/dev/null) || die "re-rendering the reports failed"
say "done: $OUT/bench.json, bench.md, bench.html, torch_anchor.json, gpu-summary.md"
