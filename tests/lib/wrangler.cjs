// Starts the edge worker under `wrangler dev` (the real workerd runtime) on a
// free loopback port with its own --persist-to directory, and stops it.
// The worker must have been built (scripts/build-edge.sh).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const WRANGLER = path.join(ROOT, 'scripts', 'node_modules', '.bin', 'wrangler');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Start `wrangler dev`. Options: persistTo (dir; a fresh temp dir by
 * default), vars ({NAME: value} passed with --var), port. Resolves to
 * { url, port, persistTo, stop(), logs() } once /v1/health answers.
 */
async function startWorker(options = {}) {
  const port = options.port || (await freePort());
  const inspector = await freePort();
  const persistTo = options.persistTo || fs.mkdtempSync(path.join(os.tmpdir(), 'commerce-edge-'));
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector),
    '--persist-to', persistTo, '--log-level', 'warn', '--show-interactive-dev-session=false'];
  for (const [k, v] of Object.entries(options.vars || {})) args.push('--var', `${k}:${v}`);
  let output = '';
  const child = spawn(WRANGLER, args, {
    cwd: path.join(ROOT, 'edge-worker'),
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    try { process.kill(-child.pid, 'SIGTERM'); } catch { resolve(); }
    setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000).unref();
  });
  const deadline = Date.now() + (options.startTimeoutMs || 60000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/v1/health`);
      if (res.ok) return { url, port, persistTo, stop, logs: () => output };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not answer within the start timeout:\n${output}`);
}

module.exports = { startWorker, freePort, ROOT };
