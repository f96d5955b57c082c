// Where the mini-program finds the edge API. In WeChat DevTools with
// "不校验合法域名" (urlCheck: false in project.config.json) the local
// `make dev` worker works as it is; a release build points at the deployed
// worker's HTTPS origin (added to the mini-program's request domain list).
//
// paySandbox: pay through the local edge's payment sandbox instead of
// wx.requestPayment (the `make dev` edge has no real merchant account, so
// WeChat's payment sheet cannot open on its prepay). Set it to false, with
// the edge's WECHATPAY_* secrets, for real payments.
//
// requestTimeoutMs: how long wx.request waits for the edge (WeChat's default
// is 60 s): past it the call is a NETWORK_ERROR and the pages fall back to
// the phone's copy instead of spinning.
module.exports = { edgeUrl: 'http://127.0.0.1:8787', paySandbox: true, requestTimeoutMs: 8000 };
