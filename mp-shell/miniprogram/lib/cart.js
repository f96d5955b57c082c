// 购物车 cart: what the shopper put in, kept by the wasm Client (applied and
// checked at once against the cached catalog, persisted, pending until the
// edge has it — docs/sync.md), and priced by the core's quote with the
// catalog's rules.
//
// Invariants:
// - every change is a core cart operation through Client.apply; JS never
//   edits a line, a quantity or a price;
// - a change the cart refuses throws the core's error (code, message) and
//   changes nothing; a change made offline stays pending and is pushed when
//   the network returns (network.js), at most one push at a time;
// - the totals shown are the core's quote of the selected valid lines; an
//   unticked line shows its own price (a quote of the unticked lines alone).
const platform = require('./platform.js');
const api = require('./api.js');
const shop = require('./shop.js');
const catalog = require('./catalog.js');
const session = require('./session.js');
const network = require('./network.js');
const { yuan, discount } = require('./format.js');

const RETRY_MS = 5000;
const WARNINGS = {
  OUT_OF_STOCK: () => '已售罄 out of stock',
  NOT_ENOUGH_STOCK: (w) => `库存仅剩 ${w.available}，已改为 ${w.quantity} · only ${w.available} left`,
  LIMIT_EXCEEDED: (w) => `限购 ${w.limit} 件 · limit ${w.limit} per customer`,
  PRICE_CHANGED: (w) => `价格变动 ${yuan(w.old_price)} → ${yuan(w.new_price)} · price changed`,
  UNAVAILABLE: () => '已下架 no longer sold',
};

function warningText(w) {
  return (WARNINGS[w.code] || (() => w.message))(w);
}

function keyOf(line) {
  return { sku_id: line.sku_id, ...(line.activity_id ? { activity_id: line.activity_id } : {}) };
}

/** Lines the checkout prices: the selected valid ones, as quote lines. */
function selectedLines(cart) {
  return cart.lines.filter((l) => l.selected !== false).map((l) => ({ sku_id: l.sku_id, quantity: l.quantity }));
}

function row(labels, warnings, line, priced) {
  const label = labels[line.sku_id] || { name: line.sku_id, specText: '' };
  return {
    ...keyOf(line),
    key: `${line.sku_id}|${line.activity_id || ''}`,
    name: label.name,
    specText: label.specText,
    quantity: line.quantity,
    selected: line.selected !== false,
    unitPrice: priced ? yuan(priced.unit_price) : '',
    total: priced ? yuan(priced.total) : '',
    warnings: [...new Set(warnings.filter((w) => w.sku_id === line.sku_id).map(warningText))],
  };
}

/** The number of changes the edge has not confirmed yet. */
async function pending() {
  const { client } = await shop.start();
  return client.pendingCount();
}

/**
 * The warnings of the last change or sync answer (the edge's: a new price,
 * sold out since), shown on their lines until the next one: the client has
 * already taken the new price, so its own view no longer reports it.
 */
let notices = [];

/**
 * The cart page's data: {lines, invalid, subtotal, discounts: [{label,
 * amount}], goodsPayable (before shipping), quantity, pending}. Line
 * warnings: the last change's or sync answer's, and the view's own.
 */
async function view() {
  const { core, client } = await shop.start();
  const body = await catalog.current();
  const cartView = client.cartView();
  const warnings = [...notices, ...cartView.warnings];
  const lines = selectedLines(cartView.cart);
  const base = catalog.pricingBase(body);
  const quote = lines.length ? core.call('quote', { ...base, lines }) : null;
  // Unticked lines still show their price: the core's quote of them on their own.
  const unticked = cartView.cart.lines.filter((l) => l.selected === false).map((l) => ({ sku_id: l.sku_id, quantity: l.quantity }));
  const aside = unticked.length ? core.call('quote', { ...base, lines: unticked }).lines : [];
  const labels = catalog.skuLabels(body);
  const priced = quote ? quote.lines : [];
  let next = 0;
  let nextAside = 0;
  return {
    lines: cartView.cart.lines.map((l) => row(labels, warnings, l, l.selected !== false ? priced[next++] : aside[nextAside++])),
    invalid: (cartView.cart.invalid_lines || []).map((l) => row(labels, warnings, l, null)),
    quantity: cartView.totals.quantity,
    subtotal: yuan(quote ? quote.subtotal : 0),
    discounts: quote ? quote.discounts.map((d) => discount(d)) : [],
    goodsPayable: yuan(quote ? quote.goods_payable : 0),
    pending: client.pendingCount(),
  };
}

