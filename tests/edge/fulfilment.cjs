// O2O fulfilment against the worker in workerd (docs/lbs.md §10): the order
// goes to the store that can serve it, with that store's fee; stock is per
// store and live (one keeper object per store); 300 concurrent pickups at a
// store with 5 units make exactly 5 orders while another store keeps
// selling; merchants restock through a ledger. `node tests/edge/fulfilment.cjs`
'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { startWorker } = require('../lib/wrangler.cjs');
const { test, run } = require('../lib/check.cjs');
const f = require('./fixtures.cjs');

const { pool } = f;

let api;
const s = {};

// A square delivery area around People's Square (GCJ-02), ~2.2 km a side.
const AREA = [
  { lat: 31.2204, lng: 121.4637 }, { lat: 31.2204, lng: 121.4837 },
  { lat: 31.2404, lng: 121.4837 }, { lat: 31.2404, lng: 121.4637 },
];
const store = (id, lat, stock, extra = {}) => ({
  id, name: id, location: { lat, lng: 121.4737 }, delivery_areas: [AREA], stock, ...extra,
});
const STORES = {
  version: 'fulfilment-test',
  coord: 'gcj02',
  stores: [
    store('near', 31.2314, { 'oolong-gift': 1, 'bun-pork': 50 }),
    store('far', 31.2394, { 'oolong-gift': 9, 'bun-pork': 50 }, { express: true }),
    store('hot', 31.2254, { 'cup-blue': 5 }, { delivery: false }),
    store('calm', 31.2264, { 'cup-blue': 500 }, { delivery: false }),
    store('untracked', 31.2274, undefined, { delivery: false }),
  ],
};
const RULES = {
  // A delivered order completes by itself 2 s later (a day by default).
  delivered_complete_after_s: 2,
  delivery: { base_fee: 500, base_distance_m: 1000, per_km_fee: 100, max_distance_m: 5000, min_order: 2000, free_over: 99900 },
  express: { templates: [{ regions: [], first_items: 1, first_fee: 1000, added_items: 1, added_fee: 200 }], refused: ['西藏自治区'] },
};
const ADDRESS = {
  name: '王小明', phone: '138 0013 8000', text: '人民广场 1 号楼 502',
  location: { lat: 31.2304, lng: 121.4737, coord: 'gcj02' },
};
const delivery = { mode: 'delivery', address: ADDRESS };
const pickup = (storeId) => ({ mode: 'pickup', store_id: storeId });

function checkout(token, lines, fulfilment, payable) {
  return api.call('POST', '/v1/orders', {
    token, body: { lines, fulfilment, expected_payable: payable }, headers: { 'idempotency-key': crypto.randomUUID() },
  });
}
const preview = (token, lines, fulfilment) =>
  api.call('POST', '/v1/checkout/preview', { token, body: { lines, fulfilment, expected_payable: 0 } });
const storeStock = async (id) => {
  const r = await api.admin('GET', `/v1/admin/stores/${id}/stock`);
  assert.equal(r.status, 200, r.text);
  return r.json;
};
const session = async (openid) => (await api.admin('POST', '/v1/admin/session', { openid })).json;

