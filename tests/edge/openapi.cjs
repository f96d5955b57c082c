// Keeps docs/openapi.json true:
// (a) it is well formed (its paths, methods and security are checked
//     against the route table natively: `cargo test -p commerce-edge`,
//     edge-worker/src/routes/tests.rs);
// (b) a shopper's real path against the worker in workerd (fixtures.cjs:
//     fake WeChat, seeding, signed notifications) where every answer's
//     status must be documented for its path and method, and its body must
//     validate against that response's schema (ajv, JSON Schema 2020-12, as
//     OpenAPI 3.1 uses), its required headers present; the request bodies
//     that succeeded must validate against the spec's request schemas; every
//     operation must answer a 2xx at least once. `node tests/edge/openapi.cjs`
'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Ajv2020 = require('../../scripts/node_modules/ajv/dist/2020').default;
const { startWorker, ROOT } = require('../lib/wrangler.cjs');
const { test, run } = require('../lib/check.cjs');
const f = require('./fixtures.cjs');

const LABEL = 'edge openapi (workerd)';
const SPEC_FILE = path.join(ROOT, 'docs', 'openapi.json');
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

const spec = JSON.parse(fs.readFileSync(SPEC_FILE, 'utf8'));
// Schemas are validated as one document `spec` whose $defs are the
// components' schemas: `#/components/schemas/X` becomes `spec#/$defs/X`.
const specR = JSON.parse(JSON.stringify(spec).replaceAll('"#/components/schemas/', '"spec#/$defs/'));
// strictRequired is off (an `if`/`then` may require what its parent
// defines); the well-formedness test checks `required` against `properties`.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
ajv.addSchema({ $id: 'spec', $defs: specR.components.schemas });
const compiled = new WeakMap();

function validator(schema) {
  if (!compiled.has(schema)) compiled.set(schema, ajv.compile(schema));
  return compiled.get(schema);
}

