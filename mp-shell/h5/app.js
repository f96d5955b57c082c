// The H5 preview: the mini-program's page logic (lib/, loaded unchanged by
// cjs.js) on the web wasm package, rendered as plain HTML. One view per
// mini-program page, switched by the URL hash (#/stores, #/catalog, #/cart,
// #/checkout, #/orders, #/order/<id>).
//
// Invariants: views only render what lib/ returns and pass taps back to it
// (no price, cart or coupon logic here); every string is escaped; an error
// is shown as "CODE: message" in the view, never thrown at the shopper.
import { load, require } from './cjs.js';
import { webPlatform } from './web-platform.js';

const LIB = ['platform.js', 'config.js', 'format.js', 'network.js', 'api.js', 'session.js', 'shop.js', 'catalog.js',
  'cart.js', 'stores.js', 'status.js', 'checkout.js', 'orders.js'];
await load('./lib', LIB);
require('platform.js').use(webPlatform());
const network = require('network.js');
const status = require('status.js');
const stores = require('stores.js');
const catalog = require('catalog.js');
const cart = require('cart.js');
const checkout = require('checkout.js');
const orders = require('orders.js');
const shop = require('shop.js');
const { countdown, errorText } = require('format.js');

const view = document.getElementById('view');
const strip = document.getElementById('status');