const listeners = [];

/** fn(pendingCount) after every change and every sync; returns the unsubscriber. */
function subscribe(fn) {
  listeners.push(fn);
  return () => listeners.splice(listeners.indexOf(fn) >>> 0, 1);
}

function changed(client) {
  const count = client.pendingCount();
  for (const fn of listeners.slice()) fn(count);
}

/** `op`: a cart operation, or client => operation, read from the cart as it is when applied. */
async function mutate(op) {
  const { client } = await shop.start();
  notices = client.apply(typeof op === 'function' ? op(client) : op).warnings;
  changed(client);
  sync().catch(() => {}); // offline: stays pending, pushed when the network returns
  return view();
}

let pushing = null;
let queued = null;
let retry = null;

/** While the edge is unreachable or changes wait, try again in RETRY_MS. */
function retryLater() {
  if (retry) return;
  retry = setTimeout(() => {
    retry = null;
    sync().catch(() => {});
  }, RETRY_MS);
}

/**
 * Push pending changes (and pull the edge's cart). One push at a time: a
 * call while one runs queues one more push after it (changes made during a
 * push go out right after). Resolves to the edge's warnings, or rejects with
 * the api error (NETWORK_ERROR offline: nothing is lost, a retry is
 * scheduled — a phone or browser may say "online" while the edge is down).
 */
function sync() {
  if (pushing) {
    if (!queued) queued = pushing.catch(() => {}).then(() => { queued = null; return sync(); });
    return queued;
  }
  pushing = (async () => {
    const { client } = await shop.start();
    const push = JSON.parse(client.syncPayload());
    try {
      const answer = await api.post(`/v1/cart/sync?client_id=${encodeURIComponent(client.clientId())}`, push);
      notices = client.applySyncResponse(answer).warnings;
      changed(client);
      if (client.pendingCount()) retryLater();
      return notices.map(warningText);
    } catch (e) {
      if (e.code === 'NETWORK_ERROR') retryLater();
      throw e;
    }
  })();
  pushing.then(() => { pushing = null; }, () => { pushing = null; });
  return pushing;
}

/** Start following the network (push when it comes back) and logins. */
function watch() {
  network.subscribe((online) => {
    if (online) sync().catch(() => {});
  });
  session.onLogin(async () => {
    const { client } = await shop.start();
    client.login(await platform.get().randomId());
    await sync().catch(() => {});
  });
}

/**
 * A stepper tap: one more (delta 1) or one less (-1; the last one removes
 * the line), counted from the cart as it is, not as the page last drew it,
 * so fast taps all count.
 */
function step(line, delta) {
  return mutate((client) => {
    const now = client.cartView().cart.lines.find((l) => l.sku_id === line.sku_id && (l.activity_id || '') === (line.activity_id || ''));
    const quantity = (now ? now.quantity : line.quantity) + delta;
    return quantity > 0 ? { type: 'set_quantity', ...keyOf(line), quantity } : { type: 'remove', ...keyOf(line) };
  });
}

module.exports = {
  step,
  view,
  pending,
  subscribe,
  sync,
  watch,
  selectedLines,
  add: (skuId, quantity = 1) => mutate({ type: 'add', sku_id: skuId, quantity }),
  setQuantity: (line, quantity) => mutate({ type: 'set_quantity', ...keyOf(line), quantity }),
  remove: (line) => mutate({ type: 'remove', ...keyOf(line) }),
  toggle: (line) => mutate({ type: line.selected ? 'unselect' : 'select', ...keyOf(line) }),
  selectAll: (on) => mutate({ type: on ? 'select_all' : 'unselect_all' }),
  clearInvalid: () => mutate({ type: 'clear_invalid' }),
};
