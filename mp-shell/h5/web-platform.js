// The platform adapter (lib/platform.js) in a browser: the web wasm package,
// localStorage, fetch on the page's own origin (the edge serves this
// preview, so there is no CORS), the W3C geolocation (WGS-84, tagged so).
// The H5 preview has no wx.login: its login code is a dev code the local
// edge's code-to-session stand-in accepts.
function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function randomHex(n) {
  return hex(crypto.getRandomValues(new Uint8Array(n)));
}

export function webPlatform() {
  let core = null;
  return {
    name: 'h5',
    loadCore() {
      if (!core) {
        core = import('./pkg/commerce_wasm.js').then(async (mod) => {
          await mod.default();
          return mod;
        });
      }
      return core;
    },
    // localStorage holds about 5 MB: the snapshot cache gets 3 MiB of it.
    openClient: (core, clientId, nowMs) => core.Client.withLocalStorage(clientId, nowMs, { cache: { budget_bytes: 3 * 1024 * 1024 } }),
    edgeUrl: '',
    storage: {
      get: (k) => localStorage.getItem(k),
      set: (k, v) => localStorage.setItem(k, v),
      remove: (k) => localStorage.removeItem(k),
    },
    async request({ method, url, headers, body }) {
      const res = await fetch(url, { method, headers, body });
      const text = await res.text();
      let data = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch {
        data = { error: { code: `HTTP_${res.status}`, message: text.slice(0, 200) } };
      }
      return { status: res.status, data, headers: Object.fromEntries(res.headers) };
    },
    getLocation() {
      return new Promise((resolve, reject) => {
        if (!navigator.geolocation) {
          reject(Object.assign(new Error('this browser cannot locate you'), { code: 'LOCATION_UNAVAILABLE' }));
          return;
        }
        navigator.geolocation.getCurrentPosition(
          (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude, coord: 'wgs84' }),
          (e) => reject(Object.assign(new Error(e.message || 'location refused'), { code: 'LOCATION_UNAVAILABLE' })),
          { timeout: 8000 },
        );
      });
    },
    loginCode: async () => `h5-dev-${randomHex(8)}`,
    randomId: async () => randomHex(12),
    onNetworkChange(fn) {
      window.addEventListener('online', () => fn(true));
      window.addEventListener('offline', () => fn(false));
    },
    now: () => Date.now(),
  };
}
