// The edge worker's HTTP contract in workerd: every documented error is JSON
// `{"error":{"code","message"}}` with its status. `node tests/edge/http.cjs`
'use strict';
const assert = require('node:assert/strict');
const { startWorker } = require('../lib/wrangler.cjs');
const { test, run } = require('../lib/check.cjs');

let worker;
async function call(method, route, body, headers = {}) {
  const res = await fetch(worker.url + route, { method, body, headers });
  const text = await res.text();
  assert.match(res.headers.get('content-type') || '', /^application\/json/, `${route}: ${text}`);
  return { status: res.status, json: JSON.parse(text), headers: res.headers };
}

function assertError(r, status, code) {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(r.json.error.code, code);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0);
}

test('GET /v1/health answers ok with the version and operations', async () => {
  const r = await call('GET', '/v1/health');
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'ok');
  assert.ok(r.json.operations.includes('quote'));
});

test('unknown route is 404 NOT_FOUND', async () => {
  assertError(await call('GET', '/v1/nothing-here'), 404, 'NOT_FOUND');
});

test('wrong method is 405 METHOD_NOT_ALLOWED with Allow', async () => {
  const r = await call('GET', '/v1/quote');
  assertError(r, 405, 'METHOD_NOT_ALLOWED');
  assert.equal(r.headers.get('allow'), 'POST');
  assertError(await call('POST', '/v1/health', '{}'), 405, 'METHOD_NOT_ALLOWED');
});

test('malformed JSON is 400 MALFORMED_REQUEST', async () => {
  assertError(await call('POST', '/v1/quote', '{"lines": ['), 400, 'MALFORMED_REQUEST');
  assertError(await call('POST', '/v1/quote', ''), 400, 'MALFORMED_REQUEST');
});

test('body over 1 MiB is 413 BODY_TOO_LARGE, at the limit it is read', async () => {
  const big = JSON.stringify({ pad: 'x'.repeat(1024 * 1024) });
  assertError(await call('POST', '/v1/quote', big), 413, 'BODY_TOO_LARGE');
  const atLimit = '{"catalog":{"products":[]},"lines":[]}'.padEnd(1024 * 1024, ' ');
  assert.equal((await call('POST', '/v1/quote', atLimit)).status, 200);
});

test('domain error is 422 with its stable code', async () => {
  const body = JSON.stringify({ catalog: { products: [] }, lines: [{ sku_id: 'ghost', quantity: 1 }] });
  assertError(await call('POST', '/v1/quote', body), 422, 'UNKNOWN_SKU');
});

test('unknown operation is 404 UNKNOWN_OPERATION', async () => {
  assertError(await call('POST', '/v1/ops/make_coffee', '{}'), 404, 'UNKNOWN_OPERATION');
});

test('non-UTF-8 body is 400', async () => {
  assertError(await call('POST', '/v1/quote', Buffer.from([0xff, 0xfe, 0x7b])), 400, 'MALFORMED_REQUEST');
});

test('the payment sandbox does not exist unless configured (production): 404', async () => {
  assertError(await call('POST', '/v1/orders/o-any/pay/sandbox', '{}'), 404, 'NOT_FOUND');
});

(async () => {
  worker = await startWorker();
  try {
    await run('edge http (workerd)');
  } finally {
    await worker.stop();
  }
})().catch((e) => {
  console.log(`FAIL edge http (workerd): ${e && e.stack ? e.stack : e}`);
  console.log('edge http (workerd): 0 passed, 1 failed');
  process.exitCode = 1;
});
