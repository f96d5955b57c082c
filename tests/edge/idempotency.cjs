// Checkout idempotency under concurrency, against the worker in workerd: one
// Idempotency-Key sent with two different bodies at the same moment. The rule
// (docs/api.md): the same key with another body is 422
// IDEMPOTENCY_KEY_REUSED, whatever the interleaving - one request of each pair
// gets its order, the other 422, and the stock held is exactly what the
// stored orders say. A same-key, same-body retry racing its original gets the
// original order. `node tests/edge/idempotency.cjs`
'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { startWorker } = require('../lib/wrangler.cjs');
const { test, run } = require('../lib/check.cjs');
const f = require('./fixtures.cjs');

const LABEL = 'edge idempotency (workerd)';
const PAIRS = 120;
const SKU = 'bun-pork';
let api;
const s = {};

const counter = async () => (await api.admin('POST', '/v1/admin/stock', { counters: [`stock:${SKU}`] })).json.counters[`stock:${SKU}`];

/** The payable of `quantity` buns for this shopper (the edge's own quote). */
async function payable(token, quantity) {
  const probe = await api.call('POST', '/v1/orders', {
    token, body: { lines: [{ sku_id: SKU, quantity }], expected_payable: 0 }, headers: { 'idempotency-key': crypto.randomUUID() },
  });
  f.assertError(probe, 409, 'PRICE_CHANGED');
  return probe.json.error.quote.payable;
}

test('seed a storefront with ample stock; one shopper', async () => {
  const storefront = f.seedStorefront();
  for (const p of storefront.catalog.products) for (const sku of p.skus) if (sku.id === SKU) { sku.stock = 100000; delete sku.purchase_limit; }
  assert.equal((await api.admin('PUT', '/v1/admin/catalog', storefront)).status, 200);
  s.user = (await api.admin('POST', '/v1/admin/session', { openid: 'idem-1' })).json;
  s.one = await payable(s.user.token, 1);
  s.two = await payable(s.user.token, 2);
  s.before = (await counter()) ?? 100000;
});

test(`${PAIRS} keys, each sent at once with two bodies: exactly one 201 and one 422 per key; holds match the stored orders`, async () => {
  const bodies = [
    { lines: [{ sku_id: SKU, quantity: 1 }], expected_payable: s.one },
    { lines: [{ sku_id: SKU, quantity: 2 }], expected_payable: s.two },
  ];
  const pairs = await Promise.all(Array.from({ length: PAIRS }, async () => {
    const key = crypto.randomUUID();
    const answers = await Promise.all(bodies.map((body) =>
      api.call('POST', '/v1/orders', { token: s.user.token, body, headers: { 'idempotency-key': key } })));
    return { key, answers };
  }));
  let held = 0;
  const tally = {};
  for (const { key, answers } of pairs) {
    const codes = answers.map((r) => (r.status === 201 ? 201 : `${r.status} ${r.json && r.json.error.code}`));
    for (const c of codes) tally[c] = (tally[c] || 0) + 1;
    const won = answers.findIndex((r) => r.status === 201);
    assert.ok(won >= 0, `key ${key}: nobody won: ${JSON.stringify(codes)}`);
    f.assertError(answers[1 - won], 422, 'IDEMPOTENCY_KEY_REUSED');
    const order = answers[won].json;
    assert.equal(order.lines[0].quantity, won + 1, `key ${key}: the winner's order is its own body`);
    const stored = await api.call('GET', `/v1/orders/${order.id}`, { token: s.user.token });
    assert.equal(stored.json.lines[0].quantity, won + 1, `key ${key}: the stored order is the winner's body`);
    // The winner's retry replays its order; the loser's body stays refused.
    const again = await api.call('POST', '/v1/orders', { token: s.user.token, body: bodies[won], headers: { 'idempotency-key': key } });
    assert.equal(again.status, 201, again.text);
    assert.equal(again.json.id, order.id);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    f.assertError(await api.call('POST', '/v1/orders', { token: s.user.token, body: bodies[1 - won], headers: { 'idempotency-key': key } }), 422, 'IDEMPOTENCY_KEY_REUSED');
    held += won + 1;
  }
  console.log(`${PAIRS} pairs: ${JSON.stringify(tally)}`);
  assert.equal(s.before - (await counter()), held, 'units held = units in the stored orders');
});

test('a key sent at once with the same body twice: one order, both answers name it, its units held once', async () => {
  const before = await counter();
  const key = crypto.randomUUID();
  const body = { lines: [{ sku_id: SKU, quantity: 1 }], expected_payable: s.one };
  const answers = await Promise.all([0, 1, 2, 3].map(() =>
    api.call('POST', '/v1/orders', { token: s.user.token, body, headers: { 'idempotency-key': key } })));
  for (const r of answers) assert.equal(r.status, 201, r.text);
  assert.equal(new Set(answers.map((r) => r.json.id)).size, 1);
  assert.equal(before - (await counter()), 1);
});

(async () => {
  const wechat = await f.startFakeWeChat();
  const worker = await startWorker({ vars: f.workerVars(wechat.base) });
  api = f.client(worker.url);
  try {
    await run(LABEL);
  } finally {
    await worker.stop();
    await wechat.close();
  }
})().catch((e) => {
  console.log(`FAIL ${LABEL}: ${e && e.stack ? e.stack : e}`);
  console.log(`${LABEL}: 0 passed, 1 failed`);
  process.exitCode = 1;
});
