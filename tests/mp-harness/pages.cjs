// The mini-program project itself on the phone-like runtime:
// `node tests/mp-harness/pages.cjs`
// - every page listed in app.json (main package and subpackages) has its
//   .js/.json/.wxml/.wxss files;
// - app.js and the pages run with fake App()/Page() and WXWebAssembly only,
//   and the index page renders the core's quote of the demo cart — the same
//   request as vector quote-basic-two-lines, so the shown total is checked
//   against that vector's expectation.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { installPhone } = require('./phone.cjs');
const { test, run } = require('../lib/check.cjs');

const ROOT = path.join(__dirname, '..', '..');
const MINIPROGRAM = path.join(ROOT, 'mp-shell', 'miniprogram');
installPhone({ packageRoot: MINIPROGRAM, platform: 'wechat' });

const app = JSON.parse(fs.readFileSync(path.join(MINIPROGRAM, 'app.json'), 'utf8'));
const allPages = [
  ...app.pages,
  ...(app.subpackages || []).flatMap((s) => s.pages.map((p) => `${s.root}/${p}`)),
];

// Fake App()/Page(): capture the definitions, give pages a real setData.
let appInstance = null;
const pageDefs = {};
let currentPage = null;
globalThis.App = (def) => { appInstance = def; };
globalThis.getApp = () => appInstance;
globalThis.Page = (def) => { pageDefs[currentPage] = def; };

function loadPage(route) {
  currentPage = route;
  require(path.join(MINIPROGRAM, `${route}.js`));
  const def = pageDefs[route];
  const page = { ...def, data: JSON.parse(JSON.stringify(def.data || {})) };
  page.setData = (patch) => Object.assign(page.data, patch);
  return page;
}

test('every page in app.json has js, json, wxml and wxss', () => {
  for (const route of allPages) {
    for (const ext of ['js', 'json', 'wxml', 'wxss']) {
      assert.ok(fs.existsSync(path.join(MINIPROGRAM, `${route}.${ext}`)), `${route}.${ext}`);
    }
  }
});

test('app launches and starts loading the core', async () => {
  require(path.join(MINIPROGRAM, 'app.js'));
  appInstance.onLaunch();
  const core = await appInstance.core;
  assert.match(core.version(), /^\d+\.\d+\.\d+$/);
});

test('index page renders the demo cart priced by the core', async () => {
  const page = loadPage('pages/index/index');
  await page.onLoad();
  assert.equal(page.data.error, '');
  const vector = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'vectors', 'quote-basic-two-lines.json'), 'utf8'));
  const fen = vector.expect.ok.payable;
  assert.equal(page.data.payable, `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`);
  assert.equal(page.data.lines.length, vector.request.lines.length);
});

test('about page (in the wasm subpackage) lists the operations', async () => {
  const page = loadPage('wasm/pages/about/about');
  await page.onLoad();
  assert.ok(page.data.operations.includes('quote'));
});

run('mini-program pages');