function conformsTo(label, schema, value) {
  const validate = validator(schema);
  if (validate(value)) return;
  const errors = validate.errors.slice(0, 8).map((e) => `  ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  throw new assert.AssertionError({ message: `${label} does not match the spec:\n${errors.join('\n')}\n  body: ${JSON.stringify(value).slice(0, 400)}` });
}

/** `#/components/responses/X` -> the response object. */
function deref(node) {
  const target = node && node.$ref;
  if (!target) return node;
  const found = target.replace(/^#\//, '').split('/').reduce((o, k) => o && o[k], specR);
  assert.ok(found, `unresolved $ref ${target}`);
  return deref(found);
}

function operations(doc = spec) {
  const out = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) if (item[m]) out.push(`${m.toUpperCase()} ${p}`);
  }
  return out.sort();
}

// ---- the HTTP walk --------------------------------------------------------

let worker;
let wechat;
let api;
const validated = new Map(); // "GET /v1/me" -> Set of statuses
let checks = 0;
const s = {}; // state along the path

function conformResponse(label, response, r) {
  const res = deref(response);
  const media = res.content && res.content['application/json'];
  if (media) {
    assert.ok(r.json !== null, `${label}: no JSON body`);
    conformsTo(`${label} body`, media.schema, r.json);
  } else {
    assert.equal(r.text, '', `${label}: a body where the spec documents none`);
  }
  for (const [name, header] of Object.entries(res.headers || {})) {
    if (header.required) assert.ok(r.headers.get(name) !== null, `${label}: header ${name} missing`);
  }
  checks++;
}

/** Check an answer of `method template` against the spec. */
function conform(method, template, r, requestBody) {
  const label = `${method} ${template} ${r.status}`;
  const op = specR.paths[template] && specR.paths[template][method.toLowerCase()];
  assert.ok(op, `${method} ${template} is not in the spec`);
  const response = op.responses[String(r.status)];
  assert.ok(response, `${label} is not documented (${Object.keys(op.responses).join(', ')}): ${r.text.slice(0, 300)}`);
  conformResponse(label, response, r);
  if (r.status < 300 && requestBody !== undefined) {
    assert.ok(op.requestBody, `${method} ${template} took a body the spec does not document`);
    const value = typeof requestBody === 'string' ? JSON.parse(requestBody) : requestBody;
    conformsTo(`${method} ${template} request`, op.requestBody.content['application/json'].schema, value);
    checks++;
  }
  const key = `${method} ${template}`;
  if (!validated.has(key)) validated.set(key, new Set());
  validated.get(key).add(r.status);
}

/** Call `method template` ({id}, {op} filled in) and check the answer. */
async function call(method, template, { id, op, query = '', admin = false, ...options } = {}) {
  const route = template.replace('{id}', encodeURIComponent(id)).replace('{op}', op) + query;
  if (admin) options.headers = { ...options.headers, 'x-admin-token': f.ADMIN };
  const r = await api.call(method, route, options);
  conform(method, template, r, options.body);
  return r;
}

const expect = (r, status, code) => {
  assert.equal(r.status, status, r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  return r;
};

async function checkout(token, body, key = crypto.randomUUID()) {
  return call('POST', '/v1/orders', { token, body, headers: { 'idempotency-key': key } });
}

/** An order at the server's price (the 409 PRICE_CHANGED carries it). */
async function order(token, lines) {
  const probe = expect(await checkout(token, { lines, expected_payable: 0 }), 409, 'PRICE_CHANGED');
  return expect(await checkout(token, { lines, expected_payable: probe.json.error.quote.payable }), 201).json;
}

async function notify(transaction, options) {
  const n = f.notification(transaction, options);
  return call('POST', '/v1/pay/notify', { body: n.body, headers: n.headers });
}

// ---- (a) the spec itself ---------------------------------------------------

test('the spec is well formed: OpenAPI 3.1, every $ref resolves, every schema compiles (strict), path parameters declared', () => {
  assert.equal(spec.openapi, '3.1.0');
  const refs = JSON.stringify(spec).match(/"\$ref":"[^"]+"/g) || [];
  for (const r of new Set(refs)) {
    const target = JSON.parse(`{${r}}`).$ref;
    assert.ok(target.startsWith('#/'), `${target}: only local refs`);
    assert.ok(target.slice(2).split('/').reduce((o, k) => o && o[k], spec) !== undefined, `unresolved ${target}`);
  }
  (function walk(node, at) {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node.required) && node.properties) {
      for (const name of node.required) assert.ok(name in node.properties, `${at}: required ${name} is not in properties`);
    }
    for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
  })(spec, '#');
  for (const name of Object.keys(specR.components.schemas)) ajv.getSchema(`spec#/$defs/${name}`) || assert.fail(`schema ${name} does not compile`);
  for (const [p, item] of Object.entries(specR.paths)) {
    for (const m of METHODS.filter((x) => item[x])) {
      const op = item[m];
      const params = [...(item.parameters || []), ...(op.parameters || [])];
      for (const [, name] of p.matchAll(/\{(\w+)\}/g)) {
        assert.ok(params.some((x) => x.in === 'path' && x.name === name && x.required), `${m} ${p}: path parameter ${name} not declared`);
      }
      assert.ok(op.operationId && op.summary && Array.isArray(op.security), `${m} ${p}: operationId, summary and security`);
      for (const res of Object.values(op.responses)) {
        const media = deref(res).content;
        if (media) validator(media['application/json'].schema);
      }
      if (op.requestBody) validator(op.requestBody.content['application/json'].schema);
    }
  }
});

// ---- (b) real answers validate against the spec ---------------------------

test('before seeding: 503 CATALOG_UNAVAILABLE, admin routes hidden without the token', async () => {
  expect(await call('GET', '/v1/catalog'), 503, 'CATALOG_UNAVAILABLE');
  expect(await call('GET', '/v1/stores'), 503, 'STORES_UNAVAILABLE');
  expect(await call('PUT', '/v1/admin/catalog', { body: {} }), 404, 'NOT_FOUND');
});

