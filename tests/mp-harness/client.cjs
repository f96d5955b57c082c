// The wasm cart Client in the *mini-program package* on a phone-like runtime
// (phone.cjs: no WebAssembly global, no TextEncoder, no FinalizationRegistry,
// wx storage with the real 1 MB per key / 10 MB limits), through the shell's
// own storage adapter (mp-shell/miniprogram/lib/storage.js):
//   node tests/mp-harness/client.cjs
// Checks cart operations and warnings, a "kill" (free the Client, keep the
// storage, open again), a > 1 MB catalog chunked under the per-key limit,
// freshness, corruption reported, and quota failures thrown, never swallowed.
'use strict';
const assert = require('node:assert/strict');
const path = require('node:path');
const { installPhone, MB } = require('./phone.cjs');
const { test, run } = require('../lib/check.cjs');

const packageRoot = path.join(__dirname, '..', '..', 'mp-shell', 'miniprogram');
const { backing } = installPhone({ packageRoot, platform: 'wechat' });
const { fromMiniProgram } = require(path.join(packageRoot, 'lib', 'storage.js'));

const NOW = 1_763_800_000_000;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function catalog({ teaStock = 20, teaPrice = 1800, extra = 0 } = {}) {
  const products = [
    { id: 'p-tea', name: 'Tea', shop_id: 's', category_id: 'drinks', skus: [{ id: 'tea', list_price: teaPrice, stock: teaStock, purchase_limit: 5 }] },
    { id: 'p-bun', name: 'Bun', shop_id: 's', category_id: 'food', skus: [{ id: 'bun', list_price: 350, stock: 3 }] },
    { id: 'p-cake', name: 'Cake', shop_id: 's', category_id: 'food', skus: [{ id: 'cake', list_price: 6800, stock: 0 }] },
  ];
  for (let i = 0; i < extra; i++) {
    products.push({
      id: `p-${i}`, name: `Product ${i} ${'好'.repeat(20)} with a long enough name`, shop_id: 's', category_id: `c-${i % 50}`,
      skus: [{ id: `sku-${i}`, list_price: 100 + i, stock: i % 7, spec: { colour: `colour-${i % 13}`, size: `size-${i % 5}` } }],
    });
  }
  return { version: `v-${teaPrice}-${extra}`, products };
}

const codes = (view) => view.warnings.map((w) => w.code);
const quantities = (view) => view.cart.lines.map((l) => `${l.sku_id}:${l.quantity}${l.selected ? '' : '-'}`);

/** What `fn()` throws, asserting that it does. */
function thrown(fn) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof Error, `threw a non-Error: ${e}`);
    return e;
  }
  assert.fail('expected a throw');
}

