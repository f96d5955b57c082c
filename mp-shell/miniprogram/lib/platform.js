// The one seam between the page logic and the host: WeChat (wx-platform.js)
// or a browser (h5/web-platform.js). The app installs an adapter once at
// start-up with use(); every lib module reaches the host only through get().
//
// An adapter is a plain object (the typedefs below, checked by
// `tsc -p mp-shell/jsconfig.json`).
// Invariant: lib modules never touch wx, window, fetch or localStorage.

/**
 * Host key-value storage of strings; `set` throws on quota, as
 * wx.setStorageSync does.
 * @typedef {object} HostStorage
 * @property {(key: string) => string | null} get
 * @property {(key: string, text: string) => void} set
 * @property {(key: string) => void} remove
 * @property {() => string[]} [keys] every key (the wasm Client lists its own)
 */

/**
 * An HTTP exchange with the edge; header names lower-case.
 * @typedef {object} HostRequest
 * @property {string} method
 * @property {string} url
 * @property {Record<string, string>} headers
 * @property {string} [body]
 */

/**
 * @typedef {object} HostResponse
 * @property {number} status
 * @property {any} data the body, parsed JSON
 * @property {Record<string, string>} headers names lower-case
 */

/**
 * A location fix; `coord` names its coordinate system ('wgs84', ...).
 * @typedef {{lat: number, lng: number, coord: string}} Fix
 */

/**
 * @typedef {object} Platform
 * @property {string} name 'wechat' | 'h5' | ...
 * @property {() => Promise<any>} loadCore the wasm core module (call, quote, Client...)
 * @property {(core: any, clientId: string, nowMs: number) => any} openClient
 *   the wasm cart Client on this host's storage
 * @property {HostStorage} storage
 * @property {string} edgeUrl base URL of the edge API ('' = same origin)
 * @property {(req: HostRequest) => Promise<HostResponse>} request rejects
 *   only when the network fails (api.js makes that NETWORK_ERROR)
 * @property {() => Promise<Fix>} getLocation
 * @property {() => Promise<string>} loginCode a one-time login code (wx.login's code)
 * @property {() => Promise<string>} randomId a random hex id (client and idempotency ids)
 * @property {(params: any) => Promise<void>} [requestPayment] the platform's
 *   payment sheet with the edge's prepay parameters (wx.requestPayment);
 *   rejects with code PAYMENT_CANCELLED / _FAILED
 * @property {(fn: (online: boolean) => void) => void} onNetworkChange fn on every change
 * @property {() => number} now milliseconds since the epoch
 */

/** @type {Platform | null} */
let current = null;

/** @param {Platform} adapter */
function use(adapter) {
  current = adapter;
}

/** @returns {Platform} */
function get() {
  if (!current) throw new Error('platform: no adapter installed (call platform.use() at start-up)');
  return current;
}

module.exports = { use, get };
