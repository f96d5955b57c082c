// Online / offline as the page should show it, and who to tell when it
// changes. Two sources: the host's network events and the outcome of every
// edge call (api.js reports each one), so "online" means the edge answers.
//
// Invariant: listeners run once per change, never for a repeated state.
const platform = require('./platform.js');

let online = true;
const listeners = [];

function report(isOnline) {
  if (isOnline === online) return;
  online = isOnline;
  for (const fn of listeners.slice()) fn(online);
}

function isOnline() {
  return online;
}

/** fn(online) on every change; returns the function that unsubscribes. */
function subscribe(fn) {
  listeners.push(fn);
  return () => {
    const i = listeners.indexOf(fn);
    if (i >= 0) listeners.splice(i, 1);
  };
}

/** Follow the host's own network events (called once at start-up). */
function watchHost() {
  platform.get().onNetworkChange(report);
}

module.exports = { report, isOnline, subscribe, watchHost };
