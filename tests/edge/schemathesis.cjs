// Schemathesis (property-based, from docs/openapi.json) against the worker in
// workerd: every operation, its default checks (no 5xx, every status and
// body as documented, schema-valid data accepted, invalid data refused,
// methods, headers, auth), bounded in time for this 2-core machine.
//
// The worker is seeded like tests/edge/openapi.cjs (fixtures.cjs: fake
// WeChat, storefront, stores); a shopper's session token and the admin token
// go on every request; a few orders in each state give the id-based routes
// real data (tests/edge/schemathesis.toml's `order_ids` dictionary, and the
// spec's `links` from `POST /v1/orders` for the stateful phase). What the
// schema cannot say (unknown SKUs, business rules, stock) is allowed per
// operation in tests/edge/schemathesis.toml, each with its reason.
//
// `node tests/edge/schemathesis.cjs` (after `. .tools/env.sh`; needs
// scripts/setup.sh's .tools/venv). Prints `edge schemathesis: N passed, M
// failed`: an operation passes when no check failed on it, and each failure
// (a check on an operation) counts once. SCHEMATHESIS_MAX_TIME (s, default
// 120) and SCHEMATHESIS_MAX_EXAMPLES (default 40) bound the run;
// SCHEMATHESIS_SEED picks the run: 1 by default, so that `make test` is
// repeatable (a new seed explores new inputs and may find a new mismatch:
// that is a bug to fix, but not one that should turn a landing red at
// random); SCHEMATHESIS_SEED=random explores (seeds 1-3 pass).
'use strict';
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startWorker, ROOT } = require('../lib/wrangler.cjs');
const f = require('./fixtures.cjs');

const LABEL = 'edge schemathesis';
const BIN = path.join(ROOT, '.tools', 'venv', 'bin', 'schemathesis');
const SPEC = path.join(ROOT, 'docs', 'openapi.json');
const CONFIG = path.join(__dirname, 'schemathesis.toml');
const MAX_TIME = process.env.SCHEMATHESIS_MAX_TIME || '120';
const MAX_EXAMPLES = process.env.SCHEMATHESIS_MAX_EXAMPLES || '40';

function expectStatus(r, status, what) {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${r.text}`);
  return r;
}

/** Seed the worker; returns what the run needs: a token and order ids. */
async function seed(api) {
  expectStatus(await api.admin('PUT', '/v1/admin/catalog', f.seedStorefront()), 200, 'publish storefront');
  expectStatus(await api.admin('PUT', '/v1/admin/stores', f.seedStores()), 200, 'publish stores');
  const session = expectStatus(await api.admin('POST', '/v1/admin/session', { openid: 'fuzzer', points: 1000 }), 200, 'session').json;
  const token = session.token;
  for (const id of ['welcome-10', 'tea-15pct']) {
    expectStatus(await api.call('POST', '/v1/coupons/claim', { token, body: { coupon_id: id } }), 200, `claim ${id}`);
  }
  const checkout = (body) => api.call('POST', '/v1/orders', { token, body, headers: { 'idempotency-key': crypto.randomUUID() } });
  async function order(lines) {
    const probe = await checkout({ lines, expected_payable: 0 });
    expectStatus(probe, 409, 'price probe');
    return expectStatus(await checkout({ lines, expected_payable: probe.json.error.quote.payable }), 201, 'checkout').json;
  }
  const pay = async (o) => {
    expectStatus(await api.call('POST', `/v1/orders/${o.id}/pay`, { token }), 200, 'prepay');
    expectStatus(await api.call('POST', `/v1/orders/${o.id}/pay/sandbox`, { token }), 200, 'sandbox pay');
  };
  const pending = await order([{ sku_id: 'bun-pork', quantity: 1 }]);
  const paid = await order([{ sku_id: 'jasmine-250g', quantity: 2 }]);
  await pay(paid);
  const shipped = await order([{ sku_id: 'bun-pork', quantity: 2 }]);
  await pay(shipped);
  expectStatus(await api.admin('POST', `/v1/admin/orders/${shipped.id}/ship`), 200, 'ship');
  const storefront = f.seedStorefront();
  writeDictionary('order-ids', [pending.id, paid.id, shipped.id]);
  writeDictionary('sku-ids', storefront.catalog.products.flatMap((p) => p.skus.map((s) => s.id)));
  writeDictionary('coupon-ids', storefront.coupons.map((c) => c.id));
  return token;
}

/** A libFuzzer-style dictionary that schemathesis.toml names. */
function writeDictionary(name, values) {
  const dir = path.join(ROOT, 'target', 'schemathesis');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.dict`), values.map((v) => JSON.stringify(v)).join('\n') + '\n');
}

