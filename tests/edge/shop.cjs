// A shopper's whole path against the worker in workerd, with a fake WeChat
// on loopback: login, catalog, quote, coupons, cart sync, checkout (price
// tampering, idempotency, validation), prepay, payment notifications
// (duplicate, replayed, wrong amount, bad signature, stale), cancel, refund,
// ship/complete, stores, rate limits. `node tests/edge/shop.cjs`
'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { startWorker } = require('../lib/wrangler.cjs');
const { test, run } = require('../lib/check.cjs');
const f = require('./fixtures.cjs');

let worker;
let wechat;
let api;
const s = {}; // state shared along the path

async function login(code) {
  const r = await api.call('POST', '/v1/auth/login', { body: { code } });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function checkout(token, body, key = crypto.randomUUID()) {
  return api.call('POST', '/v1/orders', { token, body, headers: { 'idempotency-key': key } });
}

/** Check out at the server's price: the 409 PRICE_CHANGED answer carries it. */
async function order(token, lines, extra = {}) {
  const probe = await checkout(token, { lines, expected_payable: 0, ...extra });
  f.assertError(probe, 409, 'PRICE_CHANGED');
  const r = await checkout(token, { lines, expected_payable: probe.json.error.quote.payable, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function counters(...names) {
  const r = await api.admin('POST', '/v1/admin/stock', { counters: names });
  assert.equal(r.status, 200, r.text);
  return r.json.counters;
}

async function notify(transaction, options) {
  const n = f.notification(transaction, options);
  return api.call('POST', '/v1/pay/notify', { body: n.body, headers: n.headers });
}

test('before seeding: catalog is 503 CATALOG_UNAVAILABLE, admin routes hide without the token', async () => {
  f.assertError(await api.call('GET', '/v1/catalog'), 503, 'CATALOG_UNAVAILABLE');
  f.assertError(await api.call('PUT', '/v1/admin/catalog', { body: {} }), 404, 'NOT_FOUND');
  f.assertError(await api.call('PUT', '/v1/admin/catalog', { body: {}, headers: { 'x-admin-token': 'wrong' } }), 404, 'NOT_FOUND');
});

test('admin seeding validates with core (field errors), then publishes with an ETag', async () => {
  const bad = f.seedStorefront();
  bad.catalog.products[0].skus[0].list_price = 'cheap';
  const r = await api.admin('PUT', '/v1/admin/catalog', bad);
  f.assertError(r, 400, 'MALFORMED_REQUEST');
  assert.match(r.json.error.message, /catalog\.products\[0\]\.skus\[0\]\.list_price/);
  const broken = f.seedStorefront();
  broken.coupons[0].benefit = { kind: 'percent_off', percent_off: 120 };
  f.assertError(await api.admin('PUT', '/v1/admin/catalog', broken), 422, 'PERCENT_OUT_OF_RANGE');
  const ok = await api.admin('PUT', '/v1/admin/catalog', f.seedStorefront());
  assert.equal(ok.status, 200, ok.text);
  assert.match(ok.json.etag, /^"[0-9a-f]{24}"$/);
  assert.equal((await api.admin('PUT', '/v1/admin/stores', f.seedStores())).status, 200);
});

test('GET /v1/catalog answers the storefront with ETag, and 304 for If-None-Match', async () => {
  const r = await api.call('GET', '/v1/catalog');
  assert.equal(r.status, 200);
  assert.equal(r.json.catalog.version, 'demo-1');
  const etag = r.headers.get('etag');
  assert.ok(etag);
  const again = await api.call('GET', '/v1/catalog', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.text, '');
});

test('login: code-to-session through the configured endpoint; the token names the user only', async () => {
  const r = await api.call('POST', '/v1/auth/login', { body: { code: 'alice' } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['expires_at', 'token', 'user_id']);
  assert.ok(!r.text.includes('SESSIONKEY') && !r.text.includes('openid-alice'), 'no session_key or openid');
  s.alice = r.json;
  assert.equal((await login('alice')).user_id, s.alice.user_id, 'same openid, same user');
  s.bob = await login('bob');
  assert.notEqual(s.bob.user_id, s.alice.user_id);
  assert.ok(!worker.logs().includes('SESSIONKEY'), 'no session_key in the logs');
});

test('login errors: refused code 401 LOGIN_FAILED, missing / unknown fields 400 with the field', async () => {
  f.assertError(await api.call('POST', '/v1/auth/login', { body: { code: 'bad-code' } }), 401, 'LOGIN_FAILED');
  const missing = await api.call('POST', '/v1/auth/login', { body: {} });
  f.assertError(missing, 400, 'MALFORMED_REQUEST');
  assert.match(missing.json.error.message, /code/);
  const extra = await api.call('POST', '/v1/auth/login', { body: { code: 'x', admin: true } });
  f.assertError(extra, 400, 'MALFORMED_REQUEST');
  assert.match(extra.json.error.message, /unknown field `admin`/);
});

test('user routes: missing, tampered and expired tokens are 401', async () => {
  f.assertError(await api.call('GET', '/v1/orders'), 401, 'UNAUTHORIZED');
  const t = s.alice.token;
  const tampered = t.slice(0, 10) + (t[10] === 'A' ? 'B' : 'A') + t.slice(11);
  f.assertError(await api.call('GET', '/v1/orders', { token: tampered }), 401, 'UNAUTHORIZED');
  f.assertError(await api.call('GET', '/v1/orders', { token: 'garbage' }), 401, 'UNAUTHORIZED');
  const otherSecret = f.forgeToken(s.alice.user_id, Math.floor(Date.now() / 1000) + 600, 'not-the-secret');
  f.assertError(await api.call('GET', '/v1/orders', { token: otherSecret }), 401, 'UNAUTHORIZED');
  const expired = f.forgeToken(s.alice.user_id, Math.floor(Date.now() / 1000) - 5);
  f.assertError(await api.call('GET', '/v1/coupons', { token: expired }), 401, 'TOKEN_EXPIRED');
  f.assertError(await api.call('POST', '/v1/orders/x/cancel', { token: expired }), 401, 'TOKEN_EXPIRED');
  const fresh = f.forgeToken(s.alice.user_id, Math.floor(Date.now() / 1000) + 600);
  assert.equal((await api.call('GET', '/v1/orders', { token: fresh })).status, 200);
});

test('POST /v1/quote without a catalog prices against the published storefront', async () => {
  const r = await api.call('POST', '/v1/quote', { body: { lines: [{ sku_id: 'jasmine-250g', quantity: 3 }], now: 1767225600 } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.subtotal, 14400);
  assert.equal(r.json.discounts[0].source_id, 'fr-tea-300');
  assert.equal(r.json.payable, 14400 - 1000);
});

test('coupons: claim (once), unknown 404, wallet says usable or why not for a cart', async () => {
  const claim = (id, token = s.alice.token) => api.call('POST', '/v1/coupons/claim', { token, body: { coupon_id: id } });
  assert.deepEqual((await claim('welcome-10')).json, { coupon_id: 'welcome-10', claimed: true });
  assert.deepEqual((await claim('welcome-10')).json, { coupon_id: 'welcome-10', claimed: false });
  assert.equal((await claim('tea-15pct')).status, 200);
  f.assertError(await claim('free-money'), 404, 'UNKNOWN_COUPON');
  const r = await api.call('GET', '/v1/coupons?lines=bun-pork:2', { token: s.alice.token });
  assert.equal(r.status, 200, r.text);
  const byId = Object.fromEntries(r.json.coupons.map((c) => [c.coupon.id, c]));
  assert.equal(byId['welcome-10'].usable, false);
  assert.equal(byId['welcome-10'].reason.code, 'THRESHOLD_NOT_MET');
  assert.equal(byId['tea-15pct'].reason.code, 'OUT_OF_SCOPE');
  const tea = await api.call('GET', '/v1/coupons?lines=jasmine-500g:2', { token: s.alice.token });
  assert.ok(tea.json.coupons.every((c) => c.usable), tea.text);
  assert.ok(tea.json.best_saving > 0);
  f.assertError(await api.call('GET', '/v1/coupons?lines=tea:many', { token: s.alice.token }), 400, 'MALFORMED_REQUEST');
});

test('cart sync: guest cart by client id, repeat is a no-op, user cart by token, errors', async () => {
  const m = (client_id, id, op) => ({ client_id, id, op });
  const push = { mutations: [m('g-1', 1, { type: 'add', sku_id: 'bun-pork', quantity: 2 }), m('g-1', 2, { type: 'add', sku_id: 'cup-green', quantity: 1 })] };
  const r = await api.call('POST', '/v1/cart/sync', { body: push });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.cart.lines[0].quantity, 2);
  assert.deepEqual(r.json.results.map((x) => x.status), ['applied', 'rejected'].slice(0, 1).concat(r.json.results[1].status));
  const again = await api.call('POST', '/v1/cart/sync', { body: push });
  assert.deepEqual(again.json.results.map((x) => x.status), ['duplicate', 'duplicate']);
  assert.equal(again.json.version, r.json.version);
  const pull = await api.call('POST', '/v1/cart/sync?client_id=g-1', { body: { mutations: [] } });
  assert.deepEqual(pull.json.cart, r.json.cart);
  f.assertError(await api.call('POST', '/v1/cart/sync', { body: { mutations: [] } }), 400, 'MISSING_CLIENT_ID');
  f.assertError(await api.call('POST', '/v1/cart/sync', { body: { mutations: [push.mutations[0], m('g-2', 1, { type: 'select_all' })] } }), 400, 'MIXED_CLIENT_IDS');
  f.assertError(await api.call('POST', '/v1/cart/sync', { body: { mutations: [m('g-1', 1, { type: 'fly' })] } }), 400, 'MALFORMED_REQUEST');
  f.assertError(await api.call('POST', '/v1/cart/sync', { body: push, token: 'bad.token.here' }), 401, 'UNAUTHORIZED');
  const merge = { mutations: [m('a-1', 1, { type: 'merge_guest', lines: r.json.cart.lines })] };
  const mine = await api.call('POST', '/v1/cart/sync', { body: merge, token: s.alice.token });
  assert.equal(mine.json.cart.lines[0].quantity, 2);
  const twice = await api.call('POST', '/v1/cart/sync', { body: merge, token: s.alice.token });
  assert.equal(twice.json.cart.lines[0].quantity, 2, 'a retried login merge merges once');
  const bobs = await api.call('POST', '/v1/cart/sync', { body: { mutations: [] }, token: s.bob.token });
  assert.deepEqual(bobs.json.cart.lines, [], "bob's cart is his own");
});

test('checkout: price tampering is refused with the real quote', async () => {
  const lines = [{ sku_id: 'jasmine-500g', quantity: 2 }];
  const r = await checkout(s.alice.token, { lines, expected_payable: 100 });
  f.assertError(r, 409, 'PRICE_CHANGED');
  assert.ok(r.json.error.quote.payable > 100);
  assert.equal(r.json.error.quote.lines[0].sku_id, 'jasmine-500g');
  s.realPayable = r.json.error.quote.payable;
});

test('checkout: validation, idempotency key required, retries return the original order', async () => {
  const lines = [{ sku_id: 'jasmine-500g', quantity: 2 }];
  const bad = await checkout(s.alice.token, { lines: [{ sku_id: 'jasmine-500g', quantity: '2' }], expected_payable: 1 });
  f.assertError(bad, 400, 'MALFORMED_REQUEST');
  assert.match(bad.json.error.message, /^lines\[0\]\.quantity: /);
  f.assertError(await checkout(s.alice.token, { lines, expected_payable: 1, coupon: 'x' }), 400, 'MALFORMED_REQUEST');
  f.assertError(await checkout(s.alice.token, { lines: [], expected_payable: 0 }), 422, 'EMPTY_ORDER');
  f.assertError(await checkout(s.alice.token, { lines: [{ sku_id: 'ghost', quantity: 1 }], expected_payable: 0 }), 422, 'UNKNOWN_SKU');
  f.assertError(await api.call('POST', '/v1/orders', { token: s.alice.token, body: { lines, expected_payable: s.realPayable } }), 400, 'MISSING_IDEMPOTENCY_KEY');
  const before = await counters('stock:jasmine-500g');
  const key = crypto.randomUUID();
  const body = { lines, expected_payable: s.realPayable };
  const first = await checkout(s.alice.token, body, key);
  assert.equal(first.status, 201, first.text);
  assert.equal(first.json.status, 'pending_payment');
  assert.deepEqual(first.json.coupon_ids.sort(), ['tea-15pct', 'welcome-10'].filter((c) => first.json.coupon_ids.includes(c)).sort());
  assert.ok(first.json.coupon_ids.length > 0, 'a held coupon was redeemed');
  const retry = await checkout(s.alice.token, body, key);
  assert.equal(retry.status, 201);
  assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(retry.json, first.json);
  f.assertError(await checkout(s.alice.token, { ...body, use_points: 0, lines: [{ sku_id: 'jasmine-500g', quantity: 1 }] }, key), 422, 'IDEMPOTENCY_KEY_REUSED');
  const after = await counters('stock:jasmine-500g');
  assert.equal((before['stock:jasmine-500g'] ?? 120) - 2, after['stock:jasmine-500g'], 'held once');
  s.order = first.json;
  const wallet = await api.call('GET', '/v1/coupons?lines=jasmine-500g:2', { token: s.alice.token });
  for (const id of first.json.coupon_ids) assert.ok(!wallet.json.coupons.some((c) => c.coupon.id === id), `${id} redeemed`);
});

test('orders: list and get are the owner\'s only', async () => {
  const list = await api.call('GET', '/v1/orders', { token: s.alice.token });
  assert.equal(list.status, 200);
  assert.ok(list.json.orders.some((o) => o.id === s.order.id));
  const one = await api.call('GET', `/v1/orders/${s.order.id}`, { token: s.alice.token });
  assert.deepEqual(one.json, s.order);
  f.assertError(await api.call('GET', `/v1/orders/${s.order.id}`, { token: s.bob.token }), 404, 'NOT_FOUND');
  f.assertError(await api.call('POST', `/v1/orders/${s.order.id}/cancel`, { token: s.bob.token }), 404, 'NOT_FOUND');
  f.assertError(await api.call('GET', '/v1/orders/o-nothing', { token: s.alice.token }), 404, 'NOT_FOUND');
  f.assertError(await api.call('DELETE', '/v1/orders'), 405, 'METHOD_NOT_ALLOWED');
  const extra = await order(s.alice.token, [{ sku_id: 'bun-pork', quantity: 1 }]);
  const seen = [];
  let cursor = '';
  for (let page = 0; page < 5; page++) {
    const r = await api.call('GET', `/v1/orders?limit=1${cursor}`, { token: s.alice.token });
    assert.equal(r.status, 200, r.text);
    seen.push(...r.json.orders.map((o) => o.id));
    if (!r.json.next_cursor) break;
    cursor = `&cursor=${encodeURIComponent(r.json.next_cursor)}`;
  }
  assert.deepEqual(seen.sort(), [s.order.id, extra.id].sort(), 'pages of 1 list both orders, even within one second');
  f.assertError(await api.call('GET', '/v1/orders?cursor=nonsense', { token: s.alice.token }), 400, 'MALFORMED_REQUEST');
  assert.equal((await api.call('POST', `/v1/orders/${extra.id}/cancel`, { token: s.alice.token })).status, 200);
});

test('prepay: the provider is called signed, the mini-program gets signed wx.requestPayment params', async () => {
  const r = await api.call('POST', `/v1/orders/${s.order.id}/pay`, { token: s.alice.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.package, `prepay_id=wx-prepay-${s.order.id}`);
  assert.equal(r.json.signType, 'RSA');
  const message = `wx-test-app\n${r.json.timeStamp}\n${r.json.nonceStr}\n${r.json.package}\n`;
  assert.ok(crypto.verify('sha256', Buffer.from(message), f.merchant.publicKey, Buffer.from(r.json.paySign, 'base64')));
  const sent = wechat.seen.prepay.at(-1);
  assert.equal(sent.body.amount.total, s.order.payable);
  assert.equal(sent.body.payer.openid, 'openid-alice');
  assert.match(sent.headers.authorization, /^WECHATPAY2-SHA256-RSA2048 mchid="1900000001"/);
});

test('pay notify: bad signature, tampered body, stale timestamp, wrong amount are rejected and change nothing', async () => {
  const tx = { out_trade_no: s.order.id, transaction_id: 'wx-tx-1', amount: { total: s.order.payable, currency: 'CNY' } };
  const forged = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  f.assertError(await notify(tx, { signer: forged.privateKey }), 401, 'SIGNATURE_INVALID');
  const n = f.notification(tx);
  f.assertError(await api.call('POST', '/v1/pay/notify', { body: n.body.replace('encrypt-resource', 'encrypt-resourcE'), headers: n.headers }), 401, 'SIGNATURE_INVALID');
  f.assertError(await api.call('POST', '/v1/pay/notify', { body: n.body, headers: { ...n.headers, 'wechatpay-signature': undefined } }), 401, 'SIGNATURE_INVALID');
  f.assertError(await notify(tx, { timestamp: Math.floor(Date.now() / 1000) - 3600 }), 400, 'STALE_NOTIFICATION');
  f.assertError(await notify(tx, { key: 'k'.repeat(32) }), 400, 'DECRYPT_FAILED');
  f.assertError(await notify({ ...tx, amount: { total: s.order.payable - 1 } }), 422, 'AMOUNT_MISMATCH');
  f.assertError(await notify({ ...tx, out_trade_no: 'o-unknown' }), 404, 'NOT_FOUND');
  const still = await api.call('GET', `/v1/orders/${s.order.id}`, { token: s.alice.token });
  assert.equal(still.json.status, 'pending_payment');
  assert.ok(!worker.logs().includes(f.APIV3_KEY), 'no key in the logs');
});

test('pay notify: paid once; duplicate and replayed notifications are acknowledged no-ops', async () => {
  const tx = { out_trade_no: s.order.id, transaction_id: 'wx-tx-1', amount: { total: s.order.payable, currency: 'CNY' } };
  const n = f.notification(tx);
  const first = await api.call('POST', '/v1/pay/notify', { body: n.body, headers: n.headers });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.code, 'SUCCESS');
  const paid = (await api.call('GET', `/v1/orders/${s.order.id}`, { token: s.alice.token })).json;
  assert.equal(paid.status, 'paid');
  assert.equal(paid.payment.transaction_id, 'wx-tx-1');
  const replay = await api.call('POST', '/v1/pay/notify', { body: n.body, headers: n.headers });
  assert.equal(replay.status, 200);
  assert.equal((await notify(tx)).status, 200, 'duplicate (new envelope, same transaction)');
  const after = (await api.call('GET', `/v1/orders/${s.order.id}`, { token: s.alice.token })).json;
  assert.equal(after.version, paid.version, 'nothing changed');
  f.assertError(await notify({ ...tx, transaction_id: 'wx-tx-2' }), 409, 'ALREADY_PAID');
  f.assertError(await api.call('POST', `/v1/orders/${s.order.id}/cancel`, { token: s.alice.token }), 409, 'INVALID_TRANSITION');
  f.assertError(await api.call('POST', `/v1/orders/${s.order.id}/pay`, { token: s.alice.token }), 409, 'INVALID_TRANSITION');
});

test('refund: per line from the stored allocation, then the rest; over-refund refused', async () => {
  const line = s.order.lines[0];
  const one = await api.call('POST', `/v1/orders/${s.order.id}/refund`, { token: s.alice.token, body: { refund_id: 'rf-1', lines: [{ sku_id: line.sku_id, quantity: 1 }] } });
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.refund.amount, Math.floor(line.payable / 2));
  assert.equal(one.json.order.status, 'paid');
  const same = await api.call('POST', `/v1/orders/${s.order.id}/refund`, { token: s.alice.token, body: { refund_id: 'rf-1', lines: [{ sku_id: line.sku_id, quantity: 1 }] } });
  assert.equal(same.json.order.version, one.json.order.version, 'a retried refund is a no-op');
  f.assertError(await api.call('POST', `/v1/orders/${s.order.id}/refund`, { token: s.alice.token, body: { refund_id: 'rf-2', lines: [{ sku_id: line.sku_id, quantity: 5 }] } }), 422, 'REFUND_EXCEEDS');
  const rest = await api.call('POST', `/v1/orders/${s.order.id}/refund`, { token: s.alice.token, body: {} });
  assert.equal(rest.status, 200, rest.text);
  assert.equal(rest.json.order.status, 'refunded');
  assert.equal(one.json.refund.amount + rest.json.refund.amount, s.order.payable, 'refunds sum to the payable');
  // Paid out through WeChat Pay v3, signed; the retry asked for the same payout, WeChat paid each once.
  assert.equal(one.json.payout.status, 'PROCESSING');
  assert.deepEqual(same.json.payout, one.json.payout);
  const asked = wechat.seen.refunds.filter((r) => r.body.transaction_id === 'wx-tx-1');
  assert.deepEqual(asked.map((r) => r.body.amount.refund), [one.json.refund.amount, one.json.refund.amount, rest.json.refund.amount]);
  assert.ok(asked.every((r) => r.body.amount.total === s.order.payable));
  assert.equal(new Set(asked.map((r) => r.body.out_refund_no)).size, 2);
  assert.match(asked[0].headers.authorization, /^WECHATPAY2-SHA256-RSA2048 mchid="1900000001"/);
  assert.notEqual(rest.json.payout.provider_refund_id, one.json.payout.provider_refund_id);
});

test('refund payout refused by WeChat: 502 REFUND_PAYOUT_FAILED, the refund stays recorded, a retry asks again', async () => {
  const o = await order(s.bob.token, [{ sku_id: 'bun-pork', quantity: 2 }]);
  assert.equal((await notify({ out_trade_no: o.id, transaction_id: 'wx-tx-small', amount: { total: o.payable } })).status, 200);
  // The merchant already refunded it all from WeChat's merchant platform: WeChat refuses another payout.
  wechat.refundedElsewhere('wx-tx-small', o.payable);
  const r = await api.call('POST', `/v1/orders/${o.id}/refund`, { token: s.bob.token, body: { refund_id: 'rf-x' } });
  f.assertError(r, 502, 'REFUND_PAYOUT_FAILED');
  assert.match(r.json.error.message, /rf-x is recorded.*retry with the same refund_id/);
  const after = (await api.call('GET', `/v1/orders/${o.id}`, { token: s.bob.token })).json;
  assert.equal(after.status, 'refunded');
  f.assertError(await api.call('POST', `/v1/orders/${o.id}/refund`, { token: s.bob.token, body: { refund_id: 'rf-x' } }), 502, 'REFUND_PAYOUT_FAILED');
  // The merchant sees the money still owed, and the payouts that went through.
  const owed = await api.admin('GET', '/v1/admin/refund-payouts?status=FAILED');
  assert.equal(owed.status, 200, owed.text);
  assert.deepEqual(owed.json.payouts.map((p) => [p.order_id, p.refund_id, p.amount]), [[o.id, 'rf-x', o.payable]]);
  const all = (await api.admin('GET', '/v1/admin/refund-payouts')).json.payouts;
  assert.ok(all.some((p) => p.order_id === s.order.id && p.refund_id === 'rf-1' && p.status === 'PROCESSING'), JSON.stringify(all));
});

test('cancel before payment gives stock and coupons back; ship and complete via admin', async () => {
  assert.equal((await api.call('POST', '/v1/coupons/claim', { token: s.bob.token, body: { coupon_id: 'welcome-10' } })).status, 200);
  const held = async () => (await api.call('GET', '/v1/coupons', { token: s.bob.token })).json.coupons.map((c) => c.coupon.id);
  const o = await order(s.bob.token, [{ sku_id: 'oolong-gift', quantity: 2 }]);
  assert.deepEqual(o.coupon_ids, ['welcome-10']);
  assert.deepEqual(await held(), [], 'redeemed');
  assert.equal((await counters('stock:oolong-gift'))['stock:oolong-gift'], 38);
  f.assertError(await api.admin('POST', `/v1/admin/orders/${o.id}/ship`), 409, 'INVALID_TRANSITION');
  const c = await api.call('POST', `/v1/orders/${o.id}/cancel`, { token: s.bob.token });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.status, 'cancelled');
  assert.equal(c.json.cancel_reason, 'user');
  assert.equal((await counters('stock:oolong-gift'))['stock:oolong-gift'], 40);
  assert.deepEqual(await held(), ['welcome-10'], 'the coupon is back in the wallet');
  f.assertError(await api.call('POST', `/v1/orders/${o.id}/cancel`, { token: s.bob.token }), 409, 'INVALID_TRANSITION');
  const p = await order(s.bob.token, [{ sku_id: 'bun-pork', quantity: 3 }]);
  assert.equal((await notify({ out_trade_no: p.id, transaction_id: 'wx-tx-bob', amount: { total: p.payable } })).status, 200);
  assert.equal((await api.admin('POST', `/v1/admin/orders/${p.id}/ship`)).json.status, 'shipped');
  assert.equal((await api.admin('POST', `/v1/admin/orders/${p.id}/complete`)).json.status, 'completed');
  s.completed = p;
});

test('refund after shipping: the shopper is refused, the merchant refunds once the goods come back, paid out by WeChat', async () => {
  const p = s.completed;
  const mine = await api.call('POST', `/v1/orders/${p.id}/refund`, { token: s.bob.token, body: { refund_id: 'rf-self' } });
  f.assertError(mine, 409, 'REFUND_NEEDS_MERCHANT');
  assert.match(mine.json.error.message, /the merchant refunds/);
  assert.ok(!wechat.seen.refunds.some((r) => r.body.transaction_id === 'wx-tx-bob'), 'nothing was paid out');
  const line = p.lines[0];
  const one = await api.admin('POST', `/v1/admin/orders/${p.id}/refund`, { refund_id: 'rf-back-1', lines: [{ sku_id: line.sku_id, quantity: 1 }] });
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.order.status, 'completed');
  assert.equal(one.json.refund.amount, Math.floor(line.payable / 3));
  assert.equal(one.json.payout.status, 'PROCESSING');
  const rest = await api.admin('POST', `/v1/admin/orders/${p.id}/refund`, {});
  assert.equal(rest.status, 200, rest.text);
  assert.equal(rest.json.order.status, 'refunded');
  assert.equal(one.json.refund.amount + rest.json.refund.amount, p.payable);
  const asked = wechat.seen.refunds.filter((r) => r.body.transaction_id === 'wx-tx-bob');
  assert.deepEqual(asked.map((r) => r.body.amount.refund), [one.json.refund.amount, rest.json.refund.amount]);
  f.assertError(await api.call('POST', `/v1/admin/orders/${p.id}/refund`, { body: {} }), 404, 'NOT_FOUND');
});

test('points: spent exactly once at checkout, back on cancel; GET /v1/me shows the balance', async () => {
  const dan = (await api.admin('POST', '/v1/admin/session', { openid: 'dan', points: 1000 })).json;
  const me = async () => (await api.call('GET', '/v1/me', { token: dan.token })).json;
  assert.deepEqual(await me(), {
    user_id: dan.user_id,
    points: 1000,
    customer: { member_tier: null, new_customer: true, points_balance: 1000, coupon_uses: {}, activity_purchases: {} },
  });
  f.assertError(await api.call('GET', '/v1/me'), 401, 'UNAUTHORIZED');
  const lines = [{ sku_id: 'jasmine-500g', quantity: 1 }];
  const key = crypto.randomUUID();
  const probe = await checkout(dan.token, { lines, use_points: 500, expected_payable: 0 });
  const body = { lines, use_points: 500, expected_payable: probe.json.error.quote.payable };
  const o = (await checkout(dan.token, body, key)).json;
  assert.equal(o.points_used, 500);
  assert.equal((await me()).points, 500);
  assert.equal((await checkout(dan.token, body, key)).status, 201);
  assert.equal((await me()).points, 500, 'a retry spends nothing more');
  assert.equal((await api.call('POST', `/v1/orders/${o.id}/cancel`, { token: dan.token })).status, 200);
  assert.equal((await me()).points, 1000, 'cancel gives them back');
});

test('unpaid orders time out (short PAYMENT_TIMEOUT_S): their stock, coupon and points come back', async () => {
  const carol = await login('carol');
  assert.equal((await api.admin('POST', '/v1/admin/session', { openid: 'openid-carol', points: 800 })).status, 200);
  assert.equal((await api.call('POST', '/v1/coupons/claim', { token: carol.token, body: { coupon_id: 'welcome-10' } })).status, 200);
  const wallet = async () => (await api.call('GET', '/v1/coupons?lines=mooncake-redbean:4', { token: carol.token })).json.coupons;
  const points = async () => (await api.call('GET', '/v1/me', { token: carol.token })).json.points;
  const before = (await counters('stock:mooncake-redbean'))['stock:mooncake-redbean'] ?? 80;
  const o = await order(carol.token, [{ sku_id: 'mooncake-redbean', quantity: 4 }], { coupon_ids: ['welcome-10'], use_points: 500 });
  assert.deepEqual(o.coupon_ids, ['welcome-10']);
  assert.equal(o.points_used, 500);
  assert.deepEqual(await wallet(), [], 'the coupon is redeemed');
  assert.equal(await points(), 300, 'the points are spent');
  assert.equal((await counters('stock:mooncake-redbean'))['stock:mooncake-redbean'], before - 4);
  const deadline = Date.now() + 30000;
  let status;
  while (Date.now() < deadline) {
    status = (await api.call('GET', `/v1/orders/${o.id}`, { token: carol.token })).json;
    if (status.status === 'cancelled') break;
    await f.sleep(500);
  }
  assert.equal(status.status, 'cancelled');
  assert.equal(status.cancel_reason, 'timeout');
  assert.equal((await counters('stock:mooncake-redbean'))['stock:mooncake-redbean'], before);
  const back = await wallet();
  assert.deepEqual(back.map((c) => [c.coupon.id, c.usable]), [['welcome-10', true]], 'the coupon is usable again');
  assert.equal(await points(), 800, 'the points are back');
  f.assertError(await notify({ out_trade_no: o.id, transaction_id: 'wx-late', amount: { total: o.payable } }), 409, 'INVALID_TRANSITION');
  const unmatched = (await api.admin('GET', '/v1/admin/unmatched-payments')).json.payments;
  const late = unmatched.find((p) => p.transaction_id === 'wx-late');
  assert.deepEqual({ ...late, received_at: 0 }, { transaction_id: 'wx-late', order_id: o.id, amount: o.payable, reason: 'INVALID_TRANSITION', received_at: 0 }, 'kept for a refund');
  assert.ok(unmatched.some((p) => p.transaction_id === 'wx-tx-2' && p.reason === 'ALREADY_PAID'));
});

test('the shopper as priced: new customer until an order is paid; a member tier prices at checkout; /v1/me tells the client', async () => {
  const dana = await login('dana');
  const me = async () => (await api.call('GET', '/v1/me', { token: dana.token })).json;
  const fresh = await me();
  assert.equal(fresh.customer.new_customer, true);
  assert.equal(fresh.customer.member_tier, null);
  assert.equal((await api.call('POST', '/v1/coupons/claim', { token: dana.token, body: { coupon_id: 'newcomer-8' } })).status, 200);
  const first = await order(dana.token, [{ sku_id: 'bun-pork', quantity: 2 }]);
  assert.deepEqual(first.coupon_ids, ['newcomer-8'], '新人 coupon used by a new customer');
  assert.equal((await notify({ out_trade_no: first.id, transaction_id: 'wx-tx-dana', amount: { total: first.payable } })).status, 200);
  assert.equal((await me()).customer.new_customer, false, 'a paid order ends "new customer"');
  // The merchant makes Dana a gold member: checkout prices jasmine-250g at the gold tier price.
  assert.equal((await api.admin('POST', '/v1/admin/session', { openid: 'openid-dana', member_tier: 'gold' })).status, 200);
  const gold = await me();
  assert.equal(gold.customer.member_tier, 'gold');
  const tea = await order(dana.token, [{ sku_id: 'jasmine-250g', quantity: 1 }]);
  assert.equal(tea.quote.lines[0].unit_price, 4300);
  assert.equal(tea.quote.lines[0].price_source, 'member');
  // The client's quote with /v1/me's customer is the edge's price: no PRICE_CHANGED round trip.
  const lines = [{ sku_id: 'jasmine-250g', quantity: 1 }];
  const quoted = await api.call('POST', '/v1/quote', { body: { lines, customer: gold.customer, now: Math.floor(Date.now() / 1000) } });
  assert.equal(quoted.status, 200, quoted.text);
  const direct = await checkout(dana.token, { lines, expected_payable: quoted.json.payable });
  assert.equal(direct.status, 201, direct.text);
  assert.equal((await api.admin('POST', '/v1/admin/session', { openid: 'openid-dana', member_tier: '' })).status, 200);
  assert.equal((await me()).customer.member_tier, null, 'the tier taken away');
});

test('payment sandbox (dev only): pays the latest prepay with a signed notification; only the owner\'s order', async () => {
  const o = await order(s.bob.token, [{ sku_id: 'bun-pork', quantity: 1 }]);
  const sandbox = (token) => api.call('POST', `/v1/orders/${o.id}/pay/sandbox`, { token });
  f.assertError(await sandbox(s.alice.token), 404, 'NOT_FOUND');
  f.assertError(await sandbox(null), 401, 'UNAUTHORIZED');
  f.assertError(await sandbox(s.bob.token), 409, 'NO_PREPAY'); // no prepay yet: nothing to pay
  assert.equal((await api.call('POST', `/v1/orders/${o.id}/pay`, { token: s.bob.token })).status, 200);
  const r = await sandbox(s.bob.token);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { requested: true });
  const paid = (await api.call('GET', `/v1/orders/${o.id}`, { token: s.bob.token })).json;
  assert.equal(paid.status, 'paid');
  assert.match(paid.payment.transaction_id, /^42/);
  // Paid: core no longer allows pay, so the sandbox is not even asked.
  f.assertError(await sandbox(s.bob.token), 409, 'INVALID_TRANSITION');
});

test('stores nearest: from the KV snapshot; coordinates need their system', async () => {
  const snapshot = await api.call('GET', '/v1/stores');
  assert.equal(snapshot.status, 200);
  assert.equal(snapshot.json.version, 'stores-demo-1');
  assert.equal((await api.call('GET', '/v1/stores', { headers: { 'if-none-match': snapshot.headers.get('etag') } })).status, 304);
  const r = await api.call('GET', '/v1/stores/nearest?lat=31.2304&lng=121.4737&coord=gcj02&k=2');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.stores.map((x) => x.id).sort(), ['sh-jingan', 'sh-pudong']);
  const d = await api.call('GET', '/v1/stores/nearest?lat=39.93&lng=116.45&coord=gcj02&k=1&mode=delivery');
  assert.equal(d.json.stores[0].id, 'bj-sanlitun');
  f.assertError(await api.call('GET', '/v1/stores/nearest?lat=31.2&lng=121.4'), 400, 'MALFORMED_REQUEST');
  f.assertError(await api.call('GET', '/v1/stores/nearest?lat=31.2&lng=121.4&coord=mars'), 422, 'UNKNOWN_COORD_SYSTEM');
});

test('rate limit: logins per IP beyond the burst are 429 with Retry-After', async () => {
  let limited = null;
  for (let i = 0; i < 40 && !limited; i++) {
    const r = await api.call('POST', '/v1/auth/login', { body: { code: `burst-${i}` } });
    if (r.status === 429) limited = r;
  }
  assert.ok(limited, 'some login was limited');
  f.assertError(limited, 429, 'RATE_LIMITED');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
});

(async () => {
  wechat = await f.startFakeWeChat();
  worker = await startWorker({ vars: f.workerVars(wechat.base, { PAYMENT_TIMEOUT_S: '3', RATE_LOGIN_IP_BURST: '20', RATE_LOGIN_IP_PER_MIN: '1' }) });
  wechat.setEdge(worker.url);
  api = f.client(worker.url);
  try {
    await run('edge shop (workerd)');
  } finally {
    await worker.stop();
    await wechat.close();
  }
})().catch((e) => {
  console.log(`FAIL edge shop (workerd): ${e && e.stack ? e.stack : e}`);
  console.log('edge shop (workerd): 0 passed, 1 failed');
  process.exitCode = 1;
});
