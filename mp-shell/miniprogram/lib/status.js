// The strip every page shows: online or offline, and how many cart changes
// the edge has not confirmed yet. watch(fn) calls fn({online, pending,
// text}) at once and on every change, and returns the function that stops it.
const network = require('./network.js');
const cart = require('./cart.js');

function text(online, pending) {
  const offline = online ? '' : '离线模式 offline — showing saved data';
  const waiting = pending ? `${pending} 项更改待同步 ${pending} change(s) not synced yet` : '';
  return [offline, waiting].filter(Boolean).join(' · ');
}

function watch(fn) {
  let pending = 0;
  const show = () => fn({ online: network.isOnline(), pending, text: text(network.isOnline(), pending) });
  const stopNetwork = network.subscribe(show);
  const stopCart = cart.subscribe((count) => { pending = count; show(); });
  cart.pending().then((count) => { pending = count; show(); }, show);
  return () => { stopNetwork(); stopCart(); };
}

module.exports = { watch };
