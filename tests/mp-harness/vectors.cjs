// The shared vectors through the *mini-program package* on a phone-like
// runtime: `node tests/mp-harness/vectors.cjs [wechat|douyin]`.
//
// Loads mp-shell/miniprogram/wasm/pkg/commerce_wasm.js exactly as the
// mini-program does, with WebAssembly, TextEncoder, fetch... removed and the
// wasm reachable only by package path (see phone.cjs).
'use strict';
const path = require('node:path');
const { installPhone } = require('./phone.cjs');
const { loadVectors, loadReference, checkResponse, report } = require('../lib/vectors.cjs');

const platform = process.argv[2] || 'wechat';
const packageRoot = path.join(__dirname, '..', '..', 'mp-shell', 'miniprogram');
installPhone({ packageRoot, platform });

(async () => {
  const core = require(path.join(packageRoot, 'wasm', 'pkg', 'commerce_wasm.js'));
  await core.init({ module_or_path: '/wasm/pkg/commerce_wasm_bg.wasm.br' });
  const reference = loadReference();
  const results = loadVectors().map((vector) => {
    const request = JSON.stringify(vector.request);
    let text;
    try {
      text = core.callJson(vector.op, request);
    } catch (e) {
      text = JSON.stringify({ error: { code: e.code, message: e.message } });
    }
    const problems = checkResponse(vector, text, reference);
    // The object API (what pages use) must mean the same.
    let objectText;
    try {
      objectText = JSON.stringify(core.call(vector.op, JSON.parse(request)));
    } catch (e) {
      objectText = JSON.stringify({ error: { code: e.code, message: e.message } });
    }
    problems.push(...checkResponse(vector, objectText, null, { errorsByCode: true }).map((p) => `object API: ${p}`));
    return { name: vector.name, problems };
  });
  const { failed } = report(`mini-program (${platform})`, results);
  process.exitCode = failed ? 1 : 0;
})().catch((e) => {
  console.log(`FAIL mini-program (${platform}): ${e && e.stack ? e.stack : e}`);
  console.log(`mini-program (${platform}): 0 passed, 1 failed`);
  process.exitCode = 1;
});
