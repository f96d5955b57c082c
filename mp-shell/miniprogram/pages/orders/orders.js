// 订单: the shopper's orders (logs in through wx.login and the edge first).
const { shopPage } = require('../../lib/page.js');
const orders = require('../../lib/orders.js');

shopPage({
  data: { loading: true, orders: [] },
  onShow() {
    return this.run(async () => this.setData({ loading: false, orders: await orders.list() }));
  },
  open(e) {
    wx.navigateTo({ url: `/pages/order/order?id=${encodeURIComponent(e.currentTarget.dataset.id)}` });
  },
});
