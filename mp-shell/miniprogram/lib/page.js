// What every WeChat page shares: the status strip (offline, pending
// changes) while the page is shown, and errors shown as "CODE: message".
// Pages stay thin: they call lib modules and setData what those return.
const status = require('./status.js');
const { errorText } = require('./format.js');

/** Page() with the status strip wired to onShow/onHide and a guarded run(). */
function shopPage(def) {
  return Page({
    ...def,
    data: { status: { text: '', online: true, pending: 0 }, error: '', ...def.data },
    onShow() {
      this.stopStatus = status.watch((s) => this.setData({ status: s }));
      if (def.onShow) return def.onShow.call(this);
      return undefined;
    },
    onHide() {
      if (this.stopStatus) this.stopStatus();
      if (def.onHide) def.onHide.call(this);
    },
    onUnload() {
      if (this.stopStatus) this.stopStatus();
      if (def.onUnload) def.onUnload.call(this);
    },
    /** Run an async step; its error is shown on the page, never thrown. */
    async run(step) {
      try {
        this.setData({ error: '' });
        return await step();
      } catch (e) {
        this.setData({ error: errorText(e), loading: false });
        return undefined;
      }
    },
  });
}

module.exports = { shopPage };
