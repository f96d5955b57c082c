// The node:http agent every test client shares: a new connection per
// request (no keep-alive). workerd's HTTP server closes a keep-alive
// connection idle for 5 s, and a request a client writes on a pooled
// connection at that moment meets the close (ECONNRESET / "socket hang up";
// measured: 18 of 100 POSTs sent 4.8 s after a burst with node's 5 s pool).
// A shorter pool timeout (2 s, and undici's 4 s) only narrows the window:
// on a loaded 2-core machine the client's timers lag behind workerd's and
// the flash sale's first request after its 550-request burst still met the
// close (scripts/soak.sh during a clean-clone make test). Without reuse
// there is no idle connection to lose; a loopback connect costs ~0.1 ms.
'use strict';
const http = require('node:http');

const agent = new http.Agent({ keepAlive: false });

/**
 * One HTTP request through `agent`, answered like fetch's Response as far
 * as the tests use it: {status, headers (a Headers), text}. The edge tests'
 * client uses this instead of fetch, whose undici pool reuses idle
 * connections ("UND_ERR_SOCKET other side closed" after the flash sale's
 * burst, the same race as above). Headers whose value is undefined are
 * left out.
 */
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const sent = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined));
    const req = http.request(url, { agent, method, headers: sent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        const all = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of [].concat(value)) all.append(name, v);
        }
        resolve({ status: res.statusCode, headers: all, text });
      });
      res.on('error', reject);
    });
    req.on('error', (e) => reject(new Error(`${method} ${url}: ${e.code || ''} ${e.message}`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}
module.exports = { agent, request };
