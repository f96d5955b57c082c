// About: the core's version and operations (lives in the `core` subpackage
// with the wasm, so opening it also proves the subpackage loads).
const { loadCore } = require('../../../lib/core.js');

Page({
  data: { version: '', operations: [] },
  async onLoad() {
    const core = await loadCore();
    this.setData({ version: core.version(), operations: core.operations() });
  },
});
