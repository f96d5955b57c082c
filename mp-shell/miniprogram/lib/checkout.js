// 结算 checkout: the selected cart lines priced with the shopper's coupons,
// the best combination pre-selected by the core, every fen explained, then
// the order placed at the edge (POST /v1/orders), which re-prices and decides.
//
// Invariants:
// - the coupon choice is the core's: `coupon_selection: best` until the
//   shopper picks, then `chosen` with their ids in the order picked; why a
//   coupon is or is not usable is the quote's reason, shown as it is;
// - points: the toggle asks for the whole balance, the core clamps it to
//   what the rules allow;
// - the order carries the payable the shopper saw; when the edge's price
//   differs it answers 409 PRICE_CHANGED with its quote, which is shown
//   instead (nothing is ordered until the shopper confirms the new price);
// - pickup (到店自提) at the store chosen on the stores page: the edge's
//   checkout preview prices it (core decides that the store can serve and
//   its fee, with the store's live stock) and the order carries
//   `fulfilment`; without it the order ships as before, priced here;
// - one Idempotency-Key per order attempt: the same order body (lines,
//   coupons, points, expected payable) keeps its key until the edge answers
//   for certain (2xx, or a 409/422 refusal such as PRICE_CHANGED), so a tap
//   again after a lost answer, a 5xx or a 429 replays that order instead of
//   placing a second one; a new price or a new choice is a new attempt.
const platform = require('./platform.js');
const api = require('./api.js');
const shop = require('./shop.js');
const catalog = require('./catalog.js');
const cart = require('./cart.js');
const session = require('./session.js');
const stores = require('./stores.js');
const { yuan, discount } = require('./format.js');

const REASONS = {
  NOT_STARTED: () => '未开始 not started yet',
  EXPIRED: () => '已过期 expired',
  USAGE_LIMIT: () => '已用完 used up',
  NEW_CUSTOMERS_ONLY: () => '仅限新客 new customers only',
  OUT_OF_SCOPE: () => '不适用于所选商品 not for these items',
  ACTIVITY_PRICE_EXCLUDED: () => '活动商品不可用 not on sale items',
  MIN_QUANTITY_NOT_MET: (r) => `需满 ${r.min_quantity} 件 needs ${r.min_quantity} items`,
  THRESHOLD_NOT_MET: (r) => `还差 ${yuan(r.missing)} · ${yuan(r.missing)} short of ${yuan(r.threshold)}`,
  NO_SAVING: () => '本单无优惠 saves nothing here',
  NOT_COMBINABLE_WITH: (r, name) => `不可与 ${name(r.coupon_id)} 同用 not with ${name(r.coupon_id)}`,
  EXCLUSIVE_GROUP: (r, name) => `与 ${name(r.coupon_id)} 互斥 exclusive with ${name(r.coupon_id)}`,
  MAX_COUPONS_PER_SHOP: (r) => `每店限用 ${r.max} 张 max ${r.max} per shop`,
  MAX_PLATFORM_COUPONS: (r) => `平台券限用 ${r.max} 张 max ${r.max}`,
  MAX_COUPONS: (r) => `每单限用 ${r.max} 张 max ${r.max} per order`,
  NO_EXTRA_SAVING: () => '已选组合更优 the chosen set saves as much',
  NOT_CHOSEN: () => '可用 usable',
};

/** `names`: coupon id -> the title the shopper reads. */
function reasonText(reason, names) {
  return (REASONS[reason.code] || (() => reason.code))(reason, (id) => names[id] || id);
}

function couponTitle(c) {
  if (c.title) return c.title;
  const b = c.benefit || {};
  const off = b.kind === 'percent_off' ? `${b.percent_off}% off` : b.kind === 'shipping' ? '运费券 shipping' : `减${yuan(b.off || 0)}`;
  return c.threshold ? `满${yuan(c.threshold)} ${off}` : `无门槛 ${off}`;
}

function hintText(h, names) {
  switch (h.kind) {
    case 'full_reduction_tier': return `再买 ${yuan(h.add)} 可享满 ${yuan(h.threshold)} 优惠 · add ${yuan(h.add)} for the ${yuan(h.threshold)} offer`;
    case 'free_shipping': return `再买 ${yuan(h.add)} 包邮 · add ${yuan(h.add)} for free shipping`;
    case 'coupon': return `再买 ${yuan(h.add)} 可用券 ${names[h.coupon_id] || h.coupon_id} · add ${yuan(h.add)} to use ${names[h.coupon_id] || h.coupon_id}`;
    case 'group_buy_tier': return `再邀 ${h.members_needed} 人 ${yuan(h.price)} · ${h.members_needed} more members → ${yuan(h.price)}`;
    case 'quantity_ladder_tier': return `再买 ${h.add_quantity} 件 ${h.percent_off}% off · ${h.add_quantity} more for ${h.percent_off}% off`;
    default: return h.kind;
  }
}

/** The shopper's coupons (the rules the core prices with), cached for offline. */
async function wallet(lines) {
  const query = lines.map((l) => `${encodeURIComponent(l.sku_id)}:${l.quantity}`).join(',');
  const snap = await session.withLogin(() => shop.snapshot(`/v1/coupons?lines=${query}`, shop.keptEntry('shop:wallet')));
  return snap.value.coupons.map((held) => held.coupon);
}

/**
 * A quote as the page shows it. `coupons`: the wallet's, or the rows of an
 * earlier view (submit() re-views with those: each keeps its id and title).
 */