test('delivery goes to the nearest store that has everything, with its fee; the nearer one is passed over', async () => {
  const storefront = { ...f.seedStorefront(), fulfilment: RULES };
  assert.equal((await api.admin('PUT', '/v1/admin/catalog', storefront)).status, 200);
  assert.equal((await api.admin('PUT', '/v1/admin/stores', STORES)).status, 200);
  s.ann = await session('fulfil-ann');
  const lines = [{ sku_id: 'oolong-gift', quantity: 2 }];
  const seen = await preview(s.ann.token, lines, delivery);
  assert.equal(seen.status, 200, seen.text);
  const { assignment } = seen.json.fulfilment;
  assert.equal(assignment.store_id, 'far');
  assert.equal(assignment.why, 'nearest_with_stock');
  // Nearer stores passed over: near for stock, the pickup-only ones for their service.
  const short = assignment.passed_over.filter((c) => c.short);
  assert.deepEqual(short.map((c) => [c.store_id, c.short]), [['near', [{ sku_id: 'oolong-gift', wanted: 2, available: 1 }]]]);
  assert.ok(assignment.passed_over.filter((c) => !c.short).every((c) => c.reasons.length > 0), JSON.stringify(assignment));
  // 1 km free of per-km fees, then 100 per started km: far is ~1.0 km away.
  const km = Math.ceil(Math.max(0, assignment.distance_m - 1000) / 1000);
  assert.equal(seen.json.quote.shipping.fee, 500 + 100 * km);
  assert.equal(seen.json.price_changed, true);
  const placed = await checkout(s.ann.token, lines, delivery, seen.json.quote.payable);
  assert.equal(placed.status, 201, placed.text);
  assert.equal(placed.json.fulfilment.assignment.store_id, 'far');
  assert.deepEqual(placed.json.fulfilment.requested, delivery);
  assert.equal(placed.json.shipping_payable, seen.json.quote.shipping.payable);
  assert.equal((await storeStock('far')).stock['oolong-gift'], 7, 'held at the serving store');
  assert.equal((await storeStock('near')).stock['oolong-gift'], 1, 'the other store untouched');
  s.annOrder = placed.json;
});

test('cancelling gives the units back to the store that held them', async () => {
  const r = await api.call('POST', `/v1/orders/${s.annOrder.id}/cancel`, { token: s.ann.token });
  assert.equal(r.status, 200, r.text);
  assert.equal((await storeStock('far')).stock['oolong-gift'], 9);
});

test('no store has everything: 409 NO_STORE_CAN_SERVE with each candidate and the fixes; nothing held', async () => {
  const lines = [{ sku_id: 'oolong-gift', quantity: 10 }];
  const r = await checkout(s.ann.token, lines, delivery, 0);
  f.assertError(r, 409, 'NO_STORE_CAN_SERVE');
  assert.equal(r.json.error.mode, 'delivery');
  const short = r.json.error.candidates.filter((c) => c.short);
  assert.deepEqual(short.map((c) => [c.store_id, c.short]), [
    ['near', [{ sku_id: 'oolong-gift', wanted: 10, available: 1 }]],
    ['far', [{ sku_id: 'oolong-gift', wanted: 10, available: 9 }]],
  ]);
  assert.ok(r.json.error.suggestions.some((x) => x.kind === 'trim' && x.store_id === 'far'), r.text);
  assert.equal((await storeStock('far')).stock['oolong-gift'], 9);
});

test('bad fulfilment input: each a typed error, nothing held', async () => {
  const lines = [{ sku_id: 'bun-pork', quantity: 10 }];
  f.assertError(await checkout(s.ann.token, lines, pickup('nowhere'), 0), 422, 'UNKNOWN_STORE');
  f.assertError(await checkout(s.ann.token, lines, { mode: 'delivery', address: { ...ADDRESS, phone: '12345' } }, 0), 422, 'INVALID_PHONE');
  const noSystem = { ...ADDRESS, location: { lat: 31.23, lng: 121.47 } };
  f.assertError(await checkout(s.ann.token, lines, { mode: 'delivery', address: noSystem }, 0), 400, 'MALFORMED_REQUEST');
  f.assertError(await checkout(s.ann.token, lines, { ...pickup('near'), pickup_at: 1000 }, 0), 422, 'PICKUP_TIME_PAST');
  f.assertError(await checkout(s.ann.token, [{ sku_id: 'bun-pork', quantity: 1 }], delivery, 0), 422, 'BELOW_MINIMUM_ORDER');
  f.assertError(await checkout(s.ann.token, lines, { mode: 'delivery', address: { ...ADDRESS, text: '' } }, 0), 422, 'INVALID_ADDRESS');
  const nextMonth = Math.floor(Date.now() / 1000) + 30 * 24 * 3600;
  f.assertError(await checkout(s.ann.token, lines, { ...pickup('near'), pickup_at: nextMonth }, 0), 422, 'PICKUP_TOO_FAR_AHEAD');
  const parcel = { mode: 'express', address: { name: '王小明', phone: '13800138000', province: '上海市', city: '上海市', district: '黄浦区', detail: '人民大道 1 号' } };
  const noParcels = { ...f.seedStorefront(), fulfilment: { delivery: RULES.delivery } };
  assert.equal((await api.admin('PUT', '/v1/admin/catalog', noParcels)).status, 200);
  f.assertError(await checkout(s.ann.token, lines, parcel, 0), 422, 'MODE_NOT_OFFERED');
  assert.equal((await api.admin('PUT', '/v1/admin/catalog', { ...f.seedStorefront(), fulfilment: RULES })).status, 200);
  assert.equal((await storeStock('near')).stock['bun-pork'], 50);
});

