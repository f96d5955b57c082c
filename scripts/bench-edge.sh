#!/usr/bin/env bash
# Load on the edge worker under `wrangler dev` (workerd) on loopback: requests
# per second, p50 / p99 latency and workerd CPU time per request for
# POST /v1/quote (a 3-line cart priced against the published storefront; the
# 50-line x 30-coupon benchmark request with its catalog in the body) and
# POST /v1/orders (checkout: re-price, hold stock, one D1 transaction) - from
# the warehouse, and as pickups all at one store or spread over 16 stores -
# at several concurrencies. The load is Debian's wrk (installed here when
# missing), driven by scripts/bench-edge.lua; Node starts the worker, seeds it
# (stock enough for every checkout, 64 shoppers' session tokens) and reads
# workerd's CPU time from /proc around each wrk run. Prints markdown rows for
# BENCHMARKS.md; wrk's own reports go to target/bench/edge-wrk/.
# Build first: bash scripts/build-edge.sh
#
#   bash scripts/bench-edge.sh [seconds per row, default 5] [concurrencies, default "1 8 32"]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=/dev/null
. "$ROOT/.tools/env.sh"
# shellcheck source=scripts/deb.sh
. "$ROOT/scripts/deb.sh"
deb_install wrk
export BENCH_SECONDS="${1:-5}" BENCH_CONCURRENCY="${2:-1 8 32}" BENCH_ROOT="$ROOT"
node - <<'JS'
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const ROOT = process.env.BENCH_ROOT;
const { startWorker } = require(path.join(ROOT, 'tests/lib/wrangler.cjs'));
const f = require(path.join(ROOT, 'tests/edge/fixtures.cjs'));
const SECONDS = Number(process.env.BENCH_SECONDS);
const LEVELS = process.env.BENCH_CONCURRENCY.split(/\s+/).filter(Boolean).map(Number);
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100);
const LUA = path.join(ROOT, 'scripts/bench-edge.lua');
const REPORTS = path.join(ROOT, 'target/bench/edge-wrk');
const wrkArgs = (c) => ['-t', String(Math.min(c, 2)), '-c', String(c), '-d', `${SECONDS}s`, '--timeout', '30s', '--latency'];

function workerdPids() {
  try {
    return execFileSync('pgrep', ['-x', 'workerd']).toString().split('\n').filter(Boolean).map(Number);
  } catch { return []; }
}
/** CPU ms used so far by each of our workerd processes. */
function cpuByPid(pids) {
  const out = new Map();
  for (const pid of pids()) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) * TICK_MS); // utime + stime
    } catch { /* exited */ }
  }
  return out;
}

