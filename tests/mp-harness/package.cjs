// Checks on the built mini-program package: `node tests/mp-harness/package.cjs`
// - its wasm uses no post-MVP feature (iOS WeChat rejects them), checked by
//   wabt's wasm-validate with every post-MVP feature disabled — and the same
//   check rejects the web package's wasm, so it can fail;
// - the .wasm.br in the subpackage is that same wasm;
// - the glue uses no fetch/URL/import.meta/TextEncoder/WebAssembly global;
// - the main package and the wasm subpackage are each under 2 MB.
'use strict';
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { test, run } = require('../lib/check.cjs');

const ROOT = path.join(__dirname, '..', '..');
const MP_WASM = path.join(ROOT, 'wasm-client', 'pkg-mp', 'commerce_wasm_bg.wasm');
const WEB_WASM = path.join(ROOT, 'wasm-client', 'pkg-web', 'commerce_wasm_bg.wasm');
const MINIPROGRAM = path.join(ROOT, 'mp-shell', 'miniprogram');
const SUBPACKAGE = path.join(MINIPROGRAM, 'wasm');
const LIMIT = 2 * 1024 * 1024;
const MVP_ONLY = ['--disable-reference-types', '--disable-multi-value', '--disable-bulk-memory',
  '--disable-sign-extension', '--disable-saturating-float-to-int', '--disable-mutable-globals'];

function validateMvp(file) {
  return spawnSync('wasm-validate', [...MVP_ONLY, file], { encoding: 'utf8' });
}

function folderSize(dir, skip = () => false) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (skip(p)) continue;
    total += entry.isDirectory() ? folderSize(p, skip) : fs.statSync(p).size;
  }
  return total;
}

test('mini-program wasm is WebAssembly MVP only', () => {
  const r = validateMvp(MP_WASM);
  assert.equal(r.status, 0, r.stderr);
});

test('the MVP check rejects a post-MVP wasm (the web package)', () => {
  const r = validateMvp(WEB_WASM);
  assert.notEqual(r.status, 0, 'web wasm unexpectedly passed the MVP-only validation');
});

test('the subpackage ships the same wasm, brotli-compressed', () => {
  const br = fs.readFileSync(path.join(SUBPACKAGE, 'pkg', 'commerce_wasm_bg.wasm.br'));
  assert.deepEqual(zlib.brotliDecompressSync(br), fs.readFileSync(MP_WASM));
});

test('the glue needs no fetch, URL, import.meta, TextEncoder or WebAssembly.Module', () => {
  const glue = fs.readFileSync(path.join(SUBPACKAGE, 'pkg', 'commerce_wasm.js'), 'utf8');
  for (const bad of [/\bfetch\(/, /import\.meta/, /new URL\b/, /new TextEncoder\b/, /new TextDecoder\b/, /WebAssembly\.(Module|Instance)\b/]) {
    assert.doesNotMatch(glue, bad);
  }
  assert.match(glue, /WXWebAssembly/);
  assert.match(glue, /TTWebAssembly/);
});

test('main package and wasm subpackage are each under 2 MB', () => {
  const main = folderSize(MINIPROGRAM, (p) => p === SUBPACKAGE);
  const sub = folderSize(SUBPACKAGE);
  console.log(`  sizes: main package ${main} B, wasm subpackage ${sub} B (limit ${LIMIT} B each)`);
  assert.ok(main < LIMIT, `main package ${main} B`);
  assert.ok(sub < LIMIT, `wasm subpackage ${sub} B`);
});

run('mini-program package');
