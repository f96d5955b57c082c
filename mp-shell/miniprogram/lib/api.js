// The edge HTTP client (docs/api.md): JSON in, JSON out, one promise per call.
//
// Every failure becomes an ApiError {code, message, status, body}:
// - the edge's own `{"error": {code, message}}` keeps its code (PRICE_CHANGED,
//   UNAUTHORIZED, ...) and the whole body (a 409 carries the new quote);
// - no answer at all is NETWORK_ERROR with status 0.
// Each outcome is reported to network.js, so the offline banner follows what
// the edge really answers. The session token, when there is one, is sent as
// `Authorization: Bearer`. revalidate() is the conditional GET of a cached
// snapshot: `If-None-Match` out, 304 "not modified" or a new body and its
// `ETag` back.
const platform = require('./platform.js');
const network = require('./network.js');

class ApiError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {number} status the HTTP status, 0 when nothing answered
   * @param {any} body the edge's answer
   */
  constructor(code, message, status, body) {
    super(message);
    this.code = code;
    this.status = status;
    this.body = body;
  }
}

let token = '';

function setToken(value) {
  token = value || '';
}

/**
 * @typedef {object} RequestOptions
 * @property {any} [body] sent as JSON
 * @property {Record<string, string>} [headers] names lower-case
 * @property {boolean} [auth] send the session token (default true)
 */

/**
 * The edge's answer {status, data, headers}; only transport failures throw.
 * @param {string} method
 * @param {string} path
 * @param {RequestOptions} options
 */
async function exchange(method, path, { body, headers = {}, auth = true }) {
  const host = platform.get();
  /** @type {Record<string, string>} */
  const all = { 'content-type': 'application/json', ...headers };
  if (auth && token) all.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await host.request({ method, url: host.edgeUrl + path, headers: all, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    network.report(false);
    throw new ApiError('NETWORK_ERROR', `no answer from the edge: ${(e && e.message) || e}`, 0, null);
  }
  network.report(true);
  return res;
}

/** @param {import('./platform.js').HostResponse} res */
function failure(res) {
  const err = (res.data && res.data.error) || {};
  return new ApiError(err.code || `HTTP_${res.status}`, err.message || `HTTP ${res.status}`, res.status, res.data);
}

/**
 * @param {string} method
 * @param {string} path
 * @param {RequestOptions} [options]
 */
async function request(method, path, options = {}) {
  const res = await exchange(method, path, options);
  if (res.status >= 200 && res.status < 300) return res.data;
  throw failure(res);
}

/**
 * GET `path` unless the copy tagged `etag` is still current. Resolves to
 * {notModified: true} (304) or {data, etag} (etag '' when the edge sent none).
 * @param {string} path
 * @param {string} etag '' for none
 * @returns {Promise<{notModified?: boolean, data?: any, etag?: string}>}
 */
async function revalidate(path, etag) {
  const res = await exchange('GET', path, { headers: etag ? { 'if-none-match': etag } : {} });
  if (res.status === 304) return { notModified: true };
  if (res.status >= 200 && res.status < 300) return { data: res.data, etag: (res.headers || {}).etag || '' };
  throw failure(res);
}

module.exports = {
  setToken,
  revalidate,
  /** @type {(path: string, options?: RequestOptions) => Promise<any>} */
  get: (path, options) => request('GET', path, options),
  /** @type {(path: string, body: any, options?: RequestOptions) => Promise<any>} */
  post: (path, body, options) => request('POST', path, { ...options, body }),
};
