// The platform adapter (platform.js) on WeChat: wx.* callbacks as promises.
// - storage: wx.*StorageSync through storage.js (1 MB per key, 10 MB in
//   all; a write refused for size throws code QUOTA_EXCEEDED);
// - loadCore: the wasm from the `core` subpackage (core.js);
// - request: wx.request, given up after config.requestTimeoutMs;
// - getLocation: wx.getLocation's fix, WGS-84 unless asked: tagged `wgs84`;
// - randomId: wx.getRandomValues (phones have no crypto.getRandomValues);
// - requestPayment: wx.requestPayment; the shopper closing the sheet is
//   PAYMENT_CANCELLED, any other failure PAYMENT_FAILED.
const { loadCore } = require('./core.js');
const config = require('./config.js');
const { fromMiniProgram } = require('./storage.js');

/**
 * A wx callback API as a promise of its success result (the call sites name
 * its type); a failure rejects with an Error carrying wx's errMsg.
 * @param {(options: any) => unknown} api
 * @param {object} [options]
 * @returns {Promise<any>}
 */
function promise(api, options = {}) {
  return new Promise((resolve, reject) => api({ ...options, success: resolve, fail: (e) => reject(new Error((e && e.errMsg) || String(e))) }));
}

/** @param {ArrayBuffer} bytes */
function hex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * @param {WechatMiniprogram.Wx} wx
 * @returns {import('./platform.js').Platform}
 */
function wxPlatform(wx) {
  const storage = fromMiniProgram(wx);
  return {
    name: 'wechat',
    loadCore,
    openClient: (core, clientId, nowMs) => new core.Client(storage, clientId, nowMs),
    edgeUrl: config.edgeUrl,
    storage,
    async request({ method, url, headers, body }) {
      /** @type {WechatMiniprogram.RequestSuccessCallbackResult} */
      const res = await promise(wx.request, { method, url, header: headers, data: body, dataType: 'json', timeout: config.requestTimeoutMs });
      /** @type {Record<string, string>} */
      const header = {};
      for (const [name, value] of Object.entries(res.header || {})) header[name.toLowerCase()] = value;
      return { status: res.statusCode, data: res.data, headers: header };
    },
    async getLocation() {
      /** @type {WechatMiniprogram.GetLocationSuccessCallbackResult} */
      const fix = await promise(wx.getLocation, { type: 'wgs84' });
      return { lat: fix.latitude, lng: fix.longitude, coord: 'wgs84' };
    },
    async loginCode() {
      /** @type {WechatMiniprogram.LoginSuccessCallbackResult} */
      const login = await promise(wx.login);
      return login.code;
    },
    async randomId() {
      /** @type {WechatMiniprogram.GetRandomValuesSuccessCallbackResult} */
      const random = await promise(wx.getRandomValues, { length: 12 });
      return hex(random.randomValues);
    },
    async requestPayment(params) {
      try {
        await promise(wx.requestPayment, params);
      } catch (e) {
        const cancelled = /cancel/.test(e.message);
        throw Object.assign(new Error(cancelled ? '支付已取消 payment cancelled' : e.message), { code: cancelled ? 'PAYMENT_CANCELLED' : 'PAYMENT_FAILED' });
      }
    },
    onNetworkChange(fn) {
      wx.onNetworkStatusChange((res) => fn(res.isConnected));
    },
    now: () => Date.now(),
  };
}

module.exports = { wxPlatform };
