// Shared fixtures of the edge shop tests: the WeChat stand-in and its keys
// (tests/lib/wechat.cjs), the worker's vars, seeding through the admin
// routes and a small HTTP client.
'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT } = require('../lib/wrangler.cjs');
const { request } = require('../lib/agent.cjs');
const { startFakeWeChat, wechatVars, notification, platform, merchant, APIV3_KEY } = require('../lib/wechat.cjs');

const SEED = path.join(ROOT, 'edge-worker', 'seed');
const ADMIN = 'test-admin-token';
const SESSION_SECRET = crypto.randomBytes(32).toString('hex');

/** The worker's vars for a fake WeChat at `base`. */
function workerVars(base, extra = {}) {
  return wechatVars(base, {
    SESSION_SECRET,
    ADMIN_TOKEN: ADMIN,
    RATE_CHECKOUT_USER_BURST: '1000',
    RATE_CHECKOUT_IP_BURST: '100000',
    RATE_CHECKOUT_IP_PER_MIN: '1000000',
    ...extra,
  });
}

function client(url) {
  async function call(method, route, { body, token, headers = {} } = {}) {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    const res = await request(url + route, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = res.text;
    let json = null;
    if (text) {
      assert.match(res.headers.get('content-type') || '', /^application\/json/, `${method} ${route}: ${text}`);
      json = JSON.parse(text);
    }
    return { status: res.status, json, headers: res.headers, text };
  }
  const admin = (method, route, body) => call(method, route, { body, headers: { 'x-admin-token': ADMIN } });
  return { call, admin };
}

function seedStorefront() {
  return JSON.parse(fs.readFileSync(path.join(SEED, 'storefront.json'), 'utf8'));
}

function seedStores() {
  return JSON.parse(fs.readFileSync(path.join(SEED, 'stores.json'), 'utf8'));
}

/** A session token signed here with the worker's secret (e.g. expired ones). */
function forgeToken(sub, exp, secret = SESSION_SECRET) {
  const payload = Buffer.from(JSON.stringify({ sub, iat: exp - 60, exp })).toString('base64url');
  const signed = `v1.${payload}`;
  return `${signed}.${crypto.createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

function assertError(r, status, code) {
  assert.equal(r.status, status, `${code}: ${r.text}`);
  assert.equal(r.json.error.code, code, r.text);
  assert.equal(typeof r.json.error.message, 'string');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `fn` over `items`, at most `size` at a time; the results in order. */
async function pool(items, size, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}


module.exports = {
  startFakeWeChat, workerVars, client, seedStorefront, seedStores, notification, forgeToken,
  assertError, sleep, pool, merchant, platform, SESSION_SECRET, APIV3_KEY, ADMIN,
};