test('300 concurrent pickups at a store with 5 units: exactly 5 orders; another store keeps selling', async () => {
  const users = await pool(Array.from({ length: 100 }, (_, i) => i), 16, (i) => session(`fulfil-${i}`));
  const lines = [{ sku_id: 'cup-blue', quantity: 1 }];
  const probe = await preview(users[0].token, lines, pickup('hot'));
  assert.equal(probe.status, 200, probe.text);
  const payable = probe.json.quote.payable;
  assert.equal(probe.json.quote.shipping.fee, 0, 'pickup is free');
  const hot = users.flatMap((u) => [u, u, u]).map((u) => checkout(u.token, lines, pickup('hot'), payable));
  const calm = users.slice(0, 30).map((u) => checkout(u.token, lines, pickup('calm'), payable));
  const started = Date.now();
  const [hotResults, calmResults] = await Promise.all([Promise.all(hot), Promise.all(calm)]);
  const byStatus = {};
  for (const r of hotResults) {
    const key = r.status === 201 ? 201 : `${r.status} ${r.json.error.code}`;
    byStatus[key] = (byStatus[key] || 0) + 1;
  }
  console.log(`pickup rush: 330 checkouts in ${Date.now() - started} ms -> hot ${JSON.stringify(byStatus)}`);
  assert.equal(hotResults.filter((r) => r.status === 201).length, 5, JSON.stringify(byStatus));
  for (const r of hotResults.filter((x) => x.status !== 201)) {
    assert.equal(r.status, 409, r.text);
    // Seen sold out by the live read (no store can serve) or by the hold.
    assert.ok(['OUT_OF_STOCK', 'NO_STORE_CAN_SERVE'].includes(r.json.error.code), r.text);
  }
  assert.deepEqual(calmResults.map((r) => r.status), calmResults.map(() => 201), 'the other store is unaffected');
  assert.ok(calmResults.every((r) => r.json.fulfilment.assignment.store_id === 'calm'));
  assert.equal((await storeStock('hot')).stock['cup-blue'], 0);
  assert.equal((await storeStock('calm')).stock['cup-blue'], 470);
  // What shoppers see: the same live units, with when they were read.
  const shown = await api.call('GET', '/v1/stores/calm/stock');
  assert.equal(shown.status, 200, shown.text);
  assert.equal(shown.json.stock['cup-blue'], 470);
  assert.ok(Math.abs(shown.json.as_of - Date.now() / 1000) < 30, shown.text);
  assert.match(shown.headers.get('cache-control'), /^public, max-age=[0-5]$/);
  f.assertError(await api.call('GET', '/v1/stores/untracked/stock'), 409, 'STOCK_NOT_TRACKED');
  s.rushed = users[0];
});

test('a merchant restocks and counts a store: each change in its ledger, refused ones written nowhere', async () => {
  const add = await api.admin('POST', '/v1/admin/stores/hot/stock', { sku_id: 'cup-blue', add: 3, reason: '到货 delivery' });
  assert.equal(add.status, 200, add.text);
  assert.deepEqual([add.json.before, add.json.after, add.json.by], [0, 3, 'admin']);
  const set = await api.admin('POST', '/v1/admin/stores/hot/stock', { sku_id: 'cup-blue', set: 10, reason: '盘点 count' });
  assert.deepEqual([set.json.before, set.json.after, set.json.seq], [3, 10, add.json.seq + 1]);
  f.assertError(await api.admin('POST', '/v1/admin/stores/hot/stock', { sku_id: 'cup-blue', add: -11, reason: 'loss' }), 422, 'INVALID_STOCK_CHANGE');
  f.assertError(await api.admin('POST', '/v1/admin/stores/untracked/stock', { sku_id: 'cup-blue', set: 1, reason: 'x' }), 409, 'STOCK_NOT_TRACKED');
  f.assertError(await api.admin('POST', '/v1/admin/stores/nowhere/stock', { sku_id: 'cup-blue', set: 1, reason: 'x' }), 404, 'NOT_FOUND');
  const page = await storeStock('hot');
  assert.equal(page.stock['cup-blue'], 10);
  assert.deepEqual(page.ledger.map((e) => [e.before, e.after, e.reason]), [[3, 10, '盘点 count'], [0, 3, '到货 delivery']]);
  const lines = [{ sku_id: 'cup-blue', quantity: 1 }];
  const again = await preview(s.rushed.token, lines, pickup('hot'));
  const r = await checkout(s.rushed.token, lines, pickup('hot'), again.json.quote.payable);
  assert.equal(r.status, 201, `restocked units sell again: ${r.text}`);
  assert.equal((await storeStock('hot')).stock['cup-blue'], 9);
});

