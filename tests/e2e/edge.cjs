// The edge a shop test talks to: the worker under `wrangler dev` (workerd),
// seeded with the dev data (edge-worker/seed/*.json) through the documented
// admin routes, with the WeChat stand-in of tests/lib/wechat.cjs on loopback
// for logging in and paying (WeChat itself is out of reach; the edge calls
// it over real HTTP, as in production).
//
// startShopEdge({persistTo?, port?}) -> {url, port, persistTo, stop(),
// restart(), call(method, path, body, token), admin(method, path, body),
// wechatPay(orderId)}. restart() starts the worker
// again on the same port and state (the offline scenarios).
// Start it before a phone-like harness removes fetch (wrangler.cjs polls
// with it); its own requests use node:http.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const { agent } = require('../lib/agent.cjs');
const os = require('node:os');
const path = require('node:path');
const { startWorker, ROOT } = require('../lib/wrangler.cjs');
const { startFakeWeChat, wechatVars } = require('../lib/wechat.cjs');

const ADMIN_TOKEN = 'test-admin';

/** One JSON request over node:http (not fetch: a phone-like harness removes what undici needs). */
function call(url, method, route, body, token, headers = {}) {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const all = { 'content-type': 'application/json', ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
  return new Promise((resolve, reject) => {
    const req = http.request(url + route, { agent, method, headers: all }, (res) => {
      let answer = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { answer += d; });
      res.on('end', () => {
        let data = answer;
        try { data = JSON.parse(answer); } catch { /* not JSON: kept as text */ }
        resolve({ status: res.statusCode, body: data });
      });
    });
    req.on('error', reject);
    if (text !== undefined) req.write(text);
    req.end();
  });
}

async function startShopEdge(options = {}) {
  const ownDir = !options.persistTo;
  const persistTo = options.persistTo || fs.mkdtempSync(path.join(os.tmpdir(), 'commerce-shop-'));
  const wechat = await startFakeWeChat();
  const vars = wechatVars(wechat.base, { ADMIN_TOKEN, SESSION_SECRET: 'test-session-secret-0123456789abcdef' });
  let worker;
  try {
    worker = await startWorker({ persistTo, port: options.port, vars });
  } catch (e) {
    await wechat.close(); // else its server keeps the test process alive
    throw e;
  }
  wechat.setEdge(worker.url);
  const admin = { 'x-admin-token': ADMIN_TOKEN };
  for (const [route, file] of [['/v1/admin/catalog', 'storefront.json'], ['/v1/admin/stores', 'stores.json']]) {
    const body = JSON.parse(fs.readFileSync(path.join(ROOT, 'edge-worker', 'seed', file), 'utf8'));
    const r = await call(worker.url, 'PUT', route, body, null, admin);
    if (r.status >= 300) throw new Error(`seeding ${route}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const edge = {
    persistTo,
    get url() { return worker.url; },
    get port() { return worker.port; },
    call: (method, route, body, token) => call(worker.url, method, route, body, token),
    admin: (method, route, body) => call(worker.url, method, route, body, null, admin),
    stopWorker: () => worker.stop(),
    async restart() {
      worker = await startWorker({ persistTo, port: worker.port, vars });
      wechat.setEdge(worker.url);
    },
    /** What the shopper's WeChat does on confirming wx.requestPayment for an order. */
    wechatPay: (orderId) => wechat.pay(orderId),
    async stop() {
      await worker.stop();
      await wechat.close();
      if (ownDir) fs.rmSync(persistTo, { recursive: true, force: true });
    },
  };
  return edge;
}

module.exports = { startShopEdge };
