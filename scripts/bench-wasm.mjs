// Times one core operation in Node's wasm (the web package, instantiated from
// bytes) with the same loop as core/examples/time_op.rs.
//   node scripts/bench-wasm.mjs OP REQUEST.json ITERATIONS [QUERIES.json]
// OP is an operation name (callJson on the request text), or one of the
// kept-index names of time_op.rs, on a `stores_nearest` request file:
//   index_build   new StoreFinder(snapshot) (snapshot already a JS object), freed
//   nearest_kept  finder.nearest(query) on one finder, queries in a cycle
//   scan_kept     finder.scanNearest(query): the linear-scan top-k
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [op, file, n, queriesFile] = process.argv.slice(2);
const pkg = new URL('../wasm-client/pkg-web/', import.meta.url);
const core = await import(new URL('commerce_wasm.js', pkg));
core.initSync({ module: readFileSync(fileURLToPath(new URL('commerce_wasm_bg.wasm', pkg))) });
const body = readFileSync(file, 'utf8');
const iterations = Number(n);

function time(step) {
  step();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) step();
  return Number(process.hrtime.bigint() - start) / 1000 / iterations;
}

let meanUs;
if (['index_build', 'nearest_kept', 'scan_kept'].includes(op)) {
  const { snapshot, ...query } = JSON.parse(body);
  const queries = queriesFile ? JSON.parse(readFileSync(queriesFile, 'utf8')) : [query];
  if (op === 'index_build') {
    meanUs = time(() => new core.StoreFinder(snapshot).free());
  } else {
    const finder = new core.StoreFinder(snapshot);
    const method = op === 'nearest_kept' ? 'nearest' : 'scanNearest';
    let i = 0;
    meanUs = time(() => finder[method](queries[i++ % queries.length]));
    finder.free();
  }
} else {
  meanUs = time(() => core.callJson(op, body));
}
console.log(JSON.stringify({ op, iterations, mean_us: Number(meanUs.toFixed(1)) }));
