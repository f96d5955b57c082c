// 登录 login: the platform's one-time code (wx.login) exchanged at the edge
// (POST /v1/auth/login) for the project's own session token, kept in the
// host storage under `shop:session` and sent by api.js on user routes.
//
// Invariants: the token is the only secret the shell holds (the platform's
// session_key never reaches it); an expired or refused token (401) is
// forgotten, so the next user action logs in again.
const platform = require('./platform.js');
const api = require('./api.js');

const KEY = 'shop:session';
let current = null;
const loginListeners = [];

function read() {
  if (current === null) {
    const text = platform.get().storage.get(KEY);
    try {
      current = text ? JSON.parse(text) : {};
    } catch {
      current = {};
    }
    api.setToken(current.token);
  }
  return current;
}

function save(value) {
  current = value;
  api.setToken(value.token);
  if (value.token) platform.get().storage.set(KEY, JSON.stringify(value));
  else platform.get().storage.remove(KEY);
}

function loggedIn() {
  return Boolean(read().token);
}

/** The pricing engine's `customer` for this shopper ({} for a guest). */
function customer() {
  return read().customer || {};
}

/** Keep GET /v1/me's `customer`: what the edge prices this shopper with. */
function remember(me) {
  save({ ...read(), customer: me.customer });
}

/**
 * Ask the edge who the shopper is for pricing (GET /v1/me: member tier,
 * points, new customer) and remember it, so the page's quotes price the same
 * person the edge's checkout does; offline the remembered one stands.
 */
async function refreshCustomer() {
  try {
    remember(await withLogin(() => api.get('/v1/me')));
  } catch (e) {
    if (e.code !== 'NETWORK_ERROR') throw e;
  }
  return customer();
}

/** Log in; resolves to the stored session {token, user_id, expires_at}. */
async function login() {
  const code = await platform.get().loginCode();
  const answer = await api.post('/v1/auth/login', { code }, { auth: false });
  save({ token: answer.token, user_id: answer.user_id, expires_at: answer.expires_at });
  remember(await api.get('/v1/me')); // member prices and 新人 coupons from the first page on
  for (const fn of loginListeners) await fn(current);
  return current;
}

/** fn(session) after every login, awaited (the cart moves to the user's). */
function onLogin(fn) {
  loginListeners.push(fn);
}

/** Forget the session (logout, or the edge said 401). */
function forget() {
  save({});
}

/** Run `call` logged in: logs in first if needed, and once more after a 401. */
async function withLogin(call) {
  if (!loggedIn()) await login();
  try {
    return await call();
  } catch (e) {
    if (e.status !== 401) throw e;
    forget();
    await login();
    return call();
  }
}

module.exports = { customer, refreshCustomer, login, onLogin, withLogin };
