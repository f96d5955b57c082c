// Restart `wrangler dev` in the middle of a checkout load (same port, same
// --persist-to): shoppers retry with their Idempotency-Key until answered;
// afterwards every shopper has exactly one order, retries return it, and
// the stock moved by exactly the orders taken. `node tests/edge/restart.cjs`
'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startWorker } = require('../lib/wrangler.cjs');
const { test, run } = require('../lib/check.cjs');
const f = require('./fixtures.cjs');

const SHOPPERS = 120;
let worker;
let api;
let start;

async function retrying(fn, deadline) {
  for (;;) {
    try {
      const r = await fn();
      if (r.status < 500) return r;
    } catch { /* the server is restarting */ }
    if (Date.now() > deadline) throw new Error('no answer before the deadline');
    await f.sleep(200 + Math.random() * 300);
  }
}

test(`restart mid-load: ${SHOPPERS} idempotent checkouts, no order lost or duplicated`, async () => {
  assert.equal((await api.admin('PUT', '/v1/admin/catalog', f.seedStorefront())).status, 200);
  const users = [];
  for (let i = 0; i < SHOPPERS; i++) users.push((await api.admin('POST', '/v1/admin/session', { openid: `restart-${i}` })).json);
  const lines = [{ sku_id: 'bun-pork', quantity: 2 }];
  const probe = await api.call('POST', '/v1/orders', { token: users[0].token, body: { lines, expected_payable: 0 }, headers: { 'idempotency-key': 'probe' } });
  const payable = probe.json.error.quote.payable;
  const keys = users.map(() => crypto.randomUUID());
  const deadline = Date.now() + 120000;
  const send = (i) => retrying(() => api.call('POST', '/v1/orders', {
    token: users[i].token, body: { lines, expected_payable: payable }, headers: { 'idempotency-key': keys[i] },
  }), deadline);
  const load = Promise.all(users.map((_, i) => f.sleep(i * 8).then(() => send(i))));
  await f.sleep(400);
  await worker.stop();
  worker = await start();
  const results = await load;
  for (const r of results) assert.equal(r.status, 201, r.text);
  const ids = results.map((r) => r.json.id);
  assert.equal(new Set(ids).size, SHOPPERS, 'one order per shopper');
  const again = await Promise.all(users.map((_, i) => send(i)));
  assert.deepEqual(again.map((r) => r.json.id), ids, 'retries return the original order');
  const stored = await Promise.all(users.map((u) => api.call('GET', '/v1/orders', { token: u.token })));
  for (const [i, r] of stored.entries()) assert.deepEqual(r.json.orders.map((o) => o.id), [ids[i]]);
  const c = (await api.admin('POST', '/v1/admin/stock', { counters: ['stock:bun-pork'] })).json.counters;
  assert.equal(c['stock:bun-pork'], 500 - 2 * SHOPPERS, 'stock held exactly once per order');
});

(async () => {
  const wechat = await f.startFakeWeChat();
  const persistTo = fs.mkdtempSync(path.join(os.tmpdir(), 'commerce-restart-'));
  // The first start takes any free port; restarts come back on the same one.
  let port = 0;
  start = async () => {
    const started = await startWorker({ port, persistTo, vars: f.workerVars(wechat.base) });
    port = started.port;
    return started;
  };
  worker = await start();
  api = f.client(worker.url);
  try {
    await run('edge restart (workerd)');
  } finally {
    await worker.stop();
    await wechat.close();
  }
})().catch((e) => {
  console.log(`FAIL edge restart (workerd): ${e && e.stack ? e.stack : e}`);
  console.log('edge restart (workerd): 0 passed, 1 failed');
  process.exitCode = 1;
});
