// Shared fixtures of the edge shop tests: a fake WeChat (code-to-session
// and JSAPI prepay) on loopback, key pairs made here with node:crypto, the
// worker's vars, seeding through the admin routes, WeChat Pay v3
// notification signing and a small HTTP client.
'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { ROOT } = require('../lib/wrangler.cjs');

const SEED = path.join(ROOT, 'edge-worker', 'seed');
const ADMIN = 'test-admin-token';
const SESSION_SECRET = crypto.randomBytes(32).toString('hex');
const APIV3_KEY = crypto.randomBytes(16).toString('hex'); // 32 ASCII bytes, as WeChat's
const platform = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const merchant = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const der = (key, type) => key.export({ type, format: 'der' }).toString('base64');

/** Fake WeChat on loopback: code2session and JSAPI prepay. */
function startFakeWeChat() {
  const seen = { prepay: [] };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/sns/jscode2session') {
        const code = url.searchParams.get('js_code') || '';
        if (url.searchParams.get('secret') !== 'wx-app-secret' || code.startsWith('bad')) {
          return res.end(JSON.stringify({ errcode: 40029, errmsg: 'invalid code' }));
        }
        return res.end(JSON.stringify({ openid: `openid-${code}`, session_key: `SESSIONKEY-${code}` }));
      }
      if (url.pathname === '/v3/pay/transactions/jsapi') {
        seen.prepay.push({ headers: req.headers, body: JSON.parse(body) });
        return res.end(JSON.stringify({ prepay_id: `wx-prepay-${JSON.parse(body).out_trade_no}` }));
      }
      res.statusCode = 404;
      res.end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const base = `http://127.0.0.1:${server.address().port}`;
    resolve({ base, seen, close: () => new Promise((r) => server.close(r)) });
  }));
}

/** The worker's vars for a fake WeChat at `base`. */
function workerVars(base, extra = {}) {
  return {
    SESSION_SECRET,
    ADMIN_TOKEN: ADMIN,
    WECHAT_APPID: 'wx-test-app',
    WECHAT_SECRET: 'wx-app-secret',
    WECHAT_CODE2SESSION_URL: `${base}/sns/jscode2session`,
    WECHATPAY_PREPAY_URL: `${base}/v3/pay/transactions/jsapi`,
    WECHATPAY_MCHID: '1900000001',
    WECHATPAY_APIV3_KEY: APIV3_KEY,
    WECHATPAY_PLATFORM_PUBLIC_KEY: der(platform.publicKey, 'spki'),
    WECHATPAY_PLATFORM_SERIAL: 'PLATFORM-SERIAL-1',
    WECHATPAY_MERCHANT_PRIVATE_KEY: der(merchant.privateKey, 'pkcs8'),
    RATE_CHECKOUT_USER_BURST: '1000',
    RATE_CHECKOUT_IP_BURST: '100000',
    RATE_CHECKOUT_IP_PER_MIN: '1000000',
    ...extra,
  };
}

function client(url) {
  async function call(method, route, { body, token, headers = {} } = {}) {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    const res = await fetch(url + route, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
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

/** A WeChat Pay v3 notification for a transaction, signed with the platform key. */
function notification(transaction, { timestamp = Math.floor(Date.now() / 1000), key = APIV3_KEY, signer = platform.privateKey } = {}) {
  const nonce = crypto.randomBytes(16).toString('hex').slice(0, 32);
  const iv = crypto.randomBytes(6).toString('hex'); // 12 ASCII bytes
  const aad = 'transaction';
  const cipher = crypto.createCipheriv('aes-256-gcm', Buffer.from(key), Buffer.from(iv));
  cipher.setAAD(Buffer.from(aad));
  const plain = JSON.stringify({ mchid: '1900000001', appid: 'wx-test-app', trade_state: 'SUCCESS', ...transaction });
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]).toString('base64');
  const body = JSON.stringify({
    id: crypto.randomUUID(),
    create_time: new Date().toISOString(),
    event_type: 'TRANSACTION.SUCCESS',
    resource_type: 'encrypt-resource',
    resource: { algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: aad, nonce: iv, original_type: 'transaction' },
  });
  const signature = crypto.sign('sha256', Buffer.from(`${timestamp}\n${nonce}\n${body}\n`), signer).toString('base64');
  return {
    body,
    headers: {
      'wechatpay-timestamp': String(timestamp),
      'wechatpay-nonce': nonce,
      'wechatpay-signature': signature,
      'wechatpay-serial': 'PLATFORM-SERIAL-1',
    },
  };
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

module.exports = {
  startFakeWeChat, workerVars, client, seedStorefront, seedStores, notification, forgeToken,
  assertError, sleep, merchant, platform, SESSION_SECRET, APIV3_KEY, ADMIN,
};