async function paidPickup(user, storeId, sku) {
  const lines = [{ sku_id: sku, quantity: 1 }];
  const seen = await preview(user.token, lines, pickup(storeId));
  const placed = await checkout(user.token, lines, pickup(storeId), seen.json.quote.payable);
  assert.equal(placed.status, 201, placed.text);
  const order = placed.json;
  const n = f.notification({ out_trade_no: order.id, transaction_id: `wx-${order.id}`, amount: { total: order.payable } });
  assert.equal((await api.call('POST', '/v1/pay/notify', { body: n.body, headers: n.headers })).status, 200);
  return order;
}
const staffToken = async (storeId, name) => {
  const r = await api.admin('POST', '/v1/admin/staff', { store_id: storeId, name });
  assert.equal(r.status, 200, r.text);
  return r.json.token;
};
const staff = (token, order, step, body) => api.call('POST', `/v1/staff/orders/${order.id}/${step}`, { token, body });

test('pickup: the store staff accept, mark ready, and verify the code the shopper shows; other stores staff see nothing', async () => {
  s.hotStaff = await staffToken('hot', '小李');
  s.calmStaff = await staffToken('calm', '小王');
  const order = await paidPickup(s.rushed, 'hot', 'cup-blue');
  const queue = await api.call('GET', '/v1/staff/orders', { token: s.hotStaff });
  assert.equal(queue.status, 200, queue.text);
  assert.equal(queue.json.store_id, 'hot');
  const queued = queue.json.orders.find((o) => o.id === order.id);
  assert.deepEqual([queued.status, queued.actions], ['paid', ['accept']]);
  const other = await api.call('GET', '/v1/staff/orders', { token: s.calmStaff });
  assert.ok(!other.json.orders.some((o) => o.id === order.id), 'another store does not see it');
  f.assertError(await staff(s.calmStaff, order, 'accept'), 404, 'NOT_FOUND');
  f.assertError(await staff(s.hotStaff, order, 'verify', { code: '000000' }), 409, 'INVALID_TRANSITION');
  assert.equal((await staff(s.hotStaff, order, 'accept')).json.status, 'accepted');
  f.assertError(await api.call('POST', `/v1/orders/${order.id}/refund`, { token: s.rushed.token, body: {} }), 409, 'REFUND_NEEDS_MERCHANT');
  const ready = await staff(s.hotStaff, order, 'ready');
  assert.equal(ready.status, 200, ready.text);
  assert.equal(ready.json.status, 'ready');
  assert.equal(ready.json.pickup.code, '', 'staff never see the code');
  const mine = await api.call('GET', `/v1/orders/${order.id}`, { token: s.rushed.token });
  assert.match(mine.json.pickup.code, /^[0-9]{6}$/);
  f.assertError(await staff(s.calmStaff, order, 'verify', { code: mine.json.pickup.code }), 404, 'NOT_FOUND');
  const done = await staff(s.hotStaff, order, 'verify', { code: mine.json.pickup.code });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.json.status, 'completed');
  const after = await api.call('GET', '/v1/staff/orders', { token: s.hotStaff });
  assert.ok(!after.json.orders.some((o) => o.id === order.id), 'a completed order leaves the queue');
});

