// The shop every page shares: the wasm core, the shopper's persisted cart
// Client (cart + pending mutations + snapshot cache, wasm-client) and the
// snapshots the pages need before the network answers.
//
// Invariants:
// - one core and one Client per app run (start() is idempotent); the Client
//   lives as long as the app, so it is never freed here;
// - snapshots (catalog, stores) are read from the Client's cache first and
//   replaced only by what the edge answered; offline, an expired snapshot is
//   still shown (it is the best there is), with `source: 'cache'`.
const platform = require('./platform.js');
const api = require('./api.js');

const FRESH_MS = 5 * 60 * 1000; // snapshots: fresh 5 min, then stale for a week
const STALE_MS = 7 * 24 * 3600 * 1000;

let started = null;

function start() {
  if (!started) {
    started = open();
    started.catch(() => { started = null; }); // a failed start may be retried
  }
  return started;
}

async function open() {
  const host = platform.get();
  const core = await host.loadCore();
  const clientId = await host.randomId();
  const client = core.Client.open(host.storage, clientId, host.now());
  return { core, client };
}

/** Cache times for a snapshot fetched at `now` (ms). */
function freshFor(now) {
  return { created_at: now, fresh_until: now + FRESH_MS, expires_at: now + FRESH_MS + STALE_MS, etag: null };
}

/**
 * The edge's current snapshot from GET `path`, written with
 * `save(client, value, meta)`; offline (NETWORK_ERROR) what
 * `load(client, now)` finds in the cache (null: nothing cached, the network
 * error stands). Resolves to {value, source: 'edge' | 'cache'}.
 */
async function snapshot(path, { save, load }) {
  const { client } = await start();
  const now = platform.get().now();
  try {
    const value = await api.get(path);
    save(client, value, freshFor(now));
    return { value, source: 'edge' };
  } catch (e) {
    if (e.code !== 'NETWORK_ERROR') throw e;
    const value = load(client, now);
    if (value == null) throw e;
    return { value, source: 'cache' };
  }
}

/** A snapshot kept as one plain cache entry under `key`. */
function plainEntry(key) {
  return {
    save: (client, value, meta) => client.cachePut(key, value, meta),
    load: (client, now) => client.cacheGet(key, now),
  };
}

module.exports = { start, snapshot, plainEntry };
