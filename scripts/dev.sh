#!/usr/bin/env bash
# The local shop (`make dev`): sets up and builds, seeds demo data into local
# KV/D1 under .wrangler-dev/, then serves the edge worker in workerd on
# http://127.0.0.1:8787 until Ctrl-C. PORT=... overrides the port.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
# shellcheck source=/dev/null
. .tools/env.sh
bash scripts/build-wasm.sh
bash scripts/build-edge.sh
PORT="${PORT:-8787}"
PERSIST="$ROOT/.wrangler-dev"
mkdir -p "$PERSIST"
if [ -f scripts/seed-dev.sh ]; then
  bash scripts/seed-dev.sh "$PERSIST"
fi
cat <<MSG

  H5 shop:       http://127.0.0.1:$PORT/   (the mini-program's pages in a browser)
  Edge worker:   http://127.0.0.1:$PORT/v1/health
  Try a quote:   curl -s -X POST http://127.0.0.1:$PORT/v1/quote \\
                   -d @mp-shell/miniprogram/lib/demo-cart.json
  Mini-program:  open mp-shell/ in WeChat DevTools (the wasm is in miniprogram/wasm/pkg/)
  API reference: docs/api.md

MSG
cd edge-worker
exec wrangler dev --ip 127.0.0.1 --port "$PORT" --persist-to "$PERSIST" --show-interactive-dev-session=false
