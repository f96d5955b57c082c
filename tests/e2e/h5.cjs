// End to end: the H5 preview (mp-shell/h5, the mini-program's lib/ page logic
// on the web wasm package) in headless Chromium, against the edge worker
// under `wrangler dev` seeded with the dev data (edge-worker/seed, through
// tests/e2e/edge.cjs), which also serves the preview itself. `node tests/e2e/h5.cjs`
//
// A shopper: chooses a store, adds two SKUs, opens checkout, claims the
// shop's coupons and sees the ones the core picked; the total on the page must equal the edge's own
// quote of the same cart and choices (POST /v1/quote without a catalog: the edge's published storefront); places the order, pays it in
// the dev payment sandbox (the WeChat stand-in signs the notification the
// edge checks) and finds it paid in the order list. Then offline: the edge is stopped, the page still lists
// the cached products and takes a cart change (pending); the edge is started
// again on the same port and state, and the change syncs (the edge's cart
// holds that SKU and quantity). Screenshots of every step: tests/artifacts/h5-*.png.
// Throughout: the page is served with its Content-Security-Policy and frame
// protection (mp-shell/h5/_headers) and nothing in the walk violates it; the
// Chinese text is drawn with a font that has it (not as missing-glyph boxes).
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('../../scripts/node_modules/playwright-core');
const { launchChromium } = require('../lib/chromium.cjs');
const { ROOT } = require('../lib/wrangler.cjs');
const { startShopEdge } = require('./edge.cjs');

const ARTIFACTS = path.join(ROOT, 'tests', 'artifacts');
const SHANGHAI = { latitude: 31.2304, longitude: 121.4737 }; // WGS-84, as a browser reports it
// A code point no font has a glyph for (the last one of plane 16's private use area).
const NO_GLYPH = '\u{10FFFD}';
let passed = 0;
let failed = 0;

