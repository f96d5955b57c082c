// The UTF-8 codec the mini-program glue carries (scripts/mp-utf8.js) must
// agree with the WHATWG TextEncoder/TextDecoder byte for byte: fixed cases
// (CJK, emoji, lone surrogates, overlong and truncated sequences) and
// 20,000 random byte strings. `node tests/mp-harness/codec.cjs`
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test, run } = require('../lib/check.cjs');

const source = fs.readFileSync(path.join(__dirname, '..', '..', 'scripts', 'mp-utf8.js'), 'utf8');
const { MpTextEncoder, MpTextDecoder } = new Function(`${source}\nreturn { MpTextEncoder, MpTextDecoder };`)();
const mine = { enc: new MpTextEncoder(), dec: new MpTextDecoder() };
const whatwg = { enc: new TextEncoder(), dec: new TextDecoder('utf-8', { ignoreBOM: true }) };

const STRINGS = ['', 'abc', '满减 每满减 分摊 ¥19.99', '😀x\u{10FFFF}', 'a\uD800b', '\uDC00', '\uD83D', 'é'.repeat(5000),
  '\u0000\u007f\u0080\u07ff\u0800\uffff'];
const BYTES = [[0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe4, 0xb8], [0xf0, 0x9f, 0x98],
  [0x80], [0xff], [0xef, 0xbb, 0xbf, 0x41]];

test('encode matches TextEncoder', () => {
  for (const s of STRINGS) assert.deepEqual(Buffer.from(mine.enc.encode(s)), Buffer.from(whatwg.enc.encode(s)), JSON.stringify(s));
});

test('encodeInto reports read and written like TextEncoder, stopping at a full buffer', () => {
  for (const s of STRINGS) {
    for (const size of [0, 1, 2, 3, 5, 64]) {
      const a = new Uint8Array(size);
      const b = new Uint8Array(size);
      assert.deepEqual(mine.enc.encodeInto(s, a), whatwg.enc.encodeInto(s, b), `${JSON.stringify(s.slice(0, 10))} into ${size}`);
      assert.deepEqual(a, b);
    }
  }
});

test('decode matches TextDecoder on valid and invalid input', () => {
  for (const s of STRINGS) assert.equal(mine.dec.decode(whatwg.enc.encode(s)), s.replace(/[\uD800-\uDFFF]/gu, '\uFFFD'));
  for (const b of BYTES) assert.equal(mine.dec.decode(new Uint8Array(b)), whatwg.dec.decode(new Uint8Array(b)), b.join(','));
});

test('decode matches TextDecoder on 20,000 random byte strings', () => {
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const interesting = [0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0x80, 0x9f, 0xa0, 0xbf];
  for (let t = 0; t < 20000; t++) {
    const u = new Uint8Array(Math.floor(next() * 12));
    for (let i = 0; i < u.length; i++) u[i] = next() < 0.5 ? Math.floor(next() * 256) : interesting[Math.floor(next() * interesting.length)];
    assert.equal(mine.dec.decode(u), whatwg.dec.decode(u), Array.from(u).join(','));
  }
});

run('mini-program UTF-8 codec');