test('health: the operations are exactly the spec\'s `op` values', async () => {
  const r = expect(await call('GET', '/v1/health'), 200);
  const op = spec.paths['/v1/ops/{op}'].parameters.find((p) => p.name === 'op');
  assert.deepEqual([...op.schema.enum].sort(), [...r.json.operations].sort());
});

test('admin: publish storefront and stores (a malformed one is 400)', async () => {
  const bad = f.seedStorefront();
  bad.catalog.products[0].skus[0].list_price = 'cheap';
  expect(await call('PUT', '/v1/admin/catalog', { admin: true, body: bad }), 400, 'MALFORMED_REQUEST');
  expect(await call('PUT', '/v1/admin/catalog', { admin: true, body: f.seedStorefront() }), 200);
  expect(await call('PUT', '/v1/admin/stores', { admin: true, body: f.seedStores() }), 200);
});

test('catalog and stores: 200 with ETag, 304 for If-None-Match', async () => {
  for (const template of ['/v1/catalog', '/v1/stores']) {
    const r = expect(await call('GET', template), 200);
    expect(await call('GET', template, { headers: { 'if-none-match': r.headers.get('etag') } }), 304);
  }
});

test('stores nearest: pickup and delivery; 400 without coord; 422 unknown system', async () => {
  const r = expect(await call('GET', '/v1/stores/nearest', { query: '?lat=31.2304&lng=121.4737&coord=gcj02&k=2' }), 200);
  assert.equal(r.json.stores.length, 2);
  expect(await call('GET', '/v1/stores/nearest', { query: '?lat=39.93&lng=116.45&coord=gcj02&k=1&mode=delivery' }), 200);
  expect(await call('GET', '/v1/stores/nearest', { query: '?lat=31.2&lng=121.4' }), 400, 'MALFORMED_REQUEST');
  expect(await call('GET', '/v1/stores/nearest', { query: '?lat=31.2&lng=121.4&coord=mars' }), 422);
});

test('login: 200 session; 401 refused code; 400 missing code', async () => {
  s.alice = expect(await call('POST', '/v1/auth/login', { body: { code: 'alice' } }), 200).json;
  s.bob = expect(await call('POST', '/v1/auth/login', { body: { code: 'bob' } }), 200).json;
  expect(await call('POST', '/v1/auth/login', { body: { code: 'bad-code' } }), 401, 'LOGIN_FAILED');
  expect(await call('POST', '/v1/auth/login', { body: {} }), 400, 'MALFORMED_REQUEST');
});

test('/v1/me: 200; 401 without a token and with an expired one', async () => {
  expect(await call('GET', '/v1/me', { token: s.alice.token }), 200);
  expect(await call('GET', '/v1/me'), 401, 'UNAUTHORIZED');
  const expired = f.forgeToken(s.alice.user_id, Math.floor(Date.now() / 1000) - 5);
  expect(await call('GET', '/v1/me', { token: expired }), 401, 'TOKEN_EXPIRED');
});

test('quote and ops: 200 quotes; 422 unknown SKU; 404 unknown operation', async () => {
  const lines = [{ sku_id: 'jasmine-250g', quantity: 3 }];
  expect(await call('POST', '/v1/quote', { body: { lines, use_points: 0, customer: { points_balance: 500 } } }), 200);
  expect(await call('POST', '/v1/quote', { body: { lines: [{ sku_id: 'ghost', quantity: 1 }] } }), 422, 'UNKNOWN_SKU');
  const catalog = f.seedStorefront().catalog;
  expect(await call('POST', '/v1/ops/{op}', { op: 'quote', body: { catalog, lines } }), 200);
  expect(await call('POST', '/v1/ops/{op}', { op: 'fly', body: {} }), 404, 'UNKNOWN_OPERATION');
});

