// 门店 store finder: where is the shopper, which stores can serve them now.
//
// The match is the core's `stores_nearest` (docs/lbs.md) on the store
// snapshot — the edge's when it answers, the cached one offline — so the
// list works without a network. The phone's fix is passed as it is, tagged
// with its coordinate system; JS never converts or measures coordinates.
// The chosen store is remembered in the host storage (`shop:store`).
const platform = require('./platform.js');
const shop = require('./shop.js');
const { distance } = require('./format.js');

const STORE_KEY = 'shop:store';
const STORES = {
  save: (client, snap, now, freshMs, staleMs) => client.putStores(snap, now, freshMs, staleMs, snap.version || undefined),
  load: (client, now) => {
    const cached = client.stores(now);
    return cached && cached.value;
  },
};
const REASONS = {
  CLOSED: '休息中 closed',
  TEMPORARILY_CLOSED: '暂停营业 closed today',
  NO_PICKUP: '不支持自提 no pickup',
  NO_DELIVERY: '不支持配送 no delivery',
  OUTSIDE_AREA: '超出配送范围 outside delivery area',
  NO_STOCK: '缺货 out of stock',
};

function row(byId, delivers, hit, reasons) {
  const store = byId[hit.id] || {};
  return {
    id: hit.id,
    name: store.name || hit.id,
    address: store.address || '',
    distance: distance(hit.distance_m),
    open: reasons.length === 0,
    status: reasons.length ? reasons.map((r) => REASONS[r] || r).join(' · ') : '营业中 open',
    services: [delivers.has(hit.id) ? '配送到您 delivers here' : '', store.pickup !== false ? '自提 pickup' : '']
      .filter(Boolean).join(' · '),
  };
}

/**
 * Stores near the shopper. `mode`: '' (either), 'delivery' or 'pickup';
 * `point`: where to look ({lat, lng, coord}), else the host's location.
 * Resolves to {point, source, stores: [row], unavailable: [row]}; rejects
 * with the location error or the core's error (code, message).
 */
async function nearby({ mode = '', point: given = null } = {}) {
  const host = platform.get();
  const point = given || (await host.getLocation());
  const { core } = await shop.start();
  const snap = await shop.snapshot('/v1/stores', STORES);
  const request = { snapshot: snap.value, point, k: 10, at: Math.floor(host.now() / 1000), explain: true };
  if (mode) request.mode = mode;
  const list = core.call('stores_nearest', request);
  const delivering = core.call('stores_delivering', { snapshot: snap.value, point });
  const delivers = new Set(delivering.stores.map((s) => s.id));
  const byId = {};
  for (const s of snap.value.stores || []) byId[s.id] = s;
  return {
    point,
    source: snap.source,
    stores: list.stores.map((hit) => row(byId, delivers, hit, [])),
    unavailable: (list.excluded || []).map((ex) => row(byId, delivers, ex, ex.reasons)),
  };
}

function choose(storeId) {
  platform.get().storage.set(STORE_KEY, storeId);
}

function chosen() {
  return platform.get().storage.get(STORE_KEY) || '';
}

module.exports = { nearby, choose, chosen };
