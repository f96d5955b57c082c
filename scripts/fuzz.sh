#!/usr/bin/env bash
# `make fuzz`: every cargo-fuzz target in fuzz/ for a bounded time, then one
# line per target with the executions reached and whether it crashed.
#
#   FUZZ_SECONDS   seconds per target (default 300)
#   FUZZ_TARGETS   which targets (default: all of `cargo fuzz list`)
#   FUZZ_JOBS      parallel fuzzing processes per target (default 2: the
#                  machine's cores)
#
# Needs the nightly toolchain (libFuzzer's instrumentation; used for nothing
# else) and cargo-fuzz, which this installs when missing. Seeds come from
# tests/vectors (fuzz/examples/seeds.rs); the corpus grows in fuzz/corpus/
# and crashes land in fuzz/artifacts/<target>/ (both git-ignored). A crash
# is a bug: fix it in core and add its input as a regression test there.
# Rows are appended to target/fuzz-report.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/fuzz"
CARGO_FUZZ_VERSION="0.13.2"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-300}"
JOBS="${FUZZ_JOBS:-2}"

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz: needs the nightly toolchain (rustup toolchain install nightly)" >&2
  exit 1
fi
if ! cargo fuzz --version 2>/dev/null | grep -qw -- "$CARGO_FUZZ_VERSION"; then
  cargo install -q cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi

cargo +nightly run -q --release --example seeds -- "$ROOT/fuzz/corpus"
targets="${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}"
for t in $targets; do cargo +nightly fuzz build -O "$t"; done

report="$ROOT/target/fuzz-report.txt"
mkdir -p "$ROOT/target" "$ROOT/target/fuzz-logs"
status=0
for t in $targets; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log="$ROOT/target/fuzz-logs/$t.log"
  rm -f fuzz-*.log
  # -fork: a crash is recorded and the run goes on, so one bug does not hide
  # the executions the others would reach.
  set +e
  cargo +nightly fuzz run -O "$t" "corpus/$t" -- -fork="$JOBS" -ignore_crashes=1 \
    -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  # libFuzzer's fork mode prints "#<execs>: cov: ... exec/s: ..." lines; the
  # last holds the total.
  execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  crashes=$(find "artifacts/$t" -type f | wc -l)
  row="$(date -u +%FT%TZ) $t: ${execs:-0} executions in ${SECONDS_PER_TARGET}s x $JOBS jobs, $crashes crash file(s) in fuzz/artifacts/$t (exit $rc)"
  echo "$row" | tee -a "$report"
  if [ "$crashes" != 0 ] || { [ "$rc" != 0 ] && [ -z "$execs" ]; }; then
    status=1
    tail -n 20 "$log"
  fi
done
exit "$status"