test('coupons: claim 200 (new, again), unknown 404; wallet judged on a cart; 400 bad lines', async () => {
  const claim = (id) => call('POST', '/v1/coupons/claim', { token: s.alice.token, body: { coupon_id: id } });
  assert.equal(expect(await claim('welcome-10'), 200).json.claimed, true);
  assert.equal(expect(await claim('welcome-10'), 200).json.claimed, false);
  expect(await claim('tea-15pct'), 200);
  expect(await claim('free-money'), 404, 'UNKNOWN_COUPON');
  const wallet = expect(await call('GET', '/v1/coupons', { token: s.alice.token, query: '?lines=bun-pork:2' }), 200);
  assert.ok(wallet.json.coupons.some((c) => c.reason), 'a coupon with a reason was validated');
  expect(await call('GET', '/v1/coupons', { token: s.alice.token, query: '?lines=jasmine-500g:2' }), 200);
  expect(await call('GET', '/v1/coupons', { token: s.alice.token }), 200);
  expect(await call('GET', '/v1/coupons', { token: s.alice.token, query: '?lines=tea:many' }), 400, 'MALFORMED_REQUEST');
});

test('cart sync: guest push and pull, user merge; 400 MISSING_CLIENT_ID; 401 bad token', async () => {
  const m = (client_id, id, op) => ({ client_id, id, op });
  const push = { mutations: [m('g-1', 1, { type: 'add', sku_id: 'bun-pork', quantity: 2, seen_price: 1 }), m('g-1', 2, { type: 'add', sku_id: 'ghost', quantity: 1 })] };
  const r = expect(await call('POST', '/v1/cart/sync', { body: push }), 200);
  assert.ok(r.json.warnings.length > 0 || r.json.results.some((x) => x.error), 'warnings or a rejected mutation validated');
  expect(await call('POST', '/v1/cart/sync', { query: '?client_id=g-1', body: { mutations: [] } }), 200);
  expect(await call('POST', '/v1/cart/sync', { body: { mutations: [] } }), 400, 'MISSING_CLIENT_ID');
  const merge = { mutations: [m('a-1', 1, { type: 'merge_guest', lines: r.json.cart.lines })] };
  expect(await call('POST', '/v1/cart/sync', { body: merge, token: s.alice.token }), 200);
  expect(await call('POST', '/v1/cart/sync', { body: push, token: 'bad.token.here' }), 401, 'UNAUTHORIZED');
});

test('checkout: 409 PRICE_CHANGED with the quote, 400, 422, 201, replay 201', async () => {
  const lines = [{ sku_id: 'jasmine-500g', quantity: 2 }];
  const changed = expect(await checkout(s.alice.token, { lines, expected_payable: 100 }), 409, 'PRICE_CHANGED');
  expect(await call('POST', '/v1/orders', { token: s.alice.token, body: { lines, expected_payable: 1 } }), 400, 'MISSING_IDEMPOTENCY_KEY');
  expect(await checkout(s.alice.token, { lines: [], expected_payable: 0 }), 422, 'EMPTY_ORDER');
  const key = crypto.randomUUID();
  const body = { lines, expected_payable: changed.json.error.quote.payable };
  s.order = expect(await checkout(s.alice.token, body, key), 201).json;
  const replay = expect(await checkout(s.alice.token, body, key), 201);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
});

test('orders: list (paged), get; 404 unknown; 401', async () => {
  await order(s.alice.token, [{ sku_id: 'bun-pork', quantity: 1 }]);
  const page = expect(await call('GET', '/v1/orders', { token: s.alice.token, query: '?limit=1' }), 200);
  assert.ok(page.json.next_cursor, 'a next_cursor was validated');
  expect(await call('GET', '/v1/orders', { token: s.alice.token, query: `?limit=5&cursor=${encodeURIComponent(page.json.next_cursor)}` }), 200);
  expect(await call('GET', '/v1/orders', { token: s.alice.token, query: '?cursor=nope' }), 400, 'MALFORMED_REQUEST');
  expect(await call('GET', '/v1/orders/{id}', { id: s.order.id, token: s.alice.token }), 200);
  expect(await call('GET', '/v1/orders/{id}', { id: s.order.id, token: s.bob.token }), 404, 'NOT_FOUND');
  expect(await call('GET', '/v1/orders'), 401, 'UNAUTHORIZED');
});

