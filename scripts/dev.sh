#!/usr/bin/env bash
# The local shop (`make dev`): sets up and builds, then serves the seeded edge
# worker and the H5 preview on http://127.0.0.1:8787 until Ctrl-C
# (scripts/dev-shop.cjs). PORT=... overrides the port.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/build.sh
# shellcheck source=/dev/null
. .tools/env.sh
exec node scripts/dev-shop.cjs
