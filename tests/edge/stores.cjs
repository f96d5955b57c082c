// GET /v1/stores/nearest against the worker in workerd, as docs/lbs.md §9
// says it behaves: only stores open *now* by the edge's clock are offered,
// the nearer ones that are not are explained (closed, temporarily closed);
// without coordinates the edge places the request itself and says where
// (`x-location`), with them their system is required.
// `node tests/edge/stores.cjs`
'use strict';
const assert = require('node:assert/strict');
const { startWorker } = require('../lib/wrangler.cjs');
const { test, run } = require('../lib/check.cjs');
const f = require('./fixtures.cjs');

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** China's weekday (UTC+8, no DST) `offset` days from now, as docs/lbs.md §5 names it. */
function chinaDay(offset) {
  const china = new Date(Date.now() + 8 * 3600 * 1000);
  return DAYS[(china.getUTCDay() + offset + 7) % 7];
}
const wholeDay = (day) => ({ day, open: '00:00', close: '24:00' });

let worker;
let api;

async function nearest(query) {
  return api.call('GET', `/v1/stores/nearest${query}`);
}

test('no store snapshot published yet: 503 STORES_UNAVAILABLE, JSON', async () => {
  f.assertError(await nearest('?lat=31.2304&lng=121.4737&coord=gcj02'), 503, 'STORES_UNAVAILABLE');
});

test('the seeded renovation store is never offered; it is explained among the nearer ones', async () => {
  assert.equal((await api.admin('PUT', '/v1/admin/stores', f.seedStores())).status, 200);
  const r = await nearest('?lat=31.2304&lng=121.4737&coord=gcj02&k=2');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.stores.map((s) => s.id), ['sh-jingan', 'sh-pudong']);
  const closed = r.json.excluded.find((s) => s.id === 'sh-xintiandi');
  assert.deepEqual(closed && closed.reasons, ['TEMPORARILY_CLOSED'], r.text);
  assert.ok(closed.distance_m < r.json.stores[1].distance_m, 'the closed store is nearer than the last one offered');
});

test('weekly hours are judged on the edge clock: closed today is excluded, open today is offered', async () => {
  const snapshot = {
    version: 'hours-test',
    coord: 'gcj02',
    stores: [
      // Nearer, but only open three days from now.
      { id: 'near-closed', location: { lat: 31.2310, lng: 121.4737 }, hours: [wholeDay(chinaDay(3))] },
      // Farther, open all of today and tomorrow (China time), so a run across midnight still sees it open.
      { id: 'far-open', location: { lat: 31.2404, lng: 121.4737 }, hours: [wholeDay(chinaDay(0)), wholeDay(chinaDay(1))] },
    ],
  };
  assert.equal((await api.admin('PUT', '/v1/admin/stores', snapshot)).status, 200);
  const r = await nearest('?lat=31.2304&lng=121.4737&coord=gcj02&k=2');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.version, 'hours-test');
  assert.deepEqual(r.json.stores.map((s) => s.id), ['far-open']);
  assert.deepEqual(r.json.excluded.map((s) => [s.id, s.reasons]), [['near-closed', ['CLOSED']]]);
});

test('without coordinates the edge places the request and says where (x-location, wgs84)', async () => {
  assert.equal((await api.admin('PUT', '/v1/admin/stores', f.seedStores())).status, 200);
  const r = await nearest('?k=3');
  assert.equal(r.status, 200, r.text);
  const placed = /^edge; lat=(-?[\d.]+); lng=(-?[\d.]+); coord=wgs84$/.exec(r.headers.get('x-location') || '');
  assert.ok(placed, `x-location: ${r.headers.get('x-location')}`);
  // The same query with that point given explicitly answers the same bytes.
  const same = await nearest(`?lat=${placed[1]}&lng=${placed[2]}&coord=wgs84&k=3`);
  assert.equal(same.status, 200, same.text);
  assert.equal(same.headers.get('x-location'), null, 'given coordinates are not "placed by the edge"');
  assert.equal(r.text, same.text);
});

test('coordinates: both or neither, with their system; coord alone is refused', async () => {
  f.assertError(await nearest('?lat=31.2&lng=121.4'), 400, 'MALFORMED_REQUEST');
  f.assertError(await nearest('?lat=31.2'), 400, 'MALFORMED_REQUEST');
  f.assertError(await nearest('?coord=gcj02'), 400, 'MALFORMED_REQUEST');
  f.assertError(await nearest('?lat=north&lng=121.4&coord=gcj02'), 400, 'MALFORMED_REQUEST');
  f.assertError(await nearest('?lat=91&lng=121.4&coord=gcj02'), 422, 'INVALID_COORDINATE');
  f.assertError(await nearest('?lat=31.2&lng=121.4&coord=gcj02&k=0'), 422, 'INVALID_K');
  f.assertError(await nearest('?lat=31.2&lng=121.4&coord=gcj02&mode=fly'), 422, 'UNKNOWN_MODE');
});

(async () => {
  worker = await startWorker({ vars: { ADMIN_TOKEN: f.ADMIN } });
  api = f.client(worker.url);
  try {
    await run('edge-stores');
  } finally {
    await worker.stop();
  }
})().catch((e) => {
  console.log(`FAIL edge-stores: ${(e && e.stack) || e}\nedge-stores: 0 passed, 1 failed`);
  process.exitCode = 1;
});