test('pay: prepay 200; notify 401 bad signature, 200 paid, 409 another transaction; prepay 409 once paid', async () => {
  expect(await call('POST', '/v1/orders/{id}/pay', { id: s.order.id, token: s.alice.token }), 200);
  const tx = { out_trade_no: s.order.id, transaction_id: 'wx-oa-1', amount: { total: s.order.payable, currency: 'CNY' } };
  const n = f.notification(tx);
  expect(await call('POST', '/v1/pay/notify', { body: n.body, headers: { ...n.headers, 'wechatpay-signature': 'AAAA' } }), 401, 'SIGNATURE_INVALID');
  expect(await notify({ ...tx, amount: { total: 1 } }), 422, 'AMOUNT_MISMATCH');
  expect(await notify(tx), 200);
  expect(await notify({ ...tx, transaction_id: 'wx-oa-2' }), 409, 'ALREADY_PAID');
  expect(await call('POST', '/v1/orders/{id}/pay', { id: s.order.id, token: s.alice.token }), 409, 'INVALID_TRANSITION');
  assert.equal(expect(await call('GET', '/v1/orders/{id}', { id: s.order.id, token: s.alice.token }), 200).json.status, 'paid');
});

test('refund: one unit 200, too many 422, the rest 200 (refunded)', async () => {
  const line = s.order.lines[0];
  const one = { refund_id: 'rf-1', lines: [{ sku_id: line.sku_id, quantity: 1 }] };
  expect(await call('POST', '/v1/orders/{id}/refund', { id: s.order.id, token: s.alice.token, body: one }), 200);
  const many = { refund_id: 'rf-2', lines: [{ sku_id: line.sku_id, quantity: 5 }] };
  expect(await call('POST', '/v1/orders/{id}/refund', { id: s.order.id, token: s.alice.token, body: many }), 422, 'REFUND_EXCEEDS');
  const rest = expect(await call('POST', '/v1/orders/{id}/refund', { id: s.order.id, token: s.alice.token, body: {} }), 200);
  assert.equal(rest.json.order.status, 'refunded');
  assert.ok(rest.json.order.refunds.length === 2 && rest.json.order.payment, 'refunds and payment validated');
});

test('cancel: 200 cancelled, again 409', async () => {
  const o = await order(s.bob.token, [{ sku_id: 'oolong-gift', quantity: 1 }]);
  assert.equal(expect(await call('POST', '/v1/orders/{id}/cancel', { id: o.id, token: s.bob.token }), 200).json.cancel_reason, 'user');
  expect(await call('POST', '/v1/orders/{id}/cancel', { id: o.id, token: s.bob.token }), 409, 'INVALID_TRANSITION');
});

test('payment sandbox (dev only): 409 before a prepay, 200 after; admin ship 200, complete 200, ship again 409; refund by the merchant only', async () => {
  const o = await order(s.bob.token, [{ sku_id: 'bun-pork', quantity: 1 }]);
  expect(await call('POST', '/v1/orders/{id}/pay/sandbox', { id: o.id, token: s.bob.token }), 409, 'NO_PREPAY');
  expect(await call('POST', '/v1/orders/{id}/pay/sandbox', { id: o.id }), 401, 'UNAUTHORIZED');
  expect(await call('POST', '/v1/orders/{id}/pay', { id: o.id, token: s.bob.token }), 200);
  expect(await call('POST', '/v1/orders/{id}/pay/sandbox', { id: o.id, token: s.bob.token }), 200);
  expect(await call('POST', '/v1/admin/orders/{id}/ship', { id: o.id, admin: true, body: { carrier: 'SF', tracking_no: '' } }), 422, 'INVALID_SHIPMENT');
  const shipped = expect(await call('POST', '/v1/admin/orders/{id}/ship', { id: o.id, admin: true, body: { carrier: '顺丰速运', tracking_no: 'SF1234567890' } }), 200);
  assert.deepEqual(shipped.json.shipment, { carrier: '顺丰速运', tracking_no: 'SF1234567890' });
  expect(await call('POST', '/v1/admin/orders/{id}/complete', { id: o.id, admin: true }), 200);
  expect(await call('POST', '/v1/admin/orders/{id}/ship', { id: o.id, admin: true }), 409, 'INVALID_TRANSITION');
  expect(await call('POST', '/v1/orders/{id}/refund', { id: o.id, token: s.bob.token, body: {} }), 409, 'REFUND_NEEDS_MERCHANT');
  const back = expect(await call('POST', '/v1/admin/orders/{id}/refund', { id: o.id, admin: true, body: { refund_id: 'rf-goods-back' } }), 200);
  assert.equal(back.json.order.status, 'refunded');
  expect(await call('POST', '/v1/admin/orders/{id}/refund', { id: 'o-none', admin: true, body: {} }), 404, 'NOT_FOUND');
});

