// `wrangler dev` for the tests, run as its own process by tests/lib/wrangler.cjs:
// wrangler's own dev server (its DevEnv, the code behind the `wrangler dev`
// command: same config, bundling, KV/D1/Durable Objects in workerd, same
// --persist-to layout), started through wrangler's programmatic API so that
// it can say where the worker's workerd listens.
//
// Why the tests talk to workerd's own socket and not to wrangler's port:
// `wrangler dev` puts a second workerd in front of the worker (its
// ProxyWorker). That proxy keeps idle keep-alive connections to the worker's
// workerd, whose HTTP server closes a connection idle for ~5 s. A request the
// proxy writes onto such a connection at that moment fails (EPIPE/ECONNRESET);
// the proxy does not retry it unless it is a GET or HEAD, and - comparing a URL
// with a path to one without - reports it as "Your worker restarted
// mid-request" with a plain-text 503. Measured here: 200 POSTs sent 3.5-4.6 s
// after a burst of 200 lost 14-87 of them; at 0-3 s or 5+ s none. Upstream:
// cloudflare/workers-sdk#14641 (the cadence), #14593 (the misleading message);
// newer wranglers retry only bodyless requests, and need Node 22. Production
// has no such proxy, so the tests skip it; undici (fetch) drops idle sockets
// after 4 s, before workerd does.
//
// The address the tests use, `port`, is a plain TCP pipe to workerd's own
// socket (one upstream connection per client connection, no pooling, so
// every keep-alive close reaches the client as it happened; at most 64 at
// once, see UPSTREAM below); it stays the same across restarts, while
// workerd's own port changes with each start.
//
// Prints one JSON line on stdout once the worker answers:
//   {"url": "http://127.0.0.1:<port>", "runtime": "<workerd's own socket>", "proxy": "<wrangler's port>"}
// argv[2]: JSON options {port (0 or absent: any free one; the announced url
// says which), wranglerPort, persistTo, vars, logLevel}.
// Stops on SIGTERM.
'use strict';
const net = require('node:net');
const path = require('node:path');
const { unstable_DevEnv: DevEnv } = require('../../scripts/node_modules/wrangler');

const ROOT = path.join(__dirname, '..', '..');
const options = JSON.parse(process.argv[2] || '{}');

(async () => {
  // The pipe listens first, before wrangler and workerd start: a port chosen
  // earlier and left free until the worker is up (seconds on a loaded
  // machine) can be taken meanwhile by workerd's own ephemeral sockets or
  // any other process (seen: EADDRINUSE). Connections that arrive before
  // workerd is known wait for it.
  let reached;
  const targetKnown = new Promise((resolve) => { reached = resolve; });
  // At most UPSTREAM connections reach workerd at once; the others wait
  // here, their request bytes unread, as they would wait in Cloudflare's
  // front end. Cause (measured, tests/edge/flash.cjs under 6 busy loops):
  // workerd's HTTP server (KJ's HttpServerSettings) aborts a connection
  // whose request it has not read 15 s after accepting it (headerTimeout);
  // with 550 connections accepted at once, a CPU-starved workerd reached
  // some of them only after that and reset 69 of them (ECONNRESET, request
  // written, nothing read, 15.08 s after accept). Bounded, every accepted
  // connection is read at once.
  const UPSTREAM = 64;
  let open = 0;
  const waiting = [];
  const next = () => {
    while (open < UPSTREAM && waiting.length) waiting.shift()();
  };
  const pipe = net.createServer((client) => {
    client.pause();
    waiting.push(() => targetKnown.then((target) => {
      open += 1;
      let done = false;
      const upstream = net.connect(Number(target.port), target.hostname);
      const opened = Date.now();
      const close = () => {
        client.destroy();
        upstream.destroy();
        if (!done) {
          done = true;
          open -= 1;
          next();
        }
      };
      // Said in this process's log (the stage's wrangler log), so that a
      // client's "socket hang up" can be traced to its side of the pipe.
      const failed = (side) => (e) => {
        console.error(`[pipe] ${side} ${e.code || e.message} (client ${client.remotePort}; to workerd ${upstream.bytesWritten} B written, ${upstream.bytesRead} B read, ${Date.now() - opened} ms after connect)`);
        close();
      };
      client.on('error', failed('client'));
      upstream.on('error', failed('workerd'));
      client.on('close', close);
      upstream.on('close', close);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    }));
    next();
  });
  await new Promise((resolve, reject) => {
    pipe.once('error', reject);
    pipe.listen(options.port || 0, '127.0.0.1', resolve);
  });
  const devEnv = new DevEnv();
  let found;
  const runtimeUrl = new Promise((resolve) => { found = resolve; });
  const dispatch = devEnv.dispatch.bind(devEnv);
  devEnv.dispatch = (event) => {
    if (event.type === 'reloadComplete') {
      const u = event.proxyData.userWorkerUrl;
      found(`${u.protocol}//${u.hostname}:${u.port}`);
    }
    dispatch(event);
  };
  const bindings = {};
  for (const [name, value] of Object.entries(options.vars || {})) bindings[name] = { type: 'plain_text', value: String(value) };
  const worker = await devEnv.startWorker({
    config: path.join(ROOT, 'edge-worker', 'wrangler.toml'),
    bindings,
    dev: {
      server: { hostname: '127.0.0.1', port: options.wranglerPort },
      inspector: false,
      persist: options.persistTo,
      logLevel: options.logLevel || 'warn',
      // Nothing is rebuilt or reloaded under a test: a file written during a
      // run (an artefact, a screenshot) must not restart the worker.
      watch: false,
      liveReload: false,
      // The scheduled handler can be called (POST /cdn-cgi/handler/scheduled).
      testScheduled: true,
    },
  });
  await worker.ready;
  const proxy = (await worker.url).origin;
  const runtime = await runtimeUrl;
  reached(new URL(runtime));
  const url = `http://127.0.0.1:${pipe.address().port}`;
  process.stdout.write(`${JSON.stringify({ url, runtime, proxy })}\n`);
  const stop = async () => {
    try { await worker.dispose(); } finally { process.exit(0); }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
})().catch((e) => {
  console.error(`wrangler dev failed: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
