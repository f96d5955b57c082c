#!/usr/bin/env bash
# Every test stage that starts a worker under `wrangler dev`, N times in a
# row (default 10): the check that the edge stages are not flaky. Needs a
# build (`make test` once, or scripts/build-edge.sh and build-wasm.sh).
# Prints one line per stage and pass, and at the end how many passes had no
# failure; exit 0 only if all did. Logs: target/test-logs/soak-<n>-<stage>.log
# (and its wrangler/workerd logs beside it).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=/dev/null
. "$ROOT/.tools/env.sh"
PASSES="${1:-10}"
LOGS="$ROOT/target/test-logs"
mkdir -p "$LOGS"
STAGES=(
  edge/vectors edge/http edge/shop edge/idempotency edge/stores edge/openapi edge/errors
  edge/schemathesis edge/flash edge/fulfilment edge/restart
  mp-harness/offline mp-harness/shop mp-harness/stores mp-harness/screens e2e/h5
)
clean=0
for n in $(seq 1 "$PASSES"); do
  bad=0
  for t in "${STAGES[@]}"; do
    name="soak-$n-${t//\//-}"
    TEST_STAGE="$name" timeout -k 10 600 node "tests/$t.cjs" >"$LOGS/$name.log" 2>&1
    rc=$?
    summary=$(grep -E ': [0-9]+ passed, [0-9]+ failed$' "$LOGS/$name.log" | tail -1)
    if [ "$rc" != 0 ] || ! grep -qE ', 0 failed$' <<<"$summary"; then
      bad=1
      echo "pass $n FAIL $t (exit $rc): ${summary:-no summary} - $LOGS/$name.log"
    else
      echo "pass $n ok   $t: $summary"
    fi
  done
  [ "$bad" = 0 ] && clean=$((clean + 1))
done
echo "soak: $clean of $PASSES passes without a failure"
[ "$clean" = "$PASSES" ]
