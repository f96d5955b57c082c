// The shop every page shares: the wasm core, the shopper's persisted cart
// Client (cart + pending mutations + catalog/store cache, wasm-client) and
// the snapshots the pages need before the network answers.
//
// Invariants:
// - one core and one Client per app run (start() is idempotent); the Client
//   lives as long as the app, so it is never freed here;
// - snapshot() asks the edge first; cachedFirst() (the catalog page) shows
//   the kept copy at once while it is fresh or stale and asks the edge in
//   the background, handing its answer to the page; with no usable copy it
//   is snapshot();
// - when the edge cannot answer (offline, a 5xx), the kept copy is shown,
//   even an expired one (it is the best there is), with `source: 'cache'`
//   and the `error`; a 4xx is the edge's answer and stands;
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
 * @property {(client: any, now: number) => string} [freshness] the kept copy's, as the Client's cache
 *   says: 'fresh', 'stale' or 'expired' (also when none); cachedFirst() needs it
 */

/**
 * A snapshot as shown: `error` is why the edge's could not be had (the kept
 * copy is shown instead).
 * @typedef {{value: any, source: 'edge' | 'cache', notModified?: boolean, error?: {code: string, message: string}}} Snapshot
 */

/** @param {any} e */
const unreachable = (e) => e.code === 'NETWORK_ERROR' || e.status >= 500;

/**
 * The edge's current snapshot from GET `path`, kept with
 * `save(client, value, now, FRESH_MS, STALE_MS, etag)`; when the edge cannot
 * answer (NETWORK_ERROR, a 5xx) what `load(client, now)` finds, with the
 * `error` (null: nothing kept, the error stands). An entry with
 * `etag(client, now)` (the kept copy's ETag, or '') is revalidated instead
 * of fetched whole.
 * @param {string} path
 * @param {SnapshotEntry} entry
 * @returns {Promise<Snapshot>}
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
    if (!unreachable(e)) throw e;
    const value = load(client, now);
    if (value == null) throw e;
    return { value, source: 'cache', error: { code: e.code, message: e.message } };
  }
}

/**
 * The kept copy of the snapshot at `path` at once while the Client's cache
 * calls it fresh or stale (`source: 'cache'`), else snapshot(). With a kept
 * copy shown, the edge is asked in the background (a 304 costs no body) and
 * `onUpdate` gets snapshot()'s answer: the edge's copy, or the kept one with
 * the `error` when the edge could not answer. A failing `onUpdate` leaves
 * the shown copy as it is.
 * @param {string} path
 * @param {SnapshotEntry} entry needs `freshness`
 * @param {(next: Snapshot) => void} [onUpdate]
 * @returns {Promise<Snapshot>}
 */
async function cachedFirst(path, entry, onUpdate = () => {}) {
  const { client } = await start();
  const now = platform.get().now();
  const usable = entry.freshness && entry.freshness(client, now) !== 'expired';
  const value = usable ? entry.load(client, now) : null;
  if (value == null) return snapshot(path, entry);
  /** @type {(e: any) => Snapshot} */
  const keptCopy = (e) => ({ value, source: 'cache', error: { code: e.code, message: e.message } });
  snapshot(path, entry).catch(keptCopy).then(onUpdate).catch(() => {});
  return { value, source: 'cache' };
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

module.exports = { start, snapshot, cachedFirst, kept, keptEntry };
