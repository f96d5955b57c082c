// The shop's page logic (mp-shell/miniprogram/lib, what the WXML pages and
// the H5 preview call) on the phone-like runtime (phone.cjs: no
// WebAssembly/TextEncoder/fetch globals, wasm only by package path, wx
// storage with its real limits, wx.request over real loopback HTTP) against
// the edge under `wrangler dev` seeded with the dev data.
// `node tests/mp-harness/shop.cjs`
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('../lib/check.cjs');
const { launchApp, loadPage, runOnPhone, MINIPROGRAM } = require('./app.cjs');

const ROOT = path.join(__dirname, '..', '..');
const LIB = path.join(MINIPROGRAM, 'lib');
const yuan = (fen) => `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

let phone;
let edge;
let lib;

/** Wait until `probe()` is truthy (the app syncs on its own timers). */
async function until(probe, what, ms = 20000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('catalog: categories, specs, the flash-sale price and countdown end from the core', async () => {
  const { categories, source } = await lib.catalog.view();
  assert.equal(source, 'edge');
  assert.deepEqual(categories.map((c) => c.id), ['tea', 'bakery', 'home']);
  const mooncake = categories[1].products.find((p) => p.id === 'p-mooncake');
  assert.deepEqual(mooncake.specs.map((s) => s.name).sort(), ['count', 'filling']);
  const lotus = lib.catalog.skuFor(mooncake, { filling: 'lotus seed' });
  assert.equal(lotus.price, '¥68.00');
  assert.equal(lotus.listPrice, '¥128.00');
  assert.match(lotus.activity, /flash sale/);
  assert.equal(lotus.endsAt, 1893456000);
});

test('catalog: revalidated with If-None-Match; a 304 keeps the cached copy, offline it is served', async () => {
  const first = await lib.catalog.load();
  const again = await lib.catalog.load();
  assert.equal(again.notModified, true, 'the edge answered 304 Not Modified');
  assert.equal(again.source, 'edge');
  assert.deepEqual(again.value, first.value);
  phone.setOnline(false);
  try {
    const offline = await lib.catalog.load();
    assert.equal(offline.source, 'cache');
    assert.deepEqual(offline.value, first.value);
  } finally {
    phone.setOnline(true);
  }
});

test('catalog: a group buy shows its tier price and the next tier as a hint', async () => {
  const storefront = JSON.parse(fs.readFileSync(path.join(ROOT, 'edge-worker', 'seed', 'storefront.json'), 'utf8'));
  const withGroupBuy = {
    ...storefront,
    activities: [...storefront.activities, {
      id: 'group-cups', scope: { kind: 'skus', ids: ['cup-green'] },
      rule: { kind: 'group_buy', group_size: 2, tiers: [{ min_size: 2, price: 1990 }, { min_size: 5, price: 1590 }] },
    }],
  };
  try {
    assert.equal((await edge.admin('PUT', '/v1/admin/catalog', withGroupBuy)).status, 200);
    assert.equal((await lib.catalog.load()).notModified, undefined, 'a new publication is fetched whole');
    const { categories } = await lib.catalog.view();
    const cup = lib.catalog.skuFor(categories[2].products.find((p) => p.id === 'p-cup'), { colour: 'green' });
    assert.equal(cup.price, '¥19.90');
    assert.match(cup.activity, /group buy/);
    assert.match(cup.groupHint, /3 more → ¥15\.90/);
  } finally {
    assert.equal((await edge.admin('PUT', '/v1/admin/catalog', storefront)).status, 200);
    await lib.catalog.view();
  }
});

test('cart: two SKUs, totals equal the core quote and the edge quote of the same lines', async () => {
  await lib.cart.add('jasmine-250g', 2);
  const view = await lib.cart.add('bun-pork', 1);
  assert.deepEqual(view.lines.map((l) => [l.sku_id, l.quantity]), [['jasmine-250g', 2], ['bun-pork', 1]]);
  const { core, client } = await lib.shop.start();
  const request = { ...lib.catalog.pricingBase(await lib.catalog.current()), lines: lib.cart.selectedLines(client.cartView().cart) };
  assert.equal(view.goodsPayable, yuan(core.call('quote', request).goods_payable));
  const edgeQuote = await edge.call('POST', '/v1/quote', request);
  assert.equal(edgeQuote.status, 200, JSON.stringify(edgeQuote.body));
  assert.equal(view.goodsPayable, yuan(edgeQuote.body.goods_payable));
  // Unticked, a line leaves the total but keeps showing its price.
  const bun = view.lines[1];
  const unticked = await lib.cart.toggle(bun);
  assert.equal(unticked.lines[1].selected, false);
  assert.equal(unticked.lines[1].unitPrice, bun.unitPrice);
  assert.equal(unticked.lines[1].total, bun.total);
  assert.equal(unticked.goodsPayable, yuan(core.call('quote', { ...request, lines: request.lines.slice(0, 1) }).goods_payable));
  assert.equal((await lib.cart.toggle(unticked.lines[1])).goodsPayable, view.goodsPayable);
  await until(async () => (await lib.cart.pending()) === 0, 'the adds to sync');
});

test('offline: a change stays pending (banner says so), syncs once the network is back', async () => {
  const seen = [];
  const stop = lib.status.watch((s) => seen.push(s));
  phone.setOnline(false);
  const view = await lib.cart.add('cup-blue', 1);
  assert.equal(view.pending, 1);
  await until(() => seen.some((s) => !s.online && s.pending === 1), 'the offline banner with 1 pending');
  assert.match(seen[seen.length - 1].text, /offline/);
  phone.setOnline(true);
  await until(async () => (await lib.cart.pending()) === 0, 'the pending change to sync');
  stop();
  const { client } = await lib.shop.start();
  const pulled = await edge.call('POST', `/v1/cart/sync?client_id=${client.clientId()}`, { mutations: [] });
  assert.deepEqual(pulled.body.cart.lines.map((l) => l.sku_id), ['jasmine-250g', 'bun-pork', 'cup-blue']);
});

test('killed and reopened offline: the cart and the cached catalog are still there', async () => {
  const before = await lib.cart.view();
  phone.setOnline(false);
  try {
    lib = launchApp(edge.url);
    const after = await lib.cart.view();
    assert.deepEqual(after.lines, before.lines);
    const { source, categories } = await lib.catalog.view();
    assert.equal(source, 'cache');
    assert.equal(categories.length, 3);
  } finally {
    phone.setOnline(true);
  }
});

test('a refused change shows the core error code and changes nothing', async () => {
  const before = await lib.cart.view();
  await assert.rejects(lib.cart.setQuantity(before.lines[0], 0), (e) => e.code === 'INVALID_QUANTITY');
  const page = loadPage('pages/cart/cart');
  await page.onShow();
  await page.change(() => lib.cart.setQuantity(before.lines[0], 0));
  assert.match(page.data.error, /^INVALID_QUANTITY: /);
  page.onHide();
  assert.deepEqual((await lib.cart.view()).lines, before.lines);
});

test('storage full: a cart change is refused with the quota code, the cart is unchanged', async () => {
  const before = await lib.cart.view();
  const filler = [];
  try {
    for (let i = 0; ; i++) {
      const key = `filler-${i}`;
      try {
        phone.storage.setStorageSync(key, 'x'.repeat(1000 * 1000 - 20));
        filler.push(key);
      } catch {
        break;
      }
    }
    // Leave less room than one more cart state needs.
    for (let size = 500 * 1000; size >= 1; size = Math.floor(size / 2)) {
      try { phone.storage.setStorageSync(`pad-${size}`, 'x'.repeat(size)); filler.push(`pad-${size}`); } catch { /* smaller next */ }
    }
    await assert.rejects(lib.cart.add('oolong-gift', 1), (e) => /QUOTA/.test(e.code));
    assert.deepEqual((await lib.cart.view()).lines, before.lines);
  } finally {
    for (const key of filler) phone.storage.removeStorageSync(key);
  }
});

test('checkout: login through wx.login, claim coupons, the best set picked, PRICE_CHANGED shows the edge quote, points, order placed, listed, cancelled', async () => {
  // The shopper wx.login names (openid-phone at the code2session stand-in) holds 5000 points.
  assert.equal((await edge.admin('POST', '/v1/admin/session', { openid: 'openid-phone', points: 5000 })).status, 200);
  await lib.session.login();
  await until(async () => (await lib.cart.pending()) === 0, 'the guest cart to merge into the user cart');
  for (const id of ['welcome-10', 'tea-15pct']) await lib.checkout.claim(id);
  const priced = await lib.checkout.price();
  assert.ok(priced.appliedIds.length >= 1, JSON.stringify(priced.coupons));
  const { core } = await lib.shop.start();
  const best = core.call('best_coupons', priced.request);
  assert.deepEqual(priced.appliedIds, best.coupon_ids);
  assert.ok(priced.coupons.every((c) => c.applied || c.note), 'every coupon says why it is or is not used');
  const edgeQuote = await edge.call('POST', '/v1/quote', priced.request);
  assert.equal(priced.payable, yuan(edgeQuote.body.payable));
  const seen = { ...priced, payableFen: priced.payableFen - 1 };
  const stale = await lib.checkout.submit(seen);
  assert.equal(stale.priceChanged.payable, priced.payable, 'PRICE_CHANGED shows the edge\'s quote');
  const confirmed = await lib.checkout.submit({ ...seen, ...stale.priceChanged });
  assert.equal(confirmed.order.payable, priced.payableFen, 'confirming the new price places the order');
  await lib.orders.cancel(confirmed.order.id);
  // The ordered lines left the cart; put them back for the next order.
  for (const line of priced.request.lines) await lib.cart.add(line.sku_id, line.quantity);
  const withPoints = await lib.checkout.price({ usePoints: true });
  assert.ok(withPoints.points.used > 0 && withPoints.points.used <= 5000, JSON.stringify(withPoints.points));
  const { order } = await lib.checkout.submit(withPoints);
  assert.equal(order.payable, withPoints.payableFen);
  assert.equal(order.points_used, withPoints.points.used);
  const list = await lib.orders.list();
  assert.ok(list.some((o) => o.id === order.id && o.status === 'pending_payment'));
  const cancelled = await lib.orders.cancel(order.id);
  assert.equal(cancelled.status, 'cancelled');
});

test('member: the tier the merchant gives shows in the catalog price, as the edge will charge it', async () => {
  assert.equal(lib.session.customer().new_customer, true, 'no paid order yet: a new customer, as /v1/me says');
  const jasmine = async () => lib.catalog.skuFor((await lib.catalog.view()).categories[0].products.find((p) => p.id === 'p-jasmine'), { weight: '250g' });
  assert.equal((await jasmine()).price, '¥48.00');
  assert.equal((await edge.admin('POST', '/v1/admin/session', { openid: 'openid-phone', member_tier: 'gold' })).status, 200);
  try {
    assert.equal((await lib.session.refreshCustomer()).member_tier, 'gold');
    const gold = await jasmine();
    assert.equal(gold.price, '¥43.00');
    assert.equal(gold.listPrice, '¥48.00');
  } finally {
    assert.equal((await edge.admin('POST', '/v1/admin/session', { openid: 'openid-phone', member_tier: '' })).status, 200);
    await lib.session.refreshCustomer();
  }
});

test('WeChat pages: catalog, cart, checkout and orders pages render what lib/ returns', async () => {
  const catalogPage = loadPage('pages/catalog/catalog');
  await catalogPage.onShow();
  catalogPage.onHide();
  assert.equal(catalogPage.data.error, '');
  assert.equal(catalogPage.data.categories.length, 3);
  const cartPage = loadPage('pages/cart/cart');
  await cartPage.onShow();
  cartPage.onHide();
  assert.equal(cartPage.data.error, '');
  assert.match(cartPage.data.cart.goodsPayable, /^¥\d+\.\d\d$/);
  const checkoutPage = loadPage('pages/checkout/checkout');
  await checkoutPage.onShow();
  checkoutPage.onHide();
  assert.equal(checkoutPage.data.error, '');
  assert.match(checkoutPage.data.priced.payable, /^¥\d+\.\d\d$/);
  const ordersPage = loadPage('pages/orders/orders');
  await ordersPage.onShow();
  ordersPage.onHide();
  assert.equal(ordersPage.data.error, '');
  assert.ok(ordersPage.data.orders.length >= 1);
  assert.match(ordersPage.data.orders[0].statusText, /cancelled/);
});

/** Put one unit of an in-stock SKU in the cart. */
async function addOneItem() {
  const { catalog } = await lib.catalog.current();
  const sku = catalog.products.flatMap((p) => p.skus).find((s) => s.stock > 0 && s.listed !== false);
  await lib.cart.add(sku.id, 1);
}

/** Place an order for one item at the priced total. */
async function placeOrder() {
  await addOneItem();
  const { order } = await lib.checkout.submit(await lib.checkout.price());
  assert.equal(order.status, 'pending_payment');
  return order;
}

test('pay: wx.requestPayment on the edge\'s prepay, then WeChat\'s notification makes it paid; a closed sheet leaves it payable', async () => {
  const config = require(path.join(LIB, 'config.js'));
  const sheets = [];
  config.paySandbox = false; // a release build: the real payment sheet
  try {
    const order = await placeOrder();
    phone.setPayer(async (params) => {
      sheets.push(params);
      throw new Error('requestPayment:fail cancel');
    });
    await assert.rejects(lib.orders.pay(order.id), (e) => e.code === 'PAYMENT_CANCELLED');
    assert.equal(sheets[0].signType, 'RSA');
    assert.match(sheets[0].package, /^prepay_id=/);
    const unpaid = await lib.orders.detail(order.id);
    assert.equal(unpaid.status, 'pending_payment');
    assert.equal(unpaid.canPay, true, 'still payable after the sheet was closed');
    // The shopper confirms: WeChat sends the edge its signed notification.
    phone.setPayer(async (params) => {
      sheets.push(params);
      const r = await edge.wechatPay(order.id);
      if (r.status !== 200) throw new Error(`requestPayment:fail ${r.text}`);
    });
    const paid = await lib.orders.pay(order.id);
    assert.equal(paid.status, 'paid');
    assert.equal(paid.canPay, false);
    assert.equal(paid.cancellable, false);
    assert.equal(sheets.length, 2);
  } finally {
    config.paySandbox = true;
  }
});

test('pay from the checkout page: place the order, pay in the dev sandbox, land on the paid order', async () => {
  await addOneItem();
  const page = loadPage('pages/checkout/checkout');
  await page.onShow();
  assert.equal(page.data.error, '');
  await page.submit();
  page.onHide();
  assert.equal(page.data.error, '');
  const to = phone.navigations.at(-1);
  assert.equal(to.type, 'redirectTo');
  const id = decodeURIComponent(to.url.split('id=')[1]);
  const orderPage = loadPage('pages/order/order');
  orderPage.onLoad({ id });
  await orderPage.onShow();
  orderPage.onHide();
  assert.equal(orderPage.data.order.status, 'paid', JSON.stringify(orderPage.data));
});

const seedStorefront = () => JSON.parse(fs.readFileSync(path.join(ROOT, 'edge-worker', 'seed', 'storefront.json'), 'utf8'));

test('checkout page: on a small cart the 凑单 hints are the core quote\'s, the fen missing shown as yuan', async () => {
  await lib.cart.add('bun-pork', 1);
  await lib.cart.add('jasmine-250g', 1);
  const page = loadPage('pages/checkout/checkout');
  await page.onShow();
  page.onHide();
  assert.equal(page.data.error, '');
  const { core } = await lib.shop.start();
  const { hints } = core.call('quote', page.data.priced.request);
  const free = hints.find((h) => h.kind === 'free_shipping');
  const tier = hints.find((h) => h.kind === 'full_reduction_tier');
  // ¥3.50 + ¥48.00 of goods: ¥99.00 ships free, the tea shop's ¥100.00 tier takes ¥10.00 off.
  assert.deepEqual([free.add, free.threshold], [9900 - 5150, 9900], JSON.stringify(hints));
  assert.deepEqual([tier.add, tier.threshold], [10000 - 4800, 10000], JSON.stringify(hints));
  assert.ok(page.data.priced.hints.includes(`再买 ${yuan(free.add)} 包邮 · add ${yuan(free.add)} for free shipping`), JSON.stringify(page.data.priced.hints));
  assert.ok(page.data.priced.hints.includes(`再买 ${yuan(tier.add)} 可享满 ${yuan(tier.threshold)} 优惠 · add ${yuan(tier.add)} for the ${yuan(tier.threshold)} offer`), JSON.stringify(page.data.priced.hints));
  assert.equal(page.data.priced.hints.length, hints.length, 'one line per hint of the core');
});

test('checkout page: the answer lost on the way back, the re-tap sends the same Idempotency-Key and lands on the same order', async () => {
  const before = (await lib.orders.list()).map((o) => o.id);
  const page = loadPage('pages/checkout/checkout');
  await page.onShow();
  page.onHide();
  assert.equal(page.data.error, '');
  const wx = globalThis.wx;
  const send = wx.request;
  const keys = [];
  let drop = true;
  wx.request = (options) => {
    if (options.method !== 'POST' || !/\/v1\/orders$/.test(options.url)) return send(options);
    keys.push(options.header['idempotency-key']);
    // The edge places the order (201); its answer never reaches the phone.
    return send({
      ...options,
      success: (res) => {
        if (drop && res.statusCode === 201) {
          drop = false;
          options.fail({ errMsg: 'request:fail timeout' });
        } else {
          options.success(res);
        }
      },
    });
  };
  /** Tap "place order" (again after the edge's per-shopper checkout rate limit). */
  const tap = async () => {
    for (let tries = 0; tries < 20; tries++) {
      await page.submit();
      if (!/^RATE_LIMITED/.test(page.data.error)) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  let next;
  let placed;
  try {
    await tap();
    assert.match(page.data.error, /^NETWORK_ERROR: /);
    assert.equal(drop, false, 'the edge placed the order');
    await tap();
    assert.equal(page.data.error, '');
    assert.ok(keys.every((k) => k === keys[0]), `every try of the attempt sends its key: ${keys}`);
    const to = phone.navigations.at(-1);
    assert.equal(to.type, 'redirectTo');
    placed = decodeURIComponent(to.url.split('id=')[1]);
    const created = (await lib.orders.list()).filter((o) => !before.includes(o.id));
    assert.deepEqual(created.map((o) => o.id), [placed], 'exactly one new order, the one the re-tap landed on');
    assert.equal((await lib.cart.view()).lines.length, 0, 'the ordered lines left the cart');
    // Another order is another attempt: another key.
    const tries = keys.length;
    await lib.cart.add('bun-pork', 1);
    const priced = await lib.checkout.price();
    for (let t = 0; !next; t++) {
      try {
        next = (await lib.checkout.submit(priced)).order;
      } catch (e) {
        if (e.code !== 'RATE_LIMITED' || t === 20) throw e;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    assert.notEqual(keys[tries], keys[0]);
    assert.notEqual(next.id, placed);
  } finally {
    wx.request = send;
  }
  await lib.orders.cancel(next.id);
});

test('cart page: a republished catalog shows PRICE_CHANGED (old → new) on its line and a sold-out SKU in the invalid group', async () => {
  await lib.cart.add('jasmine-250g', 1);
  await lib.cart.add('cup-blue', 1);
  await until(async () => (await lib.cart.pending()) === 0, 'the adds to sync');
  const storefront = seedStorefront();
  const changed = JSON.parse(JSON.stringify(storefront));
  const skus = changed.catalog.products.flatMap((p) => p.skus);
  skus.find((s) => s.id === 'jasmine-250g').list_price = 5200;
  skus.find((s) => s.id === 'cup-blue').stock = 0;
  try {
    assert.equal((await edge.admin('PUT', '/v1/admin/catalog', changed)).status, 200);
    await lib.catalog.load();
    // The page syncs on show: the edge's answer says what changed since the SKUs were added.
    const page = loadPage('pages/cart/cart');
    await page.onShow();
    page.onHide();
    assert.equal(page.data.error, '');
    const { lines, invalid } = page.data.cart;
    assert.deepEqual(lines.map((l) => l.sku_id), ['jasmine-250g']);
    assert.deepEqual(lines[0].warnings, ['价格变动 ¥48.00 → ¥52.00 · price changed']);
    assert.equal(lines[0].unitPrice, '¥52.00', 'the line is priced at the new price');
    assert.deepEqual(invalid.map((l) => [l.sku_id, l.quantity, l.warnings]), [['cup-blue', 1, ['已售罄 out of stock']]]);
    assert.equal(invalid[0].total, '', 'an invalid line is not priced');
  } finally {
    assert.equal((await edge.admin('PUT', '/v1/admin/catalog', storefront)).status, 200);
    await lib.catalog.load();
    for (const line of (await lib.cart.view()).lines) await lib.cart.remove(line);
    await lib.cart.clearInvalid();
  }
});

test('cart page: six fast taps on ＋ make six more; the status strip counts them pending, then none', async () => {
  await lib.cart.add('bun-pork', 1);
  await until(async () => (await lib.cart.pending()) === 0, 'the add to sync');
  const seen = [];
  const stop = lib.status.watch((s) => seen.push(s.pending));
  const page = loadPage('pages/cart/cart');
  await page.onShow();
  const index = page.data.cart.lines.findIndex((l) => l.sku_id === 'bun-pork');
  // Each tap before the page has drawn the last one's answer.
  await Promise.all(Array.from({ length: 6 }, () => page.plus({ currentTarget: { dataset: { index } } })));
  page.onHide();
  assert.equal(page.data.error, '');
  const bun = () => lib.cart.view().then((v) => v.lines.find((l) => l.sku_id === 'bun-pork'));
  assert.equal((await bun()).quantity, 7);
  await until(async () => (await lib.cart.pending()) === 0, 'the taps to sync');
  stop();
  assert.ok(Math.max(...seen) <= 6, `never more pending than taps: ${seen}`);
  assert.equal(seen.at(-1), 0);
  await lib.cart.remove(await bun());
});

test('pickup: at the chosen store the edge prices it (no fee) and the order names the store; once staff mark it ready the shopper sees the code', async () => {
  const stores = JSON.parse(fs.readFileSync(path.join(ROOT, 'edge-worker', 'seed', 'stores.json'), 'utf8'));
  const storeId = stores.stores[0].id;
  // The last checkout of the run: the per-shopper checkout rate has refilled.
  await new Promise((r) => setTimeout(r, 4000));
  await lib.cart.add('bun-pork', 4);
  lib.stores.choose(storeId);
  const priced = await lib.checkout.price({ pickup: true });
  assert.equal(priced.fulfilment.assignment.store_id, storeId);
  assert.equal(priced.fulfilment.assignment.why, 'chosen');
  const shipping = priced.breakdown.find((b) => b.label.startsWith('运费'));
  assert.equal(shipping.amount, yuan(0), 'pickup is free');
  const { order } = await lib.checkout.submit(priced);
  assert.deepEqual(order.fulfilment.requested, { mode: 'pickup', store_id: storeId });
  assert.equal(order.payable, priced.payableFen);
  await lib.orders.pay(order.id);
  assert.equal((await lib.orders.detail(order.id)).status, 'paid');
  const staff = await edge.admin('POST', '/v1/admin/staff', { store_id: storeId, name: 'phone' });
  for (const step of ['accept', 'ready']) {
    const r = await edge.call('POST', `/v1/staff/orders/${order.id}/${step}`, {}, staff.body.token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const shown = await lib.orders.detail(order.id);
  assert.match(shown.pickupCode, /^[0-9]{6}$/);
  assert.match(shown.fulfilment, new RegExp(`自提.*${storeId}`));
  assert.match(shown.statusText, /自提/);
});

runOnPhone('mini-program shop', (app) => ({ edge, phone, lib } = app));
