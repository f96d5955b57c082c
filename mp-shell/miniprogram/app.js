// The app: installs the WeChat platform adapter, starts loading the wasm
// core at launch, follows the network (offline banner, sync when it returns).
const platform = require('./lib/platform.js');
const { wxPlatform } = require('./lib/wx-platform.js');
const network = require('./lib/network.js');
const cart = require('./lib/cart.js');

App({
  /** @type {Promise<any> | null} the wasm core, loading from launch on (getApp().core) */
  core: null,
  onLaunch() {
    platform.use(wxPlatform(wx));
    network.watchHost();
    cart.watch();
    this.core = platform.get().loadCore();
  },
});
