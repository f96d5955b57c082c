// The mini-program's screens as a shopper sees them: each page's WXML
// rendered (wxml.cjs, strict: a binding to a field the page data does not
// have fails) with the data its real page logic set, on the phone-like
// runtime (phone.cjs) against the edge under `wrangler dev` seeded with the
// dev data. The taps go through the bindings the render found (bindtap ->
// the page's handler with the element's data-*), as a finger would.
// First the renderer itself, on small inline snippets.
// `node tests/mp-harness/screens.cjs` (SCREENS_PRINT=1 prints every screen's text)
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { test, run } = require('../lib/check.cjs');
const { startShopEdge } = require('../e2e/edge.cjs');
const { installPhone } = require('./phone.cjs');
const { launchApp, loadPage, MINIPROGRAM } = require('./app.cjs');
const { renderFile, renderString, WxmlError } = require('./wxml.cjs');

const yuan = (fen) => `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
const LABEL = 'mini-program screens (WXML + wrangler dev)';

// ------------------------------------------------------------ the renderer

const throwsAt = (fn, pattern) => assert.throws(fn, (e) => e instanceof WxmlError && pattern.test(e.message), `expected ${pattern}`);

test('wxml: text, paths, literals, operators, wx:for with index and key, taps with data-*', () => {
  const src = `<view class="page">
  <view class="card" wx:for="{{lines}}" wx:key="id" data-sku-id="{{item.id}}" bindtap="open">
    {{index + 1}}. {{item.name}} × {{item.n}} <text>{{item.n > 1 ? 'many' : "one"}}</text>
    <text wx:for="{{item.tags}}" wx:for-item="t" wx:for-index="i" wx:key="*this">[{{i}}:{{t}}]</text>
  </view>
  <view>{{lines.length}} lines, {{(2 + 3) * 2 - 10 / 5 % 3}} {{-total}} {{!flag}} {{flag && 'on' || 'off'}}</view>
  <button catchtap="{{handler}}" data-n="{{3}}">Go &amp; pay</button>
</view>`;
  const s = renderString(src, { lines: [{ id: 'a', name: 'Tea', n: 2, tags: ['x', 'y'] }, { id: 'b', name: 'Bun', n: 1, tags: [] }], total: 5, flag: false, handler: 'go' });
  assert.equal(s.text, '1. Tea × 2 many [0:x] [1:y] 2. Bun × 1 one 2 lines, 8 -5 true off Go & pay');
  assert.deepEqual(s.texts('card'), ['1. Tea × 2 many [0:x] [1:y]', '2. Bun × 1 one']);
  assert.deepEqual(s.bindings.map((b) => [b.event, b.kind, b.handler, b.dataset]), [
    ['tap', 'bind', 'open', { skuId: 'a' }], ['tap', 'bind', 'open', { skuId: 'b' }], ['tap', 'catch', 'go', { n: 3 }]]);
  const calls = [];
  const page = { open: (e) => calls.push(['open', e.currentTarget.dataset]), go: (e) => calls.push(['go', e.currentTarget.dataset]) };
  s.tap(page, { text: 'Bun' });
  s.tap(page, { handler: 'go' });
  assert.deepEqual(calls, [['open', { skuId: 'b' }], ['go', { n: 3 }]]);
  throwsAt(() => s.tap(page, { handler: 'open' }), /2 bindings match/);
  throwsAt(() => s.tap(page, { text: /nothing/ }), /0 bindings match/);
});

test('wxml: wx:if / wx:elif / wx:else, <block>, hidden, wx:for objects, a single {{}} keeps its type', () => {
  const src = `<view wx:if="{{n > 2}}">big</view><view wx:elif="{{n === 2}}">two</view><view wx:else>small</view>
