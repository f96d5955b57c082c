// The offline scenario of issue 4, end to end: the mini-program package's
// cart Client on a phone-like runtime (phone.cjs) against the edge worker
// under `wrangler dev` (POST /v1/cart/sync, docs/api.md):
//   node tests/mp-harness/offline.cjs        (after scripts/build-edge.sh)
//
// A shopper loads the catalog, loses the network, adds items, the app is
// killed and reopened offline (the cart is still there), the network comes
// back, a push's answer is lost and the push retried, the shopper logs in
// (guest merge pushed twice). At the end the server's carts equal the
// client's and every mutation was applied exactly once.
'use strict';
const assert = require('node:assert/strict');
const http = require('node:http');
const { agent } = require('../lib/agent.cjs');
const path = require('node:path');
const { startWorker } = require('../lib/wrangler.cjs');
const { test, run } = require('../lib/check.cjs');

const packageRoot = path.join(__dirname, '..', '..', 'mp-shell', 'miniprogram');
const ADMIN = 'offline-test-admin';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const CATALOG = {
  version: 'offline-v1',
  products: [
    { id: 'p-tea', name: 'Tea', shop_id: 's1', category_id: 'drinks', skus: [{ id: 'tea', list_price: 1800, stock: 20, purchase_limit: 5 }] },
    { id: 'p-bun', name: 'Bun', shop_id: 's1', category_id: 'food', skus: [{ id: 'bun', list_price: 350, stock: 3 }] },
  ],
};