/** Escaped HTML: h`...` escapes every value except nested h`` results (and arrays of them). */
class Html {
  constructor(text) { this.text = text; }
  toString() { return this.text; }
}
function h(strings, ...values) {
  const one = (v) => (v instanceof Html ? v.text : String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`));
  return new Html(strings.reduce((out, s, i) => out + [].concat(values[i - 1]).map(one).join('') + s));
}
const check = (on) => (on ? '☑' : '☐');

// Per-view state the shopper changes by tapping.
const ui = { mode: '', picked: {}, categories: [], current: 0, couponIds: null, usePoints: false, priced: null, notice: '', toast: '', submitting: false, pickup: false };

let shown = 0;

/** Render into the view; only the latest call paints (renders are async and may finish out of order). */
async function show(render) {
  const mine = ++shown;
  let html;
  try {
    html = await render();
  } catch (e) {
    html = h`<div class="error" data-testid="error">${errorText(e)}</div>`;
  }
  if (mine === shown) view.innerHTML = String(html);
}

const views = {
  async stores(point) {
    const found = await stores.nearby({ mode: ui.mode, point });
    const chosen = stores.chosen();
    const mode = (m, label) => h`<button data-action="mode" data-mode="${m}" class="${ui.mode === m ? 'on' : ''}">${label}</button>`;
    return h`<div class="tabs">${[mode('', '全部 all'), mode('delivery', '配送 delivery'), mode('pickup', '自提 pickup')]}</div>
      ${found.notice ? h`<div class="warn" data-testid="stores-notice">${found.notice}</div>`
    : found.source === 'cache' ? h`<div class="muted">离线门店数据 saved store list</div>` : ''}
      ${found.stores.map((s) => h`<div class="card store ${s.id === chosen ? 'chosen' : ''}" data-action="store" data-id="${s.id}">
        <div class="row"><span class="strong">${s.name}</span><span>${s.distance}</span></div>
        <div class="muted">${s.address}</div>
        <div class="row"><span class="ok">${s.status}</span><span class="muted">${s.services}</span></div></div>`)}
      ${found.unavailable.length ? h`<div class="section">附近暂不可用 nearby, not available now</div>` : ''}
      ${found.unavailable.map((s) => h`<div class="card dim"><div class="row"><span>${s.name}</span><span>${s.distance}</span></div>
        <div class="warn">${s.status}</div></div>`)}`;
  },

  async catalog() {
    const { categories, source } = await catalog.view();
    ui.categories = categories;
    for (const c of categories) for (const p of c.products) if (!ui.picked[p.id]) ui.picked[p.id] = p.skus[0];
    const current = categories[ui.current] || categories[0] || { products: [] };
    return h`${source === 'cache' ? h`<div class="muted">离线商品数据 saved catalog</div>` : ''}
      ${ui.toast ? h`<div class="ok" data-testid="toast">${ui.toast}</div>` : ''}
      <div class="catalog"><div class="sidebar">${categories.map((c, i) => h`<button data-action="category" data-index="${i}" class="${c === current ? 'on' : ''}">${c.name}</button>`)}</div>
      <div class="products">${current.products.map((p) => {
        const sku = ui.picked[p.id];
        return h`<div class="card product" data-product="${p.id}"><div class="strong">${p.name}</div>
          ${p.specs.map((spec) => h`<div><span class="muted">${spec.name}</span> ${spec.values.map((v) => h`<button class="spec ${sku.spec[spec.name] === v ? 'on' : ''}" data-action="spec" data-product="${p.id}" data-name="${spec.name}" data-value="${v}">${v}</button>`)}</div>`)}
          <div class="row"><span><span class="price" data-testid="price">${sku.price}</span>${sku.listPrice ? h`<span class="strike">${sku.listPrice}</span>` : ''}${sku.activity ? h`<span class="badge">${sku.activity}</span>` : ''}</span>
          <button class="buy" data-action="add" data-product="${p.id}">加入购物车</button></div>
          ${sku.endsAt ? h`<div class="warn">距结束 ends in <span data-ends="${sku.endsAt}">${countdown(sku.endsAt - Date.now() / 1000)}</span></div>` : ''}
          ${sku.groupHint ? h`<div class="muted">${sku.groupHint}</div>` : ''}</div>`;
      })}</div></div>`;
  },

  async cart() {
    const c = await cart.view();
    const line = (l, i, valid) => h`<div class="card ${valid ? 'line' : 'dim invalid'}" data-sku="${l.sku_id}">
      <div class="row">${valid ? h`<button data-action="toggle" data-index="${i}">${check(l.selected)}</button>` : ''}
        <span class="grow"><span class="strong">${l.name}</span> <span class="muted">${l.specText}</span></span><span>${l.unitPrice}</span></div>
      <div class="row">${valid ? h`<span><button data-action="minus" data-index="${i}">－</button> <span data-testid="qty">${l.quantity}</span> <button data-action="plus" data-index="${i}">＋</button></span>` : h`<span>× ${l.quantity}</span>`}
        <span class="strong">${l.total}</span></div>
      ${l.warnings.map((w) => h`<div class="warn">${w}</div>`)}</div>`;
    ui.cartLines = c.lines;
    if (!c.lines.length && !c.invalid.length) return '<div class="muted">购物车是空的 Your cart is empty</div>';
    return h`${c.lines.map((l, i) => line(l, i, true))}
      ${c.invalid.length ? h`<div class="section">失效商品 unavailable <button data-action="clear-invalid">清空 clear</button></div>` : ''}
      ${c.invalid.map((l, i) => line(l, i, false))}
      <div class="card"><div class="row"><span>商品金额 subtotal</span><span>${c.subtotal}</span></div>
      ${c.discounts.map((d) => h`<div class="row"><span>${d.label}</span><span>${d.amount}</span></div>`)}
      <div class="row strong"><span>合计 total <span class="muted">不含运费 excl. shipping</span></span><span class="price" data-testid="cart-total">${c.goodsPayable}</span></div>
      <div class="row"><button data-action="select-all">全选 select all</button><button class="buy" data-action="go" data-to="checkout">去结算 Checkout</button></div></div>`;
  },

  async checkout() {
    const p = await checkout.price({ couponIds: ui.couponIds, usePoints: ui.usePoints, pickup: ui.pickup });
    ui.priced = p;
    return checkoutHtml(p);
  },

  async orders() {
    const list = await orders.list();
    if (!list.length) return '<div class="muted">还没有订单 No orders yet</div>';
    return h`${list.map((o) => h`<div class="card order" data-action="go" data-to="order/${o.id}">
      <div class="row"><span class="strong">${o.id}</span><span data-testid="order-status">${o.statusText}</span></div>
      <div class="row"><span class="muted">${o.createdAt}</span><span class="price">${o.payable}</span></div></div>`)}`;
  },

  async order(id) {
    const o = await orders.detail(id);
    return orderHtml(o);
  },
};

function checkoutHtml(p) {
  const serving = p.fulfilment && p.fulfilment.assignment;
  return h`${ui.notice ? h`<div class="warn" data-testid="notice">${ui.notice}</div>` : ''}
    <div class="card row" data-action="pickup"><span>${check(ui.pickup)} 到店自提 pick up at my store</span>
      <span class="muted" data-testid="serving-store">${serving ? `${serving.store_id} · 免运费 no fee` : '快递 shipped'}</span></div>
    <div class="card">${p.lines.map((l) => h`<div class="row"><span>${l.name} × ${l.quantity}</span><span>${l.payable}</span></div>`)}</div>
    <div class="section">优惠券 Coupons <button data-action="best">${ui.couponIds ? '恢复最优 use the best' : '已为您选择最优优惠 best picked for you'}</button></div>
    <div class="card">${p.coupons.map((c) => h`<div class="row coupon" data-action="coupon" data-id="${c.id}" data-applied="${c.applied}">
      <span>${check(c.applied)} ${c.title}</span><span class="muted">${c.note}</span></div>`)}</div>
    ${p.claimable.length ? h`<div class="card">${p.claimable.map((c) => h`<div class="row"><span>${c.title}</span>
      <button data-action="claim" data-id="${c.id}">领取 claim</button></div>`)}</div>` : ''}
    <div class="card row" data-action="points"><span>${check(ui.usePoints)} 积分抵扣 use points</span>
      <span class="muted">${p.points.used} 分 −${p.points.deduction} (可用 ${p.points.allowed})</span></div>
    <div class="card">${p.breakdown.map((b) => h`<div class="row"><span>${b.label}</span><span>${b.amount}</span></div>`)}
      <div class="row strong"><span>应付 payable</span><span class="price" data-testid="payable">${p.payable}</span></div></div>
    ${p.hints.map((t) => h`<div class="hint">${t}</div>`)}
    <button class="buy" data-action="submit">提交订单 Place order</button>`;
}

function orderHtml(o) {
  return h`<div class="card"><div class="row"><span class="strong" data-testid="order-id">${o.id}</span><span data-testid="order-status">${o.statusText}</span></div>
    <div class="muted">${o.createdAt}</div>
    ${o.fulfilment ? h`<div class="muted" data-testid="order-fulfilment">${o.fulfilment}</div>` : ''}
    ${o.tracking ? h`<div class="row"><span>物流单号 tracking</span><span data-testid="tracking">${o.tracking}</span></div>` : ''}
    ${o.pickupCode ? h`<div class="row strong"><span>取货码 pickup code</span><span class="price" data-testid="pickup-code">${o.pickupCode}</span></div>` : ''}
    ${o.lines.map((l) => h`<div class="row"><span>${l.name} × ${l.quantity}</span><span>${l.payable}</span></div>`)}
    <div class="row strong"><span>应付 payable</span><span class="price">${o.payable}</span></div></div>
    ${o.canPay ? h`<button class="buy" data-action="pay" data-id="${o.id}">去支付 Pay</button>` : ''}
    ${o.cancellable ? h`<button data-action="cancel" data-id="${o.id}">取消订单 Cancel order</button>` : ''}
    ${o.canConfirm ? h`<button class="buy" data-action="confirm" data-id="${o.id}">确认收货 Confirm receipt</button>` : ''}
    <div><a href="#/orders">全部订单 all orders</a></div>`;
}

function route() {
  const [name, ...rest] = location.hash.replace(/^#\//, '').split('/');
  const page = views[name] ? name : 'stores';
  for (const a of document.querySelectorAll('.tabbar a')) a.classList.toggle('on', a.dataset.tab === page);
  return show(() => views[page](...rest.map(decodeURIComponent)));
}

const go = (to) => { location.hash = `#/${to}`; };
const rerender = () => route();
const cartLine = (d) => ui.cartLines[Number(d.index)];
const actions = {
  mode: (d) => { ui.mode = d.mode; return rerender(); },
  store: (d) => { stores.choose(d.id); go('catalog'); },
  category: (d) => { ui.current = Number(d.index); return rerender(); },
  spec: (d) => {
    const product = ui.categories.flatMap((c) => c.products).find((p) => p.id === d.product);
    ui.picked[d.product] = catalog.skuFor(product, { ...ui.picked[d.product].spec, [d.name]: d.value })
      || catalog.skuFor(product, { [d.name]: d.value }) || ui.picked[d.product];
    return rerender();
  },
  add: async (d) => {
    const sku = ui.picked[d.product];
    await cart.add(sku.id, 1);
    ui.toast = `已加入购物车 added ${sku.specText || sku.id}`;
    return rerender();
  },
  toggle: (d) => show(async () => { await cart.toggle(cartLine(d)); return views.cart(); }),
  plus: (d) => show(async () => { await cart.step(cartLine(d), 1); return views.cart(); }),
  minus: (d) => show(async () => { await cart.step(cartLine(d), -1); return views.cart(); }),
  'select-all': () => show(async () => { await cart.selectAll(true); return views.cart(); }),
  'clear-invalid': () => show(async () => { await cart.clearInvalid(); return views.cart(); }),
  go: (d) => go(d.to),
  coupon: (d) => {
    const ids = ui.priced.appliedIds;
    ui.couponIds = d.applied === 'true' ? ids.filter((c) => c !== d.id) : [...ids, d.id];
    return rerender();
  },
  claim: async (d) => {
    await checkout.claim(d.id);
    return rerender();
  },
  best: () => { ui.couponIds = null; return rerender(); },
  points: () => { ui.usePoints = !ui.usePoints; return rerender(); },
  pickup: () => { ui.pickup = !ui.pickup; return rerender(); },
  // A tap while the order is on its way is ignored; a tap after a lost
  // answer retries the same attempt (lib/checkout.js keeps its key).
  submit: async () => {
    if (ui.submitting) return undefined;
    ui.submitting = true;
    try {
      const result = await checkout.submit(ui.priced);
      if (result.priceChanged) {
        ui.notice = '价格已变动，请确认新价格 The price changed: please check the new total';
        ui.priced = { ...ui.priced, ...result.priceChanged };
        return show(() => checkoutHtml(ui.priced));
      }
      ui.notice = '';
      ui.couponIds = null;
      // Pay at once, as a mall does; unpaid (sandbox refused), the order page offers to pay again.
      try {
        await orders.pay(result.order.id);
      } finally {
        go(`order/${result.order.id}`);
      }
      return undefined;
    } finally {
      ui.submitting = false;
    }
  },
  pay: (d) => show(async () => orderHtml(await orders.pay(d.id))),
  cancel: (d) => show(async () => orderHtml(await orders.cancel(d.id))),
  confirm: (d) => show(async () => orderHtml(await orders.confirm(d.id))),
};

document.addEventListener('click', (e) => {
  const el = e.target.closest('[data-action]');
  if (!el || !actions[el.dataset.action]) return;
  e.preventDefault();
  Promise.resolve(actions[el.dataset.action](el.dataset)).catch((err) => {
    view.insertAdjacentHTML('afterbegin', h`<div class="error" data-testid="error">${errorText(err)}</div>`);
  });
});
window.addEventListener('hashchange', () => {
  ui.toast = '';
  route();
});
setInterval(() => {
  for (const el of document.querySelectorAll('[data-ends]')) el.textContent = countdown(Number(el.dataset.ends) - Date.now() / 1000);
}, 1000);

// For tests and curious developers: what the checkout priced, who is shopping.
window.__h5 = {
  lastCheckoutRequest: () => ui.priced && ui.priced.request,
  identity: async () => ({ token: (shop.kept.get('shop:session') || {}).token, clientId: (await shop.start()).client.clientId() }),
};

network.watchHost();
cart.watch();
status.watch((s) => {
  strip.hidden = !s.text;
  strip.textContent = s.text;
  strip.className = `status ${s.online ? '' : 'offline'}`;
});
route();