<block wx:if="{{show}}"><text>a</text><text>b</text></block>
<view hidden="{{!show}}">shown</view><view hidden="{{show}}" bindtap="x">hidden</view><view hidden="false">a string hides</view>
<view wx:if="false">a string is truthy</view><view wx:if="{{false}}">never</view>
<view wx:for="{{prices}}" wx:key="*this">{{index}}={{item}}</view>
<view wx:for="{{list}}" wx:if="{{item.on}}" wx:key="id">{{item.id}}</view>`;
  const data = { n: 2, show: true, prices: { tea: '¥1.00', bun: '¥2.00' }, list: [{ id: 'x', on: false }, { id: 'y', on: true }] };
  assert.equal(renderString(src, data).text, 'two a b shown a string is truthy tea=¥1.00 bun=¥2.00 y');
  assert.equal(renderString(src, { ...data, n: 1, show: false }).text, 'small hidden a string is truthy tea=¥1.00 bun=¥2.00 y');
});

test('wxml: <import> + <template is data> with the object shorthand; <include>', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxml-'));
  try {
    fs.mkdirSync(path.join(dir, 'templates'));
    fs.writeFileSync(path.join(dir, 'templates', 't.wxml'), `<template name="badge"><text class="badge {{on ? 'on' : ''}}">{{label}}: {{count}}</text></template>
<template name="unused">{{nothing}}</template>`);
    fs.writeFileSync(path.join(dir, 'footer.wxml'), '<template name="x">not shown</template><view>footer {{who}}</view>');
    const src = `<import src="/templates/t.wxml"/>