/** wrk's report; async, so that the fake WeChat in this process keeps answering. */
function wrk(args) {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

async function row(label, name, concurrency, url, scriptArgs, pids) {
  const cpu0 = cpuByPid(pids);
  const report = await wrk([...wrkArgs(concurrency), '-s', LUA, url, '--', ...scriptArgs]);
  const cpu1 = cpuByPid(pids);
  fs.writeFileSync(path.join(REPORTS, `${name}-c${concurrency}.txt`), report);
  const line = report.split('\n').find((l) => l.startsWith('bench-edge '));
  if (!line) throw new Error(`no summary line in wrk's report:\n${report}`);
  const r = JSON.parse(line.slice('bench-edge '.length));
  let cpu = 0;
  for (const [pid, ms] of cpu1) cpu += ms - (cpu0.get(pid) || 0);
  // A workerd that exited mid-row took its CPU along.
  const restarted = [...cpu0.keys()].some((pid) => !cpu1.has(pid));
  const cells = [label, concurrency, r.requests, (r.requests / (r.duration_us / 1e6)).toFixed(0),
    (r.p50_us / 1000).toFixed(1), (r.p99_us / 1000).toFixed(1),
    restarted ? 'n/a (workerd restarted)' : (cpu / r.requests).toFixed(2), r.non_2xx_3xx + r.socket_errors];
  console.log(`| ${cells.join(' | ')} |`);
}

(async () => {
  fs.mkdirSync(REPORTS, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-edge-'));
  const file = (name, text) => { fs.writeFileSync(path.join(tmp, name), text); return path.join(tmp, name); };
  const wechat = await f.startFakeWeChat();
  const before = new Set(workerdPids());
  const worker = await startWorker({ vars: f.workerVars(wechat.base, {
    PAYMENT_TIMEOUT_S: '86400', RATE_CHECKOUT_USER_BURST: '1000000', RATE_CHECKOUT_USER_PER_MIN: '1000000' }) });
  const pids = () => workerdPids().filter((p) => !before.has(p));
  const api = f.client(worker.url);
  try {
    const storefront = f.seedStorefront();
    for (const p of storefront.catalog.products) for (const s of p.skus) s.stock = 100000000;
    await api.admin('PUT', '/v1/admin/catalog', storefront);
    const users = [];
    for (let i = 0; i < 64; i++) users.push((await api.admin('POST', '/v1/admin/session', { openid: `bench-${i}` })).json.token);
    const tokens = file('tokens.txt', `${users.join('\n')}\n`);
    const cart = file('cart.json', JSON.stringify({ lines: [{ sku_id: 'jasmine-250g', quantity: 3 }, { sku_id: 'bun-pork', quantity: 12 }, { sku_id: 'mooncake-redbean', quantity: 1 }] }));
    const heavy = path.join(ROOT, 'tests/bench/pricing-50x30.json');
    const lines = [{ sku_id: 'bun-pork', quantity: 1 }];
    const probe = await api.call('POST', '/v1/orders', { token: users[0], body: { lines, expected_payable: 0 }, headers: { 'idempotency-key': 'probe' } });
    const order = file('order.json', JSON.stringify({ lines, expected_payable: probe.json.error.quote.payable }));
    const version = spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0].split(' [')[0];
    console.log(`Run: \`bash scripts/bench-edge.sh ${SECONDS} "${LEVELS.join(' ')}"\` on ${new Date().toISOString().slice(0, 10)}: ${version}, \`wrk -t min(C,2) -c C -d ${SECONDS}s --timeout 30s --latency -s scripts/bench-edge.lua\``);
    console.log(`against wrangler dev's workerd, on its own loopback socket, ${os.cpus().length} CPUs (${os.cpus()[0].model.trim()}), load average ${os.loadavg()[0].toFixed(1)} at the start.`);
    console.log('');
    console.log('| route | concurrency | requests | req/s | p50 ms | p99 ms | workerd CPU ms/req | errors |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    // wrk talks to workerd's own socket (tests/lib/wrangler-dev.cjs says why
    // not wrangler's port).
    const base = worker.runtime;
    for (const c of LEVELS) await row('POST /v1/quote (3 lines, storefront from KV)', 'quote-3', c, `${base}/v1/quote`, [cart], pids);
    for (const c of LEVELS) await row('POST /v1/quote (50 lines x 30 coupons, catalog in body)', 'quote-50x30', c, `${base}/v1/quote`, [heavy], pids);
    for (const c of LEVELS) await row('POST /v1/orders (checkout, 1 line)', 'orders', c, `${base}/v1/orders`, [order, tokens, `c${c}`], pids);
    // Pickup checkouts: all at one store (one stock keeper), or each at the
    // next of 16 stores (16 keepers); the warehouse row above is the old
    // single-object path.
    const stores = { version: 'bench', coord: 'gcj02', stores: Array.from({ length: 16 }, (_, i) => ({
      id: `s${String(i).padStart(2, '0')}`, location: { lat: 31.2 + i * 0.001, lng: 121.47 }, stock: { 'bun-pork': 100000000 } })) };
    await api.admin('PUT', '/v1/admin/stores', stores);
    const pickupBody = (id) => ({ lines, fulfilment: { mode: 'pickup', store_id: id }, expected_payable: 0 });
    const seen = await api.call('POST', '/v1/checkout/preview', { token: users[0], body: pickupBody('s00') });
    const pickup = (id) => JSON.stringify({ ...pickupBody(id), expected_payable: seen.json.quote.payable });
    const one = file('pickup-one.jsonl', `${pickup('s00')}\n`);
    const spread = file('pickup-16.jsonl', `${stores.stores.map((s) => pickup(s.id)).join('\n')}\n`);
    for (const c of LEVELS) await row('POST /v1/orders (pickup, 1 line, all at one store)', 'pickup-one', c, `${base}/v1/orders`, [one, tokens, `p1c${c}`], pids);
    for (const c of LEVELS) await row('POST /v1/orders (pickup, 1 line, spread over 16 stores)', 'pickup-16', c, `${base}/v1/orders`, [spread, tokens, `p16c${c}`], pids);
  } finally {
    await worker.stop();
    await wechat.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
})().catch((e) => { console.error(e); process.exitCode = 1; });
JS
