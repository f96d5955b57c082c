// The *web package* (wasm-client/pkg-web, what H5 pages import) in headless
// Chromium driven by playwright-core: every vector through `callJson` must be
// byte-identical to the native reference. `node tests/browser/web-package.cjs`
'use strict';
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('../../scripts/node_modules/playwright-core');
const { loadVectors, loadReference, checkResponse, report } = require('../lib/vectors.cjs');
const { launchChromium } = require('../lib/chromium.cjs');

const PKG = path.join(__dirname, '..', '..', 'wasm-client', 'pkg-web');
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

function serve() {
  const server = http.createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<!doctype html><title>web package</title>');
    }
    const file = path.join(PKG, path.normalize(req.url.replace(/^\/pkg\//, '')));
    if (!file.startsWith(PKG) || !fs.existsSync(file)) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

(async () => {
  const server = await serve();
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const vectors = loadVectors();
    const texts = await page.evaluate(async (vs) => {
      const core = await import('/pkg/commerce_wasm.js');
      await core.default();
      return vs.map((v) => {
        try {
          return core.callJson(v.op, JSON.stringify(v.request));
        } catch (e) {
          return JSON.stringify({ error: { code: e.code, message: e.message } });
        }
      });
    }, vectors.map(({ op, request }) => ({ op, request })));
    const reference = loadReference();
    const { failed } = report('browser web package (Chromium)', vectors.map((v, i) => ({
      name: v.name,
      problems: checkResponse(v, texts[i], reference),
    })));
    process.exitCode = failed ? 1 : 0;
  } finally {
    await browser.close();
    server.close();
  }
})().catch((e) => {
  console.log(`FAIL browser web package (Chromium): ${e && e.stack ? e.stack : e}`);
  console.log('browser web package (Chromium): 0 passed, 1 failed');
  process.exitCode = 1;
});