function schemathesis(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { out += d; process.stderr.write(d); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/**
 * The run's outcome from its NDJSON report: per operation (a scenario's
 * recorder label, "METHOD /path"), the checks that failed on it. An
 * operation of the spec that no scenario reached counts as a failure too
 * (the run did not test it). Stateful scenarios carry the label of the
 * link chain; their failures count under it.
 */
function summarise(reportDir, spec) {
  const failures = new Map(); // label -> Set(check)
  const seen = new Set();
  for (const file of fs.readdirSync(reportDir).filter((n) => n.endsWith('.ndjson'))) {
    for (const line of fs.readFileSync(path.join(reportDir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const event = JSON.parse(line);
      const done = event.ScenarioFinished;
      if (!done) continue;
      const label = done.recorder.label;
      seen.add(label);
      if (done.status === 'skip' || done.status === 'success') continue;
      const failed = failures.get(label) || new Set();
      for (const checks of Object.values(done.recorder.checks || {})) {
        for (const check of checks) if (check.status === 'failure') failed.add(check.name);
      }
      if (!failed.size) failed.add(done.status); // an error, not a check
      failures.set(label, failed);
    }
  }
  const operations = Object.entries(spec.paths).flatMap(([p, item]) => Object.keys(item)
    .filter((m) => ['get', 'put', 'post', 'delete', 'patch'].includes(m)).map((m) => `${m.toUpperCase()} ${p}`));
  const lines = [];
  let passed = 0;
  let failed = 0;
  for (const op of operations) {
    if (!seen.has(op)) {
      lines.push(`FAIL ${LABEL}: ${op}: not tested`);
      failed += 1;
    } else if (failures.has(op)) {
      lines.push(`FAIL ${LABEL}: ${op}: ${[...failures.get(op)].join(', ')}`);
      failed += failures.get(op).size;
    } else {
      passed += 1;
    }
  }
  for (const [label, checks] of failures) {
    if (operations.includes(label)) continue;
    lines.push(`FAIL ${LABEL}: ${label}: ${[...checks].join(', ')}`);
    failed += checks.size;
  }
  return { lines, passed, failed };
}

(async () => {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run scripts/setup.sh`);
  const spec = JSON.parse(fs.readFileSync(SPEC, 'utf8'));
  const wechat = await f.startFakeWeChat();
  const worker = await startWorker({ vars: f.workerVars(wechat.base) });
  wechat.setEdge(worker.url);
  const api = f.client(worker.url);
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'schemathesis-'));
  try {
    const token = await seed(api);
    const args = [
      '--config-file', CONFIG, 'run', SPEC, '--url', worker.url,
      '--header', `Authorization: Bearer ${token}`, '--header', `X-Admin-Token: ${f.ADMIN}`,
      '--max-examples', MAX_EXAMPLES, '--max-time', MAX_TIME, '--workers', '2',
      '--report', 'ndjson', '--report-dir', reportDir, '--no-color',
    ];
    const runSeed = process.env.SCHEMATHESIS_SEED || '1';
    if (runSeed !== 'random') args.push('--seed', runSeed);
    const run = await schemathesis(args);
    const summary = summarise(reportDir, spec);
    for (const line of summary.lines) console.log(line);
    console.log(`${LABEL}: ${summary.passed} passed, ${summary.failed} failed`);
    process.exitCode = summary.failed || run.code ? 1 : 0;
  } finally {
    await worker.stop();
    await wechat.close();
  }
})().catch((e) => {
  console.log(`FAIL ${LABEL}: ${e && e.stack ? e.stack : e}`);
  console.log(`${LABEL}: 0 passed, 1 failed`);
  process.exitCode = 1;
});
