// The node:http agent every test client shares. workerd's HTTP server closes
// a keep-alive connection idle for 5 s; node's default agent keeps idle
// sockets for 5 s too, so a request written at that moment meets the close
// (ECONNRESET; measured: 18 of 100 POSTs sent 4.8 s after a burst). Like
// undici (fetch, 4 s) and browsers, this agent lets idle sockets go well
// before the server does.
'use strict';
const http = require('node:http');

const agent = new http.Agent({ keepAlive: true, timeout: 2000 });

module.exports = { agent };
