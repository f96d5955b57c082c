// The shared vectors over HTTP against the edge worker in workerd:
// `node tests/edge/vectors.cjs`. `quote` goes to POST /v1/quote, every other
// operation to POST /v1/ops/:op; each response body must be byte-identical to
// the native reference and mean what the vector expects, with the status
// that its error kind maps to.
'use strict';
const { startWorker } = require('../lib/wrangler.cjs');
const { loadVectors, loadReference, checkResponse, report } = require('../lib/vectors.cjs');

const CONFLICT = ['PRICE_CHANGED', 'INVALID_TRANSITION', 'ALREADY_PAID', 'REFUND_ID_REUSED', 'REFUND_NEEDS_MERCHANT', 'OUT_OF_STOCK', 'PURCHASE_LIMIT', 'NO_STORE_CAN_SERVE'];
const STATUS = { MALFORMED_REQUEST: 400, UNKNOWN_OPERATION: 404, PICKUP_LOCKED: 429, ...Object.fromEntries(CONFLICT.map((c) => [c, 409])) };

(async () => {
  const worker = await startWorker();
  try {
    const reference = loadReference();
    const results = [];
    for (const vector of loadVectors()) {
      const route = vector.op === 'quote' ? '/v1/quote' : `/v1/ops/${vector.op}`;
      const res = await fetch(worker.url + route, { method: 'POST', body: JSON.stringify(vector.request) });
      const text = await res.text();
      const problems = checkResponse(vector, text, reference);
      const want = vector.expect.error ? STATUS[vector.expect.error.code] || 422 : 200;
      if (res.status !== want) problems.push(`status ${res.status}, expected ${want}`);
      if (!(res.headers.get('content-type') || '').startsWith('application/json')) problems.push('not application/json');
      results.push({ name: vector.name, problems });
    }
    const { failed } = report('edge (workerd)', results);
    process.exitCode = failed ? 1 : 0;
  } finally {
    await worker.stop();
  }
})().catch((e) => {
  console.log(`FAIL edge (workerd): ${e && e.stack ? e.stack : e}`);
  console.log('edge (workerd): 0 passed, 1 failed');
  process.exitCode = 1;
});
