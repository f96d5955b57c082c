// The host storage adapter the wasm cart Client is opened on
// (`new core.Client(storage, clientId, nowMs)`), built from a mini-program's
// synchronous storage API: WeChat's `wx` or Douyin's `tt` (same names).
//
//   const { fromMiniProgram } = require('./storage.js');
//   const storage = fromMiniProgram(wx);
//   // { get(key) -> string|null, set(key, text), remove(key), keys() -> [key] }
//
// Invariants:
// - values are strings only (the platform stores JSON values; the Client
//   writes base64 text); `get` answers null for an absent key (the platform
//   answers '');
// - a write the platform refuses for size (1 MB per key, 10 MB in all:
//   "exceed", "limit", "quota", "max size" in its message) throws an Error
//   with `code: 'QUOTA_EXCEEDED'`, which the Client reports as
//   STORAGE_QUOTA_EXCEEDED; any other failure is rethrown as it came
//   (STORAGE_FAILED). Nothing is swallowed, nothing is evicted here: the
//   Client's cache keeps itself within its budget.
// Plain CommonJS, no build step, no global touched.
'use strict';

const QUOTA = /exceed|limit|quota|max size/i;

/**
 * Whether `e`, thrown by setStorageSync, is the platform refusing for size.
 * @param {any} e
 */
function isQuotaError(e) {
  const text = (e && (e.errMsg || e.message)) || String(e);
  return QUOTA.test(text);
}

/**
 * The Client's storage adapter over `api` (`wx` or `tt`).
 * @param {Pick<WechatMiniprogram.Wx, 'getStorageSync' | 'setStorageSync' | 'removeStorageSync' | 'getStorageInfoSync'>} api
 * @returns {Required<import('./platform.js').HostStorage>}
 */
function fromMiniProgram(api) {
  return {
    get(key) {
      const value = api.getStorageSync(key);
      return value === '' || value === undefined ? null : value;
    },
    set(key, value) {
      try {
        api.setStorageSync(key, value);
      } catch (e) {
        if (!isQuotaError(e)) throw e;
        /** @type {Error & {code?: string}} */
        const quota = new Error((e && (e.errMsg || e.message)) || 'storage quota exceeded');
        quota.code = 'QUOTA_EXCEEDED';
        throw quota;
      }
    },
    remove(key) {
      api.removeStorageSync(key);
    },
    keys() {
      return api.getStorageInfoSync().keys;
    },
  };
}

module.exports = { fromMiniProgram, isQuotaError };
