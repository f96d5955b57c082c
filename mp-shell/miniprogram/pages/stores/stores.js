// 门店: nearest stores for the shopper's location (lib/stores.js); without a
// fix, the approximate or saved list with its notice.
const { shopPage } = require('../../lib/page.js');
const stores = require('../../lib/stores.js');

shopPage({
  data: { loading: true, mode: '', stores: [], unavailable: [], source: '', notice: '', chosen: '' },
  onShow() {
    return this.load();
  },
  load() {
    this.setData({ loading: true, chosen: stores.chosen() });
    return this.run(async () => {
      const found = await stores.nearby({ mode: this.data.mode });
      this.setData({ loading: false, ...found });
    });
  },
  setMode(e) {
    this.setData({ mode: e.currentTarget.dataset.mode });
    return this.load();
  },
  choose(e) {
    stores.choose(e.currentTarget.dataset.id);
    wx.switchTab({ url: '/pages/catalog/catalog' });
  },
});
