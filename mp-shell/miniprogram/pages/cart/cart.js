// 购物车: lines, quantities, selection, warnings, invalid lines apart and the
// core's totals (lib/cart.js). Every tap is one cart operation.
const { shopPage } = require('../../lib/page.js');
const cart = require('../../lib/cart.js');

shopPage({
  data: { loading: true, cart: { lines: [], invalid: [], discounts: [] } },
  onShow() {
    // Shown at once from the phone; then the edge's answer, whose warnings say
    // what changed since (a new price, sold out). Offline the first stays.
    return this.change(() => cart.view())
      .then(() => cart.sync().then(() => this.change(() => cart.view()), () => {}));
  },
  change(step) {
    return this.run(async () => this.setData({ loading: false, cart: await step() }));
  },
  line(e) {
    return this.data.cart.lines[Number(e.currentTarget.dataset.index)];
  },
  plus(e) {
    return this.change(() => cart.step(this.line(e), 1));
  },
  minus(e) {
    return this.change(() => cart.step(this.line(e), -1));
  },
  toggle(e) {
    return this.change(() => cart.toggle(this.line(e)));
  },
  selectAll() {
    return this.change(() => cart.selectAll(true));
  },
  clearInvalid() {
    return this.change(() => cart.clearInvalid());
  },
  checkout() {
    wx.navigateTo({ url: '/pages/checkout/checkout' });
  },
});
