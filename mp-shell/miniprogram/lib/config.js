// Where the mini-program finds the edge API. In WeChat DevTools with
// "不校验合法域名" (urlCheck: false in project.config.json) the local
// `make dev` worker works as it is; a release build points at the deployed
// worker's HTTPS origin (added to the mini-program's request domain list).
module.exports = { edgeUrl: 'http://127.0.0.1:8787' };
