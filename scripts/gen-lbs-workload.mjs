// Writes the LBS benchmark workload as a `stores_nearest` request: the
// 100,000-store snapshot of core/benches/lbs.rs, replayed with the same LCG
// (docs/lbs.md §8), and the first query point, k = 5; with QUERIES.json, also
// the 256 query points of the bench as queries without snapshot ({point, k: 5},
// for the kept-index rows: time_op / bench-wasm.mjs `nearest_kept`, `scan_kept`).
//   node scripts/gen-lbs-workload.mjs OUT.json [STORES] [QUERIES.json]
import { writeFileSync } from 'node:fs';

const [out, count = '100000', queriesOut] = process.argv.slice(2);
let state = 2024n;
const M = (1n << 64n) - 1n;
function next() {
  state = (state * 6364136223846793005n + 1442695040888963407n) & M;
  return Number(state >> 11n) / 2 ** 53;
}
const daily = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, open: '08:00', close: '22:00' }));
const stores = [];
for (let i = 0; i < Number(count); i++) {
  const lat = 22 + 20 * next();
  const lng = 102 + 20 * next();
  const h = 0.005 + 0.015 * next();
  const corner = (a, b) => ({ lat: lat + a, lng: lng + b });
  stores.push({
    id: `s${String(i).padStart(6, '0')}`,
    location: { lat, lng },
    delivery_areas: [[corner(-h, -h), corner(-h, h), corner(h, h), corner(h, -h)]],
    hours: i % 2 === 0 ? daily : null,
  });
}
if (stores.length > 1 && (stores[0].location.lat !== 29.185060551662232 || stores[1].location.lng !== 120.22515855136561)) {
  throw new Error('LCG replay does not match docs/lbs.md §8 check values');
}
const queries = [];
for (let i = 0; i < 256; i++) queries.push({ point: { lat: 22 + 20 * next(), lng: 102 + 20 * next(), coord: 'gcj02' }, k: 5 });
writeFileSync(out, JSON.stringify({ snapshot: { version: 'bench', coord: 'gcj02', stores }, ...queries[0] }));
if (queriesOut) writeFileSync(queriesOut, JSON.stringify(queries));