test('five wrong pickup codes lock verification (429 with Retry-After), each attempt stored; tokens keep to their side', async () => {
  const order = await paidPickup(s.rushed, 'hot', 'cup-blue');
  await staff(s.hotStaff, order, 'accept');
  await staff(s.hotStaff, order, 'ready');
  const code = (await api.call('GET', `/v1/orders/${order.id}`, { token: s.rushed.token })).json.pickup.code;
  const wrong = code === '111111' ? '222222' : '111111';
  for (let left = 4; left >= 1; left--) {
    const r = await staff(s.hotStaff, order, 'verify', { code: wrong });
    f.assertError(r, 422, 'WRONG_PICKUP_CODE');
    assert.match(r.json.error.message, new RegExp(`${left} attempts left`));
  }
  const locked = await staff(s.hotStaff, order, 'verify', { code: wrong });
  f.assertError(locked, 429, 'PICKUP_LOCKED');
  assert.ok(Number(locked.headers.get('retry-after')) > 0, 'Retry-After');
  f.assertError(await staff(s.hotStaff, order, 'verify', { code }), 429, 'PICKUP_LOCKED');
  const seen = await api.call('GET', `/v1/orders/${order.id}`, { token: s.rushed.token });
  assert.equal(seen.json.status, 'ready');
  assert.ok(seen.json.pickup.locked_until > Date.now() / 1000);
  f.assertError(await api.call('GET', '/v1/staff/orders', { token: s.rushed.token }), 401, 'UNAUTHORIZED');
  f.assertError(await api.call('GET', '/v1/orders', { token: s.hotStaff }), 401, 'UNAUTHORIZED');
  f.assertError(await api.admin('POST', '/v1/admin/staff', { store_id: 'nowhere', name: 'x' }), 404, 'NOT_FOUND');
});

async function paidDelivery(user) {
  const lines = [{ sku_id: 'oolong-gift', quantity: 1 }];
  const seen = await preview(user.token, lines, delivery);
  const placed = await checkout(user.token, lines, delivery, seen.json.quote.payable);
  assert.equal(placed.status, 201, placed.text);
  const order = placed.json;
  const n = f.notification({ out_trade_no: order.id, transaction_id: `wx-${order.id}`, amount: { total: order.payable } });
  assert.equal((await api.call('POST', '/v1/pay/notify', { body: n.body, headers: n.headers })).status, 200);
  return order;
}

test('delivery: accepted, out for delivery, delivered; the shopper confirms, or it completes by itself (store keeper alarm)', async () => {
  const confirmed = await paidDelivery(s.ann);
  const auto = await paidDelivery(s.ann);
  const riderOf = async (order) => staffToken(order.fulfilment.assignment.store_id, '骑手');
  f.assertError(await staff(await riderOf(confirmed), confirmed, 'ready'), 409, 'INVALID_TRANSITION');
  f.assertError(await api.call('POST', `/v1/orders/${confirmed.id}/complete`, { token: s.ann.token }), 409, 'INVALID_TRANSITION');
  for (const order of [confirmed, auto]) {
    const rider = await riderOf(order);
    for (const [step, status] of [['accept', 'accepted'], ['dispatch', 'out_for_delivery'], ['deliver', 'delivered']]) {
      const r = await staff(rider, order, step);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.status, status);
    }
  }
  const mine = await api.call('POST', `/v1/orders/${confirmed.id}/complete`, { token: s.ann.token });
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.json.status, 'completed', '确认收货');
  let status;
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    status = (await api.call('GET', `/v1/orders/${auto.id}`, { token: s.ann.token })).json.status;
    if (status === 'completed') break;
    await f.sleep(500);
  }
  assert.equal(status, 'completed', 'completed by the store keeper\'s alarm after delivered_complete_after_s');
});

(async () => {
  const wechat = await f.startFakeWeChat();
  const worker = await startWorker({ vars: f.workerVars(wechat.base) });
  api = f.client(worker.url);
  try {
    await run('edge fulfilment (workerd)');
  } finally {
    await worker.stop();
    await wechat.close();
  }
})().catch((e) => {
  console.log(`FAIL edge fulfilment (workerd): ${e && e.stack ? e.stack : e}`);
  console.log('edge fulfilment (workerd): 0 passed, 1 failed');
  process.exitCode = 1;
});