test('admin: session (with points and tier), stock counters, unmatched payments, refund payouts', async () => {
  const dan = expect(await call('POST', '/v1/admin/session', { admin: true, body: { openid: 'dan', points: 1000, member_tier: 'gold' } }), 200).json;
  assert.equal(expect(await call('GET', '/v1/me', { token: dan.token }), 200).json.customer.member_tier, 'gold');
  const stock = expect(await call('POST', '/v1/admin/stock', { admin: true, body: { counters: ['stock:jasmine-500g', 'stock:never-held'] } }), 200);
  assert.equal(stock.json.counters['stock:never-held'], null);
  const unmatched = expect(await call('GET', '/v1/admin/unmatched-payments', { admin: true }), 200);
  assert.ok(unmatched.json.payments.some((p) => p.transaction_id === 'wx-oa-2'), 'an unmatched payment was validated');
  const payouts = expect(await call('GET', '/v1/admin/refund-payouts', { admin: true }), 200);
  assert.ok(payouts.json.payouts.some((p) => p.refund_id === 'rf-1'), 'a payout was validated');
  expect(await call('GET', '/v1/admin/refund-payouts', { admin: true, query: '?status=FAILED' }), 200);
});

test('fulfilment: checkout preview 200; a store\'s stock 200, a restock 200; staff accept, ready, verify (422 wrong code), dispatch, deliver 200; the shopper confirms receipt 200', async () => {
  const stores = f.seedStores();
  const id = stores.stores[0].id;
  stores.stores[0].stock = { 'jasmine-500g': 5 };
  expect(await call('PUT', '/v1/admin/stores', { admin: true, body: stores }), 200);
  const lines = [{ sku_id: 'jasmine-500g', quantity: 1 }];
  const body = { lines, fulfilment: { mode: 'pickup', store_id: id }, expected_payable: 0 };
  const seen = expect(await call('POST', '/v1/checkout/preview', { token: s.alice.token, body }), 200);
  assert.equal(seen.json.fulfilment.assignment.store_id, id);
  assert.equal(seen.json.price_changed, true);
  const entry = expect(await call('POST', '/v1/admin/stores/{id}/stock', { id, admin: true, body: { sku_id: 'jasmine-500g', add: 2, reason: 'restock' } }), 200);
  assert.deepEqual([entry.json.before, entry.json.after], [5, 7]);
  const page = expect(await call('GET', '/v1/admin/stores/{id}/stock', { id, admin: true }), 200);
  assert.equal(page.json.stock['jasmine-500g'], 7);
  assert.equal(expect(await call('GET', '/v1/stores/{id}/stock', { id }), 200).json.stock['jasmine-500g'], 7);
  // Staff of that store: a pickup order through accept, ready, verify.
  const token = expect(await call('POST', '/v1/admin/staff', { admin: true, body: { store_id: id, name: 'openapi' } }), 200).json.token;
  const placed = expect(await checkout(s.alice.token, { ...body, expected_payable: seen.json.quote.payable }), 201).json;
  expect(await notify({ out_trade_no: placed.id, transaction_id: `wx-${placed.id}`, amount: { total: placed.payable } }), 200);
  const queue = expect(await call('GET', '/v1/staff/orders', { token }), 200);
  assert.ok(queue.json.orders.some((o) => o.id === placed.id));
  expect(await call('POST', '/v1/staff/orders/{id}/accept', { id: placed.id, token }), 200);
  expect(await call('POST', '/v1/staff/orders/{id}/ready', { id: placed.id, token }), 200);
  const code = expect(await call('GET', '/v1/orders/{id}', { id: placed.id, token: s.alice.token }), 200).json.pickup.code;
  expect(await call('POST', '/v1/staff/orders/{id}/verify', { id: placed.id, token, body: { code: code === '000000' ? '000001' : '000000' } }), 422, 'WRONG_PICKUP_CODE');
  assert.equal(expect(await call('POST', '/v1/staff/orders/{id}/verify', { id: placed.id, token, body: { code } }), 200).json.status, 'completed');
  // A delivery from the same store (its area holds the store itself).
  const at = stores.stores[0].location;
  const address = { name: '王小明', phone: '13800138000', text: '南京西路 1601 号', location: { ...at, coord: 'gcj02' } };
  const dbody = { lines: [{ sku_id: 'jasmine-500g', quantity: 1 }], fulfilment: { mode: 'delivery', address }, expected_payable: 0 };
  const dseen = expect(await call('POST', '/v1/checkout/preview', { token: s.alice.token, body: dbody }), 200).json;
  const dorder = expect(await checkout(s.alice.token, { ...dbody, expected_payable: dseen.quote.payable }), 201).json;
  expect(await notify({ out_trade_no: dorder.id, transaction_id: `wx-${dorder.id}`, amount: { total: dorder.payable } }), 200);
  const rider = expect(await call('POST', '/v1/admin/staff', { admin: true, body: { store_id: dorder.fulfilment.assignment.store_id, name: 'rider' } }), 200).json.token;
  for (const step of ['accept', 'dispatch', 'deliver']) expect(await call('POST', `/v1/staff/orders/{id}/${step}`, { id: dorder.id, token: rider }), 200);
  assert.equal(expect(await call('POST', '/v1/orders/{id}/complete', { id: dorder.id, token: s.alice.token }), 200).json.status, 'completed');
  expect(await call('PUT', '/v1/admin/stores', { admin: true, body: f.seedStores() }), 200);
});

