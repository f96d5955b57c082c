// The one seam between the page logic and the host: WeChat (wx-platform.js)
// or a browser (h5/web-platform.js). The app installs an adapter once at
// start-up with use(); every lib module reaches the host only through get().
//
// An adapter is a plain object:
//   name                      'wechat' | 'h5' | ...
//   loadCore()                Promise of the wasm core module (call, quote, Client...)
//   openClient(core, clientId, nowMs)
//                             the wasm cart Client on this host's storage
//   storage                   { get(key) -> string|null, set(key, text), remove(key) }
//                             (throws on quota, as wx.setStorageSync does)
//   edgeUrl                   base URL of the edge API ('' = same origin)
//   request({method, url, headers, body})
//                             Promise of {status, data, headers} (header
//                             names lower-case); rejects with
//                             {code: 'NETWORK_ERROR'} when the network fails
//   getLocation()             Promise of {lat, lng, coord} (coord names the system)
//   loginCode()               Promise of a one-time login code (wx.login's code)
//   requestPayment(params)    optional: the platform's payment sheet with the
//                             edge's prepay parameters (wx.requestPayment);
//                             rejects with code PAYMENT_CANCELLED / _FAILED
//   onNetworkChange(fn)       fn(online: boolean) on every change
//   now()                     milliseconds since the epoch
// Invariant: lib modules never touch wx, window, fetch or localStorage.
let current = null;

function use(adapter) {
  current = adapter;
}

function get() {
  if (!current) throw new Error('platform: no adapter installed (call platform.use() at start-up)');
  return current;
}

module.exports = { use, get };
