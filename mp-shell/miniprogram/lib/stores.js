// 门店 store finder: where is the shopper, which stores can serve them now.
//
// The match is the core's `stores_nearest` (docs/lbs.md) on the store
// snapshot — the edge's when it answers, the cached one offline — so the
// list works without a network. The phone's fix is passed as it is, tagged
// with its coordinate system; JS never converts or measures coordinates.
// The snapshot is indexed once per version (a wasm StoreFinder, kept until
// the version changes and then freed: phones have no FinalizationRegistry).
//
// Without a fix (permission denied, wx.getLocation failing) the page still
// lists stores: the edge's `GET /v1/stores/nearest` without coordinates
// (it places the request itself, city-level: `approximate`; the stores it
// excludes, closed ones among them, shown apart with their reasons), else,
// offline, every store of the saved snapshot, with a notice saying so.
// The chosen store is remembered in the host storage (`shop:store`).
const platform = require('./platform.js');
const shop = require('./shop.js');
const api = require('./api.js');
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
  TEMPORARILY_CLOSED: '暂停营业 temporarily closed',
  NO_PICKUP: '不支持自提 no pickup',
  NO_DELIVERY: '不支持配送 no delivery',
  OUTSIDE_AREA: '超出配送范围 outside delivery area',
  NO_STOCK: '缺货 out of stock',
};
const NOTICES = {
  approximate: '无法获取您的位置，按大致位置排序 Location unavailable: sorted by your approximate location',
  offline: '无法定位且离线：显示已保存的门店 Offline and no location: showing the saved store list',
  all: '无法获取您的位置：显示全部门店 Location unavailable: showing all stores',
};

/** The snapshot's StoreFinder, built once per version; the previous one is freed. */
let kept = null;

/** Free the kept finder (the page or app going away). */
function release() {
  if (kept) kept.finder.free();
  kept = null;
}

function finderFor(core, snapshot) {
  const version = snapshot.version || '';
  if (kept && version && kept.version === version) return kept.finder;
  release();
  kept = { version, finder: new core.StoreFinder(snapshot) };
  return kept.finder;
}

/**
 * A store as the page shows it. `hit`: {id, distance_m?}; `reasons`: the
 * failed rules, or null when nothing was checked (no fix: no status shown).
 */
function row(byId, delivers, hit, reasons, { approx = false } = {}) {
  const store = byId[hit.id] || {};
  const checked = Array.isArray(reasons);
  return {
    id: hit.id,
    name: store.name || hit.id,
    address: store.address || '',
    distance: hit.distance_m == null ? '' : `${approx ? '约 ~' : ''}${distance(hit.distance_m)}`,
    open: checked ? reasons.length === 0 : null,
    status: !checked ? '' : reasons.length ? reasons.map((r) => REASONS[r] || r).join(' · ') : '营业中 open',
    services: [delivers.has(hit.id) ? '配送到您 delivers here' : '', store.pickup !== false ? '自提 pickup' : '']
      .filter(Boolean).join(' · '),
  };
}

function storesById(snapshot) {
  const byId = {};
  for (const s of (snapshot && snapshot.stores) || []) byId[s.id] = s;
  return byId;
}

/**
 * Stores near the shopper. `mode`: '' (either), 'delivery' or 'pickup';
 * `point`: where to look ({lat, lng, coord}), else the host's location.
 * Resolves to {point, source: 'edge' | 'cache', approximate, notice,
 * stores: [row], unavailable: [row]}: with a fix, core's match on the
 * snapshot (`approximate` false); without one, see withoutFix(). Rejects
 * with the core's error (code, message), or when nothing can be listed.
 * @param {{mode?: string, point?: import('./platform.js').Fix | null}} [options]
 */
async function nearby({ mode = '', point: given = null } = {}) {
  const host = platform.get();
  let point = given;
  if (!point) {
    try {
      point = await host.getLocation();
    } catch (e) {
      return withoutFix(mode, e);
    }
  }
  const { core } = await shop.start();
  const snap = await shop.snapshot('/v1/stores', STORES);
  const finder = finderFor(core, snap.value);
  const query = { point, k: 10, at: Math.floor(host.now() / 1000), explain: true };
  if (mode) query.mode = mode;
  const list = finder.nearest(query);
  const delivers = new Set(finder.delivering({ point }).stores.map((s) => s.id));
  const byId = storesById(snap.value);
  return {
    point,
    source: snap.source,
    approximate: false,
    notice: '',
    stores: list.stores.map((hit) => row(byId, delivers, hit, [])),
    unavailable: (list.excluded || []).map((ex) => row(byId, delivers, ex, ex.reasons)),
  };
}

/**
 * No fix: the edge's nearest stores for where it places the request
 * (`approximate`, distances marked "约"), the nearer ones it excludes as
 * `unavailable` with their reasons; if the edge cannot answer, every
 * store of the snapshot (the edge's or, offline, the saved one) by id, with
 * a notice. Rejects when there is no snapshot either (the location error's
 * message kept).
 * @param {string} mode
 * @param {any} locationError
 */
async function withoutFix(mode, locationError) {
  const why = (locationError && locationError.message) || String(locationError);
  let list = null;
  try {
    list = await api.get(`/v1/stores/nearest?k=10${mode ? `&mode=${mode}` : ''}`);
    if (!list.stores.length) list = null; // nothing near an IP location: list them all
  } catch (e) {
    list = null; // offline, or the edge cannot place the request: list what is saved
  }
  const snap = await shop.snapshot('/v1/stores', STORES).catch(() => null);
  const byId = storesById(snap && snap.value);
  const none = new Set();
  if (list) {
    return {
      point: null,
      source: 'edge',
      approximate: true,
      notice: NOTICES.approximate,
      stores: list.stores.map((hit) => row(byId, none, hit, [], { approx: true })), // open now, by the edge's clock
      unavailable: (list.excluded || []).map((ex) => row(byId, none, ex, ex.reasons, { approx: true })),
    };
  }
  if (!snap) {
    throw Object.assign(new Error(`无法定位，也没有已保存的门店 no location (${why}) and no saved store list`), {
      code: 'LOCATION_UNAVAILABLE',
    });
  }
  const all = Object.keys(byId).sort().map((id) => row(byId, none, { id }, null));
  return {
    point: null,
    source: snap.source,
    approximate: true,
    notice: snap.source === 'cache' ? NOTICES.offline : NOTICES.all,
    stores: all,
    unavailable: [],
  };
}

function choose(storeId) {
  platform.get().storage.set(STORE_KEY, storeId);
}

function chosen() {
  return platform.get().storage.get(STORE_KEY) || '';
}

module.exports = { nearby, choose, chosen, release };