async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL h5 ${name}\n  ${(e && e.stack) || e}`);
    throw e;
  }
}

/** A Content-Security-Policy header as {directive: [sources]}. */
function parseCsp(header) {
  return Object.fromEntries(String(header || '').split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0])
    .map(([name, ...sources]) => [name.toLowerCase(), sources]));
}

/**
 * In the page: '' if the tab bar's Chinese characters are drawn with real
 * glyphs, else what is wrong. Each distinct character is drawn on a canvas
 * with the tab's computed font, and so is NO_GLYPH. Without a CJK font
 * Chromium draws every one of them as the same missing-glyph box, so a
 * character that looks like NO_GLYPH, or like another character, is a box.
 * (Checked to fail: with the tab's font replaced by `15px NoSuchFont` on a
 * machine without fonts-wqy-zenhei, and on the real page before that font was
 * installed; it passes once the font is there.)
 */
function missingGlyphs(noGlyph) {
  const tab = document.querySelector('.tabbar a');
  const chars = [...new Set(document.querySelector('.tabbar').textContent.match(/\p{Script=Han}/gu) || [])];
  if (!chars.length) return 'no Chinese text in the tab bar to check';
  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 64;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const draw = (c) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = getComputedStyle(tab).font;
    ctx.textBaseline = 'top';
    ctx.fillText(c, 8, 8);
    return ctx.getImageData(0, 0, 64, 64).data.join();
  };
  const box = draw(noGlyph);
  const seen = new Map();
  const boxes = [];
  for (const c of chars) {
    const pixels = draw(c);
    if (pixels === box || seen.has(pixels)) boxes.push(seen.has(pixels) ? `${c} (drawn like ${seen.get(pixels)})` : c);
    seen.set(pixels, c);
  }
  return boxes.length ? `drawn as missing-glyph boxes with font "${ctx.font}": ${boxes.join(', ')}` +
    ' (no CJK font installed? scripts/setup.sh installs fonts-wqy-zenhei)' : '';
}

(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const edge = await startShopEdge();
  const browser = await launchChromium(chromium);
  const page = await browser.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // CSP violations, as the page's own securitypolicyviolation events and as
  // Chromium's console lines ("Refused to ..."), across every navigation.
  const violations = [];
  await page.exposeFunction('__h5CspViolation', (text) => violations.push(text));
  await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => window.__h5CspViolation(
    `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || '?'}:${e.lineNumber}`)));
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
  await page.context().grantPermissions(['geolocation']);
  await page.context().setGeolocation(SHANGHAI);
  const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `h5-${name}.png`), fullPage: true });
  try {
    let served = null;
    let storeId = '';
    await step('choose a store', async () => {
      served = await page.goto(`${edge.url}/#/stores`);
      await page.locator('.store').first().waitFor();
      await shot('1-stores');
      storeId = await page.locator('.store').first().getAttribute('data-id');
      await page.locator('.store').first().click();
      await page.waitForURL(/#\/catalog/);
    });

    await step('the page is served with its CSP, nosniff and frame protection, and has an icon', async () => {
      const headers = served.headers();
      const csp = parseCsp(headers['content-security-policy']);
      const script = csp['script-src'] || [];
      assert.ok(script.includes("'self'") && script.includes("'wasm-unsafe-eval'"), `script-src: ${script.join(' ')}`);
      for (const [name, sources] of Object.entries(csp)) {
        for (const weak of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'blob:']) {
          // data: is fine for images only
          if (!(weak === 'data:' && name === 'img-src')) assert.ok(!sources.includes(weak), `${name} allows ${weak}`);
        }
      }
      assert.deepEqual(csp['default-src'], ["'self'"]);
      assert.deepEqual(csp['object-src'], ["'none'"]);
      assert.deepEqual(csp['base-uri'], ["'self'"]);
      assert.equal(headers['x-content-type-options'], 'nosniff');
      // The two frame protections say the same: never framed, or only by the page's own origin.
      const frame = { "'none'": 'DENY', "'self'": 'SAMEORIGIN' }[(csp['frame-ancestors'] || []).join(' ')];
      assert.ok(frame, `frame-ancestors: ${csp['frame-ancestors']}`);
      assert.equal(headers['x-frame-options'], frame);
      assert.ok(headers['referrer-policy'], 'no Referrer-Policy');
      // The browser asks for /favicon.ico on its own; the page links the SVG one.
      const linked = await page.locator('link[rel=icon]').evaluate((l) => l.href);
      for (const url of [`${edge.url}/favicon.ico`, linked]) {
        const res = await fetch(url);
        assert.equal(res.status, 200, url);
        assert.match(res.headers.get('content-type') || '', /^image\//, url);
      }
    });

    const added = [];
    await step('add two SKUs from the catalog', async () => {
      await page.locator('.product').first().waitFor();
      for (const product of (await page.locator('.product').all()).slice(0, 2)) {
        added.push(await product.getAttribute('data-product'));
        await product.locator('[data-action=add]').click();
        await page.locator('[data-testid=toast]').waitFor();
      }
      await shot('2-catalog');
      await page.goto(`${edge.url}/#/cart`);
      await page.locator('.line').nth(1).waitFor();
      assert.equal(await page.locator('.line').count(), 2);
      await shot('3-cart');
    });

    let payable = '';
    await step('checkout shows the coupons the core picked and the edge agrees on the total', async () => {
      await page.locator('[data-action=go][data-to=checkout]').click();
      await page.locator('[data-testid=payable]').waitFor();
      while (await page.locator('[data-action=claim]').count()) {
        const claims = await page.locator('[data-action=claim]').count();
        await page.locator('[data-action=claim]').first().click();
        await page.waitForFunction((n) => document.querySelectorAll('[data-action=claim]').length < n, claims);
      }
      await page.locator('[data-testid=payable]').waitFor();
      const withoutPoints = await page.locator('[data-testid=payable]').innerText();
      // The H5 shopper (openid-h5 at the WeChat stand-in, as under `make dev`) holds points: use them.
      assert.equal((await edge.admin('POST', '/v1/admin/session', { openid: 'openid-h5', points: 500 })).status, 200);
      await page.locator('[data-action=points]').click();
      await page.waitForFunction((before) => document.querySelector('[data-testid=payable]')?.innerText !== before, withoutPoints);
      assert.match(await page.locator('[data-action=points]').innerText(), /☑/);
      payable = await page.locator('[data-testid=payable]').innerText();
      const applied = await page.locator('.coupon[data-applied=true]').count();
      assert.ok(applied >= 1, 'no coupon pre-selected');
      await shot('4-checkout');
      // The same cart and choices, priced by the edge with its own published
      // storefront: no catalog and no rules from the page, only what the shopper brings.
      const request = await page.evaluate(() => window.__h5.lastCheckoutRequest());
      const { lines, coupons, coupon_selection, use_points, customer, now } = request;
      const quote = await edge.call('POST', '/v1/quote', { lines, coupons, coupon_selection, use_points, customer, now });
      assert.equal(quote.status, 200, JSON.stringify(quote.body));
      const fen = quote.body.payable;
      assert.equal(payable, `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`);
    });

    let orderId = '';
    await step('place the order, pay (dev payment sandbox), find it paid in the order list', async () => {
      await page.locator('[data-action=submit]').click();
      await page.locator('[data-testid=order-id]').waitFor();
      orderId = await page.locator('[data-testid=order-id]').innerText();
      assert.match(await page.locator('[data-testid=order-status]').innerText(), /paid/);
      assert.equal(await page.locator('[data-action=pay]').count(), 0, 'a paid order offers no pay button');
      await shot('5-order');
      await page.goto(`${edge.url}/#/orders`);
      const listed = page.locator(`.order[data-to="order/${orderId}"]`);
      await listed.waitFor();
      assert.match(await listed.locator('[data-testid=order-status]').innerText(), /paid/);
      await shot('6-orders');
    });

    let offlineLines = [];
    await step('offline: cached products listed, a cart change is kept pending', async () => {
      await edge.stopWorker();
      await page.evaluate(() => { window.location.hash = '#/catalog'; });
      await page.locator('.product').first().waitFor();
      assert.match(await page.locator('#view').innerText(), /saved catalog/);
      const product = await page.locator('.product').first().getAttribute('data-product');
      await page.locator('.product').first().locator('[data-action=add]').click();
      await page.locator('#status').filter({ hasText: 'not synced' }).waitFor();
      await shot('7-offline');
      // The ordered lines left the cart: it holds just the SKU added offline, once.
      await page.evaluate(() => { window.location.hash = '#/cart'; });
      await page.locator('.line').first().waitFor();
      offlineLines = await page.locator('.line').evaluateAll((els) => els.map((el) => [el.dataset.sku, Number(el.querySelector('[data-testid=qty]').textContent)]));
      const storefront = JSON.parse(fs.readFileSync(path.join(ROOT, 'edge-worker', 'seed', 'storefront.json'), 'utf8'));
      const skus = storefront.catalog.products.find((p) => p.id === product).skus.map((s) => s.id);
      assert.equal(offlineLines.length, 1, JSON.stringify(offlineLines));
      assert.ok(skus.includes(offlineLines[0][0]) && offlineLines[0][1] === 1, JSON.stringify(offlineLines));
    });

    await step('edge back: the pending change syncs', async () => {
      await edge.restart();
      await page.locator('#status').waitFor({ state: 'hidden', timeout: 30000 });
      const { token, clientId } = await page.evaluate(() => window.__h5.identity());
      const pulled = await edge.call('POST', `/v1/cart/sync?client_id=${clientId}`, { mutations: [] }, token);
      assert.equal(pulled.status, 200, JSON.stringify(pulled.body));
      assert.deepEqual(pulled.body.cart.lines.map((l) => [l.sku_id, l.quantity]), offlineLines, JSON.stringify(pulled.body.cart));
      await page.goto(`${edge.url}/#/cart`);
      await page.locator('.line').first().waitFor();
      await shot('8-synced');
    });
    await step('pickup at the chosen store: the edge names the store, no fee; staff mark it ready; the shopper sees the pickup code', async () => {
      await page.locator('[data-action=go][data-to=checkout]').click();
      await page.locator('[data-testid=payable]').waitFor();
      await page.locator('[data-action=pickup]').click();
      await page.locator('[data-testid=serving-store]').filter({ hasText: storeId }).waitFor();
      assert.match(await page.locator('[data-action=pickup]').innerText(), /☑/);
      await shot('9-pickup');
      await page.locator('[data-action=submit]').click();
      await page.locator('[data-testid=order-fulfilment]').waitFor();
      assert.match(await page.locator('[data-testid=order-fulfilment]').innerText(), new RegExp(`自提.*${storeId}`));
      const id = await page.locator('[data-testid=order-id]').innerText();
      assert.match(await page.locator('[data-testid=order-status]').innerText(), /paid/);
      const staff = await edge.admin('POST', '/v1/admin/staff', { store_id: storeId, name: 'h5' });
      assert.equal(staff.status, 200, JSON.stringify(staff.body));
      for (const step of ['accept', 'ready']) {
        const r = await edge.call('POST', `/v1/staff/orders/${id}/${step}`, {}, staff.body.token);
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      await page.reload();
      await page.locator('[data-testid=pickup-code]').waitFor();
      assert.match(await page.locator('[data-testid=pickup-code]').innerText(), /^[0-9]{6}$/);
      assert.match(await page.locator('[data-testid=order-status]').innerText(), /ready/);
      await shot('10-pickup-code');
    });
    await step('no uncaught error in the page', async () => assert.deepEqual(errors, []));
    await step('no CSP violation during the walk', async () => assert.deepEqual(violations, []));
    await step('the Chinese text is drawn with real glyphs (readable screenshots)', async () => {
      const problem = await page.evaluate(missingGlyphs, NO_GLYPH);
      assert.equal(problem, '', problem);
    });
  } catch {
    // the failing step is reported above
  } finally {
    await browser.close();
    await edge.stop();
    console.log(`h5 end to end (Chromium + wrangler dev): ${passed} passed, ${failed} failed`);
    process.exitCode = failed ? 1 : 0;
  }
})().catch((e) => {
  console.log(`FAIL h5 end to end: ${(e && e.stack) || e}`);
  console.log('h5 end to end (Chromium + wrangler dev): 0 passed, 1 failed');
  process.exitCode = 1;
});
