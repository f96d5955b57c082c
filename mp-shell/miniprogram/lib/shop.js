// The shop every page shares: the wasm core, the shopper's persisted cart
// Client (cart + pending mutations + catalog/store cache, wasm-client) and
// the snapshots the pages need before the network answers.
//
// Invariants:
// - one core and one Client per app run (start() is idempotent); the Client
//   lives as long as the app, so it is never freed here;
// - snapshots are read from the cache first only when offline: the edge's
//   answer replaces them whenever it comes; offline, even an expired
//   snapshot is shown (it is the best there is), with `source: 'cache'`;
// - a snapshot kept with its ETag is revalidated (If-None-Match): on 304
//   the kept copy is current, so it is kept again with fresh times and no
//   body crosses the network;
// - small shell data (the storefront's rules, the coupon wallet, the chosen
//   store, the session) sits in host storage under `shop:` keys, outside the
//   Client's `cache:` / `cart:` prefixes and budget.
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
  const client = host.openClient(core, await host.randomId(), host.now());
  return { core, client };
}

/**
 * Where a snapshot is kept: the Client's cache or host storage.
 * @typedef {object} SnapshotEntry
 * @property {(client: any, value: any, now: number, freshMs: number, staleMs: number, etag?: string) => void} save
 *   etag: the edge's ETag, '' or absent when it sent none
 * @property {(client: any, now: number) => any} load the kept value, null (or undefined) when none
 * @property {(client: any, now: number) => string} [etag] the kept copy's ETag, '' when none
 */

/**
 * The edge's current snapshot from GET `path`, kept with
 * `save(client, value, now, FRESH_MS, STALE_MS, etag)`; offline
 * (NETWORK_ERROR) what `load(client, now)` finds (null: nothing kept, the
 * network error stands). An entry with `etag(client, now)` (the kept copy's
 * ETag, or '') is revalidated instead of fetched whole. Resolves to
 * {value, source: 'edge' | 'cache', notModified?}.
 * @param {string} path
 * @param {SnapshotEntry} entry
 * @returns {Promise<{value: any, source: 'edge' | 'cache', notModified?: boolean}>}
 */
async function snapshot(path, { save, load, etag }) {
  const { client } = await start();
  const now = platform.get().now();
  try {
    const tag = etag ? etag(client, now) : '';
    const answer = await api.revalidate(path, tag);
    const kept = answer.notModified ? load(client, now) : null;
    if (kept != null) {
      save(client, kept, now, FRESH_MS, STALE_MS, tag);
      return { value: kept, source: 'edge', notModified: true };
    }
    // A 304 for a copy dropped meanwhile (corrupt, evicted): fetch it whole.
    const { data, etag: fresh } = answer.notModified ? await api.revalidate(path, '') : answer;
    save(client, data, now, FRESH_MS, STALE_MS, fresh);
    return { value: data, source: 'edge' };
  } catch (e) {
    if (e.code !== 'NETWORK_ERROR') throw e;
    const value = load(client, now);
    if (value == null) throw e;
    return { value, source: 'cache' };
  }
}

/** A small JSON value in host storage under `key` (null when absent or unreadable). */
const kept = {
  /** @param {string} key */
  get(key) {
    try {
      return JSON.parse(platform.get().storage.get(key) || 'null');
    } catch {
      return null;
    }
  },
  /** @param {string} key @param {any} value */
  set(key, value) {
    platform.get().storage.set(key, JSON.stringify(value));
  },
};

/**
 * A snapshot kept as one small JSON value in host storage.
 * @param {string} key
 * @returns {SnapshotEntry}
 */
function keptEntry(key) {
  return { save: (client, value) => kept.set(key, value), load: () => kept.get(key) };
}

module.exports = { start, snapshot, kept, keptEntry };
