// A phone-like mini-program runtime inside Node, for tests.
//
// installPhone() makes the current process look like WeChat (or Douyin) on a
// phone *before* any package code loads:
// - removed: WebAssembly, TextEncoder, TextDecoder, fetch, URL,
//   FinalizationRegistry, crypto (absent on devices);
// - WXWebAssembly / TTWebAssembly.instantiate(path, imports) accept only a
//   file path inside the package ('/wasm/x.wasm' or '/wasm/x.wasm.br'), never
//   bytes or URLs, as on the real platforms;
// - wx / tt storage with the real limits: values JSON-serialisable, at most
//   1 MB per key and 10 MB in all; a write past a limit throws, nothing is
//   evicted for you.
// - wx.request over real loopback HTTP (node:http, as the phone's network
//   stack would), failing with "request:fail" while the phone is offline,
//   and "request:fail timeout" past its `timeout` (WeChat's default 60 s);
//   phone.setFault(fn) answers a request in the edge's place when
//   fn(options) returns {statusCode, data, header?} (a failing edge);
//   phone.requests records each request's {method, url, timeout};
//   wx.onNetworkStatusChange fires on phone.setOnline(); wx.getLocation
//   answers the fix given to phone.setLocation() (WGS-84 numbers, as WeChat
//   returns by default; setLocation(null): permission denied); wx.login a
//   fresh code; wx.getRandomValues random bytes (the only randomness a
//   phone offers); navigation calls recorded;
//   wx.requestPayment hands its parameters to the shopper set with
//   phone.setPayer(fn) (fn resolves: paid; rejects: the sheet was closed).
// Run each platform in its own process: globals are changed for good.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const http = require('node:http');
const { agent } = require('../lib/agent.cjs');
const crypto = require('node:crypto');

const MB = 1024 * 1024;
const REMOVED = ['WebAssembly', 'TextEncoder', 'TextDecoder', 'fetch', 'URL', 'FinalizationRegistry', 'crypto'];

/** Size of a stored value as WeChat counts it: its JSON text in UTF-8 bytes. */
function storedSize(key, value) {
  return Buffer.byteLength(key) + Buffer.byteLength(JSON.stringify(value));
}

/** wx.*Storage* with the per-key and total limits enforced. */
function makeStorage({ perKey = 1 * MB, total = 10 * MB, backing = new Map() } = {}) {
  const used = () => [...backing].reduce((n, [k, v]) => n + storedSize(k, v), 0);
  const api = {
    setStorageSync(key, value) {
      if (typeof key !== 'string' || key === '') throw new Error('setStorageSync:fail parameter key invalid');
      const json = JSON.stringify(value);
      if (json === undefined) throw new Error('setStorageSync:fail data not serialisable');
      const size = storedSize(key, value);
      if (size > perKey) throw new Error(`setStorageSync:fail entry size limit reached (${size} > ${perKey})`);
      const old = backing.has(key) ? storedSize(key, backing.get(key)) : 0;
      if (used() - old + size > total) throw new Error('setStorageSync:fail exceed storage max size 10MB');
      backing.set(key, JSON.parse(json));
    },
    getStorageSync(key) {
      return backing.has(key) ? backing.get(key) : '';
    },
    removeStorageSync(key) {
      backing.delete(key);
    },
    getStorageInfoSync() {
      return { keys: [...backing.keys()], currentSize: Math.ceil(used() / 1024), limitSize: total / 1024 };
    },
    clearStorageSync() {
      backing.clear();
    },
  };
  return { api, backing };
}

/**
 * Turn this process into a phone. `packageRoot` is the mini-program root
 * (the folder holding app.json). Returns { storage, backing, host }.
 */
