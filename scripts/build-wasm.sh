#!/usr/bin/env bash
# Builds the two client packages of wasm-client (run scripts/setup.sh first):
#
#   wasm-client/pkg-web/  `wasm-pack build --target web`, for H5 and browsers;
#   wasm-client/pkg-mp/   the mini-program package: std and crate built for the
#                         WebAssembly MVP (iOS WeChat rejects post-MVP wasm), glue
#                         rewritten by scripts/mp-glue.mjs, wasm also brotli'd.
#
# The mini-program package is then copied into the mp-shell subpackage
# mp-shell/miniprogram/wasm/pkg/ (the wasm as .wasm.br only), and the web
# package into the H5 preview, mp-shell/h5/pkg/ (served by `make dev`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=/dev/null
. "$ROOT/.tools/env.sh"
cd "$ROOT"
log() { printf '[build-wasm] %s\n' "$*" >&2; }

WASM_PATH="$WASM_BIN_DIR:$PATH"
WEB_OPT_FEATURES=(--enable-bulk-memory --enable-reference-types --enable-multivalue
  --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals)

# --- web -------------------------------------------------------------------
log "web package (wasm-pack --target web)"
PATH="$WASM_PATH" CARGO_TARGET_DIR="$CARGO_WASM_TARGET_DIR" \
  wasm-pack --quiet build wasm-client --release --target web --out-dir pkg-web --no-pack
"$WASM_OPT_BIN" -Oz "${WEB_OPT_FEATURES[@]}" wasm-client/pkg-web/commerce_wasm_bg.wasm \
  -o wasm-client/pkg-web/commerce_wasm_bg.wasm

# --- mini-program (WebAssembly MVP) -----------------------------------------
log "mini-program package (-Ctarget-cpu=mvp)"
mvp_flags=(--release --target wasm32-unknown-unknown -p commerce-wasm)
if [ "$MVP_BUILD_STD" = 1 ]; then
  export RUSTC_BOOTSTRAP=1
  mvp_flags+=(-Zbuild-std=std,panic_abort)
  # With std built here, a panic can trap at once instead of going through
  # the panic hook first: on wasm32-unknown-unknown the hook prints nowhere,
  # so the page sees the same `unreachable` trap, and the formatting
  # machinery is gone (-26 KB raw, -8.5 KB brotli).
  mvp_flags+=(-Zpanic-immediate-abort --config 'profile.release.panic="immediate-abort"')
fi
PATH="$WASM_PATH" CARGO_TARGET_DIR="$ROOT/target-wasm-mvp" RUSTFLAGS="-Ctarget-cpu=mvp" \
  cargo build -q "${mvp_flags[@]}"
out=wasm-client/pkg-mp
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --omit-default-module-path --out-dir "$out/raw" \
  "$ROOT/target-wasm-mvp/wasm32-unknown-unknown/release/commerce_wasm.wasm"
node scripts/mp-glue.mjs "$out/raw/commerce_wasm.js" "$out/commerce_wasm.js" >/dev/null
cp "$out/raw/commerce_wasm.d.ts" "$out/commerce_wasm.d.ts"
"$WASM_OPT_BIN" -Oz --mvp-features "$out/raw/commerce_wasm_bg.wasm" -o "$out/commerce_wasm_bg.wasm"
rm -rf "$out/raw"
node -e '
  const fs = require("fs"), zlib = require("zlib");
  const [src] = process.argv.slice(1);
  fs.writeFileSync(src + ".br", zlib.brotliCompressSync(fs.readFileSync(src),
    { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
' "$out/commerce_wasm_bg.wasm"

dest=mp-shell/miniprogram/wasm/pkg
rm -rf "$dest" && mkdir -p "$dest"
cp "$out/commerce_wasm.js" "$out/commerce_wasm_bg.wasm.br" "$dest/"
h5=mp-shell/h5/pkg
rm -rf "$h5" && mkdir -p "$h5"
cp wasm-client/pkg-web/commerce_wasm.js wasm-client/pkg-web/commerce_wasm_bg.wasm "$h5/"
log "web $(stat -c %s wasm-client/pkg-web/commerce_wasm_bg.wasm) B; mini-program $(stat -c %s "$out/commerce_wasm_bg.wasm") B (br $(stat -c %s "$out/commerce_wasm_bg.wasm.br") B)"
