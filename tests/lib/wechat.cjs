// A stand-in for WeChat on loopback, for the tests and for `make dev`: the
// edge reaches it over real HTTP exactly as it reaches WeChat in production.
//
// - GET  /sns/jscode2session  code-to-session: a code `<user>-<anything>`
//   (or just `<user>`) logs in as openid `openid-<user>`, so every wx.login
//   code of one shopper names the same user; codes starting `bad` and a wrong
//   app secret are refused as WeChat refuses them (errcode 40029).
// - POST /v3/pay/transactions/jsapi  WeChat Pay v3 JSAPI prepay: remembers
//   the order (out_trade_no, amount, notify_url) and answers a prepay_id.
// - POST /v3/refund/domestic/refunds  WeChat Pay v3 refund: one payout per
//   out_refund_no (asking again answers the same refund), and never more
//   back than the transaction's total (400 NOT_ENOUGH, as WeChat refuses).
// - POST /sandbox/pay {out_trade_no}  what the shopper's WeChat does when
//   they confirm wx.requestPayment: the payment succeeds and the signed,
//   encrypted v3 notification is POSTed to the prepay's notify_url (or to
//   `<edge>/v1/pay/notify`, see setEdge). Answers the notify's status.
//
// Keys (the platform key pair that signs notifications, the merchant key pair
// the edge signs with, the APIv3 key) are made here per process.
'use strict';
const crypto = require('node:crypto');
const http = require('node:http');
const { agent } = require('./agent.cjs');
const { URL } = require('node:url'); // the module's own: a phone-like harness removes the global

const APP_SECRET = 'wx-app-secret';
const APIV3_KEY = crypto.randomBytes(16).toString('hex'); // 32 ASCII bytes, as WeChat's
const platform = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const merchant = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const der = (key, type) => key.export({ type, format: 'der' }).toString('base64');

/** A WeChat Pay v3 notification for a transaction, signed with the platform key. */
function notification(transaction, { timestamp = Math.floor(Date.now() / 1000), key = APIV3_KEY, signer = platform.privateKey, eventType = 'TRANSACTION.SUCCESS' } = {}) {
  const nonce = crypto.randomBytes(16).toString('hex');
  const iv = crypto.randomBytes(6).toString('hex'); // 12 ASCII bytes
  const aad = 'transaction';
  const cipher = crypto.createCipheriv('aes-256-gcm', Buffer.from(key), Buffer.from(iv));
  cipher.setAAD(Buffer.from(aad));
  const plain = JSON.stringify({ mchid: '1900000001', appid: 'wx-test-app', trade_state: 'SUCCESS', ...transaction });
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]).toString('base64');
  const body = JSON.stringify({
    id: crypto.randomUUID(),
    create_time: new Date().toISOString(),
    event_type: eventType,
    resource_type: 'encrypt-resource',
    resource: { algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: aad, nonce: iv, original_type: 'transaction' },
  });
  const signature = crypto.sign('sha256', Buffer.from(`${timestamp}\n${nonce}\n${body}\n`), signer).toString('base64');
  return {
    body,
    headers: {
      'wechatpay-timestamp': String(timestamp),
      'wechatpay-nonce': nonce,
      'wechatpay-signature': signature,
      'wechatpay-serial': 'PLATFORM-SERIAL-1',
    },
  };
}

