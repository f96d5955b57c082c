// Times one core operation in Node's wasm (the web package, instantiated from
// bytes) with the same loop as core/examples/time_op.rs.
//   node scripts/bench-wasm.mjs OP REQUEST.json ITERATIONS
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [op, file, n] = process.argv.slice(2);
const pkg = new URL('../wasm-client/pkg-web/', import.meta.url);
const core = await import(new URL('commerce_wasm.js', pkg));
core.initSync({ module: readFileSync(fileURLToPath(new URL('commerce_wasm_bg.wasm', pkg))) });
const body = readFileSync(file, 'utf8');
const iterations = Number(n);
core.callJson(op, body);
const start = process.hrtime.bigint();
for (let i = 0; i < iterations; i++) core.callJson(op, body);
const meanUs = Number(process.hrtime.bigint() - start) / 1000 / iterations;
console.log(JSON.stringify({ op, iterations, mean_us: Number(meanUs.toFixed(1)) }));
