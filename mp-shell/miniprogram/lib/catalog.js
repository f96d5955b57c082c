// 商品 catalog: categories, products, SKUs with their specs, and the price a
// shopper pays for one unit now (activity, member or list price).
//
// The edge serves GET /v1/catalog as the storefront {catalog, activities,
// full_reductions, ...}; the catalog goes to the cart Client's cache (the
// cart is checked against it), the rest to host storage, so the pages price
// offline too. The storefront's `coupons` (claimable) never price a cart.
// Every shown price is the core's `quote` of one unit of the SKU (docs/
// pricing.md §5): JS reads unit_price / activity / hints, never compares
// prices. The flash-sale countdown is the activity window's end, displayed.
// The page shows the phone's copy at once and the edge's answer when it
// comes (shop.cachedFirst); categories are shown by their id: the core's
// storefront carries no category names.
const platform = require('./platform.js');
const shop = require('./shop.js');
const session = require('./session.js');
const { yuan } = require('./format.js');

const RULES_KEY = 'shop:storefront';
const RULES = ['activities', 'full_reductions', 'member_discounts', 'stacking', 'points', 'shipping'];
const ACTIVITY_LABELS = {
  flash_sale: '秒杀 flash sale',
  group_buy: '拼团 group buy',
  limited_time_price: '限时价 limited time',
  limited_time_percent: '限时折扣 limited time',
  quantity_ladder: '多件折扣 multi-buy',
};

/** The edge's storefront without its catalog: kept aside in host storage. */
function rules(body) {
  const { catalog, ...rest } = body;
  return rest;
}

// The catalog entry carries the storefront's ETag; the rules are kept with
// the same tag, so a 304 only stands when both halves are from that version.
const ENTRY = {
  save(client, body, now, freshMs, staleMs, etag) {
    client.putCatalog(body.catalog, now, freshMs, staleMs, etag || undefined);
    shop.kept.set(RULES_KEY, { etag, rules: rules(body) });
  },
  load(client, now) {
    const cached = client.catalog(now);
    const kept = shop.kept.get(RULES_KEY);
    return cached && kept ? { ...kept.rules, catalog: cached.value } : null;
  },
  etag(client, now) {
    const cached = client.catalog(now);
    const kept = shop.kept.get(RULES_KEY);
    return cached && kept && cached.etag && kept.etag === cached.etag ? cached.etag : '';
  },
  freshness(client, now) {
    const cached = client.catalog(now);
    return cached ? cached.freshness : 'expired';
  },
};

/** The edge's catalog body now (revalidated): {value: {catalog, activities, ...}, source}. */
function load() {
  return shop.snapshot('/v1/catalog', ENTRY);
}

const NOTICES = {
  NETWORK_ERROR: '离线：显示已保存的商品 Offline: showing the saved catalog',
  failed: (code) => `商品暂时无法更新 The shop could not be reached (${code}): showing the saved catalog`,
};

/** The cached catalog body, or the edge's when nothing is cached yet. */
async function current() {
  const { client } = await shop.start();
  return ENTRY.load(client, platform.get().now()) || (await load()).value;
}

/** The part of a quote request that the catalog body and the session give. */
function pricingBase(body) {
  const base = { catalog: body.catalog, now: Math.floor(platform.get().now() / 1000), customer: session.customer() };
  for (const key of RULES) if (body[key] !== undefined) base[key] = body[key];
  return base;
}

function unitOffer(core, body, sku) {
  const quote = core.call('quote', { ...pricingBase(body), lines: [{ sku_id: sku.id, quantity: 1 }] });
  const line = quote.lines[0];
  const activity = line.activity && (body.activities || []).find((a) => a.id === line.activity.activity_id);
  const group = quote.hints.find((h) => h.kind === 'group_buy_tier');
  return {
    price: yuan(line.unit_price),
    listPrice: line.price_source === 'list' ? '' : yuan(line.list_price),
    activity: line.activity ? ACTIVITY_LABELS[line.activity.kind] : '',
    endsAt: line.activity && line.activity.kind === 'flash_sale' && activity && activity.window ? activity.window.ends_at || 0 : 0,
    groupHint: group ? `再邀 ${group.members_needed} 人 ${yuan(group.price)} · ${group.members_needed} more → ${yuan(group.price)}` : '',
  };
}

/** Every SKU's product name and spec text: {sku_id: {name, specText}}. */
function skuLabels(body) {
  const labels = {};
  for (const p of body.catalog.products) {
    for (const s of p.skus) labels[s.id] = { name: p.name, specText: Object.values(s.spec || {}).join(' / ') };
  }
  return labels;
}

/** Spec names and their values across a product's SKUs, in first-seen order. */
function specOptions(product) {
  const names = [];
  const values = {};
  for (const sku of product.skus) {
    for (const [name, value] of Object.entries(sku.spec || {})) {
      if (!values[name]) { names.push(name); values[name] = []; }
      if (!values[name].includes(value)) values[name].push(value);
    }
  }
  return names.map((name) => ({ name, values: values[name] }));
}

/** The SKU of `product` whose spec has every chosen {name: value}; null if none. */
function skuFor(product, chosen) {
  return product.skus.find((sku) => Object.entries(chosen).every(([k, v]) => (sku.spec || {})[k] === v)) || null;
}

/**
 * The page's data for one catalog body, as shop.cachedFirst resolves it.
 * @param {any} core
 * @param {import('./shop.js').Snapshot} shown
 */
function build(core, { value: body, source, error }) {
  const categories = [];
  const byId = {};
  for (const product of body.catalog.products) {
    if (product.listed === false) continue;
    if (!byId[product.category_id]) {
      byId[product.category_id] = { id: product.category_id, name: product.category_id, products: [] };
      categories.push(byId[product.category_id]);
    }
    const skus = product.skus.filter((s) => s.listed !== false).map((sku) => ({
      id: sku.id,
      spec: sku.spec || {},
      specText: Object.values(sku.spec || {}).join(' / '),
      stock: sku.stock,
      ...unitOffer(core, body, sku),
    }));
    byId[product.category_id].products.push({ id: product.id, name: product.name, specs: specOptions(product), skus });
  }
  const notice = !error ? '' : NOTICES[error.code] || NOTICES.failed(error.code);
  return { source, notice, categories };
}

/**
 * The catalog page's data: {source, notice, categories: [{id, name,
 * products: [{id, name, specs, skus: [{id, spec, specText, stock, price,
 * listPrice, activity, endsAt, groupHint}]}]}]}. Delisted products and SKUs
 * are left out. The phone's copy comes first (`source: 'cache'`); once the
 * edge has answered, `onUpdate` gets the page's data again: the edge's
 * catalog, or the kept one with a `notice` when the edge failed.
 * @param {(next: {source: string, notice: string, categories: any[]}) => void} [onUpdate]
 */
async function view(onUpdate) {
  const { core } = await shop.start();
  const shown = await shop.cachedFirst('/v1/catalog', ENTRY, onUpdate && ((next) => onUpdate(build(core, next))));
  return build(core, shown);
}

module.exports = { load, current, pricingBase, skuLabels, view, skuFor };