/** POST `body` (text) to `url` over node:http; resolves to {status, text}. */
function post(url, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Start the stand-in. Resolves to {base, seen: {prepay, refunds: [{headers, body}]},
 * setEdge(url), refundedElsewhere(transactionId, fen), pay(outTradeNo), close()}.
 */
function startFakeWeChat() {
  const seen = { prepay: [], refunds: [] };
  const payouts = new Map(); // out_refund_no -> the answer
  let edge = '';
  let paid = 0;

  /** Pay the latest prepay of an order, as the shopper's WeChat would. */
  async function pay(outTradeNo) {
    const prepay = seen.prepay.map((p) => p.body).filter((b) => b.out_trade_no === outTradeNo).at(-1);
    if (!prepay) return { status: 404, text: JSON.stringify({ code: 'ORDER_NOT_EXIST', message: 'no prepay for this order' }) };
    paid += 1;
    const n = notification({
      out_trade_no: outTradeNo,
      transaction_id: `4200000000${String(paid).padStart(8, '0')}`,
      amount: { total: prepay.amount.total, payer_total: prepay.amount.total, currency: 'CNY' },
      payer: prepay.payer,
    });
    return post(prepay.notify_url || `${edge}/v1/pay/notify`, n.body, n.headers);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', async () => {
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/sns/jscode2session') {
        const code = url.searchParams.get('js_code') || '';
        if (url.searchParams.get('secret') !== APP_SECRET || code.startsWith('bad')) {
          return res.end(JSON.stringify({ errcode: 40029, errmsg: 'invalid code' }));
        }
        const user = code.split('-')[0];
        return res.end(JSON.stringify({ openid: `openid-${user}`, session_key: `SESSIONKEY-${user}` }));
      }
      if (url.pathname === '/v3/pay/transactions/jsapi') {
        seen.prepay.push({ headers: req.headers, body: JSON.parse(body) });
        return res.end(JSON.stringify({ prepay_id: `wx-prepay-${JSON.parse(body).out_trade_no}` }));
      }
      if (url.pathname === '/v3/refund/domestic/refunds') {
        const ask = JSON.parse(body);
        seen.refunds.push({ headers: req.headers, body: ask });
        if (!payouts.has(ask.out_refund_no)) {
          const back = [...payouts.values()].filter((p) => p.transaction_id === ask.transaction_id)
            .reduce((sum, p) => sum + p.amount.refund, 0);
          if (back + ask.amount.refund > ask.amount.total) {
            res.statusCode = 400;
            return res.end(JSON.stringify({ code: 'NOT_ENOUGH', message: 'refund exceeds the transaction total' }));
          }
          payouts.set(ask.out_refund_no, {
            refund_id: `50300${String(payouts.size + 1).padStart(8, '0')}`,
            out_refund_no: ask.out_refund_no,
            transaction_id: ask.transaction_id,
            status: 'PROCESSING',
            amount: ask.amount,
          });
        }
        return res.end(JSON.stringify(payouts.get(ask.out_refund_no)));
      }
      if (url.pathname === '/sandbox/pay') {
        try {
          const answer = await pay(JSON.parse(body || '{}').out_trade_no);
          res.statusCode = answer.status;
          return res.end(answer.text);
        } catch (e) {
          res.statusCode = 502;
          return res.end(JSON.stringify({ code: 'NOTIFY_FAILED', message: String(e && e.message) }));
        }
      }
      res.statusCode = 404;
      res.end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const base = `http://127.0.0.1:${server.address().port}`;
    resolve({
      base,
      seen,
      setEdge(url) { edge = url; },
      /** A refund made outside the edge (WeChat's merchant platform): it counts against the total. */
      refundedElsewhere(transactionId, fen) {
        payouts.set(`elsewhere-${payouts.size}`, { transaction_id: transactionId, amount: { refund: fen } });
      },
      pay,
      close: () => new Promise((r) => server.close(r)),
    });
  }));
}

/** The worker's WeChat vars for a stand-in at `base` (plus `extra`). */
function wechatVars(base, extra = {}) {
  return {
    WECHAT_APPID: 'wx-test-app',
    WECHAT_SECRET: APP_SECRET,
    WECHAT_CODE2SESSION_URL: `${base}/sns/jscode2session`,
    WECHATPAY_PREPAY_URL: `${base}/v3/pay/transactions/jsapi`,
    WECHATPAY_REFUND_URL: `${base}/v3/refund/domestic/refunds`,
    WECHATPAY_SANDBOX_URL: `${base}/sandbox/pay`,
    WECHATPAY_MCHID: '1900000001',
    WECHATPAY_APIV3_KEY: APIV3_KEY,
    WECHATPAY_PLATFORM_PUBLIC_KEY: der(platform.publicKey, 'spki'),
    WECHATPAY_PLATFORM_SERIAL: 'PLATFORM-SERIAL-1',
    WECHATPAY_MERCHANT_PRIVATE_KEY: der(merchant.privateKey, 'pkcs8'),
    ...extra,
  };
}

module.exports = { startFakeWeChat, wechatVars, notification, platform, merchant, APIV3_KEY };
