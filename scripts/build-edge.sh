#!/usr/bin/env bash
# Builds the edge worker with worker-build into edge-worker/build/ (run
# scripts/setup.sh first). Reference types stay on: the worker's wasm-bindgen
# glue needs them (unlike the mini-program build).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=/dev/null
. "$ROOT/.tools/env.sh"
mkdir -p "$ROOT/target-wasm"
cd "$ROOT/edge-worker"
PATH="$WASM_BIN_DIR:$PATH" CARGO_TARGET_DIR="$CARGO_WASM_TARGET_DIR" \
  worker-build --release >"$ROOT/target-wasm/worker-build.log" 2>&1 \
  || { cat "$ROOT/target-wasm/worker-build.log"; exit 1; }
echo "[build-edge] $(stat -c %s build/index_bg.wasm) B wasm" >&2