function installPhone({ packageRoot, platform = 'wechat', backing } = {}) {
  const host = { WebAssembly: globalThis.WebAssembly };
  for (const name of REMOVED) {
    delete globalThis[name];
    if (name in globalThis) throw new Error(`could not remove ${name}`);
  }
  const instantiate = async (filePath, imports) => {
    if (typeof filePath !== 'string' || !filePath.startsWith('/')) {
      throw new TypeError('instantiate: only an absolute path inside the package is accepted');
    }
    const file = path.join(packageRoot, filePath);
    if (!file.startsWith(path.resolve(packageRoot) + path.sep) || !fs.existsSync(file)) {
      throw new Error(`instantiate: no file ${filePath} in the package`);
    }
    let bytes = fs.readFileSync(file);
    if (file.endsWith('.br')) bytes = zlib.brotliDecompressSync(bytes);
    const { instance } = await host.WebAssembly.instantiate(bytes, imports);
    return { instance }; // no module, as on WeChat
  };
  const { api: storage, backing: store } = makeStorage({ backing });
  const device = makeDevice();
  const platformApi = { ...storage, ...device.api, getSystemInfoSync: () => ({ platform: 'ios', SDKVersion: '3.4.0' }) };
  if (platform === 'wechat') {
    globalThis.WXWebAssembly = { instantiate };
    globalThis.wx = platformApi;
  } else if (platform === 'douyin') {
    globalThis.TTWebAssembly = { instantiate };
    globalThis.tt = platformApi;
  } else {
    throw new Error(`unknown platform ${platform}`);
  }
  return { storage, backing: store, host, ...device.controls };
}

/** wx.request / getLocation / login / getRandomValues / network / navigation. */
function makeDevice() {
  let online = true;
  let fix = { latitude: 31.2304, longitude: 121.4737 };
  let logins = 0;
  const networkListeners = [];
  const navigations = [];
  let payer = async () => { throw new Error('requestPayment:fail no payer set'); };
  let fault = () => null;
  const requests = [];
  const done = (options, error, result) => {
    if (error) {
      if (options.fail) options.fail({ errMsg: error });
    } else if (options.success) {
      options.success(result);
    }
    if (options.complete) options.complete();
  };
  const api = {
    request(options) {
      const timeout = options.timeout || 60000;
      requests.push({ method: options.method || 'GET', url: options.url, timeout });
      if (!online) {
        setTimeout(() => done(options, 'request:fail net::ERR_INTERNET_DISCONNECTED'), 0);
        return;
      }
      const faulty = fault(options);
      if (faulty) {
        setTimeout(() => done(options, null, { header: {}, ...faulty }), 0);
        return;
      }
      const body = options.data === undefined ? undefined : typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
      const req = http.request(options.url, { agent, method: options.method || 'GET', headers: options.header || {} }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { text += d; });
        res.on('end', () => {
          let data = text;
          if (options.dataType !== 'text') {
            try { data = JSON.parse(text); } catch { /* WeChat leaves non-JSON text as it is */ }
          }
          done(options, null, { statusCode: res.statusCode, data, header: res.headers });
        });
      });
      req.setTimeout(timeout, () => req.destroy(new Error('timeout')));
      req.on('error', (e) => done(options, `request:fail ${e.message}`));
      if (body !== undefined) req.write(body);
      req.end();
    },
    getLocation(options) {
      setTimeout(() => (fix ? done(options, null, { ...fix, accuracy: 30 }) : done(options, 'getLocation:fail auth deny')), 0);
    },
    login(options) {
      logins += 1;
      setTimeout(() => done(options, null, { code: `phone-code-${logins}-${crypto.randomBytes(4).toString('hex')}` }), 0);
    },
    getRandomValues(options) {
      const bytes = crypto.randomBytes(options.length);
      setTimeout(() => done(options, null, { randomValues: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) }), 0);
    },
    onNetworkStatusChange(fn) {
      networkListeners.push(fn);
    },
    requestPayment(options) {
      payer(options).then(() => done(options, null, { errMsg: 'requestPayment:ok' }), (e) => done(options, (e && e.message) || String(e)));
    },
    switchTab: (o) => navigations.push({ type: 'switchTab', url: o.url }),
    navigateTo: (o) => navigations.push({ type: 'navigateTo', url: o.url }),
    redirectTo: (o) => navigations.push({ type: 'redirectTo', url: o.url }),
  };
  const controls = {
    navigations,
    requests,
    /** setFault(fn): fn(options) -> {statusCode, data, header?} answers in the edge's place; null: the edge answers. */
    setFault(fn) {
      fault = fn || (() => null);
    },
    setPayer(fn) {
      payer = fn;
    },
    /** setLocation(null): the shopper refused the location permission. */
    setLocation(latitude, longitude) {
      fix = latitude === null ? null : { latitude, longitude };
    },
    setOnline(value) {
      online = value;
      for (const fn of networkListeners) fn({ isConnected: value, networkType: value ? 'wifi' : 'none' });
    },
  };
  return { api, controls };
}

module.exports = { installPhone, makeStorage, MB };
