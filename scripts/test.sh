#!/usr/bin/env bash
# Every test on every runtime (`make test`). Sets up what is missing, builds,
# then runs, in order:
#   lint        cargo fmt --check, cargo clippy -D warnings
#   native      cargo test -p commerce-core --features schema (unit, vectors,
#               property tests, doc tests, docs/openapi.json's schemas against
#               the types); writes the native reference texts for the parity checks
#   native-edge cargo test -p commerce-edge: the edge's services on in-memory
#               storage, the route table against docs/openapi.json
#   browser     wasm-pack test in headless Chromium; the web package in Chromium
#   mini-prog.  the mini-program package on a phone-like Node runtime (WeChat and
#               Douyin loaders), its MVP-only and size checks; its JS type-checked
#               (tsc with miniprogram-api-typings)
#   edge        the worker under `wrangler dev` (workerd): vectors, HTTP errors,
#               Schemathesis from docs/openapi.json (edge-schemathesis)
# Each stage prints "<name>: N passed, N failed"; the last line sums them all.
# Logs: target/test-logs/ (<stage>.log, and <stage>-wrangler-<pid>.log: the
# worker's wrangler and workerd output). Exit status: 0 only if nothing failed.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOGS="$ROOT/target/test-logs"
mkdir -p "$LOGS"
export PARITY_REFERENCE="$ROOT/target/parity-reference.json"

passed=0
failed=0
failures=()

# stage NAME COMMAND...: run, show the output, add up its summary lines.
stage() {
  local name="$1"
  shift
  local log="$LOGS/$name.log" start=$SECONDS
  printf '\n=== %s: %s\n' "$name" "$*"
  # No stage may hang the run: builds get 30 minutes, tests 10.
  local limit=600
  case "$name" in setup | build-* | clippy | native*) limit=1800 ;; esac
  rm -f "$LOGS/$name"-wrangler-*.log
  # TEST_STAGE names the stage's wrangler/workerd logs (tests/lib/wrangler.cjs).
  TEST_STAGE="$name" timeout -k 10 "$limit" "$@" >"$log" 2>&1
  local rc=$? p=0 f=0 found=0
  [ "$rc" = 124 ] && echo "FAIL $name: timed out after ${limit}s" >>"$log"
  # cargo's "test result: ok. 3 passed; 0 failed" and ours "x: 3 passed, 0 failed"
  while read -r a b; do p=$((p + a)); f=$((f + b)); found=1; done < <(
    sed -nE 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p; s/^[^=].*: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$log")
  if [ "$found" = 0 ]; then
    # A stage without test counts (a build, a lint) is one check.
    if [ "$rc" = 0 ]; then p=1; else f=1; fi
  elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
    f=1 # it failed outside any counted test (e.g. a crash or build error)
  fi
  grep -E '^(FAIL|error|test .* FAILED|---- )|panicked|: [0-9]+ passed, [0-9]+ failed$|^test result' "$log" | head -40
  if [ "$rc" != 0 ]; then
    tail -n 30 "$log"
    local wlog
    for wlog in "$LOGS/$name"-wrangler-*.log; do
      [ -f "$wlog" ] || continue
      printf -- '--- tail of %s (wrangler and workerd)\n' "${wlog#"$ROOT"/}"
      tail -n 20 "$wlog"
    done
  fi
  printf -- '--- %s: %d passed, %d failed (%ds, log %s)\n' "$name" "$p" "$f" $((SECONDS - start)) "${log#"$ROOT"/}"
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" != 0 ]; then
    # What failed, repeated at the very end: CI shows only the last lines.
    local what
    what=$(grep -E '^(FAIL|test .* FAILED)|panicked' "$log" | head -5 | cut -c1-200)
    failures+=("$name: ${what:-exit $rc, see ${log#"$ROOT"/}}")
  fi
  return 0
}

stage setup bash scripts/setup.sh
if [ ! -f "$ROOT/.tools/env.sh" ]; then
  # Nothing else can build without the tools: stop, with the summary line.
  echo 'set-up failed (target/test-logs/setup.log): nothing else can run'
  printf '\n%d passed, %d failed\n' "$passed" "$failed"
  exit 1
fi
# shellcheck source=/dev/null
. "$ROOT/.tools/env.sh"

stage fmt cargo fmt --all --check
stage clippy cargo clippy --workspace --all-targets --features commerce-core/schema -- -D warnings
stage native cargo test -p commerce-core --features schema
stage native-edge cargo test -p commerce-edge
stage build-wasm bash scripts/build-wasm.sh
stage build-edge bash scripts/build-edge.sh

stage browser-wasm-pack env PATH="$WASM_BIN_DIR:$PATH" CARGO_TARGET_DIR="$CARGO_WASM_TARGET_DIR" \
  wasm-pack test --headless --chrome --chromedriver "$CHROMEDRIVER" tests/browser
stage browser-web-package node tests/browser/web-package.cjs
stage browser-h5 node tests/e2e/h5.cjs
stage mp-vectors-wechat node tests/mp-harness/vectors.cjs wechat
stage mp-vectors-douyin node tests/mp-harness/vectors.cjs douyin
stage mp-package node tests/mp-harness/package.cjs
stage mp-codec node tests/mp-harness/codec.cjs
stage mp-pages node tests/mp-harness/pages.cjs
stage mp-client node tests/mp-harness/client.cjs
stage mp-offline node tests/mp-harness/offline.cjs
stage mp-shop node tests/mp-harness/shop.cjs
stage mp-stores node tests/mp-harness/stores.cjs
stage mp-screens node tests/mp-harness/screens.cjs
stage mp-typecheck scripts/node_modules/.bin/tsc -p mp-shell/jsconfig.json --pretty false
stage edge-vectors node tests/edge/vectors.cjs
stage edge-http node tests/edge/http.cjs
stage edge-shop node tests/edge/shop.cjs
stage edge-idempotency node tests/edge/idempotency.cjs
stage edge-stores node tests/edge/stores.cjs
stage edge-openapi node tests/edge/openapi.cjs
stage edge-schemathesis node tests/edge/schemathesis.cjs
stage edge-errors node tests/edge/errors.cjs
stage edge-flash node tests/edge/flash.cjs
stage edge-fulfilment node tests/edge/fulfilment.cjs
stage edge-restart node tests/edge/restart.cjs

for f in "${failures[@]}"; do printf '\nFAILED %s\n' "$f"; done
printf '\n%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" = 0 ]