<template is="badge" data="{{label: 'cart', count: cart.n, on}}"/>
<template is="badge" data="{{...extra, count: 0}}"/>
<include src="../footer.wxml"/>`;
    const s = renderString(src, { cart: { n: 3 }, on: true, extra: { label: 'x', on: false }, who: 'me' }, { file: path.join(dir, 'pages', 'p.wxml'), root: dir });
    assert.equal(s.text, 'cart: 3 x: 0 footer me');
    // A template sees its data only, not the page's.
    throwsAt(() => renderString(`<import src="/templates/t.wxml"/><template is="badge" data="{{label: 'a', on}}"/>`, { on: true, count: 1 }, { file: path.join(dir, 'p.wxml'), root: dir }),
      /templates\/t\.wxml:1: \{\{count\}\}: count is not in the data/);
    throwsAt(() => renderString('<template is="nope"/>', {}, { file: path.join(dir, 'p.wxml'), root: dir }), /no template named "nope"/);
    throwsAt(() => renderString('<import src="/missing.wxml"/>', {}, { file: path.join(dir, 'p.wxml'), root: dir }), /no such file/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('wxml strict: a misspelt binding fails with file, line and expression', () => {
  const src = '<view>\n  <button wx:if="{{order.canpay}}">Pay</button>\n</view>';
  throwsAt(() => renderString(src, { order: { canPay: true } }, { file: 'pages/order/order.wxml' }),
    /order\.wxml:2: wx:if="\{\{order\.canpay\}\}": order\.canpay is undefined/);
  throwsAt(() => renderString('<view>\n\n{{ totl }}</view>', { total: 1 }), /inline\.wxml:3: \{\{totl\}\}: totl is not in the data/);
  throwsAt(() => renderString('<view data-id="{{item.idd}}" wx:for="{{xs}}" wx:key="id"/>', { xs: [{ id: 1 }] }), /item\.idd is undefined/);
  throwsAt(() => renderString('<view>{{a.b.c}}</view>', { a: { b: null } }), /a\.b is null/);
  throwsAt(() => renderString('<view>{{list[5]}}</view>', { list: [] }), /list\[5\] is undefined/);
  // A dictionary lookup may be absent where it is only tested; a static name may not.
  assert.equal(renderString('<view wx:if="{{clock[id]}}">{{clock[id]}}</view><view wx:if="{{!clock[id] && x[id] === undefined}}">none</view>', { clock: {}, id: 'a', x: {} }).text, 'none');
  throwsAt(() => renderString('<view wx:if="{{clock.tick}}"/>', { clock: {} }), /clock\.tick is undefined/);
  throwsAt(() => renderString('<view>{{obj}}</view>', { obj: {} }), /renders object/);
  throwsAt(() => renderString('<view>{{n}}</view>', { n: null }), /renders null/);
  throwsAt(() => renderString('<view>{{f(1)}}</view>', { f: 1 }), /function calls are not WXML/);
  throwsAt(() => renderString('<view wx:for="{{xs}}" wx:key="id">x</view>', { xs: [{ id: 1 }, { id: 1 }] }), /wx:key="id": 1 repeats/);
  throwsAt(() => renderString('<view wx:for="{{xs}}" wx:key="sku">x</view>', { xs: [{ id: 1 }] }), /item 0 of \{\{xs\}\} has no sku/);
  throwsAt(() => renderString('<view wx:for="{{xs}}">x</view>', { xs: undefined }), /xs is undefined/);
  throwsAt(() => renderString('<view bindtap="gone">x</view>', {}, { page: { go() {} } }), /bindtap="gone": the page has no gone\(\)/);
});

test('wxml strict: unknown directives, stray wx:elif/else and malformed markup fail', () => {
  throwsAt(() => renderString('<view wx:iff="{{a}}"/>', { a: 1 }), /unknown directive wx:iff/);
  throwsAt(() => renderString('<view>a</view><view wx:else>b</view>', {}), /wx:else does not follow a wx:if/);
  throwsAt(() => renderString('<view wx:if="{{1}}">a</view>text<view wx:elif="{{1}}">b</view>', {}), /wx:elif does not follow/);
  throwsAt(() => renderString('<view wx:if="{{1}}" wx:else>a</view>', {}), /has wx:if and wx:else/);
  throwsAt(() => renderString('<view wx:key="id">a</view>', {}), /wx:key without wx:for/);
  throwsAt(() => renderString('<view wx:for="lines">{{item}}</view>', { lines: [] }), /wx:for="lines" without \{\{ \}\}/);
  throwsAt(() => renderString('<view><text>a</view></text>', {}), /<\/view> closes <text> of line 1/);
  throwsAt(() => renderString('<view>\n<text>a</text>', {}), /inline\.wxml:1: <view> is never closed/);
  throwsAt(() => renderString('<view class=on>a</view>', {}), /must be quoted/);
  throwsAt(() => renderString('<view>{{a</view>', {}), /unclosed \{\{/);
  throwsAt(() => renderString('<view>a < b</view>', {}), /malformed tag/);
  throwsAt(() => renderString('<view>{{a +}}</view>', { a: 1 }), /unexpected end of expression/);
  throwsAt(() => renderString('<wxs module="m">x</wxs>', {}), /<wxs> modules are not supported/);
  // What WXML allows: comments, bare attributes, {{}} with > and < inside text.
  assert.equal(renderString('<!-- <view>not here</view> --><scroll-view scroll-y>{{a > 1 && a < 3 ? "yes" : "no"}}</scroll-view>', { a: 2 }).text, 'yes');
});

// ----------------------------------------------------------- the screens

let phone;
let edge;
let lib;
const shown = [];

/** A page as WeChat opens it: onLoad(query), then onShow; hidden when the test ends. */
async function open(route, query) {
  const page = loadPage(route);
  if (page.onLoad) await page.onLoad(query || {});
  if (page.onShow) await page.onShow();
  shown.push(page);
  assert.equal(page.data.error || '', '', `${route}: ${page.data.error}`);
  return page;
}

function closeAll() {
  for (const page of shown.splice(0)) if (page.onHide) page.onHide();
}

/**
 * The screen of `page` at `route`: its WXML rendered with what setData left
 * (as JSON, as WeChat hands data to the view layer); every bindtap must name
 * one of the page's handlers.
 */
function screen(route, page) {
  const data = JSON.parse(JSON.stringify(page.data));
  const shot = renderFile(path.join(MINIPROGRAM, `${route}.wxml`), data, { root: MINIPROGRAM, page });
  if (process.env.SCREENS_PRINT) console.log(`[${route}] ${shot.text}`);
  return shot;
}

/** Tap on the screen, then render it again. */
async function tap(route, page, target) {
  await screen(route, page).tap(page, target);
  assert.equal(page.data.error, '', `${route} after tapping ${JSON.stringify(target)}: ${page.data.error}`);
  return screen(route, page);
}

const seed = (file) => JSON.parse(fs.readFileSync(path.join(MINIPROGRAM, '..', '..', 'edge-worker', 'seed', file), 'utf8'));

test('门店 stores: the seeded stores nearest first, each with its distance; choosing one opens the catalog', async () => {
  const route = 'pages/stores/stores';
  const page = await open(route);
  const s = screen(route, page);
  const names = seed('stores.json').stores.map((st) => st.name || st.id);
  const cards = s.bindings.filter((b) => b.handler === 'choose');
  assert.ok(cards.length >= 1, s.text);
  const km = (t) => {
    const m = /(\d+(?:\.\d+)?) (k?m)\b/.exec(t);
    assert.ok(m, `a distance in "${t}"`);
    return Number(m[1]) * (m[2] === 'km' ? 1000 : 1);
  };
  const distances = cards.map((c) => km(c.text));
  assert.deepEqual(distances, [...distances].sort((a, b) => a - b), 'nearest first');
  for (const c of cards) assert.ok(names.some((n) => c.text.includes(n)), `a seeded store name in "${c.text}"`);
  assert.match(s.text, /全部 all 配送 delivery 自提 pickup/);
  // The phone's fix is in central Shanghai: the Shanghai stores come before any other city's.
  assert.match(cards[0].dataset.id, /^sh-/);
  // The seed's store closed for renovation: greyed out with its reason, and tapping it chooses nothing.
  const closed = seed('stores.json').stores.find((st) => st.id === 'sh-xintiandi');
  assert.ok(!cards.some((c) => c.dataset.id === closed.id), 'the closed store is not offered');
  const greyed = s.texts('dim').find((t) => t.startsWith(closed.name));
  assert.ok(greyed, s.text);
  assert.match(greyed, /暂停营业/);
  throwsAt(() => s.tap(page, { text: closed.name }), /0 bindings match/);
  assert.notEqual(lib.stores.chosen(), closed.id);
  const first = cards[0].dataset.id;
  await s.tap(page, { handler: 'choose', dataset: { id: first } });
  assert.deepEqual(phone.navigations.at(-1), { type: 'switchTab', url: '/pages/catalog/catalog' });
  const pickup = await tap(route, page, { handler: 'setMode', text: '自提 pickup' });
  assert.ok(pickup.bindings.some((b) => b.handler === 'choose'), pickup.text);
});

test('商品 catalog: categories, prices, the lotus mooncake at its flash-sale ¥68.00, the blue cup in a group buy; picking a spec and adding to the cart by tapping', async () => {
  const route = 'pages/catalog/catalog';
  const page = await open(route);
  let s = screen(route, page);
  assert.deepEqual(s.texts('category'), ['tea', 'bakery', 'home']);
  assert.deepEqual(s.texts('card').map((t) => t.split(' ¥')[0].replace(/ weight.*/, '')), ['Jasmine tea 茉莉花茶', 'Tieguanyin oolong 铁观音 pack gift box']);
  assert.match(s.texts('card')[0], /^Jasmine tea 茉莉花茶 weight 250g 500g ¥48\.00 加入购物车$/);
  s = await tap(route, page, { handler: 'add', dataset: { product: 'p-jasmine' } });
  assert.match(s.text, /已加入购物车 added 250g/);
  s = await tap(route, page, { handler: 'showCategory', text: 'bakery' });
  const mooncake = () => s.texts('card').find((t) => t.startsWith('Mooncake box'));
  assert.match(mooncake(), /count 6 filling lotus seed red bean ¥68\.00 ¥128\.00 秒杀 flash sale 加入购物车 距结束 ends in \S/);
  // Pick red bean: the list price, no flash sale; back to lotus seed.
  s = await tap(route, page, { handler: 'pickSpec', dataset: { product: 'p-mooncake', value: 'red bean' } });
  assert.match(mooncake(), /red bean ¥98\.00 加入购物车$/);
  s = await tap(route, page, { handler: 'pickSpec', dataset: { product: 'p-mooncake', value: 'lotus seed' } });
  assert.match(mooncake(), /¥68\.00 ¥128\.00 秒杀 flash sale/);
  s = await tap(route, page, { handler: 'add', dataset: { product: 'p-mooncake' } });
  assert.match(s.text, /已加入购物车 added 6 \/ lotus seed/);
  s = await tap(route, page, { handler: 'add', dataset: { product: 'p-bun' } });
  assert.match(s.texts('card').find((t) => t.startsWith('Pork bun')), /^Pork bun 肉包 ¥3\.50 加入购物车$/);
  s = await tap(route, page, { handler: 'showCategory', text: 'home' });
  assert.match(s.texts('card').find((t) => t.startsWith('Celadon cup')), /^Celadon cup 青瓷杯 colour blue green ¥49\.00 ¥59\.00 拼团 group buy 加入购物车 再邀 3 人 ¥39\.00/);
  const { client } = await lib.shop.start();
  assert.deepEqual(client.cartView().cart.lines.map((l) => [l.sku_id, l.quantity]), [['jasmine-250g', 1], ['mooncake-lotus', 1], ['bun-pork', 1]]);
});

async function until(probe, what) {
  const deadline = Date.now() + 10000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('商品 catalog from the phone\'s copy first: shown at once when the edge fails (500), said so; a newer publication replaces it once the edge answers', async () => {
  const route = 'pages/catalog/catalog';
  const oolong = (page) => screen(route, page).texts('card').find((t) => t.startsWith('Tieguanyin oolong'));
  phone.setFault((o) => (o.url.includes('/v1/catalog') ? { statusCode: 500, data: '<html>500 Internal Server Error</html>' } : null));
  try {
    const page = await open(route);
    assert.equal(page.data.source, 'cache', 'the kept copy, without waiting for the edge');
    assert.match(oolong(page), /¥168\.00/);
    await until(() => page.data.notice, 'the failed revalidation');
    assert.equal(page.data.error, '');
    assert.match(screen(route, page).text, /The shop could not be reached \(HTTP_500\): showing the saved catalog/);
    assert.match(oolong(page), /¥168\.00/, 'the kept copy stays');
  } finally {
    phone.setFault(null);
  }
  const storefront = seed('storefront.json');
  const cheaper = JSON.parse(JSON.stringify(storefront));
  cheaper.catalog.version = `${storefront.catalog.version}-oolong`;
  cheaper.catalog.products.find((p) => p.id === 'p-oolong').skus[0].list_price = 15800;
  assert.equal((await edge.admin('PUT', '/v1/admin/catalog', cheaper)).status, 200);
  try {
    const page = await open(route);
    assert.equal(page.data.source, 'cache');
    assert.match(oolong(page), /¥168\.00/, 'the kept copy at once');
    await until(() => page.data.source === 'edge', 'the revalidation');
    assert.equal(page.data.notice, '');
    assert.match(oolong(page), /¥158\.00/, 'the new publication replaced it');
  } finally {
    assert.equal((await edge.admin('PUT', '/v1/admin/catalog', storefront)).status, 200);
    await lib.catalog.load();
  }
  assert.ok(phone.requests.every((r) => r.timeout <= 10000), `a short request timeout: ${JSON.stringify(phone.requests.find((r) => r.timeout > 10000))}`);
});

/** The core's quote of the cart's selected lines (what the totals must equal). */
async function coreQuote() {
  const { core, client } = await lib.shop.start();
  const request = { ...lib.catalog.pricingBase(await lib.catalog.current()), lines: lib.cart.selectedLines(client.cartView().cart) };
  return core.call('quote', request);
}

test('购物车 cart: the lines with their prices, the total is the core quote; unticking a line by tapping takes it out of the total', async () => {
  const route = 'pages/cart/cart';
  const page = await open(route);
  let s = screen(route, page);
  assert.deepEqual(s.texts('card'), [
    '☑ Jasmine tea 茉莉花茶 250g ¥48.00 － 1 ＋ ¥48.00',
    '☑ Mooncake box 月饼礼盒 6 / lotus seed ¥68.00 － 1 ＋ ¥68.00',
    '☑ Pork bun 肉包 ¥3.50 － 1 ＋ ¥3.50',
  ]);
  const money = (fen) => yuan(fen).replace('.', '\\.');
  const totals = () => s.texts('totals')[0];
  const all = await coreQuote();
  assert.equal(all.subtotal, 11950);
  const discounts = all.discounts.length;
  assert.match(totals(), new RegExp(`^商品金额 subtotal ${money(all.subtotal)} .*合计 total 不含运费 excl\\. shipping ${money(all.goods_payable)} 全选 select all 去结算 Checkout$`));
  assert.equal(s.texts('totals')[0].split(' ').filter((w) => w.startsWith('¥')).length, 2 + discounts, 'subtotal, one amount per discount, total');
  s = await tap(route, page, { handler: 'toggle', dataset: { index: 2 } });
  assert.equal(s.texts('card')[2], '☐ Pork bun 肉包 ¥3.50 － 1 ＋ ¥3.50', 'unticked, the line keeps its price');
  const without = await coreQuote();
  assert.equal(without.subtotal, 11600);
  assert.match(totals(), new RegExp(`合计 total 不含运费 excl\\. shipping ${money(without.goods_payable)} `));
  s = await tap(route, page, { handler: 'plus', dataset: { index: 2 } });
  assert.equal(s.texts('card')[2], '☐ Pork bun 肉包 ¥3.50 － 2 ＋ ¥7.00');
  s = await tap(route, page, { handler: 'minus', dataset: { index: 2 } });
  s = await tap(route, page, { handler: 'toggle', dataset: { index: 2 } });
  assert.match(totals(), new RegExp(`合计 total 不含运费 excl\\. shipping ${money(all.goods_payable)} `));
  await s.tap(page, { handler: 'checkout' });
  assert.deepEqual(phone.navigations.at(-1), { type: 'navigateTo', url: '/pages/checkout/checkout' });
});

test('购物车 cart offline: the status strip says so and counts the pending change', async () => {
  const route = 'pages/cart/cart';
  const page = await open(route);
  phone.setOnline(false);
  try {
    await tap(route, page, { handler: 'plus', dataset: { index: 2 } });
    const deadline = Date.now() + 5000;
    while (!screen(route, page).texts('status').length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(screen(route, page).texts('status')[0] || '', /offline|离线/);
    await tap(route, page, { handler: 'minus', dataset: { index: 2 } });
  } finally {
    phone.setOnline(true);
  }
  const deadline = Date.now() + 20000;
  while ((await lib.cart.pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await lib.cart.pending(), 0, 'the changes synced once back online');
});

let placed;

test('结算 checkout: lines, breakdown and payable as the core and the edge price them; claiming a coupon and placing the order by tapping pays it', async () => {
  const route = 'pages/checkout/checkout';
  const page = await open(route);
  let s = screen(route, page);
  assert.deepEqual(s.texts('row').slice(0, 3).map((t) => t.replace(/ ¥[\d.]+$/, '')), ['Jasmine tea 茉莉花茶 × 1', 'Mooncake box 月饼礼盒 × 1', 'Pork bun 肉包 × 1']);
  const check = async () => {
    const { priced } = page.data;
    const { core } = await lib.shop.start();
    const quote = core.call('quote', priced.request);
    assert.equal(priced.payable, yuan(quote.payable));
    const atEdge = await edge.call('POST', '/v1/quote', priced.request);
    assert.equal(atEdge.status, 200, JSON.stringify(atEdge.body));
    assert.equal(priced.payable, yuan(atEdge.body.payable));
    const card = s.texts('card').find((t) => t.startsWith('商品金额 goods'));
    assert.equal(card, [`商品金额 goods ${yuan(quote.subtotal)}`, ...priced.breakdown.slice(1).map((b) => `${b.label} ${b.amount}`), `应付 payable ${yuan(quote.payable)}`].join(' '));
    assert.ok(card.includes(`运费 shipping${quote.shipping.free_shipping ? ' (包邮 free)' : ''} ${yuan(quote.shipping.fee)}`), card);
    return quote;
  };
  const before = await check();
  const claimable = s.bindings.filter((b) => b.handler === 'claim').map((b) => b.dataset.id);
  assert.ok(claimable.includes('welcome-10'), s.text);
  s = await tap(route, page, { handler: 'claim', dataset: { id: 'welcome-10' } });
  assert.ok(!s.bindings.some((b) => b.handler === 'claim' && b.dataset.id === 'welcome-10'), 'claimed: no longer offered');
  const coupon = s.bindings.find((b) => b.handler === 'toggleCoupon' && b.dataset.id === 'welcome-10');
  assert.ok(coupon, s.text);
  assert.match(coupon.text, /^☑ .* 已选 −¥10\.00$/);
  const after = await check();
  assert.equal(after.payable, before.payable - 1000);
  s = await tap(route, page, { handler: 'submit', text: '提交订单 Place order' });
  const to = phone.navigations.at(-1);
  assert.equal(to.type, 'redirectTo');
  placed = { id: decodeURIComponent(to.url.split('id=')[1]), payable: yuan(after.payable) };
});

test('订单 order: after paying, the order shows paid with its lines and payable, and offers neither pay nor cancel', async () => {
  assert.ok(placed, 'the checkout test placed an order');
  const route = 'pages/order/order';
  const page = await open(route, { id: placed.id });
  const s = screen(route, page);
  assert.match(s.text, new RegExp(`^${placed.id} 已付款 paid \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d Jasmine tea 茉莉花茶 × 1 ¥\\d+\\.\\d\\d Mooncake box 月饼礼盒 × 1 ¥\\d+\\.\\d\\d Pork bun 肉包 × 1 ¥\\d+\\.\\d\\d 应付 payable ${placed.payable.replace('.', '\\.')}$`));
  assert.deepEqual(s.bindings.map((b) => b.handler), []);
  // The same page with the pay button's binding misspelt: the render fails, naming it.
  const file = path.join(MINIPROGRAM, `${route}.wxml`);
  const source = fs.readFileSync(file, 'utf8');
  assert.ok(source.includes('{{order.canPay}}'));
  throwsAt(() => renderString(source.replace('{{order.canPay}}', '{{order.canpay}}'), JSON.parse(JSON.stringify(page.data)), { file, root: MINIPROGRAM }),
    /order\.wxml:\d+: wx:if="\{\{order\.canpay\}\}": order\.canpay is undefined/);
});

test('订单 orders: the list shows the paid order; tapping it opens it', async () => {
  const route = 'pages/orders/orders';
  const page = await open(route);
  const s = screen(route, page);
  const card = s.bindings.find((b) => b.handler === 'open' && b.dataset.id === placed.id);
  assert.ok(card, s.text);
  assert.match(card.text, new RegExp(`^${placed.id} 已付款 paid \\S+ \\S+ ${placed.payable.replace('.', '\\.')}$`));
  await s.tap(page, { dataset: { id: placed.id } });
  assert.deepEqual(phone.navigations.at(-1), { type: 'navigateTo', url: `/pages/order/order?id=${encodeURIComponent(placed.id)}` });
});

test('购物车 cart after the order: the ordered lines left, the empty cart says so', async () => {
  const route = 'pages/cart/cart';
  const page = await open(route);
  const s = screen(route, page);
  assert.equal(s.text, '购物车是空的 Your cart is empty');
});

test('index and about (the core subpackage): the demo cart priced by the core, the core\'s operations', async () => {
  const index = screen('pages/index/index', await open('pages/index/index'));
  assert.match(index.text, /^(\S.* ¥\d+\.\d\d × \d+ ¥\d+\.\d\d )+小计 Subtotal ¥\d+\.\d\d 应付 Payable ¥\d+\.\d\d commerce-core \d+\.\d+\.\d+$/);
  const about = screen('wasm/pages/about/about', await open('wasm/pages/about/about'));
  assert.match(about.text, /^commerce-core \d+\.\d+\.\d+ .*\bquote\b/);
  assert.ok(about.texts('op').includes('stores_nearest'), about.text);
});

(async () => {
  edge = await startShopEdge(); // before the phone: the harness removes fetch
  phone = installPhone({ packageRoot: MINIPROGRAM, platform: 'wechat' });
  globalThis.App = () => {};
  lib = launchApp(edge.url);
  try {
    await run(LABEL);
  } finally {
    closeAll();
    await edge.stop();
    process.exit(); // the app's timers (network watch, sync retries) would keep it alive
  }
})().catch((e) => {
  console.log(`FAIL ${LABEL}: ${(e && e.stack) || e}`);
  console.log(`${LABEL}: 0 passed, 1 failed`);
  process.exit(1);
});
