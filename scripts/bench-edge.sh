#!/usr/bin/env bash
# Load on the edge worker under `wrangler dev` (workerd) on loopback: requests
# per second, p50 / p99 latency and workerd CPU time per request for
# POST /v1/quote (a 3-line cart priced against the published storefront; the
# 50-line x 30-coupon benchmark request with its catalog in the body) and
# POST /v1/orders (checkout: re-price, hold stock, one D1 transaction), at
# several concurrencies. A bounded Node load generator (keep-alive, fixed
# number of in-flight requests) - no extra package needed. Prints markdown
# rows for BENCHMARKS.md. Build first: bash scripts/build-edge.sh
#
#   bash scripts/bench-edge.sh [seconds per row, default 5] [concurrencies, default "1 8 32"]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=/dev/null
. "$ROOT/.tools/env.sh"
export BENCH_SECONDS="${1:-5}" BENCH_CONCURRENCY="${2:-1 8 32}" BENCH_ROOT="$ROOT"
node - <<'JS'
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const ROOT = process.env.BENCH_ROOT;
const { startWorker } = require(path.join(ROOT, 'tests/lib/wrangler.cjs'));
const f = require(path.join(ROOT, 'tests/edge/fixtures.cjs'));
const SECONDS = Number(process.env.BENCH_SECONDS);
const LEVELS = process.env.BENCH_CONCURRENCY.split(/\s+/).filter(Boolean).map(Number);
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100);

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
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function load(label, concurrency, makeRequest, pids) {
  const latencies = [];
  let errors = 0;
  const cpu0 = cpuByPid(pids);
  const start = performance.now();
  const end = start + SECONDS * 1000;
  await Promise.all(Array.from({ length: concurrency }, async (_, lane) => {
    let n = 0;
    while (performance.now() < end) {
      const { url, init, ok } = makeRequest(lane, n++);
      const t = performance.now();
      try {
        const res = await fetch(url, init);
        await res.arrayBuffer();
        if (res.status !== ok) errors++;
      } catch { errors++; }
      latencies.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  const cpu1 = cpuByPid(pids);
  let cpu = 0;
  for (const [pid, ms] of cpu1) cpu += ms - (cpu0.get(pid) || 0);
  // A workerd that exited mid-row (wrangler restarted it) took its CPU along.
  const restarted = [...cpu0.keys()].some((pid) => !cpu1.has(pid));
  latencies.sort((a, b) => a - b);
  const row = [label, concurrency, latencies.length, (latencies.length / seconds).toFixed(0),
    pct(latencies, 50).toFixed(1), pct(latencies, 99).toFixed(1),
    restarted ? 'n/a (workerd restarted)' : (cpu / latencies.length).toFixed(2), errors];
  console.log(`| ${row.join(' | ')} |`);
}

(async () => {
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
    const cart = JSON.stringify({ lines: [{ sku_id: 'jasmine-250g', quantity: 3 }, { sku_id: 'bun-pork', quantity: 12 }, { sku_id: 'mooncake-redbean', quantity: 1 }] });
    const heavy = fs.readFileSync(path.join(ROOT, 'tests/bench/pricing-50x30.json'), 'utf8');
    const lines = [{ sku_id: 'bun-pork', quantity: 1 }];
    const probe = await api.call('POST', '/v1/orders', { token: users[0], body: { lines, expected_payable: 0 }, headers: { 'idempotency-key': 'probe' } });
    const order = JSON.stringify({ lines, expected_payable: probe.json.error.quote.payable });
    const post = (route, body, headers = {}) => ({ method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    console.log(`wrangler dev (workerd) on loopback, ${os.cpus().length} CPUs (${os.cpus()[0].model.trim()}), ${SECONDS} s per row; CPU = workerd process time / requests`);
    console.log('');
    console.log('| route | concurrency | requests | req/s | p50 ms | p99 ms | workerd CPU ms/req | errors |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of LEVELS) {
      await load('POST /v1/quote (3 lines, storefront from KV)', c, () => ({ url: `${worker.url}/v1/quote`, init: post('/v1/quote', cart), ok: 200 }), pids);
    }
    for (const c of LEVELS) {
      await load('POST /v1/quote (50 lines x 30 coupons, catalog in body)', c, () => ({ url: `${worker.url}/v1/quote`, init: post('/v1/quote', heavy), ok: 200 }), pids);
    }
    for (const c of LEVELS) {
      await load('POST /v1/orders (checkout, 1 line)', c, (lane, n) => ({
        url: `${worker.url}/v1/orders`,
        init: post('/v1/orders', order, { authorization: `Bearer ${users[(lane * 7 + n) % users.length]}`, 'idempotency-key': crypto.randomUUID() }),
        ok: 201,
      }), pids);
    }
  } finally {
    await worker.stop();
    await wechat.close();
  }
})().catch((e) => { console.error(e); process.exitCode = 1; });
JS