test('an unknown route is 404 NOT_FOUND (#/components/responses/NotFound)', async () => {
  const r = await api.call('GET', '/v1/no-such-route');
  expect(r, 404, 'NOT_FOUND');
  conformResponse('GET /v1/no-such-route 404', specR.components.responses.NotFound, r);
});

test('every path answers an undocumented method with 405 and Allow = its documented methods', async () => {
  for (const [template, item] of Object.entries(spec.paths)) {
    const r = await api.call('DELETE', template.replace('{id}', 'o-x').replace('{op}', 'quote'), { headers: { 'x-admin-token': f.ADMIN } });
    expect(r, 405, 'METHOD_NOT_ALLOWED');
    conformResponse(`DELETE ${template} 405`, specR.components.responses.MethodNotAllowed, r);
    const allow = r.headers.get('allow').split(',').map((m) => m.trim().toLowerCase()).sort();
    assert.deepEqual(allow, METHODS.filter((m) => item[m]).sort(), `${template}: Allow`);
  }
});

test('every documented operation answered a validated 2xx', () => {
  const unseen = operations().filter((o) => ![...(validated.get(o) || [])].some((st) => st >= 200 && st < 300));
  assert.deepEqual(unseen, [], 'operations never exercised with a success');
  console.log(`  ${checks} responses and request bodies validated over ${validated.size} operations`);
});

(async () => {
  wechat = await f.startFakeWeChat();
  worker = await startWorker({ vars: f.workerVars(wechat.base) });
  wechat.setEdge(worker.url);
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
