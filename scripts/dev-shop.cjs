// The local shop behind `make dev`: the edge worker under `wrangler dev` on
// 127.0.0.1:$PORT (default 8787) with its state in .wrangler-dev/, seeded
// with edge-worker/seed/*.json, and a loopback stand-in for WeChat (login
// and WeChat Pay with its sandbox: tests/lib/wechat.cjs) so logging in and
// paying work without WeChat (the same set-up the shop tests use:
// tests/e2e/edge.cjs). Runs until Ctrl-C.
'use strict';
const path = require('node:path');
const { startShopEdge } = require('../tests/e2e/edge.cjs');

const ROOT = path.join(__dirname, '..');
const port = Number(process.env.PORT || 8787);

(async () => {
  const edge = await startShopEdge({ persistTo: path.join(ROOT, '.wrangler-dev'), port });
  // The H5 preview's logins name openid-h5 at the WeChat stand-in: the same
  // shopper as the curl token below, with points to spend.
  const session = await edge.admin('POST', '/v1/admin/session', { openid: 'openid-h5', points: 5000 });
  const url = `http://127.0.0.1:${port}`;
  console.log(`
  H5 shop:       ${url}/   (the mini-program's pages in a browser; log in is automatic,
                 payment goes through the local WeChat Pay sandbox)
  Edge worker:   ${url}/v1/health
  Try a quote:   curl -s -X POST ${url}/v1/quote -d @mp-shell/miniprogram/lib/demo-cart.json
  As a shopper:  curl -s ${url}/v1/orders -H 'authorization: Bearer ${session.body.token}'
                 (the H5 shopper "openid-h5": 5000 points, sees the same orders)
  Mini-program:  open mp-shell/ in WeChat DevTools (the wasm is in miniprogram/wasm/pkg/)
  API reference: docs/api.md
  Stop:          Ctrl-C (state stays in .wrangler-dev/)
`);
  const stop = async () => {
    await edge.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
})().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