function quoteView(quote, coupons, labels) {
  const applied = {};
  for (const a of quote.coupons.applied) applied[a.coupon_id] = a.saving;
  /** @type {Record<string, string>} */
  const names = {};
  for (const c of coupons) names[c.id] = couponTitle(c);
  const why = {};
  for (const n of quote.coupons.not_applicable) why[n.coupon_id] = reasonText(n.reason, names);
  return {
    lines: quote.lines.map((l) => ({
      sku_id: l.sku_id, name: (labels[l.sku_id] || { name: l.sku_id }).name, quantity: l.quantity,
      unitPrice: yuan(l.unit_price), payable: yuan(l.payable),
    })),
    coupons: coupons.map((c) => ({
      id: c.id,
      title: couponTitle(c),
      applied: c.id in applied,
      note: c.id in applied ? `已选 −${yuan(applied[c.id])}` : why[c.id] || '',
    })),
    appliedIds: quote.coupons.applied.map((a) => a.coupon_id),
    breakdown: [
      { label: '商品金额 goods', amount: yuan(quote.subtotal) },
      ...quote.discounts.map((d) => discount(d, names)),
      { label: quote.shipping.free_shipping ? '运费 shipping (包邮 free)' : '运费 shipping', amount: yuan(quote.shipping.fee) },
    ],
    points: { used: quote.points.used, deduction: yuan(quote.points.deduction), allowed: quote.points.allowed, earned: quote.points.earned },
    hints: quote.hints.map((h) => hintText(h, names)),
    payable: yuan(quote.payable),
    payableFen: quote.payable,
  };
}

/**
 * Price the checkout. `choice`: {couponIds: null (best) | [ids], usePoints,
 * pickup: pick up at the chosen store}. Resolves to {request, claimable:
 * [{id, title}], fulfilment, ...quoteView}; `request` is what was priced
 * (the order is placed from it); `claimable` are the storefront's coupons
 * not in the wallet yet; `fulfilment` the order's, with the serving store
 * (`null`: shipped). A pickup the store cannot serve rejects with the
 * edge's NO_STORE_CAN_SERVE (its message names what is short).
 */
async function price({ couponIds = null, usePoints = false, pickup = false } = {}) {
  const { core, client } = await shop.start();
  const body = await catalog.current();
  const lines = cart.selectedLines(client.cartView().cart);
  const coupons = await wallet(lines);
  const { points_balance: points = 0 } = await session.refreshCustomer();
  const request = {
    ...catalog.pricingBase(body),
    lines,
    coupons,
    coupon_selection: couponIds ? { mode: 'chosen', coupon_ids: couponIds } : { mode: 'best' },
    use_points: usePoints ? points : 0,
  };
  const labels = catalog.skuLabels(body);
  const held = new Set(coupons.map((c) => c.id));
  const claimable = (body.coupons || []).filter((c) => !held.has(c.id)).map((c) => ({ id: c.id, title: couponTitle(c) }));
  const storeId = pickup ? stores.chosen() : null;
  if (!storeId) {
    return { request, labels, claimable, fulfilment: null, ...quoteView(core.call('quote', request), coupons, labels) };
  }
  const fulfilment = { mode: 'pickup', store_id: storeId };
  const preview = await session.withLogin(() => api.post('/v1/checkout/preview', {
    lines, ...(couponIds ? { coupon_ids: couponIds } : {}), use_points: request.use_points, fulfilment, expected_payable: 0,
  }));
  return { request, labels, claimable, fulfilment: preview.fulfilment, ...quoteView(preview.quote, coupons, labels) };
}

/** 领券: add a published coupon to the shopper's wallet (POST /v1/coupons/claim). */
function claim(couponId) {
  return session.withLogin(() => api.post('/v1/coupons/claim', { coupon_id: couponId }));
}

/**
 * The order attempt the edge has not answered for certain: its body (JSON
 * text) and its Idempotency-Key. In memory: a relaunched app starts afresh.
 * @type {{body: string, key: string} | null}
 */
let attempt = null;

/** The key for this order body: the unanswered attempt's if it is the same order, else a new one. */
async function attemptKey(body) {
  if (!attempt || attempt.body !== body) attempt = { body, key: await platform.get().randomId() };
  return attempt.key;
}

/**
 * Place the order for a priced checkout. Resolves to {order} or, when the
 * edge's price differs, {priceChanged: quoteView of the edge's quote}.
 * Submitting the same priced checkout again after a failure without a
 * definite answer (no answer, 5xx, 429) sends the same key: the edge returns
 * the order it may already have placed.
 */
async function submit(priced) {
  const order = {
    lines: priced.request.lines,
    coupon_ids: priced.appliedIds,
    use_points: priced.points.used,
    expected_payable: priced.payableFen,
    ...(priced.fulfilment ? { fulfilment: priced.fulfilment.requested } : {}),
  };
  const body = JSON.stringify(order);
  const key = await attemptKey(body);
  const settle = () => { if (attempt && attempt.body === body) attempt = null; };
  let placed;
  try {
    placed = await session.withLogin(() => api.post('/v1/orders', order, { headers: { 'idempotency-key': key } }));
  } catch (e) {
    // 409/422 come after the edge looked the key up: nothing is placed under it.
    // A 401 or 429 comes before: an earlier try with this key may have placed it.
    if (e.status === 409 || e.status === 422) settle();
    const quote = e.code === 'PRICE_CHANGED' && e.body && e.body.error.quote;
    if (!quote) throw e;
    return { priceChanged: quoteView(quote, priced.coupons, priced.labels) };
  }
  settle();
  for (const line of priced.request.lines) await cart.remove(line);
  return { order: placed };
}

module.exports = { price, claim, submit };
