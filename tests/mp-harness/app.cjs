// The mini-program app as the shop tests drive it (shop.cjs, stores.cjs):
// launchApp(edgeUrl) starts the lib modules as WeChat starts the app (fresh
// modules, the wx adapter, the network followed) and returns them by name;
// loadPage(route) is one WeChat page object (fake Page(), real setData, as
// pages.cjs builds them). Install the phone (phone.cjs) first, or let
// runOnPhone(label, ready) do it all: the seeded edge under `wrangler dev`,
// the phone, the app, then the registered tests (tests/lib/check.cjs).
'use strict';
const path = require('node:path');
const { run } = require('../lib/check.cjs');
const { startShopEdge } = require('../e2e/edge.cjs');
const { installPhone } = require('./phone.cjs');

const MINIPROGRAM = path.join(__dirname, '..', '..', 'mp-shell', 'miniprogram');
const LIB = path.join(MINIPROGRAM, 'lib');

function launchApp(edgeUrl) {
  for (const id of Object.keys(require.cache)) if (id.startsWith(LIB)) delete require.cache[id];
  const load = (name) => require(path.join(LIB, name));
  const platform = load('platform.js');
  require(path.join(LIB, 'config.js')).edgeUrl = edgeUrl;
  platform.use(load('wx-platform.js').wxPlatform(globalThis.wx));
  load('network.js').watchHost();
  load('cart.js').watch();
  return Object.fromEntries(['shop', 'stores', 'catalog', 'cart', 'checkout', 'orders', 'session', 'status', 'network']
    .map((n) => [n, load(`${n}.js`)]));
}

function loadPage(route) {
  let def;
  globalThis.Page = (d) => { def = d; };
  const file = path.join(MINIPROGRAM, `${route}.js`);
  delete require.cache[file];
  require(file);
  const page = { ...def, data: JSON.parse(JSON.stringify(def.data)) };
  page.setData = (patch) => {
    for (const [k, v] of Object.entries(patch)) {
      const keys = k.split('.');
      let target = page.data;
      for (const key of keys.slice(0, -1)) target = target[key];
      target[keys[keys.length - 1]] = v;
    }
  };
  return page;
}

/**
 * Start the edge (before the phone: the harness removes fetch), the phone and
 * the app; hand {edge, phone, lib} to `ready`; run the tests; stop the edge
 * and end the process (the pages keep live timers — countdowns, the network
 * watch — as in a running mini-program; the test is over, so the "app" ends).
 */
function runOnPhone(label, ready) {
  const full = `${label} (phone + wrangler dev)`;
  (async () => {
    const edge = await startShopEdge();
    const phone = installPhone({ packageRoot: MINIPROGRAM, platform: 'wechat' });
    globalThis.App = () => {};
    ready({ edge, phone, lib: launchApp(edge.url) });
    try {
      await run(full);
    } finally {
      await edge.stop();
      process.exit();
    }
  })().catch((e) => {
    console.log(`FAIL ${label}: ${(e && e.stack) || e}`);
    console.log(`${full}: 0 passed, 1 failed`);
    process.exitCode = 1;
  });
}

module.exports = { launchApp, loadPage, runOnPhone, MINIPROGRAM };