(async () => {
  // The worker first: the phone below removes fetch and URL from this
  // process, so the fake network is node:http, which needs neither.
  const worker = await startWorker({ vars: { ADMIN_TOKEN: ADMIN, SESSION_SECRET: 'offline-test-session-secret' } });
  const { installPhone } = require('./phone.cjs');
  installPhone({ packageRoot, platform: 'wechat' });
  const { fromMiniProgram } = require(path.join(packageRoot, 'lib', 'storage.js'));

  // The phone's network: the edge over HTTP, or nothing when offline.
  let online = true;
  const applied = new Map(); // "client_id#id" -> times the server said "applied"/"rejected"
  async function request(method, route, body, headers = {}) {
    if (!online) throw Object.assign(new Error('offline'), { code: 'NETWORK_ERROR' });
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await new Promise((resolve, reject) => {
      const req = http.request({ agent, host: '127.0.0.1', port: worker.port, path: route, method,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers } }, (r) => {
        let data = '';
        r.setEncoding('utf8');
        r.on('data', (d) => { data += d; });
        r.on('end', () => resolve({ status: r.statusCode, data }));
      });
      req.on('error', reject);
      req.end(text);
    });
    const data = JSON.parse(res.data);
    assert.equal(res.status, 200, `${method} ${route}: ${res.status} ${res.data}\nworker log:\n${worker.logs().slice(-2000)}`);
    for (const r of (route.startsWith('/v1/cart/sync') && data.results) || []) {
      if (r.status === 'applied' || r.status === 'rejected') {
        const key = `${r.client_id}#${r.id}`;
        applied.set(key, (applied.get(key) || 0) + 1);
      }
    }
    return data;
  }
  /** Push the client's pending mutations (as the cart page does); the answer, unapplied. */
  const push = (client, headers) =>
    request('POST', `/v1/cart/sync?client_id=${encodeURIComponent(client.clientId())}`, client.syncPayload(), headers);

  const core = require(path.join(packageRoot, 'wasm', 'pkg', 'commerce_wasm.js'));
  await core.init({ module_or_path: '/wasm/pkg/commerce_wasm_bg.wasm.br' });
  const open = (id, now) => new core.Client(fromMiniProgram(wx), id, now);
  const lines = (cart) => cart.lines.map((l) => `${l.sku_id}:${l.quantity}`);
  let now = 1_763_800_000_000;
  let client;
  let token;

  test('the edge serves the seeded catalog, which the client caches', async () => {
    await request('PUT', '/v1/admin/catalog', { catalog: CATALOG }, { 'x-admin-token': ADMIN });
    const body = await request('GET', '/v1/catalog');
    assert.deepEqual(body.catalog.products.map((p) => p.id), ['p-tea', 'p-bun']);
    client = open('guest-phone', now);
    client.putCatalog(body.catalog, now, 5 * MINUTE, DAY, body.catalog.version);
  });

  test('offline: items added, the push fails, nothing is lost', async () => {
    online = false;
    client.add({ sku_id: 'tea' }, 2);
    client.add({ sku_id: 'bun' }, 1);
    client.setQuantity({ sku_id: 'tea' }, 3);
    await assert.rejects(push(client), (e) => e.code === 'NETWORK_ERROR');
    assert.equal(client.pendingCount(), 3);
  });

  test('killed and reopened offline, the cart and the catalog are still there', () => {
    const before = JSON.stringify(client.cartView());
    client.free();
    now += 3 * DAY; // even an expired catalog is shown offline
    client = open('a-new-random-id', now);
    assert.equal(client.clientId(), 'guest-phone');
    assert.equal(client.catalog(now).freshness, 'expired');
    assert.equal(JSON.stringify(client.cartView()), before);
    assert.deepEqual(lines(client.cartView().cart), ['tea:3', 'bun:1']);
    assert.equal(client.pendingCount(), 3);
  });

  test('online again: a lost answer and a retried push apply each mutation once', async () => {
    online = true;
    const lost = await push(client); // the server applied 1-3, the answer never arrived
    assert.deepEqual(lost.results.map((r) => r.status), ['applied', 'applied', 'applied']);
    client.add({ sku_id: 'tea' }, 1); // mutation 4, still offline-style optimistic
    const answer = await push(client);
    assert.deepEqual(answer.results.map((r) => r.status), ['duplicate', 'duplicate', 'duplicate', 'applied']);
    const view = client.applySyncResponse(answer);
    assert.equal(client.pendingCount(), 0);
    assert.deepEqual(lines(view.cart), ['tea:4', 'bun:1']);
    // The same answer again (a duplicated delivery) changes nothing.
    client.applySyncResponse(JSON.stringify(answer));
    assert.deepEqual(lines(client.cartView().cart), ['tea:4', 'bun:1']);
  });

  test("the server's guest cart equals the client's, also after another kill", async () => {
    const pull = await push(client);
    assert.deepEqual(pull.results, []);
    assert.deepEqual(pull.cart, client.cartView().cart);
    client.free();
    client = open('another-random-id', now);
    assert.equal(client.pendingCount(), 0);
    assert.deepEqual(client.cartView().cart, pull.cart);
  });

  test('login: the guest cart merges into the user cart once, even pushed twice', async () => {
    ({ token } = await request('POST', '/v1/admin/session', { openid: 'offline-user' }, { 'x-admin-token': ADMIN }));
    const bearer = { authorization: `Bearer ${token}` };
    client.login('user-phone');
    assert.equal(client.pendingCount(), 1);
    await push(client, bearer); // answer lost
    const answer = await push(client, bearer);
    assert.deepEqual(answer.results.map((r) => r.status), ['duplicate']);
    client.applySyncResponse(answer);
    // tea 4 is within the limit of 5; bun 1 within stock 3.
    assert.deepEqual(lines(client.cartView().cart), ['tea:4', 'bun:1']);
    const pull = await push(client, bearer);
    assert.deepEqual(pull.cart, client.cartView().cart);
  });

  test('the server clamps what another device pushed, and the client learns why', async () => {
    const bearer = { authorization: `Bearer ${token}` };
    const tablet = { mutations: [{ client_id: 'user-tablet', id: 1, op: { type: 'add', sku_id: 'bun', quantity: 2, seen_price: 350 } }] };
    await request('POST', '/v1/cart/sync', tablet, bearer); // bun 1 + 2 = 3, all the stock
    client.add({ sku_id: 'bun' }, 1); // the phone does not know yet: bun 2 locally
    const answer = await push(client, bearer);
    const view = client.applySyncResponse(answer);
    assert.deepEqual(lines(view.cart), ['tea:4', 'bun:3']);
    assert.ok(view.warnings.some((w) => w.code === 'NOT_ENOUGH_STOCK' && w.sku_id === 'bun'), JSON.stringify(view.warnings));
    const pull = await push(client, bearer);
    assert.deepEqual(pull.cart, client.cartView().cart);
  });

  test('no mutation was applied twice', () => {
    const twice = [...applied].filter(([, n]) => n !== 1);
    assert.deepEqual(twice, []);
    assert.deepEqual([...applied.keys()].sort(), [
      'guest-phone#1', 'guest-phone#2', 'guest-phone#3', 'guest-phone#4',
      'user-phone#1', 'user-phone#2', 'user-tablet#1',
    ]);
  });

  try {
    await run('mini-program offline sync');
  } finally {
    try {
      if (client) client.free();
    } catch { /* already freed by a failed step */ }
    await worker.stop();
  }
})().catch((e) => {
  console.log(`FAIL mini-program offline sync: ${e && e.stack ? e.stack : e}`);
  console.log('mini-program offline sync: 0 passed, 1 failed');
  process.exitCode = 1;
});
