// The app: starts loading the wasm core as soon as the mini-program launches.
const { loadCore } = require('./lib/core.js');

App({
  onLaunch() {
    this.core = loadCore();
  },
});
