#!/usr/bin/env bash
# Sets up what is missing, then builds both wasm client packages and the edge
# worker (`make build`; also the first step of `make dev` and `make bench`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build-wasm.sh"
bash "$ROOT/scripts/build-edge.sh"
