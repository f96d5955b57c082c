// Flash sale (秒杀) against the worker in workerd: 550 concurrent checkouts
// by 400 shoppers for a SKU with stock 50 and a limit of 1 per shopper ->
// exactly 50 orders, no oversell, the limit held; 5 are paid, the other 45
// time out and their stock comes back. `node tests/edge/flash.cjs`
'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { startWorker } = require('../lib/wrangler.cjs');
const { test, run } = require('../lib/check.cjs');
const f = require('./fixtures.cjs');

const { pool } = f;

const SHOPPERS = 400;
const SECOND_TRIES = 150;
const TIMEOUT_S = 45; // longer than the load itself on a busy 2-core machine
let api;
const s = {};

const lines = [{ sku_id: 'mooncake-lotus', quantity: 1 }];
// One tap = one Idempotency-Key.
function checkout(token, payable) {
  return api.call('POST', '/v1/orders', {
    token, body: { lines, expected_payable: payable }, headers: { 'idempotency-key': crypto.randomUUID() },
  });
}
const counters = async (...names) => (await api.admin('POST', '/v1/admin/stock', { counters: names })).json.counters;

test(`${SHOPPERS + SECOND_TRIES} concurrent checkouts for stock 50: exactly 50 orders, limit 1 per shopper`, async () => {
  assert.equal((await api.admin('PUT', '/v1/admin/catalog', f.seedStorefront())).status, 200);
  s.users = await pool(Array.from({ length: SHOPPERS }, (_, i) => i), 16, async (i) =>
    (await api.admin('POST', '/v1/admin/session', { openid: `flash-${i}` })).json);
  const probe = await checkout(s.users[0].token, 0);
  f.assertError(probe, 409, 'PRICE_CHANGED');
  s.payable = probe.json.error.quote.payable;
  assert.equal(probe.json.error.quote.lines[0].unit_price, 6800, 'flash price');
  // The first SECOND_TRIES shoppers tap twice (two keys), racing themselves.
  const attempts = s.users.flatMap((u, i) => (i < SECOND_TRIES ? [u, u] : [u]));
  const started = Date.now();
  const results = await Promise.all(attempts.map((u) => checkout(u.token, s.payable).then((r) => ({ u, r }))));
  const elapsed = Date.now() - started;
  const byStatus = {};
  for (const { r } of results) {
    const key = r.status === 201 ? 201 : `${r.status} ${r.json.error.code}`;
    byStatus[key] = (byStatus[key] || 0) + 1;
  }
  console.log(`flash sale: ${attempts.length} checkouts in ${elapsed} ms -> ${JSON.stringify(byStatus)}`);
  const won = results.filter(({ r }) => r.status === 201);
  assert.equal(won.length, 50, JSON.stringify(byStatus));
  for (const { r } of results.filter(({ r }) => r.status !== 201)) {
    assert.equal(r.status, 409, r.text);
    assert.ok(['OUT_OF_STOCK', 'PURCHASE_LIMIT'].includes(r.json.error.code), r.text);
  }
  const winners = new Set(won.map(({ u }) => u.user_id));
  assert.equal(winners.size, 50, 'no shopper got two');
  s.won = won.map(({ u, r }) => ({ u, order: r.json }));
  const c = await counters('stock:mooncake-lotus', 'flash:flash-mooncake');
  assert.deepEqual(c, { 'flash:flash-mooncake': 0, 'stock:mooncake-lotus': 0 });
  const stored = await pool(s.users, 16, async (u) => (await api.call('GET', '/v1/orders', { token: u.token })).json.orders.length);
  assert.equal(stored.reduce((a, b) => a + b, 0), 50, 'exactly 50 orders stored');
});

test('5 winners pay; the 45 unpaid orders time out and their stock and limits come back', async () => {
  for (const { order } of s.won.slice(0, 5)) {
    const n = f.notification({ out_trade_no: order.id, transaction_id: `wx-${order.id}`, amount: { total: order.payable } });
    assert.equal((await api.call('POST', '/v1/pay/notify', { body: n.body, headers: n.headers })).status, 200);
  }
  const deadline = Date.now() + (TIMEOUT_S + 30) * 1000;
  let c;
  while (Date.now() < deadline) {
    c = await counters('stock:mooncake-lotus', 'flash:flash-mooncake');
    if (c['stock:mooncake-lotus'] === 45) break;
    await f.sleep(500);
  }
  assert.deepEqual(c, { 'flash:flash-mooncake': 45, 'stock:mooncake-lotus': 45 });
  const statuses = await pool(s.won, 8, async ({ u, order }) =>
    (await api.call('GET', `/v1/orders/${order.id}`, { token: u.token })).json.status);
  assert.equal(statuses.filter((x) => x === 'paid').length, 5);
  assert.equal(statuses.filter((x) => x === 'cancelled').length, 45);
  const loser = s.won[10].u;
  const again = await checkout(loser.token, s.payable);
  assert.equal(again.status, 201, `a timed-out shopper may buy again: ${again.text}`);
  const payer = s.won[0].u;
  f.assertError(await checkout(payer.token, s.payable), 409, 'PURCHASE_LIMIT');
});

(async () => {
  const wechat = await f.startFakeWeChat();
  const worker = await startWorker({ vars: f.workerVars(wechat.base, { PAYMENT_TIMEOUT_S: String(TIMEOUT_S) }) });
  api = f.client(worker.url);
  try {
    await run('edge flash sale (workerd)');
  } finally {
    await worker.stop();
    await wechat.close();
  }
})().catch((e) => {
  console.log(`FAIL edge flash sale (workerd): ${e && e.stack ? e.stack : e}`);
  console.log('edge flash sale (workerd): 0 passed, 1 failed');
  process.exitCode = 1;
});