(async () => {
  const core = require(path.join(packageRoot, 'wasm', 'pkg', 'commerce_wasm.js'));
  await core.init({ module_or_path: '/wasm/pkg/commerce_wasm_bg.wasm.br' });
  const open = (id = 'phone-1', now = NOW, config) => new core.Client(fromMiniProgram(wx), id, now, config);

  test('the runtime is phone-like: no FinalizationRegistry, no TextEncoder, no WebAssembly', () => {
    assert.equal(typeof FinalizationRegistry, 'undefined');
    assert.equal(typeof TextEncoder, 'undefined');
    assert.equal(typeof WebAssembly, 'undefined');
  });

  test('cart operations are core mutations with warnings and totals', () => {
    backing.clear();
    const client = open();
    assert.equal(thrown(() => client.add({ sku_id: 'tea' }, 1)).code, 'NO_CATALOG');
    let view = client.putCatalog(catalog(), NOW, 5 * MINUTE, DAY, 'v1');
    assert.deepEqual(view.cart.lines, []);
    view = client.add({ sku_id: 'tea' }, 7);
    assert.deepEqual(quantities(view), ['tea:5']);
    assert.deepEqual(codes(view), ['LIMIT_EXCEEDED']);
    view = client.add({ sku_id: 'bun' }, 5);
    assert.deepEqual(quantities(view), ['tea:5', 'bun:3']);
    assert.deepEqual(view.warnings[0], { sku_id: 'bun', code: 'NOT_ENOUGH_STOCK', requested: 5, available: 3, quantity: 3, message: view.warnings[0].message });
    view = client.add({ sku_id: 'cake' }, 1);
    assert.deepEqual(view.cart.invalid_lines.map((l) => l.sku_id), ['cake']);
    assert.ok(codes(view).includes('OUT_OF_STOCK'));
    view = client.setQuantity({ sku_id: 'tea' }, 2);
    assert.equal(view.totals.payable, 2 * 1800 + 3 * 350);
    view = client.unselect(view.cart.lines[1]); // a line of a view is a line key
    assert.deepEqual(quantities(view), ['tea:2', 'bun:3-']);
    assert.equal(view.totals.payable, 3600);
    assert.equal(client.quote().payable, 3600);
    view = client.selectAll();
    assert.equal(view.totals.quantity, 5);
    view = client.unselectAll();
    assert.equal(view.totals.payable, 0);
    view = client.select({ sku_id: 'tea' });
    view = client.clearInvalid();
    assert.deepEqual(view.cart.invalid_lines, []);
    view = client.remove({ sku_id: 'bun' });
    view = client.apply({ type: 'add', sku_id: 'bun', quantity: 1 });
    assert.deepEqual(quantities(view), ['tea:2', 'bun:1']);
    assert.equal(client.pendingCount(), 11);
    const push = JSON.parse(client.syncPayload());
    assert.deepEqual(push.mutations.map((m) => m.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.ok(push.mutations.every((m) => m.client_id === 'phone-1'));
    assert.deepEqual(push.mutations[0].op, { type: 'add', sku_id: 'tea', quantity: 7, seen_price: 1800 });
    client.free();
  });

  test('refused operations throw coded Errors and change nothing', () => {
    backing.clear();
    const client = open();
    client.putCatalog(catalog(), NOW, MINUTE, DAY);
    client.add({ sku_id: 'tea' }, 1);
    const before = JSON.stringify(client.cartView());
    assert.equal(thrown(() => client.add({ sku_id: 'nope' }, 1)).code, 'UNKNOWN_SKU');
    assert.equal(thrown(() => client.add({ sku_id: 'tea' }, 1.5)).code, 'MALFORMED_REQUEST');
    assert.equal(thrown(() => client.add('tea', 1)).code, 'MALFORMED_REQUEST');
    assert.equal(thrown(() => client.setQuantity({ sku_id: 'bun' }, 1)).code, 'LINE_NOT_FOUND');
    assert.equal(thrown(() => client.apply({ type: 'teleport' })).code, 'MALFORMED_REQUEST');
    assert.equal(thrown(() => client.putCatalog({ products: [{ id: 'p', name: 'x', shop_id: 's', category_id: 'c', skus: [{ id: 'a', list_price: 1, stock: 1 }, { id: 'a', list_price: 1, stock: 1 }] }] }, NOW, 1, 1)).code, 'DUPLICATE_SKU');
    assert.equal(thrown(() => client.applySyncResponse('{"cart":')).code, 'MALFORMED_REQUEST');
    assert.equal(JSON.stringify(client.cartView()), before);
    assert.equal(client.pendingCount(), 1);
    assert.equal(thrown(() => new core.Client({ get() {} }, 'x', NOW)).code, 'MALFORMED_REQUEST');
    assert.equal(thrown(() => open('x', NaN)).code, 'MALFORMED_REQUEST');
    client.free();
  });

  test('a killed client reopens with its cart, pending mutations, id and catalog', () => {
    backing.clear();
    let client = open('guest-1');
    client.putCatalog(catalog(), NOW, 5 * MINUTE, DAY, 'v1');
    client.add({ sku_id: 'tea' }, 2);
    client.add({ sku_id: 'bun' }, 1);
    const view = JSON.stringify(client.cartView());
    const payload = client.syncPayload();
    client.free(); // killed: nothing but the storage survives
    assert.throws(() => client.pendingCount()); // a freed object is gone
    client = open('guest-2', NOW + 10 * MINUTE);
    assert.equal(client.clientId(), 'guest-1'); // the stored id wins
    assert.equal(JSON.stringify(client.cartView()), view);
    assert.equal(client.syncPayload(), payload);
    assert.deepEqual(client.dropped(), []);
    const cached = client.catalog(NOW + 10 * MINUTE);
    assert.equal(cached.freshness, 'stale');
    assert.equal(cached.etag, 'v1');
    assert.deepEqual(cached.value, JSON.parse(JSON.stringify(cached.value)));
    assert.equal(cached.value.products.length, 3);
    // Offline the next day: expired, still there, the cart still works.
    client.free();
    client = open('guest-3', NOW + 2 * DAY);
    assert.equal(client.catalog(NOW + 2 * DAY).freshness, 'expired');
    assert.deepEqual(quantities(client.add({ sku_id: 'tea' }, 1)), ['tea:3', 'bun:1']);
    assert.equal(client.pendingCount(), 3);
    client.free();
  });

  test('login turns the guest cart into one merge mutation under the new id, persisted', () => {
    backing.clear();
    let client = open('guest');
    client.putCatalog(catalog(), NOW, MINUTE, DAY);
    client.add({ sku_id: 'tea' }, 2);
    client.login('user-device');
    client.free();
    client = open('other');
    assert.equal(client.clientId(), 'user-device');
    const push = JSON.parse(client.syncPayload());
    assert.equal(push.mutations.length, 1);
    assert.equal(push.mutations[0].op.type, 'merge_guest');
    assert.deepEqual(quantities(client.cartView()), ['tea:2']);
    client.free();
  });

  test("a guest push answered after login does not replace the user's cart", () => {
    backing.clear();
    const client = open('guest');
    const snapshot = catalog();
    client.putCatalog(snapshot, NOW, MINUTE, DAY);
    client.add({ sku_id: 'tea' }, 2);
    // The server side of the protocol is core's too (the edge runs the same).
    const serve = (state, payload) => core.call('sync_push', { catalog: snapshot, state, push: JSON.parse(payload) });
    const guestPush = client.syncPayload();
    client.login('user-device'); // while the guest push is in flight
    const late = serve({ cart: {}, last_mutation_ids: {}, version: 7 }, guestPush).response;
    client.applySyncResponse(late);
    assert.equal(client.clientId(), 'user-device');
    assert.equal(client.pendingCount(), 1);
    const user = serve({}, client.syncPayload());
    const view = client.applySyncResponse(user.response);
    assert.equal(client.pendingCount(), 0);
    assert.deepEqual(view.cart, user.state.cart);
    assert.deepEqual(quantities(view), ['tea:2']);
    client.free();
  });

  test('a catalog over 1 MB is chunked under the 1 MB per-key limit and read back', () => {
    backing.clear();
    let client = open();
    const big = catalog({ extra: 9000 });
    assert.ok(JSON.stringify(big).length > 1.2 * MB);
    client.putCatalog(big, NOW, MINUTE, DAY, big.version);
    const chunks = [...backing.keys()].filter((k) => k.startsWith('cache:catalog#'));
    assert.ok(chunks.length >= 2, `chunks: ${chunks}`);
    for (const k of backing.keys()) assert.ok(Buffer.byteLength(k) + JSON.stringify(backing.get(k)).length <= MB, k);
    client.free();
    client = open();
    const cached = client.catalog(NOW + 1);
    assert.equal(cached.freshness, 'fresh');
    assert.deepEqual(cached.value.products.length, big.products.length);
    const [got, put] = [cached.value.products[9002], big.products[9002]];
    assert.deepEqual([got.id, got.name, got.skus[0].id, got.skus[0].list_price, got.skus[0].stock, got.skus[0].spec],
      [put.id, put.name, put.skus[0].id, put.skus[0].list_price, put.skus[0].stock, put.skus[0].spec]);
    assert.deepEqual(quantities(client.add({ sku_id: 'sku-8' }, 1)), ['sku-8:1']);
    client.free();
  });

  test('stores are cached with freshness and etag', () => {
    backing.clear();
    const client = open();
    const stores = { version: 's1', coord: 'gcj02', stores: [{ id: 'st-1', location: { lat: 31.23, lng: 121.47 } }] };
    client.putStores(stores, NOW, MINUTE, MINUTE, 's1');
    assert.equal(client.stores(NOW).freshness, 'fresh');
    assert.equal(client.stores(NOW).value.stores[0].id, 'st-1');
    assert.equal(client.stores(NOW + 2 * MINUTE).freshness, 'expired');
    assert.equal(thrown(() => client.putStores({ stores: [] }, NOW, 1, 1)).code, 'MALFORMED_REQUEST');
    client.free();
  });

  test('a corrupt cached catalog is dropped and reported, never returned', () => {
    backing.clear();
    let client = open();
    client.putCatalog(catalog(), NOW, MINUTE, DAY);
    client.free();
    const key = [...backing.keys()].find((k) => k.startsWith('cache:catalog#'));
    const text = backing.get(key);
    const at = Math.floor(text.length / 2);
    backing.set(key, text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1));
    client = open();
    assert.deepEqual(client.dropped().map((d) => [d.key, d.code]), [['catalog', 'CACHE_CHECKSUM_MISMATCH']]);
    assert.equal(client.catalog(NOW), null);
    assert.equal(thrown(() => client.cartView()).code, 'NO_CATALOG');
    client.free();
  });

  test('a full storage is reported as STORAGE_QUOTA_EXCEEDED and loses nothing', () => {
    backing.clear();
    let client = open();
    client.putCatalog(catalog(), NOW, MINUTE, DAY);
    client.add({ sku_id: 'tea' }, 1);
    // The rest of the app fills the 10 MB (as its own keys, outside the cache).
    for (let i = 0; ; i++) {
      try {
        wx.setStorageSync(`app:filler-${i}`, 'x'.repeat(900_000));
      } catch {
        break;
      }
    }
    for (let size = 64 * 1024; size >= 16; size >>= 1) {
      try {
        for (let i = 0; ; i++) wx.setStorageSync(`app:small-${size}-${i}`, 'y'.repeat(size));
      } catch { /* next size */ }
    }
    const before = JSON.stringify(client.cartView());
    assert.equal(thrown(() => client.add({ sku_id: 'bun' }, 1)).code, 'STORAGE_QUOTA_EXCEEDED');
    assert.equal(JSON.stringify(client.cartView()), before);
    assert.equal(client.pendingCount(), 1);
    assert.equal(thrown(() => client.putCatalog(catalog({ extra: 2000 }), NOW, 1, 1)).code, 'STORAGE_QUOTA_EXCEEDED');
    assert.equal(client.catalog(NOW).value.products.length, 3);
    client.free();
    client = open();
    assert.equal(JSON.stringify(client.cartView()), before);
    // Room again: the same tap works.
    for (const k of [...backing.keys()]) if (k.startsWith('app:')) wx.removeStorageSync(k);
    assert.deepEqual(quantities(client.add({ sku_id: 'bun' }, 1)), ['tea:1', 'bun:1']);
    client.free();
  });

  test('a cache budget too small for a value says so', () => {
    backing.clear();
    const client = open('x', NOW, { cache: { budget_bytes: 4096 } });
    assert.equal(thrown(() => client.putCatalog(catalog({ extra: 100 }), NOW, 1, 1)).code, 'CACHE_VALUE_TOO_LARGE');
    assert.equal(thrown(() => open('y', NOW, { state: { prefix: 'cache:x' } })).code, 'OVERLAPPING_PREFIXES');
    client.free();
  });

  await run('mini-program client');
})().catch((e) => {
  console.log(`FAIL mini-program client: ${e && e.stack ? e.stack : e}`);
  console.log('mini-program client: 0 passed, 1 failed');
  process.exitCode = 1;
});
