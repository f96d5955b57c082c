// Starts the edge worker under `wrangler dev` (the real workerd runtime) on a
// free loopback port with its own --persist-to directory, and stops it.
// The worker must have been built (scripts/build-edge.sh).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const LAUNCHER = path.join(__dirname, 'wrangler-dev.cjs');

/**
 * Start `wrangler dev` (tests/lib/wrangler-dev.cjs: wrangler's dev server,
 * reached at workerd's own socket through a TCP pipe on `port`; see there
 * why). Options: persistTo (dir; a fresh temp dir by default), vars
 * ({NAME: value}, as `--var`), port (stable across restarts). Resolves to
 * { url, runtime (workerd's own socket, for load benchmarks), port,
 * persistTo, stop(), logs(), logFile } once /v1/health answers.
 * wrangler's and workerd's own output goes to
 * target/test-logs/<TEST_STAGE>-wrangler-<pid>.log. Without `port` the
 * launcher listens on any free one before wrangler starts (no window in
 * which another socket can take it).
 */
async function startWorker(options = {}) {
  const ownDir = !options.persistTo;
  const persistTo = options.persistTo || fs.mkdtempSync(path.join(os.tmpdir(), 'commerce-edge-'));
  const launch = {
    // 0: wrangler's proxy (unused by the tests) takes any free port itself.
    port: options.port || 0, wranglerPort: 0, persistTo, vars: options.vars || {},
    logLevel: process.env.WRANGLER_LOG_LEVEL || 'warn',
  };
  const logDir = path.join(ROOT, 'target', 'test-logs');
  fs.mkdirSync(logDir, { recursive: true });
  let output = '';
  const child = spawn(process.execPath, [LAUNCHER, JSON.stringify(launch)], {
    cwd: path.join(ROOT, 'edge-worker'),
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const logFile = path.join(logDir, `${process.env.TEST_STAGE || 'edge'}-wrangler-${child.pid}.log`);
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  let announced = null;
  child.stdout.on('data', (d) => {
    output += d;
    log.write(d);
    const line = output.split('\n').find((l) => l.startsWith('{"url"'));
    if (line && !announced) announced = JSON.parse(line);
  });
  child.stderr.on('data', (d) => { output += d; log.write(d); });
  // A state directory made here goes away with the worker.
  const cleanUp = () => { if (ownDir) fs.rmSync(persistTo, { recursive: true, force: true }); };
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) { cleanUp(); return resolve(); }
    child.once('exit', () => { cleanUp(); resolve(); });
    try { process.kill(-child.pid, 'SIGTERM'); } catch { resolve(); }
    setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000).unref();
  });
  const deadline = Date.now() + (options.startTimeoutMs || 60000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output}`);
    if (announced) {
      try {
        const res = await fetch(`${announced.url}/v1/health`);
        const port = Number(new URL(announced.url).port);
        if (res.ok) return { url: announced.url, runtime: announced.runtime, port, persistTo, stop, logs: () => output, logFile };
      } catch { /* not up yet */ }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not answer within the start timeout:\n${output}`);
}

module.exports = { startWorker, ROOT };
