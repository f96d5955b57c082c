#!/usr/bin/env bash
# Installs everything the build, the local shop and the tests need, on a fresh
# Debian machine or a developer's laptop. Idempotent: a second run only checks.
#
# What it provides (pinned; see the versions below):
#   - Rust wasm32 support: `rustup target add` when it can download; otherwise
#     Debian's rustc-web toolchain with a wasm32 std built here once
#     (../shared/notes/platform.md, section 1);
#   - wasm-bindgen-cli (exactly the wasm-bindgen version in Cargo.lock),
#     wasm-pack, worker-build;
#   - npm tools under scripts/node_modules: wrangler, binaryen (wasm-opt),
#     esbuild, playwright-core, typescript + miniprogram-api-typings (the
#     mini-program type-check);
#   - Debian chromium + chromium-driver, wabt (wasm-validate), lld.
# It writes .tools/env.sh, which the other scripts source.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
mkdir -p "$TOOLS"
export PATH="$HOME/.cargo/bin:$PATH"

WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' "$ROOT/Cargo.toml")"
WASM_PACK_VERSION="0.15.1"
WORKER_BUILD_VERSION="0.8.7"

log() { printf '[setup] %s\n' "$*" >&2; }

# shellcheck source=scripts/deb.sh
. "$ROOT/scripts/deb.sh"

# --- Debian packages -------------------------------------------------------
if command -v apt-get >/dev/null 2>&1; then
  # fonts-wqy-zenhei: a CJK font, so screenshots show the Chinese text (tests/e2e/h5.cjs checks).
  debs=(chromium chromium-driver wabt fonts-wqy-zenhei)
  rustup_wasm=0
  # COMMERCE_WASM_ROUTE=debian forces the fallback (to test it where rustup works).
  if [ "${COMMERCE_WASM_ROUTE:-auto}" = debian ]; then
    rustup_wasm=0
  elif rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    rustup_wasm=1
  elif timeout 20 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 \
    && timeout 20 rustup component add rust-src >/dev/null 2>&1; then
    rustup_wasm=1
  fi
  if [ "$rustup_wasm" = 0 ]; then
    debs+=(rustc-web cargo-web rust-web-src lld-22)
  fi
  deb_install "${debs[@]}"
else
  rustup_wasm=1
fi

# --- Rust for wasm32 -------------------------------------------------------
# WASM_BIN_DIR holds the rustc/cargo used for every wasm build; the MVP build
# needs a std compiled for the WebAssembly MVP.
if [ "$rustup_wasm" = 1 ]; then
  log "wasm32: rustup toolchain (MVP std built per build with -Zbuild-std)"
  WASM_BIN_DIR="$(dirname "$(rustup which rustc)")"
  MVP_BUILD_STD=1
else
  WASM_BIN_DIR=/usr/bin
  MVP_BUILD_STD=0
  libdir="$("$WASM_BIN_DIR/rustc" --target wasm32-unknown-unknown --print target-libdir)"
  if ! ls "$libdir"/libstd-*.rlib >/dev/null 2>&1; then
    log "wasm32: building an MVP std for Debian's rustc ($("$WASM_BIN_DIR/rustc" --version)), ~2 min"
    scratch="$(mktemp -d)"
    (
      cd "$scratch"
      PATH="$WASM_BIN_DIR:$PATH" cargo new -q --lib stdbuild
      cd stdbuild
      RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Ctarget-cpu=mvp -Cembed-bitcode=yes" \
        PATH="$WASM_BIN_DIR:$PATH" cargo build -q --release --target wasm32-unknown-unknown \
        -Zbuild-std=std,panic_abort,test
      mkdir -p "$libdir"
      find target/wasm32-unknown-unknown/release/deps -name '*.rlib' ! -name 'libstdbuild-*' \
        -exec cp {} "$libdir/" \;
    )
    rm -rf "$scratch"
    # Artefacts built against an older std no longer link.
    rm -rf "$ROOT/target-wasm"
  fi
fi

# --- cargo-installed tools -------------------------------------------------
cargo_tool() { # name version binary
  if "$3" --version 2>/dev/null | grep -qw -- "$2"; then return; fi
  log "cargo install $1 $2"
  cargo install -q "$1" --version "$2"
}
cargo_tool wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen
cargo_tool wasm-pack "$WASM_PACK_VERSION" wasm-pack
cargo_tool worker-build "$WORKER_BUILD_VERSION" worker-build

# --- npm tools -------------------------------------------------------------
if [ ! -f "$ROOT/scripts/node_modules/.package-lock.json" ] \
  || [ "$ROOT/scripts/package-lock.json" -nt "$ROOT/scripts/node_modules/.package-lock.json" ]; then
  log "npm ci (scripts/)"
  (cd "$ROOT/scripts" && npm ci --silent --no-audit --no-fund)
fi

# --- Python tools ----------------------------------------------------------
# Schemathesis (PyPI, pinned) in a project-local virtualenv .tools/venv, for
# tests/edge/schemathesis.cjs (docs/openapi.json against the running worker).
SCHEMATHESIS_VERSION="4.32.5"
VENV="$TOOLS/venv"
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -qw -- "$SCHEMATHESIS_VERSION"; then
  if [ ! -x "$VENV/bin/python" ] && ! python3 -m venv "$VENV" 2>/dev/null; then
    # Debian ships the venv module separately.
    rm -rf "$VENV"
    deb_install python3-venv
    python3 -m venv "$VENV"
  fi
  log "pip install schemathesis $SCHEMATHESIS_VERSION (.tools/venv)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cat >"$TOOLS/env.sh" <<EOF
# Written by scripts/setup.sh; sourced by the build and test scripts.
export PATH="\$HOME/.cargo/bin:$ROOT/scripts/node_modules/.bin:\$PATH"
export WASM_BIN_DIR="$WASM_BIN_DIR"
export MVP_BUILD_STD="$MVP_BUILD_STD"
export CARGO_WASM_TARGET_DIR="$ROOT/target-wasm"
export WASM_BINDGEN_BIN="\$HOME/.cargo/bin/wasm-bindgen"
export WASM_OPT_BIN="$ROOT/scripts/node_modules/binaryen/bin/wasm-opt"
export ESBUILD_BIN="$ROOT/scripts/node_modules/@esbuild/linux-x64/bin/esbuild"
export CHROME_BIN=/usr/bin/chromium
export CHROMEDRIVER=/usr/bin/chromedriver
export CLOUDFLARE_CF_FETCH_ENABLED=false
export WRANGLER_SEND_METRICS=false
EOF
log "ready ($(wasm-bindgen --version), $(wasm-pack --version 2>/dev/null || echo wasm-pack ?))"
